// Classification of an imported layer's float weights: ternary per layer ({-Wn, 0, +Wp}),
// ternary per output channel (per-channel scaled, e.g. batch norm folded by torch.onnx.export:
// row o = a_o * {-Wn, 0, +Wp}), or int8 as the trainer's export quantizes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ttq/model.hpp"

namespace ttq::onnx_io {

// Ternary form of w ([out_ch][fan_in] row-major), or nullopt if some output channel has more than
// one positive or one negative value (within relative tolerance `tol` of the tensor's peak), or
// the channels disagree on Wn / Wp. On success sets p.precision, p.weights, p.wp, p.wn and
// multiplies p.a[o] by the channel factor (1 for a per-layer ternary tensor), and describes the
// form in `how`. `bad` receives, on failure, the channel and the reason.
bool make_ternary(const std::vector<float>& w, MatMulParams& p, double tol, std::string& how,
                  std::string& bad);

// Int8 weights as the trainer's export makes them (golden quantize_int8_row per channel).
void make_int8(const std::vector<float>& w, MatMulParams& p);

// The one place where an imported ternary layer's N:M pattern is set (MatMulParams::nm): the
// pattern recorded in the file by ttq-export-onnx ("ttq.nm", so a round trip is exact; an
// error if the weights break it), else the tightest of 1:4, 2:4, 4:8 that the weights obey
// (ttq::check_nm), else unstructured. Returns a note for the import report ("" if none).
std::string detect_nm(MatMulParams& p, const std::string& recorded);

}  // namespace ttq::onnx_io
