#!/usr/bin/python3
"""PyTorch reference of ttq-train (docs/TRAINER.md), kept beside the C++ trainer as an optional
cross-check the way llm.c keeps train_gpt2.py: the same lenet5 and resnet20 networks, the same TTQ
quantizer and gradients, the same SGD and schedules. Needs Debian's python3-torch
(`make deps-torch`); run with /usr/bin/python3.

  ttq_torch.py bench --model resnet20 --images 5120      training images/s, FP and TTQ phases
  ttq_torch.py gradcheck FILE                           one step's gradients vs ttq-train's
  ttq_torch.py lr-curve ...                              the learning-rate schedule (tests)

The CIFAR-10 FP recipe itself, trained in PyTorch on ttq-train's split: ttq_torch_train.py.

Exit code 77 (the ctest skip code) with a printed reason when torch is not installed.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # optional dependency: the callers skip on 77
    print(f"ttq_torch: skipped: PyTorch is not installed ({e}); `make deps-torch` installs "
          "Debian's python3-torch", file=sys.stderr)
    sys.exit(77)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCALE_FLOOR = 1e-4  # kScaleFloor, quant.hpp


# ---- tensor bundle: the exchange format with ttq-train (writer: tests/trainer/gradstep.cpp) ----
# "TTQB1\n", then per tensor a text line "name ndim d0 d1 ...\n" and prod(d) little-endian float32;
# the last line is "end\n".
def read_bundle(path):
    out = {}
    with open(path, "rb") as f:
        if f.readline() != b"TTQB1\n":
            raise SystemExit(f"{path}: not a tensor bundle (magic TTQB1 missing)")
        while True:
            line = f.readline()
            if not line:
                raise SystemExit(f"{path}: truncated (no 'end' record)")
            parts = line.decode().split()
            if parts == ["end"]:
                return out
            name, nd = parts[0], int(parts[1])
            shape = [int(v) for v in parts[2:2 + nd]]
            count = int(np.prod(shape)) if shape else 1
            data = f.read(4 * count)
            if len(data) != 4 * count:
                raise SystemExit(f"{path}: tensor {name}: truncated data")
            out[name] = torch.from_numpy(np.frombuffer(data, "<f4").copy().reshape(shape))


# ---- TTQ quantizer (quant.hpp): codes on wnorm = w / max|w|, q = +Wp / 0 / -Wn ------------------
def nm_codes(w, n, m):
    o, k = w.shape
    if k % m:
        raise SystemExit(f"N:M {n}:{m}: fan-in {k} not a multiple of {m} (not supported here)")
    g = w.abs().reshape(o, k // m, m)
    top = g.topk(n, dim=2).indices
    keep = torch.zeros_like(g, dtype=torch.bool).scatter_(2, top, True).reshape(o, k)
    return torch.sign(w) * keep


def ttq_codes(flat, t, pattern):
    """The masks {q = +Wp}, {q = -Wn} of a weight matrix [out][fan_in], chosen in float32 exactly
    as ttq-train does (also when the rest runs in float64)."""
    w = flat.float()
    if pattern:
        code = nm_codes(w, *pattern)
    else:
        wnorm = w * (1.0 / w.abs().max().clamp(min=torch.finfo(torch.float32).tiny))
        delta = torch.tensor(t, dtype=torch.float32) * wnorm.abs().max()  # float t, as C++
        code = (wnorm > delta).float() - (wnorm < -delta).float()
    return code > 0, code < 0


class TTQFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, wp, wn, t, pattern):
        flat = w.reshape(w.shape[0], -1)
        wmax = flat.abs().max()
        wmax = wmax if wmax > 0 else torch.ones_like(wmax)
        pos, neg = ttq_codes(flat, t, pattern)
        ctx.save_for_backward(pos, neg, wp, wn, wmax)
        ctx.shape = w.shape
        return (pos * wp - neg * wn).reshape(w.shape)

    @staticmethod
    def backward(ctx, g):
        pos, neg, wp, wn, wmax = ctx.saved_tensors
        g = g.reshape(pos.shape)
        gw = torch.where(pos, wp * g, torch.where(neg, wn * g, g)) / wmax
        return gw.reshape(ctx.shape), g[pos].sum(), -g[neg].sum(), None, None


class QLayer(torch.nn.Module):
    """A conv or linear layer without bias unless asked; quantized when self.quant is set."""

    def __init__(self, cin, cout, k=None, stride=1, pad=0, bias=False, quantizable=True):
        super().__init__()
        self.k, self.stride, self.pad = k, stride, pad
        shape = (cout, cin, k, k) if k else (cout, cin)
        self.weight = torch.nn.Parameter(torch.randn(shape) * math.sqrt(2.0 / (cin * (k or 1) ** 2)))
        self.bias = torch.nn.Parameter(torch.zeros(cout)) if bias else None
        self.quantizable = quantizable
        self.wp = torch.nn.Parameter(torch.tensor(0.0))
        self.wn = torch.nn.Parameter(torch.tensor(0.0))
        self.quant, self.t, self.pattern = False, 0.05, None

    def weights(self):
        if self.quant and self.quantizable:
            self.q = TTQFn.apply(self.weight, self.wp, self.wn, self.t, self.pattern)
            if self.q.requires_grad:
                self.q.retain_grad()  # dL/dq: the summands of dL/dWp, dL/dWn (gradcheck)
            return self.q
        return self.weight

    def forward(self, x):
        w = self.weights()
        if self.k:
            return F.conv2d(x, w, self.bias, self.stride, self.pad)
        return F.linear(x, w, self.bias)


def bn(c, dim=2):
    return torch.nn.BatchNorm2d(c) if dim == 2 else torch.nn.BatchNorm1d(c)


class LeNet5(torch.nn.Module):
    """net.cpp make_net("lenet5"): the node names match ttq-train's."""

    def __init__(self, c, h, classes):
        super().__init__()
        self.conv1, self.bn1 = QLayer(c, 32, 5, 1, 2, quantizable=False), bn(32)
        self.conv2, self.bn2 = QLayer(32, 64, 5), bn(64)
        s = ((h // 2) - 4) // 2
        self.fc1, self.bn3 = QLayer(64 * s * s, 512), bn(512, 1)
        self.fc2 = QLayer(512, classes, bias=True)
        self.names = {"conv1": (self.conv1, self.bn1), "conv2": (self.conv2, self.bn2),
                      "fc1": (self.fc1, self.bn3), "fc2": (self.fc2, None)}

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.fc1(x.flatten(1))))
        return self.fc2(x)


class Block(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = QLayer(cin, cout, 3, stride, 1), bn(cout)
        self.conv2, self.bn2 = QLayer(cout, cout, 3, 1, 1), bn(cout)
        self.stride, self.padc = stride, (cout - cin) // 2

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        sc = x
        if self.stride != 1 or self.padc:  # option A: subsample, zero channels on both sides
            sc = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.padc, self.padc))
        return F.relu(y + sc)


class ResNet20(torch.nn.Module):
    def __init__(self, c, h, classes):
        super().__init__()
        self.conv1, self.bn1 = QLayer(c, 16, 3, 1, 1, quantizable=False), bn(16)
        self.blocks = torch.nn.ModuleList()
        self.names = {"conv1": (self.conv1, self.bn1)}
        cin = 16
        for s in range(3):
            for b in range(3):
                ch = 16 << s
                blk = Block(cin, ch, 2 if s > 0 and b == 0 else 1)
                self.blocks.append(blk)
                self.names[f"s{s + 1}b{b + 1}.conv1"] = (blk.conv1, blk.bn1)
                self.names[f"s{s + 1}b{b + 1}.conv2"] = (blk.conv2, blk.bn2)
                cin = ch
        self.fc = QLayer(64, classes, bias=True)
        self.names["fc"] = (self.fc, None)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for blk in self.blocks:
            x = blk(x)
        return self.fc(x.mean((2, 3)))


def make_net(model, c, h, classes):
    if model == "lenet5":
        return LeNet5(c, h, classes)
    if model == "resnet20":
        return ResNet20(c, h, classes)
    raise SystemExit(f"--model: unknown architecture '{model}' (lenet5, resnet20)")


def begin_ttq(net, t=0.05, pattern=None):
    """Net::begin_quantized: Wp, Wn = mean |wnorm| over the positive / negative set (real units for
    a layer without batch norm after it)."""
    for layer, norm in net.names.values():
        if not layer.quantizable:
            continue
        layer.quant, layer.t, layer.pattern = True, t, pattern
        with torch.no_grad():
            flat = layer.weight.reshape(layer.weight.shape[0], -1)
            wmax = flat.abs().max()
            wnorm = flat / wmax
            pos, neg = ttq_codes(flat, t, pattern)
            allm = wnorm.abs().mean()
            wp = wnorm[pos].mean() if pos.any() else allm
            wn = -wnorm[neg].mean() if neg.any() else allm
            k = 1.0 if norm is not None else float(wmax)
            layer.wp.fill_(max(SCALE_FLOOR, float(wp) * k))
            layer.wn.fill_(max(SCALE_FLOOR, float(wn) * k))


# ---- SGD and schedules (train.cpp) ----------------------------------------------------------------
def lr_at(schedule, base, it, total, warmup=0.15):
    if total <= 0:
        return base
    f = it / total
    if schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * f))
    if schedule == "step":
        return base * (1.0 if f < 0.5 else 0.1 if f < 0.75 else 0.01)
    if schedule == "onecycle":  # PyTorch's own OneCycleLR, which train.cpp's lr_at reproduces
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=base, momentum=0.9)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=base, total_steps=total,
                                                    pct_start=warmup, cycle_momentum=False)
        for _ in range(min(it, total - 1)):
            opt.step()
            sched.step()
        return opt.param_groups[0]["lr"]
    raise SystemExit(f"--schedule: unknown schedule '{schedule}'")


def make_optimizer(net, lr, momentum, wd, nesterov, scale_lr_mult):
    """Weight decay on the latent conv/linear weights only; Wp/Wn at lr * scale_lr_mult."""
    decay, plain, scales = [], [], []
    for name, p in net.named_parameters():
        (scales if name.endswith((".wp", ".wn")) else
         decay if name.endswith(".weight") and p.dim() >= 2 else plain).append(p)
    return torch.optim.SGD([{"params": decay, "weight_decay": wd, "mult": 1.0},
                            {"params": plain, "weight_decay": 0.0, "mult": 1.0},
                            {"params": scales, "weight_decay": 0.0, "mult": scale_lr_mult,
                             "lr": lr * scale_lr_mult}],
                           lr=lr, momentum=momentum, nesterov=nesterov)


def set_lr(opt, lr):
    for g in opt.param_groups:
        g["lr"] = lr * g["mult"]


# ---- data (ttq/dataset.hpp: the same files, the same search path) ----------------------------------
def data_dirs():
    dirs = [os.environ.get("TTQ_DATA", ""), "data", "../shared/data", os.path.join(REPO, "data"),
            os.path.join(REPO, "..", "shared", "data"), "/usr/share/datasets"]
    return [d for d in dirs if d]


def read_cifar_bin(path, limit=None):
    """A CIFAR-10 binary batch: images [N][3][32][32] uint8 and labels (3,073-byte records)."""
    raw = np.fromfile(path, np.uint8)
    if raw.size % 3073:
        raise SystemExit(f"{path}: size {raw.size} is not a multiple of the 3,073-byte record")
    raw = raw.reshape(-1, 3073)[:limit]
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def load_data(name, limit):
    for d in data_dirs():
        if name == "cifar10":
            f = os.path.join(d, "cifar-10-batches-bin", "data_batch_1.bin")
            if os.path.exists(f):
                return read_cifar_bin(f, limit)
        else:
            base = os.path.join(d, name, "train-")
            for ext in ("", ".gz"):
                fi, fl = base + "images-idx3-ubyte" + ext, base + "labels-idx1-ubyte" + ext
                if os.path.exists(fi) and os.path.exists(fl):
                    op = gzip.open if ext else open
                    with op(fi, "rb") as a, op(fl, "rb") as b:
                        img = np.frombuffer(a.read(), np.uint8)[16:].reshape(-1, 1, 28, 28)
                        lab = np.frombuffer(b.read(), np.uint8)[8:].astype(np.int64)
                    return img[:limit], lab[:limit]
    raise SystemExit(f"{name}: training files not found in: {', '.join(data_dirs())}")


def crop_flip(x, pad, top, left, flip):
    """torchvision's RandomCrop(H, padding=pad) then RandomHorizontalFlip of a uint8 batch
    [N][C][H][W] with the given draws: image i is the window at (top[i], left[i]) of the image
    zero-padded by pad, mirrored left-right where flip[i]."""
    n, _, h, w = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty_like(x)
    for i in range(n):
        img = p[i, :, top[i]:top[i] + h, left[i]:left[i] + w]
        out[i] = img[:, :, ::-1] if flip[i] else img
    return out


def augment(x, pad, gen):
    """Random crop (zero padding pad) and horizontal flip of a uint8 batch [N][C][H][W]."""
    n = len(x)
    top, left, flip = gen.integers(0, 2 * pad + 1, n), gen.integers(0, 2 * pad + 1, n), gen.random(n)
    return crop_flip(x, pad, top, left, flip < 0.5)


# ---- commands ---------------------------------------------------------------------------------
def cmd_bench(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = np.random.default_rng(a.seed)
    ds = "cifar10" if a.model == "resnet20" else a.dataset
    x, y = load_data(ds, a.images)
    net = make_net(a.model, x.shape[1], x.shape[2], 10)
    rates = {}
    for phase in ("fp", "ttq"):
        if phase == "ttq":
            begin_ttq(net)
        opt = make_optimizer(net, 0.01, 0.9, 5e-4, False, 0.01)
        net.train()
        order = gen.permutation(len(x))
        seen, t0 = 0, time.perf_counter()
        for s in range(0, len(x) - a.batch + 1, a.batch):
            idx = order[s:s + a.batch]
            xb = torch.from_numpy(augment(x[idx], a.crop_pad, gen).astype(np.float32) / 255.0)
            loss = F.cross_entropy(net(xb), torch.from_numpy(y[idx]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                for layer, _ in net.names.values():
                    layer.wp.clamp_(min=SCALE_FLOOR), layer.wn.clamp_(min=SCALE_FLOOR)
            seen += len(idx)
        rates[phase] = seen / (time.perf_counter() - t0)
    print(json.dumps({"model": a.model, "torch": torch.__version__, "threads": a.threads,
                      "batch": a.batch, "images_per_phase": seen,
                      "fp_images_per_s": rates["fp"], "ttq_images_per_s": rates["ttq"]}))


def state_map(net):
    """net's parameters and BN running statistics keyed by ttq-train's names (Net::params(),
    Net::buffers()): the parameters first, then the buffers."""
    params, buffers = {}, {}
    for name, (layer, norm) in net.names.items():
        params[name + ".w"] = layer.weight
        if layer.bias is not None:
            params[name + ".bias"] = layer.bias
        if layer.quantizable:
            params[name + ".wp"], params[name + ".wn"] = layer.wp, layer.wn
        if norm is not None:
            params[name + ".gamma"], params[name + ".beta"] = norm.weight, norm.bias
            buffers[name + ".running_mean"] = norm.running_mean
            buffers[name + ".running_var"] = norm.running_var
    return {**params, **buffers}


def load_into(net, b, prefix=""):
    """Copies ttq-train's state from bundle b (tensors prefix + name) into net: every weight, bias
    and BN gamma / beta (required), the TTQ scales and BN running statistics where present."""
    with torch.no_grad():
        for name, t in state_map(net).items():
            if prefix + name in b:
                t.copy_(b[prefix + name].reshape(t.shape))
            elif not name.endswith((".wp", ".wn", ".running_mean", ".running_var")):
                raise SystemExit(f"tensor bundle: {prefix + name} is missing")


def step_grads(meta, b, dtype):
    """One training step of the reference in dtype on bundle b's weights and batch: the loss and
    every gradient, keyed as ttq-train writes them (name.grad.field)."""
    x = b["input"]
    net = make_net(meta["model"], x.shape[1], x.shape[2], meta["classes"])
    if meta["mode"] == "ttq":
        pat = tuple(int(v) for v in meta["pattern"].split(":")) if meta["pattern"] != "none" else None
        for layer, _ in net.names.values():
            layer.quant, layer.t, layer.pattern = layer.quantizable, meta["ttq_t"], pat
    load_into(net, b)
    net = net.to(dtype)
    net.train()
    loss = F.cross_entropy(net(x.to(dtype)), b["labels"].long())
    loss.backward()
    out, scale = {}, {}
    for name, (layer, norm) in net.names.items():
        out[name + ".grad.w"] = layer.weight.grad.reshape(layer.weight.shape[0], -1)
        if layer.bias is not None:
            out[name + ".grad.bias"] = layer.bias.grad
        if layer.quant and layer.quantizable:
            out[name + ".grad.wp"], out[name + ".grad.wn"] = layer.wp.grad, layer.wn.grad
            gq = layer.q.grad.reshape(layer.q.shape[0], -1)
            pos, neg = ttq_codes(layer.weight.reshape(gq.shape), layer.t, layer.pattern)
            scale[name + ".grad.wp"], scale[name + ".grad.wn"] = gq[pos].norm(), gq[neg].norm()
        if norm is not None:
            out[name + ".grad.gamma"], out[name + ".grad.beta"] = norm.weight.grad, norm.bias.grad
    return float(loss), {k: v.double().reshape(-1) for k, v in out.items()}, \
        {k: float(v) for k, v in scale.items()}


def cmd_gradcheck(a):
    """FILE from ttq-train-gradstep: the weights, the batch, the mode and ttq-train's gradients.
    The reference runs in float64. Each gradient's error is relative to its norm, except that
    dL/dWp, dL/dWn are sums of dL/dq over a mask that nearly cancel behind batch norm (the loss is
    invariant to a common scale of q): their error is relative to ||dL/dq over the mask|| when
    that is larger. Roundoff still differs from the float32 trainer: a pre-ReLU value within
    ~1e-6 of 0 can fall on the other side and move every gradient below it by ~1e-2 of its norm,
    hence --tol; a wrong gradient (a flipped sign, a lost factor) is off by O(1)."""
    b = read_bundle(a.file)
    meta = json.loads(open(a.file + ".json").read())
    loss, exact, scale = step_grads(meta, b, torch.float64)
    worst, failed = 0.0, []
    for key, g in exact.items():
        if key not in b:
            failed.append(f"{key}: missing from {a.file}")
            continue
        e = float((b[key].double().reshape(-1) - g).norm()) / max(float(g.norm()),
                                                                 scale.get(key, 0.0), 1e-30)
        worst = max(worst, e)
        if a.verbose or e > a.tol:
            print(f"  {key:28s} relative error {e:.2e}")
        if e > a.tol:
            failed.append(f"{key}: relative error {e:.3g} > {a.tol:g}")
    print(f"gradcheck {meta['model']} {meta['mode']} pattern {meta['pattern']}: loss ttq-train "
          f"{meta['loss']:.6f} torch {loss:.6f}; {len(exact)} gradients, worst relative error "
          f"{worst:.2e} (limit {a.tol:g})")
    if abs(meta["loss"] - loss) > 1e-4 * max(1.0, abs(loss)):
        failed.append("loss differs")
    for f in failed:
        print("FAIL " + f, file=sys.stderr)
    sys.exit(1 if failed else 0)


def cmd_lr_curve(a):
    print(json.dumps([lr_at(a.schedule, a.base, it, a.total) for it in range(a.total)]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench", help="training images/s, FP and TTQ phases")
    b.add_argument("--model", default="lenet5", choices=["lenet5", "resnet20"])
    b.add_argument("--dataset", default="fashion-mnist")
    b.add_argument("--images", type=int, default=5120)
    b.add_argument("--batch", type=int, default=128)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--crop-pad", type=int, default=4)
    b.add_argument("--seed", type=int, default=1)
    g = sub.add_parser("gradcheck", help="compare one step's gradients with ttq-train's")
    g.add_argument("file")
    g.add_argument("--tol", type=float, default=3e-2)
    g.add_argument("--verbose", action="store_true")
    c = sub.add_parser("lr-curve", help="learning rate per iteration (JSON)")
    c.add_argument("--schedule", default="onecycle")
    c.add_argument("--base", type=float, default=0.1)
    c.add_argument("--total", type=int, default=100)
    a = ap.parse_args()
    {"bench": cmd_bench, "gradcheck": cmd_gradcheck, "lr-curve": cmd_lr_curve}[a.cmd](a)


if __name__ == "__main__":
    main()
