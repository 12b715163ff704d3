// The trainer's one activation type: a batch of feature maps stored channel-major, as a row-major
// matrix [C][N*H*W]. Every convolution is then a single GEMM W[O][K] * col[K][N*Ho*Wo] whose result
// is already in this layout, and batch norm works on contiguous rows.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace ttq::train {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXf;

// The layer functions' argument check: throws std::invalid_argument("WHAT: DETAIL").
inline void require(bool ok, const char* what, const std::string& detail) {
  if (!ok) throw std::invalid_argument(std::string(what) + ": " + detail);
}

struct Tensor {
  int c = 0, n = 0, h = 0, w = 0;
  Mat m;  // [c][n*h*w]; element (ch, img, y, x) at m(ch, (img*h + y)*w + x)

  // Sets the shape; reallocates only when the element count changes. Contents are unspecified.
  void resize(int c_, int n_, int h_, int w_) {
    c = c_, n = n_, h = h_, w = w_;
    m.resize(c, Eigen::Index(n) * h * w);
  }
  void resize_like(const Tensor& t) { resize(t.c, t.n, t.h, t.w); }
  int hw() const { return h * w; }
  std::size_t size() const { return std::size_t(m.size()); }
  float* row(int ch) { return m.data() + std::size_t(ch) * m.cols(); }
  const float* row(int ch) const { return m.data() + std::size_t(ch) * m.cols(); }
};

}  // namespace ttq::train
