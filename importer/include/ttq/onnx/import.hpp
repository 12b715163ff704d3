// ONNX graph -> ttq::Model (docs/ONNX.md): maps the operators of a CNN (Conv, Gemm / MatMul,
// BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten / Reshape,
// Identity, Constant, DequantizeLinear of an int8 initializer, Slice + Pad as an option-A shortcut)
// onto the golden model's nodes, folds batch norm, per-channel constants and the input
// normalization into y = a * acc + b, and classifies every weight tensor as ternary or int8.
// Activation scales are not set here (calibration, golden/calibrate.hpp), unless the file records
// them (metadata written by ttq-export-onnx).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "ttq/model.hpp"

namespace ttq::onnx_io {

struct ImportOptions {
  // The graph input = pixel * pixel_scale (uint8 pixels of the dataset, NCHW); <= 0: the file's
  // "ttq.input_scale" metadata if present, else 1/255 (torchvision's ToTensor).
  float pixel_scale = 0;
  // Layers (ONNX node names) that may be int8 when their weights are not ternary, besides the
  // first matmul layer and layers whose weights come from DequantizeLinear; "all" allows every one.
  std::vector<std::string> int8_layers;
  // Relative tolerance within which weight values count as equal (ternary detection).
  double tolerance = 1e-6;
  // Use the activation scales the file records (ttq-export-onnx) instead of leaving them to
  // calibration.
  bool recorded_scales = true;
};

struct ImportResult {
  Model model;                     // scales and integer output steps set only if scales_recorded
  bool scales_recorded = false;    // every node's scale came from the file's "ttq.scales"
  std::vector<std::string> notes;  // one line per layer: how its weights were read
};

// Throws std::runtime_error naming `source`, the node, operator or tensor and the reason for
// anything it cannot map (unsupported operator or attribute, a weight tensor that is neither
// ternary nor allowed to be int8, dynamic shapes, more or fewer than one graph input, ...).
ImportResult import_onnx(const onnx::ModelProto& mp, const std::string& source,
                         const ImportOptions& opt = {});

}  // namespace ttq::onnx_io
