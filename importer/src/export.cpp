#include "ttq/onnx/export.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"
#include "ttq/onnx/graph.hpp"

namespace ttq::onnx_io {
namespace {

class Exporter {
 public:
  explicit Exporter(const Model& m) : m_(m), g_(*mp_.mutable_graph()) {}
  onnx::ModelProto run();

 private:
  void input();
  void matmul(size_t i);
  void pool(size_t i);
  void add(size_t i);
  void shortcut(size_t i);
  void metadata();
  std::string in(size_t i, int k) const {
    return m_.nodes[size_t(m_.nodes[i].inputs.at(size_t(k)))].name;
  }
  void init(onnx::TensorProto t) { *g_.add_initializer() = std::move(t); }

  const Model& m_;
  onnx::ModelProto mp_;
  onnx::GraphProto& g_;
  std::vector<int> rank_;  // rank of each node's ONNX output: 4 (N C H W) or 2 (N features)
};

void Exporter::input() {
  const Node& n = m_.nodes[0];
  auto* v = g_.add_input();
  v->set_name(n.name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* sh = tt->mutable_shape();
  sh->add_dim()->set_dim_param("N");
  for (int d : {n.shape.c, n.shape.h, n.shape.w}) sh->add_dim()->set_dim_value(d);
  rank_.push_back(4);
}

void Exporter::matmul(size_t i) {
  const Node& n = m_.nodes[i];
  const MatMulParams& p = n.mm;
  const bool conv = n.kind == NodeKind::Conv;
  const int64_t oc = p.out_ch;
  std::string x = in(i, 0);
  if (!conv && rank_[size_t(n.inputs[0])] == 4) {
    add_node(g_, "Flatten", n.name + "_flatten", {x}, {n.name + "_flat"});
    x = n.name + "_flat";
  }
  const int64_t cin = conv ? p.fan_in / (p.kh * p.kw) : p.fan_in;
  const std::vector<int64_t> wdims =
      conv ? std::vector<int64_t>{oc, cin, p.kh, p.kw} : std::vector<int64_t>{oc, p.fan_in};
  const std::string w = n.name + "_weight";
  if (p.precision == Precision::Ternary) {
    std::vector<float> v(p.weights.size());
    for (size_t k = 0; k < v.size(); ++k)
      v[k] = p.weights[k] > 0 ? p.wp : p.weights[k] < 0 ? -p.wn : 0.0f;
    init(make_float(w, wdims, v));
  } else {
    init(make_int8(w + "_int8", wdims, p.weights));
    init(make_float(w + "_scale", {oc}, p.w_scale));
    init(make_int8(w + "_zero", {oc}, std::vector<int8_t>(size_t(oc), 0)));
    auto* dq = add_node(g_, "DequantizeLinear", n.name + "_dequantize",
                        {w + "_int8", w + "_scale", w + "_zero"}, {w});
    set_attr(*dq, "axis", int64_t{0});
  }
  const std::string acc = n.name + "_acc";
  if (conv) {
    auto* c = add_node(g_, "Conv", n.name, {x, w}, {acc});
    set_attr(*c, "kernel_shape", std::vector<int64_t>{p.kh, p.kw});
    set_attr(*c, "strides", std::vector<int64_t>{p.stride, p.stride});
    set_attr(*c, "pads", std::vector<int64_t>{p.pad, p.pad, p.pad, p.pad});
  } else {
    auto* gm = add_node(g_, "Gemm", n.name, {x, w}, {acc});
    set_attr(*gm, "transB", int64_t{1});
  }
  const std::vector<int64_t> cdims =
      conv ? std::vector<int64_t>{1, oc, 1, 1} : std::vector<int64_t>{1, oc};
  init(make_float(n.name + "_a", cdims, p.a));
  init(make_float(n.name + "_b", cdims, p.b));
  add_node(g_, "Mul", n.name + "_mul_a", {acc, n.name + "_a"}, {n.name + "_scaled"});
  add_node(g_, "Add", n.name + "_add_b", {n.name + "_scaled", n.name + "_b"},
           {p.relu ? n.name + "_pre" : n.name});
  if (p.relu) add_node(g_, "Relu", n.name + "_relu", {n.name + "_pre"}, {n.name});
  rank_.push_back(conv ? 4 : 2);
}

void Exporter::pool(size_t i) {
  const Node& n = m_.nodes[i];
  if (n.kind == NodeKind::GlobalAvgPool) {
    add_node(g_, "GlobalAveragePool", n.name, {in(i, 0)}, {n.name});
  } else {
    const bool mx = n.kind == NodeKind::MaxPool;
    auto* p = add_node(g_, mx ? "MaxPool" : "AveragePool", n.name, {in(i, 0)}, {n.name});
    const int64_t k = n.pool.k, s = n.pool.stride, pd = n.pool.pad;
    set_attr(*p, "kernel_shape", std::vector<int64_t>{k, k});
    set_attr(*p, "strides", std::vector<int64_t>{s, s});
    set_attr(*p, "pads", std::vector<int64_t>{pd, pd, pd, pd});
    if (!mx) set_attr(*p, "count_include_pad", int64_t{1});  // golden divides by k * k
  }
  rank_.push_back(4);
}

void Exporter::add(size_t i) {
  const Node& n = m_.nodes[i];
  add_node(g_, "Add", n.name, {in(i, 0), in(i, 1)}, {n.add.relu ? n.name + "_pre" : n.name});
  if (n.add.relu) add_node(g_, "Relu", n.name + "_relu", {n.name + "_pre"}, {n.name});
  rank_.push_back(rank_[size_t(n.inputs[0])]);
}

// ShortcutA: every stride-th row and column, then (out - in) / 2 zero channels on each side.
void Exporter::shortcut(size_t i) {
  const Node& n = m_.nodes[i];
  const int64_t s = n.sc.stride, big = std::numeric_limits<int64_t>::max();
  const int64_t lo = (n.shape.c - m_.nodes[size_t(n.inputs[0])].shape.c) / 2;
  const std::string p = n.name + "_";
  init(make_int64(p + "starts", {2}, {0, 0}));
  init(make_int64(p + "ends", {2}, {big, big}));
  init(make_int64(p + "axes", {2}, {2, 3}));
  init(make_int64(p + "steps", {2}, {s, s}));
  init(make_int64(p + "pads", {8}, {0, lo, 0, 0, 0, lo, 0, 0}));
  add_node(g_, "Slice", n.name, {in(i, 0), p + "starts", p + "ends", p + "axes", p + "steps"},
           {p + "sub"});
  add_node(g_, "Pad", n.name + "_pad", {p + "sub", p + "pads"}, {n.name});
  rank_.push_back(4);
}

void Exporter::metadata() {
  nlohmann::json scales = nlohmann::json::object(), nm = nlohmann::json::object();
  for (size_t i = 1; i < m_.nodes.size(); ++i) {
    const Node& n = m_.nodes[i];
    scales[n.name] = {n.q.scale, n.q.is_signed};
    if ((n.kind == NodeKind::Conv || n.kind == NodeKind::Linear) && n.mm.precision == Precision::Ternary)
      nm[n.name] = to_string(n.mm.nm);  // the layer's N:M pattern ("none": unstructured)
  }
  const auto put = [&](const std::string& k, const std::string& v) {
    auto* e = mp_.add_metadata_props();
    e->set_key(k);
    e->set_value(v);
  };
  put("ttq.arch", m_.arch);
  put("ttq.dataset", m_.dataset);
  put("ttq.num_classes", std::to_string(m_.num_classes));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(m_.nodes[0].q.scale));
  put("ttq.input_scale", buf);
  put("ttq.scales", scales.dump());  // nlohmann prints floats round-trip exactly
  put("ttq.nm", nm.dump());
}

onnx::ModelProto Exporter::run() {
  validate(m_, "export_onnx");
  mp_.set_ir_version(8);
  mp_.set_producer_name("ttq-export-onnx");
  mp_.set_model_version(1);
  auto* op = mp_.add_opset_import();
  op->set_domain("");
  op->set_version(kExportOpset);
  g_.set_name(m_.arch);
  input();
  for (size_t i = 1; i < m_.nodes.size(); ++i) switch (m_.nodes[i].kind) {
      case NodeKind::Conv:
      case NodeKind::Linear:
        matmul(i);
        break;
      case NodeKind::MaxPool:
      case NodeKind::AvgPool:
      case NodeKind::GlobalAvgPool:
        pool(i);
        break;
      case NodeKind::Add:
        add(i);
        break;
      case NodeKind::ShortcutA:
        shortcut(i);
        break;
      case NodeKind::Input:
        break;
    }
  const Node& last = m_.nodes.back();
  auto* out = g_.add_output();
  out->set_name(last.name);
  auto* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* sh = tt->mutable_shape();
  sh->add_dim()->set_dim_param("N");
  if (rank_.back() == 2)
    sh->add_dim()->set_dim_value(int64_t(last.shape.size()));
  else
    for (int d : {last.shape.c, last.shape.h, last.shape.w}) sh->add_dim()->set_dim_value(d);
  metadata();
  return std::move(mp_);
}

}  // namespace

onnx::ModelProto export_onnx(const Model& m) { return Exporter(m).run(); }

}  // namespace ttq::onnx_io
