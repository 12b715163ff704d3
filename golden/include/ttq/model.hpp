// In-memory form of a trained ternary network (.ttq file): a layer graph with, per layer, the
// ternary codes, the learned Wp / Wn, the float post-scale (folded batch norm) and the integer
// output parameters of the arithmetic contract. File layout: docs/MODEL_FORMAT.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ttq/arith.hpp"

namespace ttq {

enum class NodeKind : uint8_t {
  Input = 0,          // the image: uint8 pixels, real value = pixel * scale (1/255)
  Conv = 1,           // convolution, ternary or int8 weights (MatMulParams)
  Linear = 2,         // fully connected over the flattened (C,H,W) input (MatMulParams)
  MaxPool = 3,        // PoolParams
  AvgPool = 4,        // PoolParams; integer mean, rounded half up
  GlobalAvgPool = 5,  // mean over H,W per channel, rounded half up
  Add = 6,            // residual add of two 8-bit tensors with its own rescale (AddParams)
  ShortcutA = 7,      // option-A shortcut: spatial subsample by stride, zero-pad channels
};

enum class Precision : uint8_t {
  Ternary = 0,  // weight codes in {-1, 0, +1}, scales Wp / Wn
  Int8 = 1,     // higher-precision layer (first conv): int8 weights, per-channel scale
};

struct Shape {
  int c = 0, h = 0, w = 0;
  size_t size() const { return size_t(c) * size_t(h) * size_t(w); }
  bool operator==(const Shape&) const = default;
};

// Quantization of a node's output tensor: real = scale * q, q in [0,255] if unsigned
// (after ReLU, or the input image) else [-128,127].
struct QuantInfo {
  float scale = 1.0f;
  bool is_signed = false;
};

// Conv and Linear. Weights row-major [out_ch][fan_in]; for Conv the fan-in index is
// k = (c * kh + i) * kw + j (input channel, kernel row, kernel column), as im2col orders it.
// For Linear, fan_in = input C*H*W in CHW order, kh = kw = 1, stride = 1, pad = 0.
// N:M structured sparsity of a layer's weights: in every group of m consecutive weights along an
// output's fan-in (k = g*m .. g*m+m-1 in the order above; a last group of fan_in % m weights when
// m does not divide fan_in) at most n are nonzero, at most min(n, group size) in a short last
// group. {0, 0}: unstructured. docs/MODEL_FORMAT.md, "N:M groups"; checked by check_nm (nm.hpp).
struct NmPattern {
  int n = 0, m = 0;
  bool structured() const { return m != 0; }
  bool operator==(const NmPattern&) const = default;
};

struct MatMulParams {
  Precision precision = Precision::Ternary;
  int out_ch = 0, fan_in = 0;
  int kh = 1, kw = 1, stride = 1, pad = 0;
  bool relu = false;
  NmPattern nm;                 // structured sparsity the weights obey ({0,0}: none)
  std::vector<int8_t> weights;  // ternary: codes {-1,0,1}; int8: quantized weights
  float wp = 0.0f, wn = 0.0f;   // ternary: learned positive scales
  std::vector<float> w_scale;   // int8: per-out-channel dequantization scale
  std::vector<float> a, b;      // per out channel: y_real = a * acc_real + b (BN folded)
  std::vector<OutParams> out;   // per out channel: integer output step
};

struct PoolParams {
  int k = 2, stride = 2, pad = 0;
};

// y = saturate8(relu?(rounding_shift(ma * qa + mb * qb, shift))).
struct AddParams {
  int16_t ma = 0, mb = 0;
  uint8_t shift = 0;
  bool relu = true;
};

struct ShortcutParams {
  int stride = 2;  // take every stride-th row and column
  // output channels = shape.c of the node; (out - in) / 2 zero channels before and after
};

struct Node {
  NodeKind kind = NodeKind::Input;
  std::string name;
  std::vector<int> inputs;  // indices of earlier nodes; node 0 is the Input
  Shape shape;              // output shape
  QuantInfo q;              // output quantization
  MatMulParams mm;          // Conv, Linear
  PoolParams pool;          // MaxPool, AvgPool
  AddParams add;            // Add
  ShortcutParams sc;        // ShortcutA
};

struct Model {
  std::string arch;     // e.g. "lenet5", "resnet20"
  std::string dataset;  // e.g. "fashion-mnist"
  int num_classes = 10;
  std::vector<Node> nodes;  // topologically ordered; nodes[0] is Input, the last node the logits
};

}  // namespace ttq
