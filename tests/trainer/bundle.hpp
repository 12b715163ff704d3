// Tensor bundle: the exchange format of ttq-train's test tools (gradstep.cpp, lockstep.cpp) with
// the PyTorch reference (trainer/reference/ttq_torch.py read_bundle): "TTQB1\n", then per tensor
// a line "name ndim d0 d1 ...\n" followed by prod(d) little-endian float32 values, and a last line
// "end\n".
#pragma once

#include <bit>
#include <string>
#include <vector>

#include "ttq/trainer/tensor.hpp"

namespace ttq::train {
static_assert(std::endian::native == std::endian::little, "bundle floats are little-endian");

struct Bundle {
  std::string bytes = "TTQB1\n";
  std::string broken;  // a tensor to write with its sign flipped (gradstep --break-grad)
  bool did_break = false;
  void add(const std::string& name, const std::vector<int>& shape, const float* v) {
    size_t n = 1;
    bytes += name + " " + std::to_string(shape.size());
    for (int d : shape) bytes += " " + std::to_string(d), n *= size_t(d);
    bytes += "\n";
    std::vector<float> copy(v, v + n);
    if (name == broken) {
      for (float& f : copy) f = -f;
      did_break = true;
    }
    bytes.append(reinterpret_cast<const char*>(copy.data()), n * sizeof(float));
  }
  const std::string& finish() { return bytes += "end\n"; }
};

// A batch x [C][N*H*W] (the trainer's layout) as [N][C][H][W] (PyTorch's).
inline std::vector<float> to_nchw(const Tensor& x) {
  std::vector<float> r(x.size());
  for (int n = 0; n < x.n; ++n)
    for (int c = 0; c < x.c; ++c)
      for (int p = 0; p < x.hw(); ++p)
        r[(size_t(n) * x.c + c) * x.hw() + p] = x.row(c)[size_t(n) * x.hw() + p];
  return r;
}

}  // namespace ttq::train
