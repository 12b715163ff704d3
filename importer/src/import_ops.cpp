// One handler per ONNX operator the importer maps (docs/ONNX.md, "What is imported").
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "importer.hpp"
#include "ttq/model_io.hpp"
#include "ttq/onnx/weights.hpp"

namespace ttq::onnx_io {
namespace {

const char* kSupported =
    "Conv, Gemm, MatMul, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Add, "
    "Sub, Mul, Div, Flatten, Reshape, Identity, Dropout, Constant, DequantizeLinear, Slice, Pad";

}  // namespace

void Importer::op(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    fail(n, "operator domain '" + n.domain() + "' is not supported (only the default ONNX domain)");
  if (n.output_size() < 1) fail(n, "has no output");
  if (t == "Constant") {
    const auto* a = attr(n, "value");
    if (!a) fail(n, "only the 'value' (tensor) form of Constant is supported");
    vals_[n.output(0)] = {Val::Constant, 0, 4, std::make_shared<Const>(to_const(a->t())), 1, {}};
  } else if (t == "Identity" || t == "Dropout") {
    vals_[n.output(0)] = val(n, 0);
  } else if (t == "DequantizeLinear") {
    dequantize(n);
  } else if (t == "Conv" || t == "Gemm" || t == "MatMul") {
    matmul(n);
  } else if (t == "BatchNormalization") {
    batchnorm(n);
  } else if (t == "Relu") {
    relu(n);
  } else if (t == "MaxPool" || t == "AveragePool" || t == "GlobalAveragePool") {
    pool(n);
  } else if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div") {
    arith(n);
  } else if (t == "Flatten" || t == "Reshape") {
    reshape(n);
  } else if (t == "Slice") {
    slice(n);
  } else if (t == "Pad") {
    pad(n);
  } else {
    fail(n, "operator " + t + " is not supported (supported: " + kSupported + ")");
  }
  for (int k = 1; k < n.output_size(); ++k)
    if (!n.output(k).empty() && consumers_[n.output(k)] > 0)
      fail(n,
           "output " + std::to_string(k) + " ('" + n.output(k) + "') is used; only the first is");
}

// The golden node of input k: a layer output, or the graph input when no normalization is pending.
int Importer::node_of(const onnx::NodeProto& n, int k) {
  const Val& v = val(n, k);
  if (v.kind == Val::Node) return v.node;
  if (v.kind == Val::Input) {
    if (!identity_affine(alpha_, beta_))
      fail(n,
           "the input normalization (Sub / Div / Mul / Add by constants) must be followed by a "
           "Conv / Gemm / MatMul it can be folded into");
    return 0;
  }
  fail(n, "input '" + n.input(k) + "' is a " + (v.kind == Val::Slice ? "Slice" : "constant") +
              " where an activation tensor is expected");
}

bool Importer::nonneg(int i) const {
  const Node& p = m_.nodes[size_t(i)];
  switch (p.kind) {
    case NodeKind::Input:
      return true;
    case NodeKind::Conv:
    case NodeKind::Linear:
      return p.mm.relu;
    case NodeKind::Add:
      return p.add.relu;
    default:
      return nonneg(p.inputs.at(0));
  }
}

void Importer::dequantize(const onnx::NodeProto& n) {
  const Const& x = constant(n, 0);
  const Const& s = constant(n, 1);
  if (x.type != onnx::TensorProto::INT8) fail(n, "only int8 DequantizeLinear inputs are supported");
  if (n.input_size() > 2 && !n.input(2).empty()) {
    const Const& z = constant(n, 2);
    if (std::any_of(z.f.begin(), z.f.end(), [](float v) { return v != 0; }))
      fail(n, "zero point must be 0 (symmetric int8 weights)");
  }
  const int64_t axis = attr_int(n, "axis", 1);
  if (x.dims.empty() || (s.size() != 1 && (axis != 0 || s.size() != size_t(x.dims[0]))))
    fail(n, "scale must be a scalar or one value per slice of axis 0 (axis = 0)");
  auto c = std::make_shared<Const>();
  c->dims = x.dims;
  c->type = onnx::TensorProto::FLOAT;
  c->i8 = x.i8;
  const size_t rows = size_t(x.dims[0]), per = x.size() / rows;
  c->dq_scale.resize(rows);
  c->f.resize(x.size());
  for (size_t o = 0; o < rows; ++o) {
    c->dq_scale[o] = s.size() == 1 ? s.f[0] : s.f[o];
    for (size_t k = 0; k < per; ++k) c->f[o * per + k] = float(x.i8[o * per + k]) * c->dq_scale[o];
  }
  vals_[n.output(0)] = {Val::Constant, 0, 4, c, 1, {}};
}

void Importer::arith(const onnx::NodeProto& n) {
  if (n.input_size() != 2) fail(n, "needs two inputs");
  const bool c0 = val(n, 0).kind == Val::Constant, c1 = val(n, 1).kind == Val::Constant;
  if (c0 && c1) fail(n, "both operands are constants (fold them before export)");
  if (!c0 && !c1) {
    if (n.op_type() != "Add")
      fail(n, n.op_type() + " of two activation tensors is not supported (only Add, residual)");
    add(n);
    return;
  }
  const int xi = c0 ? 1 : 0;
  const Const& c = constant(n, 1 - xi);
  if (val(n, xi).kind == Val::Input) {  // input normalization
    const std::vector<float> v = per_channel(n, c, int(alpha_.size()));
    const std::string& t = n.op_type();
    for (size_t k = 0; k < v.size(); ++k) {
      if (t == "Add") beta_[k] += v[k];
      if (t == "Sub" && xi == 0) beta_[k] -= v[k];
      if (t == "Sub" && xi == 1) alpha_[k] = -alpha_[k], beta_[k] = v[k] - beta_[k];
      if (t == "Mul") alpha_[k] *= v[k], beta_[k] *= v[k];
      if (t == "Div" && xi == 1) fail(n, "a constant divided by the input cannot be folded");
      if (t == "Div") alpha_[k] /= v[k], beta_[k] /= v[k];
    }
    vals_[n.output(0)] = val(n, xi);
    return;
  }
  fold_affine(n, xi, c);
}

// y = a * acc + b followed by an elementwise constant step: a and b absorb it.
void Importer::fold_affine(const onnx::NodeProto& n, int xi, const Const& c) {
  const Val x = val(n, xi);
  MatMulParams& p = open_node(n, x, true).mm;
  const std::vector<float> v = per_channel(n, c, p.out_ch);
  const std::string& t = n.op_type();
  if (t == "Div" && xi == 1) fail(n, "a constant divided by a layer output cannot be folded");
  for (size_t o = 0; o < v.size(); ++o) {
    float &a = p.a[o], &b = p.b[o];
    if (t == "Add") b += v[o];
    if (t == "Sub" && xi == 0) b -= v[o];
    if (t == "Sub" && xi == 1) a = -a, b = v[o] - b;
    if (t == "Mul") a *= v[o], b *= v[o];
    if (t == "Div") a /= v[o], b /= v[o];
  }
  vals_[n.output(0)] = x;
}

void Importer::batchnorm(const onnx::NodeProto& n) {
  const Val x = val(n, 0);
  MatMulParams& p = open_node(n, x, true).mm;
  if (n.input_size() != 5) fail(n, "needs 5 inputs (X, scale, B, mean, var)");
  const int oc = p.out_ch;
  const auto g = per_channel(n, constant(n, 1), oc), be = per_channel(n, constant(n, 2), oc);
  const auto mu = per_channel(n, constant(n, 3), oc), var = per_channel(n, constant(n, 4), oc);
  const float eps = attr_float(n, "epsilon", 1e-5f);
  for (size_t o = 0; o < size_t(oc); ++o) {
    const float s = g[o] / std::sqrt(var[o] + eps);
    p.b[o] = be[o] + s * (p.b[o] - mu[o]);
    p.a[o] *= s;
  }
  vals_[n.output(0)] = x;
}

void Importer::relu(const onnx::NodeProto& n) {
  const Val x = val(n, 0);
  const int i = node_of(n, 0);
  if (nonneg(i)) {  // already non-negative (after a ReLU and pooling): the identity
    vals_[n.output(0)] = x;
    return;
  }
  Node& p = open_node(n, x, false);
  (p.kind == NodeKind::Add ? p.add.relu : p.mm.relu) = true;
  vals_[n.output(0)] = x;
}

void Importer::pool(const onnx::NodeProto& n) {
  const int i = node_of(n, 0);
  ttq::Node node;
  if (n.op_type() == "GlobalAveragePool") {
    node.kind = NodeKind::GlobalAvgPool;
  } else {
    node.kind = n.op_type() == "MaxPool" ? NodeKind::MaxPool : NodeKind::AvgPool;
    const auto k = attr_ints(n, "kernel_shape", {});
    const auto s = attr_ints(n, "strides", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    if (k.size() != 2 || k[0] != k[1]) fail(n, "kernel_shape must be square (k x k)");
    if (s.size() != 2 || s[0] != s[1]) fail(n, "strides must be equal on both axes");
    if (pads.size() != 4 || std::count(pads.begin(), pads.end(), pads[0]) != 4)
      fail(n, "pads must be equal on all four sides");
    if (dil != std::vector<int64_t>{1, 1}) fail(n, "dilations must be 1");
    if (attr_int(n, "ceil_mode", 0) != 0) fail(n, "ceil_mode = 1 is not supported (floor only)");
    if (attr_string(n, "auto_pad", "NOTSET") != "NOTSET" &&
        attr_string(n, "auto_pad", "NOTSET") != "VALID")
      fail(n, "auto_pad " + attr_string(n, "auto_pad", "") + " is not supported (explicit pads)");
    if (node.kind == NodeKind::AvgPool && pads[0] > 0 && attr_int(n, "count_include_pad", 0) != 1)
      fail(n,
           "padded AveragePool must count the padding (count_include_pad = 1): the golden "
           "model divides by k * k");
    node.pool = {int(k[0]), int(s[0]), int(pads[0])};
  }
  node.inputs = {i};
  append(n, node, 4);
}

void Importer::add(const onnx::NodeProto& n) {
  const int a = node_of(n, 0), b = node_of(n, 1);
  ttq::Node node;
  node.kind = NodeKind::Add;
  node.inputs = {a, b};
  node.add.relu = false;
  append(n, node, val(n, 0).rank);
}

void Importer::reshape(const onnx::NodeProto& n) {
  Val x = val(n, 0);
  const int i = x.kind == Val::Input ? 0 : node_of(n, 0);  // normalization may stay pending
  const Shape& s = m_.nodes[size_t(i)].shape;
  const int64_t f = int64_t(s.size());
  if (n.op_type() == "Flatten") {
    if (attr_int(n, "axis", 1) != 1) fail(n, "only axis = 1 (N x C*H*W) is supported");
  } else {
    const Const& c = constant(n, 1);
    const auto& d = c.f;
    const bool flat = d.size() == 2 && (d[0] == 1 || d[0] == 0 || d[0] == -1) &&
                      (d[1] == -1 || int64_t(d[1]) == f) && !(d[0] == -1 && d[1] == -1);
    const bool same = d.size() == 4 && (d[0] == 1 || d[0] == 0 || d[0] == -1) && d[1] == s.c &&
                      d[2] == s.h && d[3] == s.w;
    if (!flat && !same)
      fail(n, "only a reshape to N x " + std::to_string(f) + " (flatten) is supported");
    if (same) {
      vals_[n.output(0)] = x;
      return;
    }
  }
  x.rank = 2;
  vals_[n.output(0)] = x;
}

void Importer::slice(const onnx::NodeProto& n) {
  const int i = node_of(n, 0);
  const Shape& s = m_.nodes[size_t(i)].shape;
  if (n.input_size() < 5) fail(n, "needs starts, ends, axes and steps inputs");
  const auto& st = constant(n, 1).f;
  const auto& en = constant(n, 2).f;
  const auto& ax = constant(n, 3).f;
  const auto& sp = constant(n, 4).f;
  const bool ok = ax == std::vector<float>{2, 3} && st == std::vector<float>{0, 0} &&
                  sp.size() == 2 && sp[0] == sp[1] && sp[0] >= 1 && en.size() == 2 &&
                  en[0] >= float(s.h) && en[1] >= float(s.w);
  if (!ok)
    fail(n,
         "only a strided subsampling of H and W from 0 (axes [2, 3], steps [s, s]) followed by "
         "a channel Pad (option-A shortcut) is supported");
  vals_[n.output(0)] = {Val::Slice, i, 4, nullptr, int(sp[0]), out_name(n)};
}

void Importer::pad(const onnx::NodeProto& n) {
  const Val& x = val(n, 0);
  if (x.kind != Val::Slice && x.kind != Val::Node)
    fail(n, "pads a value that is not a layer output");
  if (attr_string(n, "mode", "constant") != "constant")
    fail(n, "only constant padding is supported");
  if (n.input_size() > 2 && !n.input(2).empty() && constant(n, 2).f.at(0) != 0)
    fail(n, "the pad value must be 0");
  const auto& p = constant(n, 1).f;
  if (p.size() != 8 || p[0] || p[2] || p[3] || p[4] || p[6] || p[7] || p[1] != p[5] || p[1] < 0)
    fail(n,
         "only equal zero padding of the channel axis before and after is supported "
         "(option-A shortcut: pads [0, k, 0, 0, 0, k, 0, 0])");
  ttq::Node node;
  node.kind = NodeKind::ShortcutA;
  node.inputs = {x.node};
  node.sc.stride = x.stride;
  node.shape.c = m_.nodes[size_t(x.node)].shape.c + 2 * int(p[1]);
  onnx::NodeProto named = n;
  if (x.kind == Val::Slice) named.set_name(x.name);
  append(named, node, 4);
  vals_[n.output(0)] = vals_[named.output(0)];
}

}  // namespace ttq::onnx_io
