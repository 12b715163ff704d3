// Activation-range calibration and the derivation of a model's integer parameters from it: the one
// method the trainer's export and the ONNX importer share (docs/ARITHMETIC.md, "Calibration").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ttq/dataset.hpp"
#include "ttq/model.hpp"

namespace ttq {

// Images per calibration batch and |value| samples kept per node and batch (every
// max(1, size / kCalibSamplesPerBatch)-th value of the batch's output tensor).
inline constexpr int kCalibBatch = 500;
inline constexpr size_t kCalibSamplesPerBatch = 200000;
// Defaults of the trainer's export and of ttq-import.
inline constexpr int kCalibImages = 2000;
inline constexpr double kCalibPercentile = 99.99;

// Throws std::invalid_argument naming --calib-images / --calib-percentile if out of range.
void check_calibration(int images, double percentile);

// Collects, batch by batch, every node's peak |value| and a strided sample of |value|.
class RangeCalibrator {
 public:
  explicit RangeCalibrator(size_t nodes) : samples_(nodes), maxabs_(nodes, 0.0f) {}
  // The real output values of node i for one batch of images (any fixed order).
  void add(size_t node, std::span<const float> values);
  // Per node: the `percentile` of |value| (the peak for the last node, so logits never saturate,
  // and for percentile 100), at least 1e-6; node 0 (the input) gets 1.
  std::vector<float> ranges(double percentile);

 private:
  std::vector<std::vector<float>> samples_;
  std::vector<float> maxabs_;
};

// Runs the model's float reference (golden FloatReference) over the first `images` images of d
// in batches of kCalibBatch and returns the ranges of RangeCalibrator, on `threads` threads.
std::vector<float> calibrate_ranges(const Model& m, const Dataset& d, int images, double percentile,
                                    int threads = 2);

// Sets every node's output quantization from its range (Conv / Linear / Add: range / 255 after a
// ReLU, else range / 127 signed; pooling and ShortcutA: their input's; the Input node is kept) and
// derives the integer output step of every Conv / Linear / Add node from a, b, Wp / Wn or w_scale.
void apply_ranges(Model& m, std::span<const float> ranges);
// The second half of apply_ranges for scales already set: pooling and ShortcutA take their input's
// quantization, Conv / Linear / Add nodes get their integer output step.
void derive_integer_params(Model& m);

// Per-output-channel int8 weights of one row: w_scale = max |w| / 127 (1 if the row is zero),
// q[k] = round(w[k] / w_scale) clamped to [-127, 127]. Returns w_scale.
float quantize_int8_row(std::span<const float> w, std::span<int8_t> q);

}  // namespace ttq
