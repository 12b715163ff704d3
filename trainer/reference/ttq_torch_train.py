#!/usr/bin/python3
"""CIFAR-10 ResNet-20 training in PyTorch with ttq-train's recipe on ttq-train's split
(docs/TRAINER.md, "FP parity with PyTorch"): what PyTorch reaches on this data, to compare with
`make train-cifar-fp` (and, with --ttq-epochs, `make train-cifar`'s TTQ phase: ttq-train's
begin_quantized, momentum kept, Wp / Wn at lr * --scale-lr-mult, one-cycle from --lr-ttq). The
networks, optimizer groups, quantizer and augmentation are ttq_torch.py's.

  ttq_torch_train.py --epochs 10 --seed 1 --report build/reports/parity-torch-s1.json
  ttq_torch_train.py --epochs 10 --seed 1 --save-fp fp.pt      # then, the same as one 20-epoch run:
  ttq_torch_train.py --epochs 10 --seed 1 --from-fp fp.pt --ttq-epochs 10 --report ...

Recipe (the Makefile's CIFAR_RECIPE): SGD, Nesterov momentum 0.9, weight decay 5e-4 on the conv /
linear weights only, PyTorch's OneCycleLR stepped per iteration (peak 0.1, 15% warm-up), batch 128,
random crop (zero padding 4 in pixel space) + flip, inputs x / 255. Trained on the first 45,000
images of data_batch_1..5, evaluated on the last 5,000 ("heldout") and the test images present.
Options select what a usual PyTorch CIFAR script does differently: --init torch (nn.Conv2d /
nn.Linear's own init instead of ttq-train's He-normal), --normalize (per-channel mean / std),
--cycle-momentum (OneCycleLR's default momentum cycling 0.95 -> 0.85 -> 0.95).
Exit code 77 with a printed reason when torch is not installed (ttq_torch.py).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ttq_torch as ref  # noqa: E402 (exits 77 without torch)

torch, F = ref.torch, ref.F
HELDOUT = 5000
# Per-channel mean / std of the CIFAR-10 training images in [0, 1] (the usual constants).
CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def load_cifar(data_dir):
    """ttq-train's splits (common/src/dataset.cpp load_cifar): train, heldout, test."""
    dirs = ([data_dir] if data_dir else []) + ref.data_dirs()
    for d in dirs:
        base = os.path.join(d, "cifar-10-batches-bin")
        files = [os.path.join(base, f"data_batch_{i}.bin") for i in range(1, 6)]
        if not all(os.path.isfile(f) for f in files):
            continue
        parts = [ref.read_cifar_bin(f) for f in files]
        x, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        splits = {"train": (x[:-HELDOUT], y[:-HELDOUT]), "heldout": (x[-HELDOUT:], y[-HELDOUT:])}
        for name, split in (("test_batch.bin", "test"), ("test_batch_first1000.bin",
                                                         "test-first1000")):
            if os.path.isfile(os.path.join(base, name)):
                splits[split] = ref.read_cifar_bin(os.path.join(base, name))
                break
        return splits
    raise SystemExit("cifar10: data_batch_1..5.bin not found under cifar-10-batches-bin in: " +
                     ", ".join(dirs))


def torch_init(net):
    """nn.Conv2d / nn.Linear.reset_parameters: kaiming_uniform_(a = sqrt(5)) on the weight, i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    for layer, _ in net.names.values():
        torch.nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5))
        if layer.bias is not None:
            bound = 1 / math.sqrt(layer.weight[0].numel())
            torch.nn.init.uniform_(layer.bias, -bound, bound)


def to_input(xb, normalize):
    x = torch.from_numpy(np.ascontiguousarray(xb).astype(np.float32) / 255.0)
    if normalize:
        x = (x - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)) / torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return x


def evaluate(net, x, y, normalize):
    net.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for s in range(0, len(x), 500):
            out = net(to_input(x[s:s + 500], normalize))
            t = torch.from_numpy(y[s:s + 500])
            loss += float(F.cross_entropy(out, t, reduction="sum"))
            correct += int((out.argmax(1) == t).sum())
    net.train()
    return {"acc": correct / len(x), "loss": loss / len(x), "n": len(x)}


def recipe_optimizer(net, a, total_steps):
    """The recipe's optimizer and scheduler (stepped per iteration) for a phase of total_steps
    iterations; a holds lr, momentum, weight_decay and cycle_momentum."""
    opt = ref.make_optimizer(net, a.lr, a.momentum, a.weight_decay, True, 0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total_steps,
                                                pct_start=0.15, cycle_momentum=a.cycle_momentum)
    return opt, sched


def train_step(net, opt, sched, xb, t):
    """One training iteration: returns the logits and the mean loss."""
    out = net(xb)
    loss = F.cross_entropy(out, t)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    return out, loss


def run_epochs(net, opt, sched, a, gen, splits, first, count, history, phase):
    """count epochs of the recipe's loop (data order and crops drawn from gen), numbered from
    first + 1; each epoch's figures are appended to history."""
    x, y = splits["train"]
    for epoch in range(first, first + count):
        order, t0, seen, correct, loss_sum = gen.permutation(len(x)), time.perf_counter(), 0, 0, 0.0
        for s in range(0, len(x), a.batch):
            idx = order[s:s + a.batch]
            xb = to_input(ref.augment(x[idx], a.crop_pad, gen), a.normalize)
            t = torch.from_numpy(y[idx])
            out, loss = train_step(net, opt, sched, xb, t)
            seen += len(idx)
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == t).sum())
        secs = time.perf_counter() - t0
        ev = {k: evaluate(net, *splits[k], a.normalize) for k in splits if k != "train"}
        history.append({"epoch": epoch + 1, "phase": phase, "train_loss": loss_sum / seen,
                        "train_acc": correct / seen, "seconds": secs, "images_per_s": seen / secs,
                        "eval": ev})
        print(f"{phase} epoch {epoch + 1}/{a.epochs + a.ttq_epochs} loss {loss_sum / seen:.4f} "
              f"train {100 * correct / seen:.2f}% "
              + " ".join(f"{k} {100 * v['acc']:.2f}%" for k, v in ev.items())
              + f" {seen / secs:.0f} img/s", flush=True)


def save_fp(path, net, momentum, gen, history):
    """The state at the end of the FP phase: weights, BN statistics, momentum buffers (in
    net.parameters() order), the data generator and the history, so that --from-fp continues
    exactly as one run would."""
    state = {"net": net.state_dict(), "gen": gen.bit_generator.state, "history": history,
             "momentum": momentum}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def ttq_phase(net, a, momentum, total_steps):
    """ttq-train's quantized phase: Net::begin_quantized (ref.begin_ttq at threshold t), the
    latent weights keep their momentum (Wp / Wn start from none), Wp / Wn at lr * scale-lr-mult,
    one-cycle over the phase from --lr-ttq."""
    ref.begin_ttq(net, t=a.ttq_t)
    opt = ref.make_optimizer(net, a.lr_ttq, a.momentum, a.weight_decay, True, a.scale_lr_mult)
    for p, buf in zip(net.parameters(), momentum):
        if buf is not None:
            opt.state[p]["momentum_buffer"] = buf.clone()
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=total_steps, pct_start=0.15,
        cycle_momentum=a.cycle_momentum)
    return opt, sched


def train(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = np.random.default_rng(a.seed)
    splits = load_cifar(a.data_dir)
    net = ref.make_net("resnet20", 3, 32, 10)
    if a.init == "torch":
        torch_init(net)
    if a.train_limit:
        splits["train"] = tuple(v[:a.train_limit] for v in splits["train"])
    if a.eval_limit:
        splits.update({k: tuple(v[:a.eval_limit] for v in splits[k])
                       for k in splits if k != "train"})
    iters = math.ceil(len(splits["train"][0]) / a.batch)
    if a.from_fp:
        try:
            state = torch.load(a.from_fp)
            net.load_state_dict(state["net"])
        except (OSError, RuntimeError, KeyError, EOFError) as e:
            raise SystemExit(f"--from-fp {a.from_fp}: not an FP-phase state of this script ({e})")
        if len(state["history"]) != a.epochs:
            raise SystemExit(f"--from-fp {a.from_fp}: saved after {len(state['history'])} FP "
                             f"epochs, not --epochs {a.epochs}")
        gen.bit_generator.state = state["gen"]
        history, momentum = state["history"], state["momentum"]
    else:
        opt, sched = recipe_optimizer(net, a, a.epochs * iters)
        history = []
        run_epochs(net, opt, sched, a, gen, splits, 0, a.epochs, history, "fp")
        momentum = [opt.state[p].get("momentum_buffer") for p in net.parameters()]
        if a.save_fp:
            save_fp(a.save_fp, net, momentum, gen, history)
    if a.ttq_epochs:
        opt, sched = ttq_phase(net, a, momentum, a.ttq_epochs * iters)
        run_epochs(net, opt, sched, a, gen, splits, a.epochs, a.ttq_epochs, history, "ttq")
    return history


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10, help="full-precision epochs")
    ap.add_argument("--ttq-epochs", type=int, default=0, help="TTQ epochs after them")
    ap.add_argument("--lr-ttq", type=float, default=0.01)
    ap.add_argument("--ttq-t", type=float, default=0.05, help="TTQ threshold factor")
    ap.add_argument("--scale-lr-mult", type=float, default=0.01, help="Wp / Wn lr factor")
    ap.add_argument("--save-fp", default="", help="write the state at the end of the FP phase here")
    ap.add_argument("--from-fp", default="", help="start the TTQ phase from a --save-fp state")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--crop-pad", type=int, default=4)
    ap.add_argument("--init", default="he-normal", choices=["he-normal", "torch"])
    ap.add_argument("--normalize", action="store_true", help="per-channel mean / std inputs")
    ap.add_argument("--cycle-momentum", action="store_true", help="OneCycleLR's momentum cycling")
    ap.add_argument("--train-limit", type=int, default=0, help="first N training images (0: all)")
    ap.add_argument("--eval-limit", type=int, default=0, help="first N images of each eval split")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--report", default="", help="write the history and final figures here (JSON)")
    a = ap.parse_args()
    if min(a.ttq_epochs, a.train_limit, a.eval_limit, a.scale_lr_mult) < 0 or not a.lr_ttq > 0 \
            or not 0 < a.ttq_t < 1:
        raise SystemExit("--ttq-epochs, --train-limit, --eval-limit, --scale-lr-mult must be >= 0, "
                         "--lr-ttq > 0, --ttq-t in (0, 1)")
    if a.from_fp and not a.ttq_epochs:
        raise SystemExit("--from-fp: nothing to train without --ttq-epochs")
    if a.epochs < 1 or a.batch < 2 or a.threads < 1 or a.crop_pad < 0 or not a.lr > 0:
        raise SystemExit("--epochs, --threads must be >= 1, --batch >= 2, --crop-pad >= 0, "
                         "--lr > 0")
    for opt, path in (("--report", a.report), ("--save-fp", a.save_fp)):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise SystemExit(f"{opt} {path}: directory does not exist")
    history = train(a)
    report = {"config": {k: v for k, v in vars(a).items()
                         if k not in ("report", "data_dir", "save_fp", "from_fp")},
              "torch": torch.__version__, "history": history, "final": history[-1]["eval"]}
    if a.report:
        tmp = a.report + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=1)
        os.replace(tmp, a.report)
    print(json.dumps({"final": report["final"]}))


if __name__ == "__main__":
    main()
