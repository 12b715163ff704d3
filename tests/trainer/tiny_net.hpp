// Shared by the quantizer tests: a tiny network every layer of which finite differences can check,
// and the N:M mask written from its definition (independently of nm_codes).
#pragma once

#include <algorithm>
#include <cmath>

#include "ttq/trainer/net.hpp"

namespace ttq::train::test {

// A small net whose every layer can be checked by finite differences: conv(BN,ReLU) -> conv(BN)
// -> add with the option-A shortcut (ReLU) -> avg pool -> linear(ReLU) -> linear. With relu =
// false the ReLUs are left out: a finite-difference step that crosses a ReLU kink among hundreds
// of units gives an O(1) error, and ReLU's backward is checked on kink-free inputs. The ternary
// layers' fan-ins are 18 (c2), 4 (f1) and 5 (f2): under 2:4 c2 and f2 end in a short group.
inline Net tiny_net(Quant mode, bool relu = true, NmPattern pattern = {}) {
  Net net;
  net.arch = "tiny";
  net.classes = 3;
  int x = net.add_input(1, 6, 6);
  int c1 = net.add_conv("c1", x, 2, 3, 1, 1, true, true, false);
  int c2 = net.add_conv("c2", c1, 4, 3, 2, 1, true, false, false);
  int sc = net.add_shortcut("sc", c1, 2, 4);
  int a = net.add_add("add", c2, sc, true);
  int p = net.add_pool(Op::AvgPool, "pool", a, 3, 1);
  int f1 = net.add_linear("f1", p, 5, false, true, false);
  net.add_linear("f2", f1, 3, false, false, true);
  init_weights(net, 3);
  if (!relu)
    for (auto& n : net.nodes) n.relu = false, n.mm.relu = false;
  net.nodes[1].mm.quantizable = false;
  net.ttq_t = 0.05f;
  net.pattern = pattern;
  if (mode != Quant::Float) net.begin_quantized(mode);
  return net;
}

// The N:M mask from its definition: weight k of a row is nonzero (sign of w) iff fewer than
// min(N, group size) weights of its group rank before it (larger |w|, or equal |w| and a lower
// index). Groups: k / M, the last one cut at the row's end.
inline Codes reference_nm(const Mat& w, NmPattern p) {
  Codes c = Codes::Zero(w.rows(), w.cols());
  const int fan_in = int(w.cols());
  for (Eigen::Index o = 0; o < w.rows(); ++o)
    for (int k = 0; k < fan_in; ++k) {
      const int first = k / p.m * p.m, end = std::min(fan_in, first + p.m);
      const int limit = std::min(p.n, end - first);
      int before = 0;
      for (int j = first; j < end; ++j) {
        const float aj = std::fabs(w(o, j)), ak = std::fabs(w(o, k));
        before += j != k && (aj > ak || (aj == ak && j < k));
      }
      if (before < limit) c(o, k) = int8_t(w(o, k) > 0 ? 1 : w(o, k) < 0 ? -1 : 0);
    }
  return c;
}

}  // namespace ttq::train::test
