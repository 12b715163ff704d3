// Weight quantizers of the trainer: Trained Ternary Quantization (Zhu et al. 2017) with its exact
// gradients, and the TWN and BWN baselines. Each is a forward (latent w -> effective weights q) and
// a backward (dL/dq -> dL/dw, and for TTQ dL/dWp, dL/dWn) pair.
#pragma once

#include <string>

#include "ttq/model.hpp"
#include "ttq/trainer/tensor.hpp"

namespace ttq::train {

enum class Quant { Float, TTQ, TWN, BWN };
Quant parse_quant(const std::string& s);  // "fp"|"float", "ttq", "twn", "bwn"; throws otherwise
std::string to_string(Quant q);

// Smallest value Wp and Wn may take: after every SGD step they are projected onto [kScaleFloor,
// inf) (projected gradient descent), so a ternary layer can never flip or lose its sign.
inline constexpr float kScaleFloor = 1e-4f;

// Ternary codes of a weight matrix, same shape and order (row-major [out][fan_in]): +1, 0, -1.
// Every ternary quantizer first picks its codes (a threshold, or the N:M group rule), then
// scales them.
using Codes = Eigen::Matrix<int8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// ---- masks ------------------------------------------------------------------------------------
// Threshold mask: +1 where w > delta, -1 where w < -delta, 0 where |w| <= delta.
void threshold_codes(const Mat& w, float delta, Codes& c);
// N:M mask (pattern p structured): in every group of p.m consecutive weights of a row (the last
// group of a row whose length is not a multiple of p.m is shorter; docs/MODEL_FORMAT.md, "N:M
// groups") the min(p.n, group size) largest |w| get the sign of w (0 if w is exactly 0), the
// others 0. Ties in |w| go to the lower index, so the mask is a function of w alone.
void nm_codes(const Mat& w, NmPattern p, Codes& c);
// Fraction of zero codes.
float code_sparsity(const Codes& c);

// ---- TTQ ----------------------------------------------------------------------------------------
// Threshold: t * max|w| if target_sparsity < 0, else the smallest |w| value such that a fraction
// target_sparsity of the weights satisfies |w| <= Delta (the paper's ImageNet variant).
float ttq_threshold(const Mat& w, float t, float target_sparsity);
// q = +wp where c = +1, 0 where c = 0, -wn where c = -1.
void ttq_forward(const Codes& c, float wp, float wn, Mat& q);
// With g = dL/dq: dL/dw = wp*g (c = +1), g (c = 0), wn*g (c = -1);
// dL/dWp = sum of g over {c = +1}; dL/dWn = -(sum of g over {c = -1}) since q = -Wn there.
void ttq_backward(const Codes& c, float wp, float wn, const Mat& gq, Mat& gw, float& gwp,
                  float& gwn);
// Initial scales for the FP -> TTQ fine-tune: mean |w| over the positive and over the negative set
// (floored at kScaleFloor; mean |w| of the whole layer if a set is empty).
void ttq_init_scales(const Mat& w, const Codes& c, float& wp, float& wn);

// ---- TWN (Li & Liu 2016): Delta = 0.7 mean|w|, alpha = mean of |w| over the nonzero codes --
float twn_threshold(const Mat& w);
// q = alpha * c; returns alpha. Gradient: straight-through, dL/dw = dL/dq.
float twn_forward(const Mat& w, const Codes& c, Mat& q);
// ---- BWN (Rastegari et al. 2016): q = alpha * sign(w), alpha = mean|w|; straight-through --------
float bwn_forward(const Mat& w, Mat& q);

}  // namespace ttq::train
