#!/usr/bin/python3
"""Lockstep comparison of ttq-train's full-precision CIFAR-10 training with PyTorch's: replays the
K iterations written by ttq-train-lockstep (tests/trainer/lockstep.cpp) from the same initial
weights on the same images and crops, with ttq_torch_train.py's optimizer (torch.optim.SGD,
Nesterov, weight decay on conv / linear weights only) and OneCycleLR over K iterations, and
compares after every iteration the loss and the learning rate, at the end every parameter, its
momentum buffer and the BN running statistics, and the inference-mode logits of ttq-train's final
weights. The probed iterations (--probe of ttq-train-lockstep) are also run alone from ttq-train's
state before them: their updates must agree, free of the drift of the whole trajectory. The data
pipeline is checked on the way: every ttq-train batch must be, pixel for pixel,
torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip of its source images at the crop
ttq-train drew (top = 4 + dy, left = 4 + dx, or 4 - dx when flipped), and the crops' offsets and
flips are tallied.

  ttq_torch_lockstep.py FILE [--also-float64] [--also-perturbed REL] [--report OUT.json]

--also-float64 replays a second time in float64: the float32-vs-float64 drift of PyTorch itself
is the scale of what roundoff alone does to the trajectory; --also-perturbed replays from slightly
perturbed weights: another trajectory of the same dynamics. Exit 1 when a figure exceeds its
limit, 77 (skipped) without torch.
"""
import argparse
import json
import os
import sys
import warnings
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ttq_torch as ref  # noqa: E402 (exits 77 without torch)
import ttq_torch_train as recipe  # noqa: E402

torch = ref.torch
INV255 = np.float32(1.0 / 255.0)  # make_batch: pixel * (1.0f / 255.0f)


def to_input(u8, dtype=torch.float32):
    """A uint8 NCHW batch as make_batch's input: pixel * (1.0f / 255.0f)."""
    return torch.from_numpy(u8.astype(np.float32) * INV255).to(dtype)


def net_from(meta, b, prefix):
    """The recipe's network with the state prefix* of the bundle b loaded."""
    net = ref.make_net(meta["config"]["model"], 3, 32, 10)
    ref.load_into(net, b, prefix)
    return net


def optimizer(meta, net):
    """The recipe's optimizer and OneCycleLR over the K iterations, with ttq-train's settings."""
    c = meta["config"]
    a = SimpleNamespace(lr=c["lr_fp"], momentum=c["momentum"], weight_decay=c["weight_decay"],
                        cycle_momentum=False)
    return recipe.recipe_optimizer(net, a, meta["steps"])


def accuracy(net, held, n):
    return float((eval_logits(net, held, n).argmax(1).numpy() == held[1][:n]).mean())


def checksum(u8):
    """lockstep.cpp pixel_checksum: sum of (position + 1) * pixel over NCHW, mod 2^64."""
    v = u8.reshape(-1).astype(np.uint64)
    return int((v * np.arange(1, v.size + 1, dtype=np.uint64)).sum(dtype=np.uint64))


class Batches:
    """The uint8 batches of every iteration, rebuilt on demand from the source images and
    ttq-train's crops with torchvision's crop-then-flip."""

    def __init__(self, meta, b, x):
        self.x, self.pad = x, meta["config"]["crop_pad"]
        self.idx = b["batch.index"].numpy().astype(np.int64)
        self.dy, self.dx = (b[k].numpy().astype(np.int64) for k in ("batch.dy", "batch.dx"))
        self.flip = b["batch.flip"].numpy() > 0.5
        self.top = self.pad + self.dy
        self.left = np.where(self.flip, self.pad - self.dx, self.pad + self.dx)
        self.start = np.cumsum([0] + [r["n"] for r in meta["iterations"]])

    def __len__(self):
        return len(self.start) - 1

    def __getitem__(self, k):
        sl = slice(self.start[k], self.start[k + 1])
        return ref.crop_flip(self.x[self.idx[sl]], self.pad, self.top[sl], self.left[sl],
                             self.flip[sl]), self.idx[sl]

    def check(self, meta, b):
        """Each batch against ttq-train's pixel checksum, the first against its input tensor, and
        the tally of the crops."""
        bad = [k for k, r in enumerate(meta["iterations"]) if checksum(self[k][0]) != r["checksum"]]
        first = to_input(self[0][0])
        p = self.pad
        return {"dy": np.bincount(self.dy + p, minlength=2 * p + 1).tolist(),
                "dx": np.bincount(self.dx + p, minlength=2 * p + 1).tolist(),
                "flip": float(self.flip.mean()), "draws": int(self.idx.size),
                "batches_differing": bad, "input0_identical": bool(torch.equal(first,
                                                                                b["input0"]))}


def replay(meta, b, batches, y, dtype, threads, perturb=0.0, perturb_seed=1):
    """The K iterations in PyTorch from ttq-train's initial state (its weights times
    1 + perturb * N(0, 1), noise seed perturb_seed, if perturb): per-iteration losses and
    learning rates, the final net and optimizer."""
    torch.set_num_threads(threads)
    net = net_from(meta, b, "init.")
    if perturb:
        gen = torch.Generator().manual_seed(perturb_seed)
        with torch.no_grad():
            for layer, _ in net.names.values():
                layer.weight.mul_(1 + perturb * torch.randn(layer.weight.shape, generator=gen))
    net = net.to(dtype)
    net.train()
    opt, sched = optimizer(meta, net)
    losses, lrs = [], []
    for k in range(len(batches)):
        u8, idx = batches[k]
        lrs.append(opt.param_groups[0]["lr"])
        _, loss = recipe.train_step(net, opt, sched, to_input(u8, dtype), torch.from_numpy(y[idx]))
        losses.append(float(loss))
    return np.array(losses), np.array(lrs), net, opt


def probe_step(meta, b, batches, y, k, threads):
    """Iteration k alone in PyTorch (float32) from ttq-train's state before it: parameters, BN
    statistics, momentum buffers, the scheduler advanced to k. Returns the loss and, per kind, the
    worst relative difference of PyTorch's change of a tensor from ttq-train's change (post - pre):
    one iteration's update compared free of the drift that precedes it."""
    torch.set_num_threads(threads)
    net = net_from(meta, b, f"pre.{k}.")
    net.train()
    opt, sched = optimizer(meta, net)
    with warnings.catch_warnings():  # stepping the schedule without optimizer steps is the point
        warnings.simplefilter("ignore")
        for _ in range(k):
            sched.step()
    for name, t in ref.state_map(net).items():
        if k > 0 and isinstance(t, torch.nn.Parameter) and f"pre.{k}.{name}.momentum" in b:
            opt.state[t]["momentum_buffer"] = b[f"pre.{k}.{name}.momentum"].reshape(t.shape).clone()
    u8, idx = batches[k]
    lr = opt.param_groups[0]["lr"]
    _, loss = recipe.train_step(net, opt, sched, to_input(u8), torch.from_numpy(y[idx]))
    after = final_state(net, opt)
    pre = {n: b[f"pre.{k}.{n}"].double().reshape(-1) for n in after}
    post = {n: b[f"post.{k}.{n}"].double().reshape(-1) for n in after}
    worst = state_diff({n: after[n] - pre[n] for n in after}, {n: post[n] - pre[n] for n in after})
    return {"iteration": k, "lr": lr, "loss_torch": float(loss),
            "loss_ttq_train": meta["iterations"][k]["loss"], "update": worst}


def final_state(net, opt):
    """name -> tensor of the net's parameters, BN statistics and (name.momentum) momentum."""
    out = {}
    for name, t in ref.state_map(net).items():
        if name.endswith((".wp", ".wn")):
            continue
        out[name] = t.detach().double().reshape(-1)
        if isinstance(t, torch.nn.Parameter):
            out[name + ".momentum"] = opt.state[t]["momentum_buffer"].double().reshape(-1)
    return out


def state_diff(a, b):
    """Per kind, the worst relative L2 difference and the worst max|diff| / max|b| over the tensors
    present in both. Kinds: weight (conv / linear weights), affine (biases, BN gamma / beta),
    their momentum buffers (weight.m, affine.m), bn (running statistics)."""
    worst = {}
    for name, t in b.items():
        kind = "bn" if name.endswith(("running_mean", "running_var")) else \
            "weight" if name.endswith((".w", ".w.momentum")) else "affine"
        kind += ".m" if name.endswith(".momentum") else ""
        d = (a[name] - t).abs()
        rel_l2 = float(d.norm() / max(float(t.norm()), 1e-30))
        rel_max = float(d.max() / max(float(t.abs().max()), 1e-30))
        w = worst.setdefault(kind, {"rel_l2": 0.0, "rel_max": 0.0, "tensor": ""})
        if rel_l2 > w["rel_l2"]:
            w["rel_l2"], w["tensor"] = rel_l2, name
        w["rel_max"] = max(w["rel_max"], rel_max)
    return worst


def eval_logits(net, held, n):
    net.eval()
    with torch.no_grad():
        out = torch.cat([net(to_input(held[0][s:min(n, s + 500)])) for s in range(0, n, 500)])
    net.train()
    return out


def inference_check(meta, b, held, trained):
    """ttq-train's final weights loaded into PyTorch, in eval mode, on the same held-out images:
    the largest logit difference relative to the largest logit; the accuracies of ttq-train's
    final weights (ttq-train's own logits) and of PyTorch's (trained: the replayed net)."""
    net = net_from(meta, b, "final.")
    n, ttq = meta["eval"]["n"], b["eval.logits"]
    out = eval_logits(net, held, n)
    return {"logits_rel_max": float((out - ttq).abs().max() / ttq.abs().max()),
            "ttq_train_acc": meta["eval"]["acc"], "n": n,
            "torch_trained_acc": accuracy(trained, held, n)}


def compare(a):
    b = ref.read_bundle(a.file)
    meta = json.loads(open(a.file + ".json").read())
    c = meta["config"]
    if c["model"] != "resnet20" or c["schedule"] != "onecycle" or not c.get("nesterov", False):
        raise SystemExit(f"{a.file}.json: the recipe's replay needs resnet20, onecycle, nesterov")
    splits = recipe.load_cifar("")
    x, y = splits["train"]
    if c["train_limit"] > 0:
        x, y = x[:c["train_limit"]], y[:c["train_limit"]]
    batches = Batches(meta, b, x)
    tally = batches.check(meta, b)
    ttq_loss = np.array([r["loss"] for r in meta["iterations"]])
    ttq_lr = np.array([r["lr"] for r in meta["iterations"]])
    loss, lrs, net, opt = replay(meta, b, batches, y, torch.float32, a.threads)
    ttq_state = {k[len("final."):]: v.double().reshape(-1) for k, v in b.items()
                 if k.startswith("final.")}
    mine = final_state(net, opt)
    r = {"steps": len(loss), "data": tally,
         "lr_rel_max": float(np.abs(lrs - ttq_lr).max() / ttq_lr.max()),
         "loss_absdiff": np.abs(loss - ttq_loss).tolist(),
         "ttq_train_loss": ttq_loss.tolist(), "torch_loss": loss.tolist(),
         "state": state_diff(mine, ttq_state), "inference": inference_check(meta, b,
                                                                           splits["heldout"], net)}
    r["probes"] = [probe_step(meta, b, batches, y, k, a.threads) for k in meta["probes"]]
    seconds = {"float64": (torch.float64, 0.0)} if a.also_float64 else {}
    if a.also_perturbed:
        seconds["perturbed"] = (torch.float32, a.also_perturbed)
    for key, (dtype, eps) in seconds.items():
        loss2, _, net2, opt2 = replay(meta, b, batches, y, dtype, a.threads, eps, a.perturb_seed)
        st2 = final_state(net2, opt2)
        r[key] = {"loss": loss2.tolist(), "loss_absdiff_vs_torch32": np.abs(loss2 - loss).tolist(),
                  "loss_absdiff_vs_ttq_train": np.abs(loss2 - ttq_loss).tolist(),
                  "state_vs_torch32": state_diff(mine, st2),
                  "state_vs_ttq_train": state_diff(ttq_state, st2),
                  "acc": accuracy(net2, splits["heldout"], meta["eval"]["n"])}
    return meta, r


def verdict(a, r):
    """The failed limits (strings), given the comparison r. The whole trajectory is not among them:
    from the first iterations on, roundoff (a pre-ReLU value on the other side of 0) is amplified
    by the training dynamics, and PyTorch's own float32 and float64 runs drift apart as fast
    (--also-float64). A difference in the update rule shows in single iterations instead."""
    d, early = r["data"], max(r["loss_absdiff"][:2])
    checks = [
        (not d["batches_differing"], f"batches whose pixels differ: {d['batches_differing'][:10]}"),
        (d["input0_identical"], "the first batch's input tensor differs"),
        (r["lr_rel_max"] <= 1e-6, f"learning rate differs by {r['lr_rel_max']:.3g} (relative)"),
        (early <= a.tol_early_loss, f"loss differs by {early:.3g} in the first 2 iterations"),
        (r["inference"]["logits_rel_max"] <= 1e-4,
         f"inference logits differ by {r['inference']['logits_rel_max']:.3g} (relative)"),
    ]
    for p in r["probes"]:
        k = p["iteration"]
        checks.append((abs(p["loss_torch"] - p["loss_ttq_train"]) <= 1e-5 * p["loss_ttq_train"],
                       f"iteration {k}: loss {p['loss_ttq_train']:.6g} vs {p['loss_torch']:.6g}"))
        for q, v in p["update"].items():
            tol = a.tol_bn if q == "bn" else a.tol_update
            checks.append((v["rel_l2"] <= tol, f"iteration {k}: {q} update differs by "
                           f"{v['rel_l2']:.3g} > {tol:g} (relative L2, {v['tensor']})"))
    return [msg for ok, msg in checks if not ok]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="bundle written by ttq-train-lockstep (FILE.json beside it)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--also-float64", action="store_true", help="the roundoff scale, see above")
    ap.add_argument("--also-perturbed", type=float, default=0.0, metavar="REL",
                    help="replay again in float32 from the initial weights times "
                    "1 + REL * N(0, 1): another trajectory of the same dynamics (its spread)")
    ap.add_argument("--perturb-seed", type=int, default=1, help="noise seed of --also-perturbed")
    ap.add_argument("--tol-early-loss", type=float, default=1e-4,
                    help="limit of |loss difference| in the first 2 iterations")
    ap.add_argument("--tol-update", type=float, default=2e-2,
                    help="limit of a probed iteration's relative L2 update difference (weights, "
                    "biases, BN gamma / beta and their momentum)")
    ap.add_argument("--tol-bn", type=float, default=1e-3,
                    help="the same for the BN running statistics")
    ap.add_argument("--report", default="", help="write the comparison here (JSON)")
    a = ap.parse_args()
    meta, r = compare(a)
    s, d, inf = r["state"], r["data"], r["inference"]
    ad = np.array(r["loss_absdiff"])
    print(f"lockstep {r['steps']} iterations, batch {meta['config']['batch']}, "
          f"break {meta['break']}: "
          f"loss |diff| first 10 {ad[:10].max():.2e}, max {ad.max():.2e} (last {ad[-1]:.2e}); "
          f"lr rel {r['lr_rel_max']:.1e}")
    print("  final state rel L2 / rel max: " + ", ".join(
        f"{q} {s[q]['rel_l2']:.2e} / {s[q]['rel_max']:.2e}" for q in s))
    print(f"  inference logits rel max {inf['logits_rel_max']:.1e}; {inf['n']} held-out images: "
          f"ttq-train {100 * inf['ttq_train_acc']:.2f}%, PyTorch on the same stream "
          f"{100 * inf['torch_trained_acc']:.2f}%; data: {d['draws']} crops, dy "
          f"{d['dy']}, dx {d['dx']}, flip {d['flip']:.3f}, batches differing "
          f"{len(d['batches_differing'])}")
    for p in r["probes"]:
        print(f"  iteration {p['iteration']} alone (lr {p['lr']:.4g}): loss |diff| "
              f"{abs(p['loss_torch'] - p['loss_ttq_train']):.1e}; update rel L2 " + ", ".join(
                  f"{q} {v['rel_l2']:.1e}" for q, v in p["update"].items()))
    for key in ("float64", "perturbed"):
        if key not in r:
            continue
        f = r[key]
        print(f"  {key} replay (heldout {100 * f['acc']:.2f}%): loss |diff| max vs torch32 "
              f"{max(f['loss_absdiff_vs_torch32']):.2e}, vs ttq-train "
              f"{max(f['loss_absdiff_vs_ttq_train']):.2e}; state rel L2 vs torch32 "
              + ", ".join(f"{q} {v['rel_l2']:.2e}" for q, v in f["state_vs_torch32"].items())
              + "; vs ttq-train " + ", ".join(f"{q} {v['rel_l2']:.2e}"
                                              for q, v in f["state_vs_ttq_train"].items()))
    failed = verdict(a, r)
    if a.report:
        with open(a.report + ".tmp", "w") as f:
            json.dump({"meta": {k: v for k, v in meta.items() if k != "iterations"},
                       "comparison": r, "failed": failed}, f, indent=1)
        os.replace(a.report + ".tmp", a.report)
    for m in failed:
        print("FAIL " + m, file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
