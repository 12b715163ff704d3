// ttq::Model -> float ONNX graph (opset 13) that any ONNX runtime runs and ttq-import reads back
// bit-identically (docs/ONNX.md, "Export"): ternary layers as Conv / Gemm with {-Wn, 0, +Wp}
// initializers, int8 layers as DequantizeLinear of their int8 weights, then Mul(a) and Add(b) per
// channel and Relu; pools; Add; ShortcutA as a strided Slice and a channel Pad. The activation
// scales, the input scale, arch, dataset and class count go into metadata_props ("ttq.*").
#pragma once

#include <onnx/onnx_pb.h>

#include "ttq/model.hpp"

namespace ttq::onnx_io {

inline constexpr int kExportOpset = 13;

onnx::ModelProto export_onnx(const Model& m);

}  // namespace ttq::onnx_io
