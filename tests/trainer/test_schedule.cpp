// Learning-rate schedules of the training loop (train.hpp lr_at), in particular onecycle, which
// must be PyTorch's OneCycleLR (the issue 14 CIFAR-10 recipe), and Nesterov SGD.
#include <catch2/catch.hpp>
#include <cmath>

#include "tiny_net.hpp"
#include "ttq/trainer/train.hpp"

using namespace ttq::train;

TEST_CASE("onecycle: PyTorch OneCycleLR's curve, 15% warm-up to the peak, then down") {
  // Values printed by PyTorch 1.13's OneCycleLR(max_lr=0.1, total_steps=1000, pct_start=0.15,
  // cycle_momentum=False) after `it` scheduler steps (ttq_torch.py lr-curve --total 1000).
  const long total = 1000;
  CHECK(lr_at("onecycle", 0.1, 0, total) == Approx(0.004).epsilon(1e-12));   // 0.1 / 25
  CHECK(lr_at("onecycle", 0.1, 149, total) == Approx(0.1).epsilon(1e-12));   // the peak
  CHECK(lr_at("onecycle", 0.1, 999, total) == Approx(4e-7).epsilon(1e-9));   // 0.1 / 25 / 1e4
  CHECK(lr_at("onecycle", 0.1, 75, total) == Approx(0.05250601897367582).epsilon(1e-12));
  CHECK(lr_at("onecycle", 0.1, 150, total) == Approx(0.09999965849295199).epsilon(1e-12));
  CHECK(lr_at("onecycle", 0.1, 500, total) == Approx(0.06350545746560737).epsilon(1e-12));
  // Rising strictly to the peak, falling strictly after it.
  for (long it = 1; it < total; ++it) {
    const double a = lr_at("onecycle", 0.1, it - 1, total), b = lr_at("onecycle", 0.1, it, total);
    if (it <= 149)
      REQUIRE(b > a);
    else
      REQUIRE(b < a);
  }
}

TEST_CASE("Nesterov SGD: w -= lr * (g' + mu * m), g' = g + wd * w on latent weights only") {
  Net net = test::tiny_net(Quant::Float);
  MatMul& m = net.nodes[size_t(net.matmul_nodes().front())].mm;
  m.gw.setConstant(0.5f);
  m.mw.setConstant(0.25f);
  const float w0 = m.w(0, 0);
  if (m.has_bn) m.ggamma.setConstant(1.0f), m.mgamma.setZero();
  const float gamma0 = m.has_bn ? m.gamma[0] : 0;
  sgd_step(net, 0.1, 0.9, 0.01, 1.0, true);
  const float g = 0.5f + 0.01f * w0, mom = 0.9f * 0.25f + g;
  CHECK(m.mw(0, 0) == Approx(mom));
  CHECK(m.w(0, 0) == Approx(w0 - 0.1f * (g + 0.9f * mom)));
  if (m.has_bn) CHECK(m.gamma[0] == Approx(gamma0 - 0.1f * (1.0f + 0.9f * 1.0f)));  // no decay
}
