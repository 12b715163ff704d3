"""An independent float evaluation of an ONNX graph, op by op in numpy (float32, NCHW batches).

Written from the ONNX operator specification, not from the importer or the golden model: the
reference the imported integer model is compared with (tests/onnx/check_import.py).
"""
import numpy as np
from onnx import numpy_helper


def _attrs(node):
    out = {}
    for a in node.attribute:
        if a.type == a.INT:
            out[a.name] = a.i
        elif a.type == a.INTS:
            out[a.name] = list(a.ints)
        elif a.type == a.FLOAT:
            out[a.name] = a.f
        elif a.type == a.STRING:
            out[a.name] = a.s.decode()
        elif a.type == a.TENSOR:
            out[a.name] = numpy_helper.to_array(a.t)
    return out


def _windows(x, kh, kw, stride, pads, fill):
    """x [N,C,H,W] padded (pads = [top, left, bottom, right]) -> [N,C,OH,OW,kh,kw] windows."""
    t, l, b, r = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=fill)
    w = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return w[:, :, ::stride[0], ::stride[1]]


def conv(x, w, b, a):
    assert a.get("group", 1) == 1 and set(a.get("dilations", [1, 1])) == {1}
    o, c, kh, kw = w.shape
    t, l, bo, r = a.get("pads", [0, 0, 0, 0])
    s = a.get("strides", [1, 1])
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r))).transpose(0, 2, 3, 1)  # NHWC
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::s[0], ::s[1]]
    n, oh, ow = win.shape[:3]  # win: N, OH, OW, C, kh, kw (the weight's C, kh, kw order)
    y = win.reshape(n * oh * ow, c * kh * kw) @ w.reshape(o, -1).T
    y = y.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
    return y + b.reshape(1, o, 1, 1) if b is not None else y


def pool(x, a, is_max):
    assert a.get("ceil_mode", 0) == 0
    k = a["kernel_shape"]
    pads = a.get("pads", [0, 0, 0, 0])
    n, c, h, w = x.shape
    if list(a.get("strides", [1, 1])) == k and not any(pads) and k[0] == k[1] and h % k[0] == 0 \
            and w % k[1] == 0:  # non-overlapping windows tile the input: a reshape
        t = x.reshape(n, c, h // k[0], k[0], w // k[1], k[1])
        return t.max(axis=(3, 5)) if is_max else t.mean(axis=(3, 5))
    win = _windows(x, k[0], k[1], a.get("strides", [1, 1]), pads, -np.inf if is_max else 0)
    if is_max:
        return win.max(axis=(4, 5))
    if a.get("count_include_pad", 0) or not any(pads):
        return win.mean(axis=(4, 5))
    ones = _windows(np.ones_like(x), k[0], k[1], a.get("strides", [1, 1]), pads, 0)
    return win.sum(axis=(4, 5)) / ones.sum(axis=(4, 5))


def _reshape(x, shape):
    shape = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


def _slice(x, starts, ends, axes, steps):
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(min(e, x.shape[int(ax)])), int(st))
    return x[tuple(idx)]


def _pad(x, pads, value=0.0):
    r = x.ndim
    return np.pad(x, [(int(pads[i]), int(pads[i + r])) for i in range(r)], constant_values=value)


def _dequantize(x, scale, zero, a):
    axis = a.get("axis", 1)
    shape = [1] * x.ndim
    if scale.size > 1:
        shape[axis] = scale.size
    z = 0 if zero is None else zero.astype(np.float32).reshape(shape)
    return (x.astype(np.float32) - z) * scale.reshape(shape)


def _batchnorm(x, s, b, mean, var, a):
    sh = (1, -1) + (1,) * (x.ndim - 2)
    eps = a.get("epsilon", 1e-5)
    return (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * s.reshape(sh) + b.reshape(sh)


def _gemm(A, B, C, a):
    A = A.T if a.get("transA", 0) else A
    B = B.T if a.get("transB", 0) else B
    y = a.get("alpha", 1.0) * (A @ B)
    return y + a.get("beta", 1.0) * C if C is not None else y


OPS = {
    "Conv": lambda i, a: conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "Relu": lambda i, a: np.maximum(i[0], 0),
    "MaxPool": lambda i, a: pool(i[0], a, True),
    "AveragePool": lambda i, a: pool(i[0], a, False),
    "GlobalAveragePool": lambda i, a: i[0].mean(axis=(2, 3), keepdims=True),
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: i[0] / i[1],
    "MatMul": lambda i, a: i[0] @ i[1],
    "Gemm": lambda i, a: _gemm(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "Flatten": lambda i, a: i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1),
    "Reshape": lambda i, a: _reshape(i[0], i[1]),
    "Identity": lambda i, a: i[0],
    "Dropout": lambda i, a: i[0],
    "BatchNormalization": lambda i, a: _batchnorm(*i[:5], a),
    "DequantizeLinear": lambda i, a: _dequantize(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "Slice": lambda i, a: _slice(*i[:5]),
    "Pad": lambda i, a: _pad(i[0], i[1], i[2] if len(i) > 2 else 0.0),
}


def run(model, x):
    """Runs the graph on x (the single graph input, float32 NCHW); returns the first output."""
    g = model.graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [v.name for v in g.input if v.name not in env]
    assert len(inputs) == 1, inputs
    env[inputs[0]] = x.astype(np.float32)
    for n in g.node:
        a = _attrs(n)
        if n.op_type == "Constant":
            env[n.output[0]] = a["value"]
            continue
        ins = [env[s] if s else None for s in n.input]
        y = OPS[n.op_type](ins, a)
        env[n.output[0]] = y.astype(np.float32) if y.dtype == np.float64 else y
    return env[g.output[0].name]


def predict(model, images, pixel_scale=1.0 / 255.0, batch=500):
    """Logits of uint8 images [N,C,H,W]: the graph input is pixel * pixel_scale."""
    outs = []
    for s in range(0, len(images), batch):
        x = images[s:s + batch].astype(np.float32) * np.float32(pixel_scale)
        outs.append(run(model, x).reshape(len(x), -1))
    return np.concatenate(outs)
