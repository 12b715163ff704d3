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

// TODO(issue 12, N:M): the one place where an imported layer's N:M pattern is detected and
// recorded (ttq::check_nm and MatMulParams::nm, branch nm-trainer). Not on main when this was
// written: records nothing and returns an empty string.
std::string detect_nm(MatMulParams& p);

}  // namespace ttq::onnx_io
