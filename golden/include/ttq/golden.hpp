// The golden network: a .ttq model run in integers exactly as the accelerator and its host run it
// (the definition the RTL is checked against), an Eigen float reference of the same network, and
// the export helpers that turn trained float parameters into the integer output step.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "ttq/arith.hpp"
#include "ttq/dataset.hpp"
#include "ttq/model.hpp"
#include "ttq/predictions.hpp"

namespace ttq {

// An integer activation tensor, CHW; real value = q.scale * data[k].
struct Tensor {
  Shape shape;
  QuantInfo q;
  std::vector<int32_t> data;
};

// Output size (h, w) of a Conv node on input shape `in` (validated models only).
Shape conv_out_shape(const Shape& in, const MatMulParams& p);

// im2col of a Conv node: for each output pixel (row-major), its fan-in vector in the order of
// model.hpp, k = (c * kh + i) * kw + j; positions in the zero padding read 0.
// dst has out_h * out_w * fan_in entries. Throws if an input value is not an unsigned 8-bit.
void im2col(const Tensor& in, const MatMulParams& p, std::span<uint8_t> dst);
std::vector<uint8_t> im2col(const Tensor& in, const MatMulParams& p);
// The flattened (CHW) input of a Linear node as uint8; throws if a value is not unsigned 8-bit.
std::vector<uint8_t> flatten_u8(const Tensor& in);

// The Input node's tensor for one image of node 0's shape.
Tensor input_tensor(const Model& m, const uint8_t* image);

// Output of node i (> 0) for one image, given the outputs of nodes 0..i-1 in `acts`.
Tensor run_node(const Model& m, size_t i, std::span<const Tensor> acts);

// Executes the ternary/int8 matmul of a Conv or Linear node somewhere else (the RTL).
// vectors: nvec x fan_in, row-major; y: nvec x out_ch, row-major, to fill with the outputs of the
// output step. Returns false to let the golden model compute the node itself.
using MatMulHook =
    std::function<bool(int node_index, const Node& node, std::span<const uint8_t> vectors, int nvec,
                       std::span<int32_t> y)>;

// Runs a batch of B images (each of node 0's shape) through the network; result[image][node].
// For a Conv node the hook sees the im2col vectors of all B images (nvec = B * out_h * out_w,
// image-major then pixel in row-major order); for a Linear node nvec = B.
std::vector<std::vector<Tensor>> run_network(const Model& m, std::span<const uint8_t* const> images,
                                             const MatMulHook& hook = {});

// Index of the largest value; ties go to the lowest index.
int argmax(std::span<const int32_t> v);
int argmax(std::span<const float> v);
// Class predicted by the integer network for one image.
int predict(const Model& m, const uint8_t* image);

// ---- float reference ----------------------------------------------------------------------------

struct FloatTensor {
  Shape shape;
  std::vector<float> data;  // CHW, real values
};

// The same graph in real numbers: weights code*Wp / code*Wn (ternary) or int8*w_scale, real-valued
// activations (no 8-bit rounding or clipping), y = a*acc + b, relu, float pooling (exact mean) and
// add (plain sum). Weight matrices are built once.
class FloatReference {
 public:
  explicit FloatReference(const Model& m);
  ~FloatReference();
  FloatReference(FloatReference&&) noexcept;
  // Per-node float tensors for one image; the last one holds the logits.
  std::vector<FloatTensor> run(const uint8_t* image) const;
  // Node i (> 0) from float inputs (e.g. the dequantized integer tensors), for per-layer checks.
  FloatTensor run_node(size_t i, std::span<const FloatTensor> acts) const;
  int predict(const uint8_t* image) const;
  const Model& model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Real values of an integer tensor: q.scale * data.
FloatTensor dequantize(const Tensor& t);

// ---- evaluation ---------------------------------------------------------------------------------

struct EvalResult {
  int n = 0;
  int correct_int = 0;    // integer golden model
  int correct_float = 0;  // float reference (if run)
  int agree = 0;          // images where both predict the same class (if float run)
  double acc_int() const { return n ? double(correct_int) / n : 0.0; }
  double acc_float() const { return n ? double(correct_float) / n : 0.0; }
};

// Accuracy over the first `images` images of d (all if <= 0), on `threads` threads, optionally
// with the float reference beside it and a progress bar on stderr. Throws if the dataset's image
// shape is not the model's input shape. If `per_image` is given it receives one row per image,
// in image order (predictions.hpp).
EvalResult evaluate(const Model& m, const Dataset& d, int images = 0, bool with_float = true,
                    int threads = 2, bool progress = false,
                    std::vector<ImagePrediction>* per_image = nullptr);

// ---- export: float parameters -> integer output step (docs/ARITHMETIC.md) ----------------------

// Ternary layer whose real output is y = a * acc + b, acc = sum of (code*Wp or code*Wn) * x_real,
// input scale s_in, output scale s_out: Mp = round(a*s_in*Wp/s_out * 2^S),
// Mn = round(a*s_in*Wn/s_out * 2^S), B = round(b/s_out * 2^S), with the largest S <= kMaxShift
// such that |Mp|, |Mn| <= 32767 and B fits int32. Throws if no S fits or an input is not finite.
OutParams quantize_out_params(float a, float b, float wp, float wn, float s_in, float s_out);
// Int8 layer: acc = sum w_int * x_int, real weight = w_int * w_scale: Mp = round(a*w_scale*s_in/
// s_out * 2^S), Mn = 0, B as above.
OutParams quantize_out_params_int8(float a, float b, float w_scale, float s_in, float s_out);
// Residual add y_real = xa_real + xb_real: ma = round(sa/so * 2^S), mb = round(sb/so * 2^S).
AddParams quantize_add(float sa, float sb, float so, bool relu);

// Max-abs calibration for models built without a trainer (tests, benchmarks, stand-ins): runs the
// float reference on `calib`, sets every Conv/Linear/Add node's activation scale to its peak |value|
// / 127 (signed) or / 255 (unsigned), passes the scale through the other nodes, and derives every
// node's integer parameters (quantize_out_params[_int8], quantize_add). The trainer's export uses
// percentiles instead (trainer/src/export.cpp).
void calibrate_max_abs(Model& m, std::span<const uint8_t* const> calib);

}  // namespace ttq
