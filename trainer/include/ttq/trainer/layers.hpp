// The trainer's layers, llm.c style: each one a plain forward and backward function on Tensors
// ([C][N*H*W], see tensor.hpp). Backward functions OVERWRITE their input gradients; the network
// (net.cpp) adds them up where a tensor feeds several layers. Loops over channels run on OpenMP
// threads with a static schedule and no cross-thread reductions, so results are bit-identical for a
// given thread count; GEMMs are Eigen's (also OpenMP, also deterministic for a thread count).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ttq/trainer/tensor.hpp"

namespace ttq::train {

inline int conv_out_size(int in, int k, int stride, int pad) {
  return (in + 2 * pad - k) / stride + 1;
}

// ---- convolution: x [Cin][N*H*W], w [Cout][Cin*k*k] (fan-in index (c*k + i)*k + j) ------------
// col [Cin*k*k][N*Ho*Wo]; col(k, (n*Ho + y)*Wo + x) = x[c][n][y*s + i - pad][x*s + j - pad] or 0.
void im2col(const Tensor& x, int k, int stride, int pad, Mat& col);
// dx (already shaped like x) = sum over kernel taps of dcol: the adjoint of im2col.
void col2im(const Mat& dcol, int k, int stride, int pad, Tensor& dx);
// y [Cout][N*Ho*Wo] = w * im2col(x). col keeps the im2col result for the backward pass.
void conv_forward(const Tensor& x, const Mat& w, int k, int stride, int pad, Mat& col, Tensor& y);
// dw = dy * col^T; if dx: dx = col2im(w^T * dy) (dcol is scratch).
void conv_backward(const Tensor& dy, const Mat& col, const Mat& w, int k, int stride, int pad,
                   Mat& dw, Mat& dcol, Tensor* dx);

// ---- fully connected: x [C][N*H*W] is flattened per image in CHW order to xf [C*H*W][N] -------
void flatten(const Tensor& x, Mat& xf);
void unflatten(const Mat& dxf, Tensor& dx);  // dx already shaped like the unflattened x
// y [O][N] (h = w = 1) = w [O][F] * xf [F][N] (+ bias [O] if given).
void linear_forward(const Mat& xf, const Mat& w, const Vec* bias, Tensor& y);
// dw = dy * xf^T; dbias = row sums of dy; dxf = w^T * dy (each only if requested).
void linear_backward(const Tensor& dy, const Mat& xf, const Mat& w, Mat& dw, Vec* dbias, Mat* dxf);

// ---- batch norm over N*H*W per channel -----------------------------------------------------
struct BnCache {
  Vec mean, invstd;  // [C] batch statistics of the forward pass
  Mat xhat;          // [C][N*H*W] normalized input
};
// Training mode: batch statistics (biased variance), running stats updated PyTorch-style
// (running = (1 - momentum) * running + momentum * batch, unbiased variance).
void bn_forward_train(const Tensor& x, const Vec& gamma, const Vec& beta, float eps, float momentum,
                      Vec& run_mean, Vec& run_var, BnCache& cache, Tensor& y);
void bn_forward_eval(const Tensor& x, const Vec& gamma, const Vec& beta, const Vec& run_mean,
                     const Vec& run_var, float eps, Tensor& y);
void bn_backward(const Tensor& dy, const BnCache& cache, const Vec& gamma, Tensor& dx, Vec& dgamma,
                 Vec& dbeta);

// ---- ReLU (y may alias x) -------------------------------------------------------------------
void relu_forward(const Tensor& x, Tensor& y);
// dx = dy where y > 0 else 0 (dx may alias dy).
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx);

// ---- pooling (no padding; output size floor((H - k) / stride) + 1) -------------------------
// arg[c][n*Ho*Wo + p] = index within row c of x of the maximum (first one on ties).
void maxpool_forward(const Tensor& x, int k, int stride, Tensor& y, std::vector<int32_t>& arg);
void maxpool_backward(const Tensor& dy, const std::vector<int32_t>& arg, Tensor& dx);
void avgpool_forward(const Tensor& x, int k, int stride, Tensor& y);
void avgpool_backward(const Tensor& dy, int k, int stride, Tensor& dx);
// Mean over H*W: y [C][N], h = w = 1.
void global_avgpool_forward(const Tensor& x, Tensor& y);
void global_avgpool_backward(const Tensor& dy, Tensor& dx);

// ---- residual add and option-A shortcut ---------------------------------------------------
void add_forward(const Tensor& a, const Tensor& b, Tensor& y);  // y = a + b
// Option A (He et al. 2016): every stride-th row and column, channels zero-padded to cout with
// (cout - cin) / 2 zero channels first.
void shortcut_forward(const Tensor& x, int stride, int cout, Tensor& y);
void shortcut_backward(const Tensor& dy, int stride, Tensor& dx);  // dx already shaped like x

// ---- softmax cross-entropy over logits [K][N] ------------------------------------------------
struct LossResult {
  double loss_sum = 0;  // sum over the batch of -log p(label)
  int correct = 0;      // argmax == label
};
// If dlogits: dlogits = (softmax - onehot) / N, the gradient of the MEAN loss.
LossResult softmax_ce(const Tensor& logits, std::span<const uint8_t> labels, Tensor* dlogits);

}  // namespace ttq::train
