#include "ttq/onnx/import.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "importer.hpp"
#include "ttq/model_io.hpp"
#include "ttq/onnx/graph.hpp"
#include "ttq/onnx/weights.hpp"

namespace ttq::onnx_io {

bool identity_affine(const std::vector<float>& alpha, const std::vector<float>& beta) {
  return std::all_of(alpha.begin(), alpha.end(), [](float v) { return v == 1.0f; }) &&
         std::all_of(beta.begin(), beta.end(), [](float v) { return v == 0.0f; });
}

std::string out_name(const onnx::NodeProto& n) { return n.name().empty() ? n.output(0) : n.name(); }

void Importer::check_opset() const {
  for (const auto& o : mp_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      if (o.version() < 11 || o.version() > 17)
        fail("opset " + std::to_string(o.version()) + " is not supported (11 to 17)");
      return;
    }
  fail("the model imports no version of the default ONNX opset");
}

void Importer::read_metadata() {
  for (const auto& p : mp_.metadata_props()) {
    if (p.key() == "ttq.arch") m_.arch = p.value();
    if (p.key() == "ttq.dataset") m_.dataset = p.value();
    if (p.key() == "ttq.num_classes") m_.num_classes = std::stoi(p.value()), classes_given_ = true;
    if (p.key() == "ttq.input_scale" && opt_.pixel_scale <= 0)
      opt_.pixel_scale = std::stof(p.value());
    if (p.key() == "ttq.scales") scales_ = nlohmann::json::parse(p.value());
    if (p.key() == "ttq.nm") nm_ = nlohmann::json::parse(p.value());
  }
  if (opt_.pixel_scale <= 0) opt_.pixel_scale = 1.0f / 255.0f;
}

void Importer::graph_input() {
  std::set<std::string> inits;
  for (const auto& t : g_.initializer()) {
    inits.insert(t.name());
    vals_[t.name()] = {Val::Constant, 0, 4, std::make_shared<Const>(to_const(t)), 1};
  }
  std::vector<const onnx::ValueInfoProto*> ins;
  for (const auto& v : g_.input())
    if (!inits.count(v.name())) ins.push_back(&v);
  if (ins.size() != 1) {
    std::string names;
    for (auto* v : ins) names += (names.empty() ? "'" : ", '") + v->name() + "'";
    fail("the graph has " + std::to_string(ins.size()) + " inputs (" + names +
         "); exactly one image input is supported");
  }
  const auto& in = *ins[0];
  const std::string w = "graph input '" + in.name() + "'";
  if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
    fail(w + " has no tensor shape");
  const auto& sh = in.type().tensor_type().shape();
  if (sh.dim_size() != 4)
    fail(w + " has rank " + std::to_string(sh.dim_size()) + ", not N x C x H x W");
  int d[4];
  for (int k = 0; k < 4; ++k) {
    const auto& dim = sh.dim(k);
    if (!dim.has_dim_value() || dim.dim_value() < 1) {
      if (k == 0) {  // a symbolic batch size is fine
        d[k] = 1;
        continue;
      }
      fail(w + ": dimension " + std::to_string(k) + " ('" + dim.dim_param() +
           "') is dynamic; C, H and W must be fixed numbers");
    }
    d[k] = int(dim.dim_value());
  }
  if (d[0] != 1) fail(w + ": batch dimension " + std::to_string(d[0]) + " must be 1 or symbolic");
  ttq::Node n;
  n.kind = NodeKind::Input;
  n.name = in.name();
  n.shape = {d[1], d[2], d[3]};
  n.q = {opt_.pixel_scale, false};
  m_.nodes.push_back(n);
  alpha_.assign(size_t(d[1]), 1.0f);
  beta_.assign(size_t(d[1]), 0.0f);
  vals_[in.name()] = {Val::Input, 0, 4, nullptr, 1};
}

Val& Importer::val(const onnx::NodeProto& n, int k) {
  if (k >= n.input_size() || n.input(k).empty()) fail(n, "input " + std::to_string(k) + " missing");
  auto it = vals_.find(n.input(k));
  if (it == vals_.end())
    fail(n, "input '" + n.input(k) + "' is not produced by an earlier node or initializer");
  return it->second;
}

const Const& Importer::constant(const onnx::NodeProto& n, int k) {
  const Val& v = val(n, k);
  if (v.kind != Val::Constant)
    fail(n, "input '" + n.input(k) + "' must be a constant (initializer or Constant)");
  return *v.c;
}

// A constant broadcast over channels: a scalar or ch values (shape [ch], [1,ch], [ch,1,1],
// [1,ch,1,1]); anything else is refused.
std::vector<float> Importer::per_channel(const onnx::NodeProto& n, const Const& c, int ch) const {
  if (c.size() == 1) return std::vector<float>(size_t(ch), c.f[0]);
  size_t big = 0;
  for (int64_t d : c.dims) big += d != 1;
  if (c.size() == size_t(ch) && big <= 1) return c.f;
  fail(n, "constant of shape with " + std::to_string(c.size()) +
              " values cannot broadcast per "
              "channel over " +
              std::to_string(ch) + " channels (a scalar or one value per channel)");
}

int Importer::append(const onnx::NodeProto& n, ttq::Node node, int rank) {
  node.name = out_name(n);
  m_.nodes.push_back(std::move(node));
  const int i = int(m_.nodes.size()) - 1;
  try {
    m_.nodes.back().shape = infer_shape(m_, size_t(i));
  } catch (const std::exception& e) {
    fail(n, e.what());
  }
  vals_[n.output(0)] = {Val::Node, i, rank, nullptr, 1};
  return i;
}

// The golden node behind x if it may still absorb a per-channel step: a Conv / Linear (or, unless
// matmul_only, an Add) with no ReLU yet, whose output feeds only this node.
Node& Importer::open_node(const onnx::NodeProto& n, const Val& x, bool matmul_only) {
  if (x.kind != Val::Node || x.node == 0)
    fail(n, "operand '" + n.input(0) +
                "' is not the output of a Conv / Gemm / MatMul"
                " (standalone " +
                n.op_type() + " cannot be mapped)");
  Node& p = m_.nodes[size_t(x.node)];
  const bool mm = p.kind == NodeKind::Conv || p.kind == NodeKind::Linear;
  if (!mm && (matmul_only || p.kind != NodeKind::Add))
    fail(n, "its input comes from '" + p.name + "' (" + kind_name(p.kind) +
                "), not from a Conv / Gemm / MatMul it could be folded into");
  if ((mm && p.mm.relu) || (!mm && p.add.relu))
    fail(n, "cannot be folded into '" + p.name + "': it follows that layer's ReLU");
  for (const auto& in : n.input())
    if (vals_.count(in) && vals_[in].kind == Val::Node && consumers_[in] > 1)
      fail(n, "cannot fold into '" + p.name + "': its output '" + in + "' has other consumers");
  return p;
}

// Conv, Gemm, MatMul: a golden Conv / Linear node with its float weights kept for classify().
void Importer::matmul(const onnx::NodeProto& n) {
  const Val& x = val(n, 0);
  const bool from_input = x.kind == Val::Input;
  const int xi = from_input ? 0 : node_of(n, 0);
  const Shape in = m_.nodes[size_t(xi)].shape;
  const Const& wc = constant(n, 1);
  const std::string& t = n.op_type();
  ttq::Node node;
  MatMulParams& p = node.mm;
  Weights w;
  w.tensor = n.input(1);
  std::vector<float> bias;
  if (t == "Conv") {
    node.kind = NodeKind::Conv;
    if (x.rank != 4) fail(n, "input is not N x C x H x W");
    if (wc.dims.size() != 4 || wc.dims[1] != in.c)
      fail(n, "weight '" + w.tensor + "' must be O x " + std::to_string(in.c) + " x kh x kw");
    const auto s = attr_ints(n, "strides", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    if (attr_int(n, "group", 1) != 1) fail(n, "grouped / depthwise convolution is not supported");
    if (attr_ints(n, "dilations", {1, 1}) != std::vector<int64_t>{1, 1})
      fail(n, "dilations must be 1");
    const std::string ap = attr_string(n, "auto_pad", "NOTSET");
    if (ap != "NOTSET" && ap != "VALID")
      fail(n, "auto_pad " + ap + " is not supported (explicit pads)");
    if (s.size() != 2 || s[0] != s[1]) fail(n, "strides must be equal on both axes");
    if (pads.size() != 4 || std::count(pads.begin(), pads.end(), pads[0]) != 4)
      fail(n, "pads must be equal on all four sides");
    p.out_ch = int(wc.dims[0]), p.kh = int(wc.dims[2]), p.kw = int(wc.dims[3]);
    p.stride = int(s[0]), p.pad = int(pads[0]);
    p.fan_in = in.c * p.kh * p.kw;
    w.w = wc.f;
    if (n.input_size() > 2 && !n.input(2).empty()) bias = per_channel(n, constant(n, 2), p.out_ch);
  } else {
    node.kind = NodeKind::Linear;
    if (x.rank != 2 && !(from_input && in.h == 1 && in.w == 1))
      fail(n, "input is not N x features (add a Flatten before it)");
    const bool tb = t == "Gemm" && attr_int(n, "transB", 0) == 1;
    if (t == "Gemm" && attr_int(n, "transA", 0) != 0) fail(n, "transA = 1 is not supported");
    const int64_t f = int64_t(in.size());
    if (wc.dims.size() != 2 || wc.dims[tb ? 1 : 0] != f)
      fail(n,
           "weight '" + w.tensor + "' does not match the " + std::to_string(f) + " input features");
    p.out_ch = int(wc.dims[tb ? 0 : 1]), p.fan_in = int(f);
    w.w.resize(wc.size());
    for (int o = 0; o < p.out_ch; ++o)  // golden order [out][in]
      for (int k = 0; k < p.fan_in; ++k)
        w.w[size_t(o) * size_t(f) + size_t(k)] =
            tb ? wc.f[size_t(o) * size_t(f) + size_t(k)]
               : wc.f[size_t(k) * size_t(p.out_ch) + size_t(o)];
    if (t == "Gemm") {
      const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
      if (alpha != 1.0f) {
        for (float& v : w.w) v *= alpha;
      }
      if (n.input_size() > 2 && !n.input(2).empty()) {
        bias = per_channel(n, constant(n, 2), p.out_ch);
        for (float& v : bias) v *= beta;
      }
    }
  }
  if (!wc.i8.empty() && wc.dq_scale.size() == size_t(p.out_ch)) {
    w.w8 = wc.i8;
    w.w8_scale = wc.dq_scale;
  }
  p.a.assign(size_t(p.out_ch), 1.0f);
  p.b = bias.empty() ? std::vector<float>(size_t(p.out_ch), 0.0f) : bias;
  if (from_input) fold_input(n, p, w, in);
  node.inputs = {xi};
  const int i = append(n, node, node.kind == NodeKind::Conv ? 4 : 2);
  if (first_matmul_ < 0) first_matmul_ = i;
  weights_[i] = std::move(w);
}

// The pending input normalization x' = alpha_c * x + beta_c folded into the first layer.
void Importer::fold_input(const onnx::NodeProto& n, MatMulParams& p, Weights& w, const Shape& in) {
  input_used_ = true;
  if (identity_affine(alpha_, beta_)) return;
  const size_t fan = size_t(p.fan_in), per = fan / size_t(in.c);
  const bool uniform =
      std::all_of(alpha_.begin(), alpha_.end(), [&](float v) { return v == alpha_[0]; });
  bool any_beta = false;
  for (size_t o = 0; o < size_t(p.out_ch); ++o) {
    double sb = 0;
    for (size_t k = 0; k < fan; ++k) {
      float& v = w.w[o * fan + k];
      sb += double(v) * beta_[k / per];
      if (!uniform) v *= alpha_[k / per];
    }
    p.b[o] += float(sb);
    if (uniform) p.a[o] *= alpha_[0];
  }
  for (float b : beta_) any_beta |= b != 0;
  if (!uniform) w.w8.clear(), w.w8_scale.clear();  // scaled: no longer the given int8 values
  res_.notes.push_back(out_name(n) + ": input normalization folded (" +
                       (uniform ? "scale into a" : "per-channel scale into the weights") +
                       ", offset into b)");
  if (any_beta && p.pad > 0)
    res_.notes.push_back(out_name(n) +
                         ": note: its zero padding now pads pixel 0, not the "
                         "normalized 0 of the ONNX graph (border outputs differ slightly)");
}

void Importer::finish() {
  if (g_.output_size() != 1)
    fail("the graph has " + std::to_string(g_.output_size()) +
         " outputs; exactly one (the logits) "
         "is supported");
  const auto it = vals_.find(g_.output(0).name());
  if (it == vals_.end() || it->second.kind != Val::Node ||
      it->second.node != int(m_.nodes.size()) - 1)
    fail("graph output '" + g_.output(0).name() + "' is not the output of the last layer");
  if (!identity_affine(alpha_, beta_) && !input_used_)
    fail("the input normalization is not followed by a Conv / Gemm / MatMul to fold it into");
  if (m_.arch.empty()) m_.arch = g_.name().empty() ? "onnx" : g_.name();
  if (!classes_given_) m_.num_classes = int(m_.nodes.back().shape.size());
  if (!scales_.is_object() || !opt_.recorded_scales) return;
  for (const Node& n : m_.nodes)
    if (n.kind != NodeKind::Input && !scales_.contains(n.name)) return;  // incomplete: calibrate
  for (Node& n : m_.nodes)
    if (n.kind != NodeKind::Input)
      n.q = {scales_[n.name].at(0).get<float>(), scales_[n.name].at(1).get<bool>()};
  res_.scales_recorded = true;
}

void Importer::classify() {
  for (auto& [i, w] : weights_) {
    Node& node = m_.nodes[size_t(i)];
    MatMulParams& p = node.mm;
    std::string how, bad;
    if (!w.w8.empty()) {
      p.precision = Precision::Int8;
      p.weights = w.w8;
      p.w_scale = w.w8_scale;
      how = "int8 (DequantizeLinear)";
    } else if (!make_ternary(w.w, p, opt_.tolerance, how, bad)) {
      const auto& l = opt_.int8_layers;
      const bool allowed = i == first_matmul_ || std::find(l.begin(), l.end(), "all") != l.end() ||
                           std::find(l.begin(), l.end(), node.name) != l.end();
      if (!allowed)
        fail("tensor '" + w.tensor + "' of node '" + node.name + "' (" + kind_name(node.kind) +
             ") is not ternary: " + bad +
             "; only the first layer is made int8 unless named by "
             "--int8 " +
             node.name);
      make_int8(w.w, p);
      how = "int8 (not ternary: " + bad + ")";
    }
    const std::string nm = detect_nm(p, nm_.is_object() && nm_.contains(node.name)
                                            ? nm_[node.name].get<std::string>() : std::string());
    res_.notes.push_back(node.name + ": " + how + (nm.empty() ? "" : ", " + nm));
  }
}

// Scale 1 and empty output steps until calibration (apply_ranges) sets them: a valid model the
// float reference can run.
void Importer::placeholder_scales() {
  for (Node& n : m_.nodes) {
    const bool mm = n.kind == NodeKind::Conv || n.kind == NodeKind::Linear;
    if (mm) n.mm.out.assign(size_t(n.mm.out_ch), OutParams{});
    if (mm || n.kind == NodeKind::Add) n.q = {1.0f, !(mm ? n.mm.relu : n.add.relu)};
    if (n.kind != NodeKind::Input && !mm && n.kind != NodeKind::Add)
      n.q = m_.nodes[size_t(n.inputs.at(0))].q;
  }
}

ImportResult Importer::run() {
  check_opset();
  read_metadata();
  for (const auto& n : g_.node())
    for (const auto& in : n.input()) ++consumers_[in];
  for (const auto& o : g_.output()) ++consumers_[o.name()];
  graph_input();
  for (const auto& n : g_.node()) op(n);
  finish();
  classify();
  if (!res_.scales_recorded) placeholder_scales();
  return std::move(res_);
}

ImportResult import_onnx(const onnx::ModelProto& mp, const std::string& source,
                         const ImportOptions& opt) {
  return Importer(mp, source, opt).run();
}

}  // namespace ttq::onnx_io
