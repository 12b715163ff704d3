// Direct 3x3, stride 1, pad 1 convolution (issue 14): forward, backward to the input and to the
// weights without an im2col matrix. Same tensors and weight layout as conv_forward / conv_backward
// in layers.hpp (x [Cin][N*H*W], w [Cout][Cin*9], fan-in index c*9 + i*3 + j); the sums run in a
// different order than the im2col GEMM, so results agree with it to float roundoff, not bit for
// bit.
//
// Every channel is stored "padded": each image row is followed by one zero (its right neighbour's
// left pad too), each image by one zero row (the next image's top pad), with zero margins before
// the first and after the last image. A kernel tap (i, j) is then one constant offset
// (i - 1) * (W + 1) + (j - 1) in that flat row, so the convolution of all N images is one long
// vectorizable loop per channel; the few outputs computed at pad positions are dropped.
//
// Determinism: each output and input gradient is one thread's sum over (c, tap) in a fixed order;
// the weight gradient is summed per fixed block of padded positions (the blocks depend only on the
// shape) and the blocks are added in order. Results do not depend on the thread count.
#pragma once

#include <vector>

#include "ttq/trainer/tensor.hpp"

namespace ttq::train {

// Whether the direct kernels apply (else conv_forward / conv_backward with im2col).
inline bool conv3x3_direct(int k, int stride, int pad) { return k == 3 && stride == 1 && pad == 1; }

// Buffers of one convolution layer. xpad is the padded input, kept from forward for the weight
// gradient; the others are scratch.
struct Conv3x3Work {
  Mat xpad, dypad;
  int n = 0, h = 0, w = 0;  // image count and size of the saved input
  std::vector<float> wpack, partial;
};

// y [Cout][N*H*W] = conv3x3(x, w); keeps the padded x in work.xpad.
void conv3x3_forward(const Tensor& x, const Mat& w, Conv3x3Work& work, Tensor& y);
// dw = dL/dw from dy and work.xpad of the forward pass; if dx (already shaped like x): dx = dL/dx.
void conv3x3_backward(const Tensor& dy, const Mat& w, Conv3x3Work& work, Mat& dw, Tensor* dx);

}  // namespace ttq::train
