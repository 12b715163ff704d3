// The quantizers: TTQ forward and its exact gradients (the dL/dWn sign pinned by finite
// differences), the target-sparsity threshold, TWN and BWN with straight-through gradients, and
// the projection that keeps Wp and Wn positive.
#include <set>

#include "gradcheck.hpp"
#include "tiny_net.hpp"
#include "ttq/nm.hpp"
#include "ttq/trainer/layers.hpp"
#include "ttq/trainer/net.hpp"
#include "ttq/trainer/quant.hpp"
#include "ttq/trainer/train.hpp"

using namespace ttq::train;
using namespace ttq::train::test;

namespace {
Codes thresholded(const Mat& w, float delta) {
  Codes c;
  threshold_codes(w, delta, c);
  return c;
}
}  // namespace

TEST_CASE("TTQ forward: threshold t*max|w| and q in {+Wp, 0, -Wn}", "[trainer][quant]") {
  Mat w(2, 4);
  w << 1.0f, 0.04f, -0.06f, -0.5f, 0.3f, -0.05f, 0.05f, 0.051f;
  const float delta = ttq_threshold(w, 0.05f, -1);
  CHECK(delta == Approx(0.05f));
  Mat q;
  const Codes c = thresholded(w, delta);
  ttq_forward(c, 0.7f, 0.3f, q);
  Mat want(2, 4);
  want << 0.7f, 0, -0.3f, -0.3f, 0.7f, 0, 0, 0.7f;
  CHECK(q == want);
  CHECK(code_sparsity(c) == Approx(3.0 / 8));
  float wp = 0, wn = 0;
  ttq_init_scales(w, c, wp, wn);
  CHECK(wp == Approx((1.0 + 0.3 + 0.051) / 3));
  CHECK(wn == Approx((0.06 + 0.5) / 2));
}

TEST_CASE("TTQ target-sparsity threshold zeroes the requested fraction", "[trainer][quant]") {
  Rng rng(7);
  Mat w(50, 40);
  fill_uniform(w, rng);
  for (float r : {0.3f, 0.5f, 0.9f}) {
    const float delta = ttq_threshold(w, 0.05f, r);
    CHECK(std::fabs(code_sparsity(thresholded(w, delta)) - r) <= 1.0 / 2000);
  }
}

TEST_CASE("TTQ gradients: dL/dWp, dL/dWn (sign), dL/dw match the paper", "[trainer][quant][grad]") {
  Rng rng(8);
  Mat w(6, 20);
  fill_uniform(w, rng);
  Probe probe(6, 20, 5, rng);
  float wp = 0.8f, wn = 0.35f;  // deliberately unequal so a swapped sign or scale shows
  const float delta = ttq_threshold(w, 0.05f, -1);
  Mat q;
  const Codes c = thresholded(w, delta);
  ttq_forward(c, wp, wn, q);
  const Mat gq = probe.grad_q();
  Mat gw;
  float gwp = 0, gwn = 0;
  ttq_backward(c, wp, wn, gq, gw, gwp, gwn);

  // dL/dWp and dL/dWn against central differences of the true loss (Delta does not depend on them).
  check_scale_gradients(
      [&](float sp, float sn) {
        Mat qq;
        ttq_forward(c, sp, sn, qq);
        return probe.loss(qq);
      },
      wp, wn, gwp, gwn);
  // The sign: dL/dWn is MINUS the sum of g over the negative set.
  double sum_neg = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (w.data()[i] < -delta) sum_neg += gq.data()[i];
  CHECK(gwn == Approx(-sum_neg).epsilon(1e-5));

  // dL/dq by finite differences (q treated as free), then the paper's scaling per set.
  Mat qf = q;
  const Mat gq0 = gq;
  check_gradient("TTQ dL/dq", qf.data(), gq0.data(), size_t(qf.size()),
                 [&] { return probe.loss(qf); });
  int np = 0, nn = 0, nz = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const float v = w.data()[i], g = gq.data()[i];
    if (v > delta) {
      CHECK(gw.data()[i] == Approx(wp * g));
      ++np;
    } else if (v < -delta) {
      CHECK(gw.data()[i] == Approx(wn * g));
      ++nn;
    } else {
      CHECK(gw.data()[i] == g);
      ++nz;
    }
  }
  CHECK(np > 0);
  CHECK(nn > 0);
  CHECK(nz > 0);
}

TEST_CASE("TWN: Delta = 0.7 mean|w|, alpha = mean of |w| above it, straight-through gradient",
          "[trainer][quant][grad]") {
  Rng rng(9);
  Mat w(5, 16);
  fill_uniform(w, rng);
  Mat q;
  const float delta = twn_threshold(w);
  const float alpha = twn_forward(w, thresholded(w, delta), q);
  CHECK(delta == Approx(0.7 * w.cwiseAbs().mean()));
  double s = 0;
  int n = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (std::fabs(w.data()[i]) > delta) s += std::fabs(w.data()[i]), ++n;
  CHECK(alpha == Approx(s / n));
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const float v = w.data()[i];
    CHECK(q.data()[i] == (v > delta ? alpha : v < -delta ? -alpha : 0.0f));
  }
  // Through a network layer: the STE passes dL/dq to dL/dw unchanged; dL/dq checked by FD.
  Probe probe(5, 16, 4, rng);
  Mat qf = q;
  const Mat gq = probe.grad_q();
  check_gradient("TWN dL/dq", qf.data(), gq.data(), size_t(qf.size()),
                 [&] { return probe.loss(qf); });
}

TEST_CASE("BWN: q = mean|w| * sign(w)", "[trainer][quant][grad]") {
  Rng rng(10);
  Mat w(4, 9);
  fill_uniform(w, rng);
  Mat q;
  const float alpha = bwn_forward(w, q);
  CHECK(alpha == Approx(w.cwiseAbs().mean()));
  CHECK((q.array().abs() == alpha).all());
  CHECK(((q.array() > 0) == (w.array() >= 0)).all());
  Probe probe(4, 9, 3, rng);
  Mat qf = q;
  const Mat gq = probe.grad_q();
  check_gradient("BWN dL/dq", qf.data(), gq.data(), size_t(qf.size()),
                 [&] { return probe.loss(qf); });
}

TEST_CASE("whole-network backward matches finite differences (FP, TTQ, TTQ with N:M masks)",
          "[trainer][quant][grad]") {
  const std::pair<Quant, ttq::NmPattern> cases[] = {
      {Quant::Float, {}}, {Quant::TTQ, {}}, {Quant::TTQ, {2, 4}}, {Quant::TTQ, {3, 8}}};
  for (auto [mode, pattern] : cases) {
    INFO("mode " << to_string(mode) << " pattern " << ttq::to_string(pattern));
    Net net = tiny_net(mode, false, pattern);
    Rng rng(11);
    Tensor x;
    x.resize(1, 4, 6, 6);
    fill_uniform(x, rng, 0, 1);
    const std::vector<uint8_t> labels = {0, 2, 1, 2};
    Tensor d;
    softmax_ce(net.forward(x, true), labels, &d);
    net.backward(d);
    auto loss = [&] { return softmax_ce(net.forward(x, true), labels, nullptr).loss_sum / 4.0; };
    std::set<std::string> ternary_latent;
    for (int i : net.matmul_nodes())
      if (mode == Quant::TTQ && net.nodes[size_t(i)].mm.quantizable)
        ternary_latent.insert(net.nodes[size_t(i)].name + ".w");
    for (ParamRef& p : net.params()) {
      // Latent weights of a ternary layer: the loss is piecewise constant in them, so there is no
      // finite difference; their rule is checked below and on the quantizer above.
      if (ternary_latent.count(p.name)) continue;
      if (p.scale && mode != Quant::TTQ) continue;  // unused outside the TTQ phase
      std::vector<float> g(p.g, p.g + p.n);
      check_gradient(p.name.c_str(), p.v, g.data(), p.n, loss, 1e-3f, 12, 2e-3, 5e-2);
    }
    if (mode == Quant::TTQ) {
      // dL/dw of each ternary layer = the paper's rule applied to dL/dq, through wnorm = w/max|w|,
      // on the sets of the threshold or of the N:M mask (both written out here, not taken from
      // the layer's codes).
      for (int i : net.matmul_nodes()) {
        MatMul& m = net.nodes[size_t(i)].mm;
        if (!m.quantizable) continue;
        INFO("layer " << net.nodes[size_t(i)].name);
        const Codes want = pattern.structured() ? reference_nm(m.w, pattern) : Codes();
        for (Eigen::Index k = 0; k < m.w.size(); ++k) {
          const float wn = m.wnorm.data()[k], g = m.gq.data()[k];
          const int c = pattern.structured() ? want.data()[k]
                        : wn > m.delta       ? 1
                        : wn < -m.delta      ? -1
                                             : 0;
          const float rule = c > 0 ? m.wp * g : c < 0 ? m.wn * g : g;
          CHECK(m.gw.data()[k] == Approx(rule / m.wmax).margin(1e-7));
        }
      }
    }
  }
}

TEST_CASE("SGD keeps Wp and Wn positive (projection)", "[trainer][quant]") {
  Net net = tiny_net(Quant::TTQ);
  MatMul& m = net.nodes[2].mm;
  REQUIRE(m.quantizable);
  m.gwp = 1e6f;  // a step that would drive Wp far below zero
  m.gwn = -1.0f;
  const float wn0 = m.wn;
  sgd_step(net, 0.1, 0.9, 0.0);
  CHECK(m.wp == kScaleFloor);
  CHECK(m.wn == Approx(wn0 + 0.1f));  // a normal step is untouched
}
