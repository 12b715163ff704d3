"""ONNX graphs built with onnx.helper for the import tests, as a PyTorch user would export them.

Weights come from a trained model (the ONNX that ttq-export-onnx wrote for
models/lenet5-fashion-mnist.ttq), rewritten in the forms torch.onnx.export produces: batch norm
folded into per-channel scaled weights plus a bias, an unfolded BatchNormalization, MatMul + Add,
Reshape, Constant, Identity, an input normalization; plus small graphs the importer must refuse.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST pixel statistics (as used with transforms.Normalize)


def weights(path):
    """The trained layers of an exported model: name -> dict(w=float weights, a, b)."""
    m = onnx.load(path)
    t = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    layers = {}
    for n in m.graph.node:
        if n.op_type in ("Conv", "Gemm"):
            w = t.get(n.name + "_weight")
            if w is None:  # int8 layer: DequantizeLinear of int8 * per-channel scale
                q, s = t[n.name + "_weight_int8"], t[n.name + "_weight_scale"]
                w = q.astype(np.float32) * s.reshape((-1,) + (1,) * (q.ndim - 1))
            layers[n.name] = dict(w=w, a=t[n.name + "_a"].reshape(-1), b=t[n.name + "_b"].reshape(-1))
    return layers


class Graph:
    def __init__(self):
        self.nodes, self.inits = [], []

    def const(self, name, value, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, name, w, b, pad):
        k = list(w.shape[2:])
        return self.node("Conv", [x, self.const(name + ".weight", w), self.const(name + ".bias", b)],
                         name, kernel_shape=k, strides=[1, 1], pads=[pad] * 4)

    def model(self, x, in_shape, out, out_dim, inputs=None):
        ins = inputs or [helper.make_tensor_value_info(x, TensorProto.FLOAT, in_shape)]
        g = helper.make_graph(self.nodes, "torch_style", ins,
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, out_dim])],
                              self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def folded(L):
    """Batch norm folded as torch.onnx.export does: w * a per output channel, bias b."""
    a = L["a"].reshape((-1,) + (1,) * (L["w"].ndim - 1))
    return (L["w"] * a).astype(np.float32), L["b"].astype(np.float32)


def lenet_front(g, L, normalize):
    """Input (normalized), conv1 (float), conv2 (ternary, BN folded per channel), pools."""
    x = "image"
    w1, b1 = folded(L["conv1"])
    if normalize:  # x / std (Normalize(mean=0, std)), folded back into conv1 by the importer
        g.nodes.append(helper.make_node("Constant", [], ["std"], name="std",
                                        value=numpy_helper.from_array(np.float32(STD), "s")))
        x = g.node("Div", [x, "std"], "div_std")
        w1 = w1 * np.float32(STD)  # the same function of the pixels
    x = g.node("Relu", [g.conv(x, "conv1", w1, b1, 2)], "relu1")
    x = g.node("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
    w2, b2 = folded(L["conv2"])
    x = g.node("Relu", [g.conv(x, "conv2", w2, b2, 0)], "relu2")
    return g.node("MaxPool", [x], "pool2", kernel_shape=[2, 2], strides=[2, 2])


def lenet_back(g, L, x):
    """Reshape, fc1 as MatMul + unfolded BatchNormalization, fc2 as Gemm with a folded scale."""
    x = g.node("Reshape", [x, g.const("flat_shape", [0, -1], np.int64)], "flatten")
    fc1 = L["fc1"]
    x = g.node("MatMul", [x, g.const("fc1.weight", fc1["w"].T.copy())], "fc1")
    rng = np.random.default_rng(16)
    mean = rng.normal(0, 0.5, fc1["a"].shape).astype(np.float32)
    var = rng.uniform(0.5, 2.0, fc1["a"].shape).astype(np.float32)
    gamma = (fc1["a"] * np.sqrt(var + 1e-5)).astype(np.float32)  # BN(y) = a * y + b
    beta = (fc1["b"] + fc1["a"] * mean).astype(np.float32)
    x = g.node("BatchNormalization", [x, g.const("bn1.scale", gamma), g.const("bn1.bias", beta),
                                      g.const("bn1.mean", mean), g.const("bn1.var", var)], "bn1")
    x = g.node("Identity", [g.node("Relu", [x], "relu3")], "identity")
    w, b = folded(L["fc2"])
    return g.node("Gemm", [x, g.const("fc2.weight", w.T.copy()), g.const("fc2.bias", b)], "fc2",
                  transB=0)


def lenet(path):
    L = weights(path)
    g = Graph()
    return g.model("image", [1, 1, 28, 28], lenet_back(g, L, lenet_front(g, L, False)), 10)


def lenet_residual(path, gain=0.01):
    """LeNet-5 with a residual block after pool2: x + conv_b(relu(bn(conv_a(x)))), then ReLU.

    The block's two 3x3 ternary convolutions take their codes from the trained conv2 (the first
    576 of each output's 800) at a low gain, so the network keeps the trained accuracy."""
    L = weights(path)
    g = Graph()
    x = lenet_front(g, L, True)
    w2 = L["conv2"]["w"].reshape(64, -1)[:, :576].reshape(64, 64, 3, 3)
    wa = (np.sign(w2) * np.where(w2 > 0, 1.0, 0.9) * gain).astype(np.float32)
    wb = (-np.sign(w2[::-1]) * np.where(w2[::-1] > 0, 1.0, 0.9) * gain).astype(np.float32)
    y = g.node("Conv", [x, g.const("res.conv_a.weight", wa)], "res.conv_a", kernel_shape=[3, 3],
               pads=[1, 1, 1, 1])
    c = 64
    y = g.node("BatchNormalization", [y, g.const("res.bn.scale", np.full(c, 0.8, np.float32)),
                                      g.const("res.bn.bias", np.full(c, 0.05, np.float32)),
                                      g.const("res.bn.mean", np.zeros(c, np.float32)),
                                      g.const("res.bn.var", np.ones(c, np.float32))], "res.bn")
    y = g.node("Relu", [y], "res.relu_a")
    y = g.conv(y, "res.conv_b", wb, np.zeros(c, np.float32), 1)
    x = g.node("Relu", [g.node("Add", [x, y], "res.add")], "res.relu")
    return g.model("image", [1, 1, 28, 28], lenet_back(g, L, x), 10)


def normalized():
    """(x - mean) / std, a ternary 3x3 convolution without padding, ReLU, max pool, a ternary
    Gemm: every step folds exactly, so the imported model's float reference must equal the graph.
    Weights are seeded random ternary values (a check of the arithmetic, not of accuracy)."""
    rng = np.random.default_rng(3)
    g = Graph()
    g.nodes.append(helper.make_node("Constant", [], ["mean"], name="mean",
                                    value=numpy_helper.from_array(np.float32(MEAN), "m")))
    x = g.node("Sub", ["image", "mean"], "sub_mean")
    x = g.node("Div", [x, g.const("std", np.float32(STD))], "div_std")
    tern = lambda shape, wp, wn: np.choose(rng.integers(0, 3, shape), [0.0, wp, -wn]).astype(np.float32)
    b = rng.normal(0, 0.1, 8).astype(np.float32)
    x = g.node("Relu", [g.conv(x, "conv", tern((8, 1, 3, 3), 0.3, 0.25), b, 0)], "relu")
    x = g.node("MaxPool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.node("Gemm", [x, g.const("fc.weight", tern((10, 8 * 13 * 13), 0.05, 0.04))], "fc",
               transB=1)
    return g.model("image", [1, 1, 28, 28], x, 10)


# ---- graphs the importer must refuse --------------------------------------------------------

def _small(g, x, second_fc_values=None, act="Relu"):
    rng = np.random.default_rng(1)
    w1 = rng.normal(0, 0.2, (4, 1, 3, 3)).astype(np.float32)
    x = g.node(act, [g.conv(x, "conv1", w1, np.zeros(4, np.float32), 1)], "act1")
    x = g.node("Flatten", [x], "flatten", axis=1)
    codes = rng.integers(-1, 2, (10, 4 * 28 * 28)).astype(np.float32)
    w = np.where(codes > 0, 0.1, np.where(codes < 0, -0.12, 0.0)).astype(np.float32)
    if second_fc_values is not None:  # a non-ternary weight in a layer that is not the first
        w[0, :len(second_fc_values)] = second_fc_values
    return g.node("Gemm", [x, g.const("fc.weight", w)], "fc", transB=1)


def refusals():
    """name -> (model, expected message regex)."""
    out = {}
    g = Graph()
    out["unsupported-operator"] = (g.model("image", [1, 1, 28, 28], _small(g, "image", act="Sigmoid"), 10),
                                   r"node 'act1' \(Sigmoid\): operator Sigmoid is not supported")
    g = Graph()
    out["four-weight-values"] = (
        g.model("image", [1, 1, 28, 28], _small(g, "image", [0.1, -0.12, 0.3]), 10),
        r"tensor 'fc.weight' of node 'fc' \(Linear\) is not ternary: output channel 0 has 4 distinct")
    g = Graph()
    out["dynamic-shape"] = (
        g.model("image", [1, 1, "height", 28], _small(g, "image"), 10),
        r"graph input 'image': dimension 2 \('height'\) is dynamic")
    g = Graph()
    s = g.node("Add", ["image", "image2"], "sum")
    ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 28, 28]) for n in ("image", "image2")]
    out["two-inputs"] = (g.model("image", None, _small(g, s), 10, inputs=ins),
                         r"the graph has 2 inputs \('image', 'image2'\)")
    return out
