// Finite-difference checks of every layer's backward pass against its forward pass.
#include <algorithm>
#include <numeric>

#include "gradcheck.hpp"
#include "ttq/trainer/layers.hpp"

using namespace ttq::train;
using namespace ttq::train::test;

namespace {
Tensor make(int c, int n, int h, int w, Rng& rng, float lo = -1, float hi = 1) {
  Tensor t;
  t.resize(c, n, h, w);
  fill_uniform(t, rng, lo, hi);
  return t;
}
// Values in random order, at least `gap` apart, so a finite-difference step never crosses a kink
// (ReLU at 0, max-pool winner changes).
Tensor make_spread(int c, int n, int h, int w, Rng& rng, float gap) {
  Tensor t;
  t.resize(c, n, h, w);
  std::vector<int> order(t.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  const float mid = float(order.size()) / 2.0f + 0.5f;
  for (size_t i = 0; i < order.size(); ++i) t.m.data()[i] = (float(order[i]) - mid) * gap;
  return t;
}
}  // namespace

TEST_CASE("im2col matches a direct convolution", "[trainer][layers]") {
  Rng rng(1);
  Tensor x = make(3, 2, 7, 6, rng);
  Mat w(4, 3 * 3 * 3);
  fill_uniform(w, rng);
  Mat col;
  Tensor y;
  conv_forward(x, w, 3, 2, 1, col, y);
  REQUIRE(y.h == 4);
  REQUIRE(y.w == 3);
  for (int o = 0; o < 4; ++o)
    for (int n = 0; n < 2; ++n)
      for (int yo = 0; yo < y.h; ++yo)
        for (int xo = 0; xo < y.w; ++xo) {
          double s = 0;
          for (int c = 0; c < 3; ++c)
            for (int i = 0; i < 3; ++i)
              for (int j = 0; j < 3; ++j) {
                const int yy = yo * 2 + i - 1, xx = xo * 2 + j - 1;
                if (yy < 0 || yy >= 7 || xx < 0 || xx >= 6) continue;
                s += double(w(o, (c * 3 + i) * 3 + j)) * x.row(c)[(n * 7 + yy) * 6 + xx];
              }
          CHECK(y.row(o)[(n * y.h + yo) * y.w + xo] == Approx(s).margin(1e-5));
        }
}

TEST_CASE("conv backward matches finite differences", "[trainer][layers][grad]") {
  for (auto [k, stride, pad] : {std::tuple{5, 1, 2}, std::tuple{3, 2, 1}, std::tuple{5, 1, 0}}) {
    Rng rng(uint64_t(10 + k + stride));
    Tensor x = make(3, 2, 9, 8, rng);
    Mat w(4, 3 * k * k);
    fill_uniform(w, rng);
    Mat col, dcol, dw;
    Tensor y, dx;
    conv_forward(x, w, k, stride, pad, col, y);
    Tensor r = make(y.c, y.n, y.h, y.w, rng);
    auto loss = [&] {
      Mat c2;
      Tensor y2;
      conv_forward(x, w, k, stride, pad, c2, y2);
      return dot(y2.m, r.m);
    };
    dx.resize_like(x);
    conv_backward(r, col, w, k, stride, pad, dw, dcol, &dx);
    const Mat dw0 = dw;
    const Mat dx0 = dx.m;
    check_gradient("conv dW", w.data(), dw0.data(), size_t(w.size()), loss);
    check_gradient("conv dX", x.m.data(), dx0.data(), x.size(), loss);
  }
}

TEST_CASE("linear backward matches finite differences", "[trainer][layers][grad]") {
  Rng rng(2);
  Tensor x = make(4, 3, 2, 2, rng);  // flattened fan-in 16
  Mat w(5, 16);
  fill_uniform(w, rng);
  Vec b = Vec::Random(5);
  Mat xf, dw, dxf;
  Vec db;
  Tensor y;
  flatten(x, xf);
  linear_forward(xf, w, &b, y);
  Tensor r = make(5, 3, 1, 1, rng);
  auto loss = [&] {
    Mat f;
    Tensor y2;
    flatten(x, f);
    linear_forward(f, w, &b, y2);
    return dot(y2.m, r.m);
  };
  linear_backward(r, xf, w, dw, &db, &dxf);
  Tensor dx;
  dx.resize_like(x);
  unflatten(dxf, dx);
  const Mat dw0 = dw, dx0 = dx.m;
  const Vec db0 = db;
  check_gradient("linear dW", w.data(), dw0.data(), size_t(w.size()), loss);
  check_gradient("linear db", b.data(), db0.data(), size_t(b.size()), loss);
  check_gradient("linear dX", x.m.data(), dx0.data(), x.size(), loss);
  // Flatten order is CHW per image, as model.hpp requires.
  CHECK(xf(1 * 4 + 3, 2) == x.row(1)[2 * 4 + 3]);  // channel 1, pixel (1,1), image 2
}

TEST_CASE("batch norm backward matches finite differences", "[trainer][layers][grad]") {
  Rng rng(3);
  Tensor x = make(3, 4, 3, 3, rng, -2, 3);
  Vec gamma = Vec::Random(3).array() + 1.5f, beta = Vec::Random(3);
  Vec rm = Vec::Zero(3), rv = Vec::Ones(3);
  BnCache cache;
  Tensor y, dx;
  bn_forward_train(x, gamma, beta, 1e-5f, 0.1f, rm, rv, cache, y);
  // Normalized output: per channel mean beta, variance gamma^2.
  for (int c = 0; c < 3; ++c) {
    const double mean = y.m.row(c).cast<double>().mean();
    const double var = (y.m.row(c).cast<double>().array() - mean).square().mean();
    CHECK(mean == Approx(beta[c]).margin(1e-5));
    CHECK(var == Approx(double(gamma[c]) * gamma[c]).epsilon(1e-3));
  }
  Tensor r = make(y.c, y.n, y.h, y.w, rng);
  auto loss = [&] {
    Vec m2 = rm, v2 = rv;
    BnCache c2;
    Tensor y2;
    bn_forward_train(x, gamma, beta, 1e-5f, 0.1f, m2, v2, c2, y2);
    return dot(y2.m, r.m);
  };
  Vec dg, db;
  bn_backward(r, cache, gamma, dx, dg, db);
  const Mat dx0 = dx.m;
  const Vec dg0 = dg, db0 = db;
  check_gradient("bn dX", x.m.data(), dx0.data(), x.size(), loss, 1e-2f, 60);
  check_gradient("bn dgamma", gamma.data(), dg0.data(), 3, loss);
  check_gradient("bn dbeta", beta.data(), db0.data(), 3, loss);
  // Eval mode with the running statistics equals y = a*x + b per channel.
  Tensor ye;
  bn_forward_eval(x, gamma, beta, rm, rv, 1e-5f, ye);
  const float a = gamma[1] / std::sqrt(rv[1] + 1e-5f);
  CHECK(ye.row(1)[5] == Approx(a * (x.row(1)[5] - rm[1]) + beta[1]).margin(1e-5));
}

TEST_CASE("relu, max pool, avg pool, global avg pool backward match finite differences",
          "[trainer][layers][grad]") {
  Rng rng(4);
  Tensor x = make_spread(2, 2, 6, 6, rng, 0.05f);
  {
    Tensor y, dx;
    relu_forward(x, y);
    Tensor r = make(y.c, y.n, y.h, y.w, rng);
    auto loss = [&] {
      Tensor y2;
      relu_forward(x, y2);
      return dot(y2.m, r.m);
    };
    relu_backward(y, r, dx);
    const Mat dx0 = dx.m;
    check_gradient("relu dX", x.m.data(), dx0.data(), x.size(), loss, 1e-2f, 72);
  }
  {
    Tensor y, dx;
    std::vector<int32_t> arg;
    maxpool_forward(x, 2, 2, y, arg);
    Tensor r = make(y.c, y.n, y.h, y.w, rng);
    auto loss = [&] {
      Tensor y2;
      std::vector<int32_t> a2;
      maxpool_forward(x, 2, 2, y2, a2);
      return dot(y2.m, r.m);
    };
    dx.resize_like(x);
    maxpool_backward(r, arg, dx);
    const Mat dx0 = dx.m;
    check_gradient("maxpool dX", x.m.data(), dx0.data(), x.size(), loss, 1e-2f, 144);
  }
  for (auto [k, s] : {std::pair{2, 2}, std::pair{3, 1}}) {
    Tensor y, dx;
    avgpool_forward(x, k, s, y);
    Tensor r = make(y.c, y.n, y.h, y.w, rng);
    auto loss = [&] {
      Tensor y2;
      avgpool_forward(x, k, s, y2);
      return dot(y2.m, r.m);
    };
    dx.resize_like(x);
    avgpool_backward(r, k, s, dx);
    const Mat dx0 = dx.m;
    check_gradient("avgpool dX", x.m.data(), dx0.data(), x.size(), loss);
  }
  {
    Tensor y, dx;
    global_avgpool_forward(x, y);
    REQUIRE(y.h == 1);
    Tensor r = make(y.c, y.n, 1, 1, rng);
    auto loss = [&] {
      Tensor y2;
      global_avgpool_forward(x, y2);
      return dot(y2.m, r.m);
    };
    dx.resize_like(x);
    global_avgpool_backward(r, dx);
    const Mat dx0 = dx.m;
    check_gradient("gap dX", x.m.data(), dx0.data(), x.size(), loss);
  }
}

TEST_CASE("option-A shortcut and residual add", "[trainer][layers][grad]") {
  Rng rng(5);
  Tensor x = make(4, 2, 6, 6, rng);
  Tensor y;
  shortcut_forward(x, 2, 8, y);
  REQUIRE(y.c == 8);
  REQUIRE(y.h == 3);
  // Two zero channels first, then the input subsampled at even rows and columns.
  CHECK(y.m.row(0).cwiseAbs().maxCoeff() == 0.0f);
  CHECK(y.m.row(7).cwiseAbs().maxCoeff() == 0.0f);
  CHECK(y.row(2)[(1 * 3 + 2) * 3 + 1] == x.row(0)[(1 * 6 + 4) * 6 + 2]);
  Tensor r = make(y.c, y.n, y.h, y.w, rng);
  auto loss = [&] {
    Tensor y2;
    shortcut_forward(x, 2, 8, y2);
    return dot(y2.m, r.m);
  };
  Tensor dx;
  dx.resize_like(x);
  shortcut_backward(r, 2, dx);
  const Mat dx0 = dx.m;
  check_gradient("shortcut dX", x.m.data(), dx0.data(), x.size(), loss, 1e-2f, 144);

  Tensor a = make(2, 2, 3, 3, rng), b = make(2, 2, 3, 3, rng), s;
  add_forward(a, b, s);
  CHECK(s.m(1, 4) == a.m(1, 4) + b.m(1, 4));
}

TEST_CASE("softmax cross-entropy gradient matches finite differences", "[trainer][layers][grad]") {
  Rng rng(6);
  Tensor logits = make(10, 4, 1, 1, rng, -3, 3);
  const std::vector<uint8_t> labels = {3, 0, 9, 5};
  Tensor d;
  const LossResult r = softmax_ce(logits, labels, &d);
  CHECK(r.loss_sum > 0);
  auto loss = [&] { return softmax_ce(logits, labels, nullptr).loss_sum / 4.0; };
  const Mat d0 = d.m;
  check_gradient("softmax-ce dlogits", logits.m.data(), d0.data(), logits.size(), loss, 1e-2f, 40,
                 1e-4, 1e-2);
  // Each column of the gradient sums to zero (softmax minus one-hot).
  for (int n = 0; n < 4; ++n) CHECK(std::fabs(d.m.col(n).sum()) < 1e-6);
}
