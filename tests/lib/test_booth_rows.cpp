// rtl/lib/booth_rows.sv + csa_tree.sv: the rows' sum is X * Y (Neg: -(X * Y)) modulo 2^OutW for
// signed X and Y, on the configurations the output units use (ternary: X = P as 21 bits, Y = Mp or
// Mn; dense: X = the 26-bit accumulator) and on narrow ones checked exhaustively.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include "Vbooth_x12_y16_o30_n1.h"
#include "Vbooth_x21_y16_o39_n0.h"
#include "Vbooth_x21_y16_o39_n1.h"
#include "Vbooth_x26_y16_o44_n0.h"
#include "Vbooth_x3_y4_o7_n0.h"
#include "Vbooth_x3_y4_o7_n1.h"

namespace {

int64_t sext(uint64_t v, int w) { return int64_t(v << (64 - w)) >> (64 - w); }
uint64_t mask(int w) { return (uint64_t(1) << w) - 1; }

// Expected rows' sum for raw operand bits x (xw bits), y (yw bits).
uint64_t expected(uint64_t x, uint64_t y, int xw, int yw, int outw, bool neg) {
  const int64_t p = sext(x, xw) * sext(y, yw);
  return uint64_t(neg ? -p : p) & mask(outw);
}

template <class M>
uint64_t eval(M& m, uint64_t x, uint64_t y) {
  m.x_i = x;
  m.y_i = y;
  m.eval();
  return uint64_t(m.p_o);
}

template <class M>
void check_exhaustive(int xw, int yw, int outw, bool neg) {
  M m;
  for (uint64_t x = 0; x <= mask(xw); ++x)
    for (uint64_t y = 0; y <= mask(yw); ++y) {
      INFO("x = " << sext(x, xw) << ", y = " << sext(y, yw));
      REQUIRE(eval(m, x, y) == expected(x, y, xw, yw, outw, neg));
    }
}

template <class M>
void check_random(int xw, int yw, int outw, bool neg) {
  M m;
  std::mt19937_64 rng(uint64_t(xw * 1000 + yw * 10 + neg));
  const uint64_t xs[] = {0, 1, mask(xw), mask(xw) >> 1, uint64_t(1) << (xw - 1)};
  const uint64_t ys[] = {0, 1, mask(yw), mask(yw) >> 1, uint64_t(1) << (yw - 1)};
  for (uint64_t x : xs)  // the extremes: 0, 1, -1, the largest and the most negative
    for (uint64_t y : ys) {
      INFO("x = " << sext(x, xw) << ", y = " << sext(y, yw));
      REQUIRE(eval(m, x, y) == expected(x, y, xw, yw, outw, neg));
    }
  for (int i = 0; i < 200000; ++i) {
    const uint64_t x = rng() & mask(xw), y = rng() & mask(yw);
    INFO("x = " << sext(x, xw) << ", y = " << sext(y, yw));
    REQUIRE(eval(m, x, y) == expected(x, y, xw, yw, outw, neg));
  }
}

}  // namespace

TEST_CASE("booth_rows: every 3 x 4-bit product, and its negation") {
  check_exhaustive<Vbooth_x3_y4_o7_n0>(3, 4, 7, false);
  check_exhaustive<Vbooth_x3_y4_o7_n1>(3, 4, 7, true);
}

TEST_CASE("booth_rows: the ternary output unit's Mp * P and -(Mn * N), 21 x 16 bits") {
  check_random<Vbooth_x21_y16_o39_n0>(21, 16, 39, false);
  check_random<Vbooth_x21_y16_o39_n1>(21, 16, 39, true);
}

TEST_CASE("booth_rows: the dense output stage's Mp * acc, 26 x 16 bits") {
  check_random<Vbooth_x26_y16_o44_n0>(26, 16, 44, false);
}

TEST_CASE("booth_rows: a multiplicand narrower than the multiplier (12 x 16 bits, negated)") {
  check_random<Vbooth_x12_y16_o30_n1>(12, 16, 30, true);
}
