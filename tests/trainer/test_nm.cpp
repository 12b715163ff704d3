// N:M-structured ternary weights in the trainer: the group mask against its definition (short last
// group and ties included), the TTQ gradients under the mask against finite differences of a loss
// built on the definition's mask (so a wrong mask or a wrong dL/dWn sign fails), TWN under the
// mask, and the pattern reaching the layers through begin_quantized.
#include "gradcheck.hpp"
#include "tiny_net.hpp"
#include "ttq/nm.hpp"
#include "ttq/trainer/quant.hpp"

using namespace ttq::train;
using namespace ttq::train::test;
using ttq::NmPattern;

namespace {
Codes nm(const Mat& w, NmPattern p) {
  Codes c;
  nm_codes(w, p, c);
  return c;
}
std::vector<int> row_of(const Codes& c, int o) {
  return std::vector<int>(c.row(o).data(), c.row(o).data() + c.cols());
}
}  // namespace

TEST_CASE("N:M mask: the N largest |w| of each group keep their sign, short last group, ties",
          "[trainer][nm]") {
  Mat w(1, 10);
  // groups of 4: {0.1, -0.9, 0.5, 0.2} {0.3, 0.3, -0.3, 0.1} and the short last group {-0.4, 0.05}
  w << 0.1f, -0.9f, 0.5f, 0.2f, 0.3f, 0.3f, -0.3f, 0.1f, -0.4f, 0.05f;
  CHECK(row_of(nm(w, {2, 4}), 0) == std::vector<int>{0, -1, 1, 0, 1, 1, 0, 0, -1, 1});
  CHECK(row_of(nm(w, {1, 4}), 0) == std::vector<int>{0, -1, 0, 0, 1, 0, 0, 0, -1, 0});
  CHECK(row_of(nm(w, {3, 4}), 0) == std::vector<int>{0, -1, 1, 1, 1, 1, -1, 0, -1, 1});
  CHECK(row_of(nm(w, {4, 8}), 0) == std::vector<int>{0, -1, 1, 0, 1, 1, 0, 0, -1, 1});
  CHECK(row_of(nm(w, {1, 1}), 0) == std::vector<int>{1, -1, 1, 1, 1, 1, -1, 1, -1, 1});
  // A fan-in shorter than M: one short group, min(N, size) nonzeros.
  Mat s(1, 3);
  s << 0.2f, -0.1f, 0.3f;
  CHECK(row_of(nm(s, {2, 4}), 0) == std::vector<int>{1, 0, 1});
  CHECK(row_of(nm(s, {4, 8}), 0) == std::vector<int>{1, -1, 1});
  CHECK_THROWS(nm(w, {3, 2}));
  CHECK_THROWS(nm(w, {0, 0}));
}

TEST_CASE("N:M mask equals its definition on random weights with ties", "[trainer][nm]") {
  Rng rng(21);
  for (NmPattern p :
       {NmPattern{2, 4}, NmPattern{1, 4}, NmPattern{4, 8}, NmPattern{3, 8}, NmPattern{2, 3}}) {
    for (int fan_in : {24, 18, 13, 7, 2}) {
      INFO("pattern " << ttq::to_string(p) << " fan_in " << fan_in);
      Mat w(9, fan_in);
      fill_uniform(w, rng);
      for (Eigen::Index i = 0; i < w.size(); i += 3)  // coarse values: many equal |w|
        w.data()[i] = std::round(w.data()[i] * 4) / 4;
      const Codes c = nm(w, p);
      CHECK(c == reference_nm(w, p));
      std::vector<int8_t> flat(c.data(), c.data() + c.size());
      CHECK(ttq::check_nm(flat, int(w.rows()), fan_in, p));
    }
  }
}

TEST_CASE("N:M TTQ gradients: dL/dWp, dL/dWn and dL/dw on the mask's sets (finite differences)",
          "[trainer][nm][grad]") {
  Rng rng(22);
  const NmPattern p{2, 4};
  Mat w(6, 22);  // 5 groups of 4 and a short group of 2 per row
  fill_uniform(w, rng);
  Probe probe(6, 22, 5, rng);
  const float wp = 0.8f, wn = 0.35f;  // unequal, so a swapped sign or scale shows
  Mat gw;
  float gwp = 0, gwn = 0;
  const Codes c = nm(w, p);
  const Mat gq = probe.grad_q();
  ttq_backward(c, wp, wn, gq, gw, gwp, gwn);
  // The loss of the layer quantized with the DEFINITION's mask: if nm_codes picked other weights,
  // the sums in dL/dWp, dL/dWn would not be the derivatives of this loss.
  const Codes ref = reference_nm(w, p);
  check_scale_gradients(
      [&](float sp, float sn) {
        Mat qq;
        ttq_forward(ref, sp, sn, qq);
        return probe.loss(qq);
      },
      wp, wn, gwp, gwn);
  // dL/dq by finite differences, then dL/dw = Wp g, g, Wn g on the definition's three sets.
  Mat q;
  ttq_forward(ref, wp, wn, q);
  check_gradient("N:M TTQ dL/dq", q.data(), gq.data(), size_t(q.size()),
                 [&] { return probe.loss(q); });
  int sets[3] = {0, 0, 0};
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const int r = ref.data()[i];
    const float g = gq.data()[i];
    CHECK(gw.data()[i] == Approx(r > 0 ? wp * g : r < 0 ? wn * g : g));
    ++sets[r + 1];
  }
  CHECK(sets[0] > 0);
  CHECK(sets[2] > 0);
  CHECK(sets[1] == 6 * (5 * 2 + 0));  // 2 zeros per full group, none in the 2-weight group
}

TEST_CASE("N:M masks in the network: TTQ init and TWN use the group mask", "[trainer][nm]") {
  for (Quant mode : {Quant::TTQ, Quant::TWN}) {
    INFO("mode " << to_string(mode));
    Net net = tiny_net(mode, true, {2, 4});
    net.quantize_weights();
    for (int i : net.matmul_nodes()) {
      const MatMul& m = net.nodes[size_t(i)].mm;
      INFO("layer " << net.nodes[size_t(i)].name);
      if (!m.quantizable) {
        CHECK(m.code.size() == 0);  // the first conv stays full precision
        continue;
      }
      const Codes want = reference_nm(m.w, {2, 4});
      CHECK(m.code == want);
      double sp = 0, sn = 0, sa = 0;
      int np = 0, nn = 0;
      for (Eigen::Index k = 0; k < m.w.size(); ++k) {
        const float v = m.w.data()[k];
        if (want.data()[k] > 0) sp += v, ++np;
        if (want.data()[k] < 0) sn -= v, ++nn;
        if (want.data()[k] != 0) sa += std::fabs(v);
      }
      if (mode == Quant::TWN) {
        CHECK(m.alpha == Approx(sa / (np + nn)));
        for (Eigen::Index k = 0; k < m.w.size(); ++k)
          CHECK(m.q.data()[k] == m.alpha * float(want.data()[k]));
      } else if (m.has_bn) {  // scales start at the mean |wnorm| of each set
        CHECK(m.wp == Approx(sp / np / m.wmax));
        CHECK(m.wn == Approx(sn / nn / m.wmax));
      }
    }
  }
}
