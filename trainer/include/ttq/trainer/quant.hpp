// Weight quantizers of the trainer: Trained Ternary Quantization (Zhu et al. 2017) with its exact
// gradients, and the TWN and BWN baselines. Each is a forward (latent w -> effective weights q) and
// a backward (dL/dq -> dL/dw, and for TTQ dL/dWp, dL/dWn) pair.
#pragma once

#include <string>

#include "ttq/trainer/tensor.hpp"

namespace ttq::train {

enum class Quant { Float, TTQ, TWN, BWN };
Quant parse_quant(const std::string& s);  // "fp"|"float", "ttq", "twn", "bwn"; throws otherwise
std::string to_string(Quant q);

// Smallest value Wp and Wn may take: after every SGD step they are projected onto [kScaleFloor,
// inf) (projected gradient descent), so a ternary layer can never flip or lose its sign.
inline constexpr float kScaleFloor = 1e-4f;

// ---- TTQ ----------------------------------------------------------------------------------------
// Threshold: t * max|w| if target_sparsity < 0, else the smallest |w| value such that a fraction
// target_sparsity of the weights satisfies |w| <= Delta (the paper's ImageNet variant).
float ttq_threshold(const Mat& w, float t, float target_sparsity);
// q = +wp where w > delta, 0 where |w| <= delta, -wn where w < -delta.
void ttq_forward(const Mat& w, float delta, float wp, float wn, Mat& q);
// With g = dL/dq: dL/dw = wp*g (w > delta), g (|w| <= delta), wn*g (w < -delta);
// dL/dWp = sum of g over {w > delta}; dL/dWn = -(sum of g over {w < -delta}) since q = -Wn there.
void ttq_backward(const Mat& w, float delta, float wp, float wn, const Mat& gq, Mat& gw, float& gwp,
                  float& gwn);
// Initial scales for the FP -> TTQ fine-tune: mean |w| over the positive and over the negative set
// (floored at kScaleFloor; mean |w| of the whole layer if a set is empty).
void ttq_init_scales(const Mat& w, float delta, float& wp, float& wn);
// Fraction of weights with |w| <= delta (quantized to zero).
float ternary_sparsity(const Mat& w, float delta);

// ---- TWN (Li & Liu 2016): Delta = 0.7 mean|w|, alpha = mean of |w| over |w| > Delta ---------
// Returns alpha; delta receives the threshold. Gradient: straight-through, dL/dw = dL/dq.
float twn_forward(const Mat& w, Mat& q, float& delta);
// ---- BWN (Rastegari et al. 2016): q = alpha * sign(w), alpha = mean|w|; straight-through --------
float bwn_forward(const Mat& w, Mat& q);

}  // namespace ttq::train
