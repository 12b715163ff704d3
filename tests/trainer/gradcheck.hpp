// Finite-difference helpers for the trainer's gradient tests: L = sum(R .* f(x)) for a fixed random
// R, so dL/dy = R is fed to the backward pass and compared with central differences of L.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <vector>

#include "ttq/trainer/rng.hpp"
#include "ttq/trainer/tensor.hpp"

namespace ttq::train::test {

inline void fill_uniform(float* p, size_t n, Rng& rng, float lo = -1, float hi = 1) {
  for (size_t i = 0; i < n; ++i) p[i] = float(lo + (hi - lo) * rng.uniform());
}
inline void fill_uniform(Mat& m, Rng& rng, float lo = -1, float hi = 1) {
  fill_uniform(m.data(), size_t(m.size()), rng, lo, hi);
}
inline void fill_uniform(Tensor& t, Rng& rng, float lo = -1, float hi = 1) {
  fill_uniform(t.m, rng, lo, hi);
}

inline double dot(const Mat& a, const Mat& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  double s = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) s += double(a.data()[i]) * b.data()[i];
  return s;
}

// Checks analytic[i] against central differences of loss() w.r.t. p[i] for up to `samples`
// indices spread over [0, n). Every checked entry must satisfy
// |a - fd| <= atol + rtol * max(|a|, |fd|); also at least one checked gradient must be nonzero
// (so a backward that returns zeros cannot pass).
inline void check_gradient(const char* what, float* p, const float* analytic, size_t n,
                           const std::function<double()>& loss, float h = 1e-2f, int samples = 40,
                           double atol = 2e-3, double rtol = 2e-2) {
  INFO(what);
  const size_t step = std::max<size_t>(1, n / size_t(samples));
  double max_abs = 0;
  for (size_t i = 0; i < n; i += step) {
    const float orig = p[i];
    p[i] = orig + h;
    const double lp = loss();
    p[i] = orig - h;
    const double lm = loss();
    p[i] = orig;
    const double fd = (lp - lm) / (2.0 * h);
    const double a = analytic[i];
    max_abs = std::max(max_abs, std::fabs(a));
    INFO("index " << i << " analytic " << a << " finite difference " << fd);
    CHECK(std::fabs(a - fd) <= atol + rtol * std::max(std::fabs(a), std::fabs(fd)));
  }
  CHECK(max_abs > 1e-4);
}

// A linear layer on a fixed input: L(q) = sum(R .* (q * X)), so dL/dq = R * X^T.
struct Probe {
  Mat x, r;
  Probe(int out, int in, int n, Rng& rng) : x(in, n), r(out, n) {
    fill_uniform(x, rng);
    fill_uniform(r, rng);
  }
  double loss(const Mat& q) const { return dot(q * x, r); }
  Mat grad_q() const { return r * x.transpose(); }
};

// dL/dWp and dL/dWn of a ternary layer (gwp, gwn) against central differences of
// loss_at(Wp, Wn); the difference in Wn must be large enough to pin the sign of dL/dWn.
inline void check_scale_gradients(const std::function<double(float, float)>& loss_at, float wp,
                                  float wn, float gwp, float gwn) {
  const float h = 1e-2f;
  const double fd_wp = (loss_at(wp + h, wn) - loss_at(wp - h, wn)) / (2 * h);
  const double fd_wn = (loss_at(wp, wn + h) - loss_at(wp, wn - h)) / (2 * h);
  INFO("dL/dWp " << gwp << " fd " << fd_wp << "; dL/dWn " << gwn << " fd " << fd_wn);
  REQUIRE(std::fabs(fd_wn) > 1e-2);
  CHECK(gwp == Approx(fd_wp).epsilon(1e-3).margin(1e-4));
  CHECK(gwn == Approx(fd_wn).epsilon(1e-3).margin(1e-4));
}

}  // namespace ttq::train::test
