// The importer's internal state (import.cpp: graph input, values, folding helpers; import_ops.cpp:
// one handler per ONNX operator, weight classification).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ttq/onnx/graph.hpp"
#include "ttq/onnx/import.hpp"

namespace ttq::onnx_io {

// A graph value: the output of a golden node (possibly still open for folding), the graph input
// (with the normalization folded so far), a constant, or a strided Slice awaiting its Pad.
struct Val {
  enum Kind { Node, Input, Constant, Slice } kind = Node;
  int node = 0;  // golden node index (Node, Slice: the sliced node)
  int rank = 4;  // 4: N x C x H x W, 2: N x features
  std::shared_ptr<Const> c;
  int stride = 1;    // Slice
  std::string name;  // Slice: its node's name
};

// Per matmul node: its float weights until classified, or given int8 weights.
struct Weights {
  std::vector<float> w;
  std::vector<int8_t> w8;       // from DequantizeLinear
  std::vector<float> w8_scale;  // per output channel
  std::string tensor;           // initializer name, for messages
};

class Importer {
 public:
  Importer(const onnx::ModelProto& mp, std::string source, const ImportOptions& opt)
      : mp_(mp), g_(mp.graph()), src_(std::move(source)), opt_(opt) {}
  ImportResult run();

 private:
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    throw std::runtime_error(src_ + ": " + who(n) + ": " + why);
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(src_ + ": " + why);
  }
  void check_opset() const;
  void read_metadata();
  void graph_input();
  void op(const onnx::NodeProto& n);
  Val& val(const onnx::NodeProto& n, int k);
  const Const& constant(const onnx::NodeProto& n, int k);
  std::vector<float> per_channel(const onnx::NodeProto& n, const Const& c, int ch) const;
  int append(const onnx::NodeProto& n, ttq::Node node, int rank);
  Node& open_node(const onnx::NodeProto& n, const Val& x, bool matmul_only);
  void matmul(const onnx::NodeProto& n);
  void arith(const onnx::NodeProto& n);
  void fold_affine(const onnx::NodeProto& n, int xi, const Const& c);
  int node_of(const onnx::NodeProto& n, int k);
  bool nonneg(int node) const;
  void batchnorm(const onnx::NodeProto& n);
  void relu(const onnx::NodeProto& n);
  void pool(const onnx::NodeProto& n);
  void add(const onnx::NodeProto& n);
  void reshape(const onnx::NodeProto& n);
  void slice(const onnx::NodeProto& n);
  void pad(const onnx::NodeProto& n);
  void dequantize(const onnx::NodeProto& n);
  void fold_input(const onnx::NodeProto& n, MatMulParams& p, Weights& w, const Shape& in);
  void classify();
  void placeholder_scales();
  void finish();

  const onnx::ModelProto& mp_;
  const onnx::GraphProto& g_;
  std::string src_;
  ImportOptions opt_;
  ImportResult res_;
  Model& m_ = res_.model;
  std::map<std::string, Val> vals_;
  std::map<std::string, int> consumers_;
  std::map<int, Weights> weights_;
  std::vector<float> alpha_, beta_;  // input normalization per channel
  bool input_used_ = false;
  nlohmann::json scales_;  // ttq.scales metadata
  nlohmann::json nm_;      // ttq.nm metadata: each ternary layer's N:M pattern
  int first_matmul_ = -1;
  bool classes_given_ = false;
};

std::string out_name(const onnx::NodeProto& n);
// True if the normalization alpha * x + beta is the identity.
bool identity_affine(const std::vector<float>& alpha, const std::vector<float>& beta);

}  // namespace ttq::onnx_io
