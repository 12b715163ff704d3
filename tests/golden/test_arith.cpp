// The arithmetic contract (arith.hpp, layer.hpp) on hand-worked examples and at its extremes, and
// the export helpers that produce its parameters.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "ttq/arith.hpp"
#include "ttq/golden.hpp"
#include "ttq/layer.hpp"

using namespace ttq;

TEST_CASE("output_step: hand-worked rounding at .5 for both signs", "[arith]") {
  const OutParams o{3, 2, 1, 2};  // mp 3, mn 2, bias 1, shift 2
  // 3*5 - 2*3 + 1 = 10; 10/4 = 2.5 rounds up to 3.
  CHECK(output_step(5, 3, o, false) == 3);
  // 3*1 - 2*7 + 1 = -10; -2.5 rounds half up to -2.
  CHECK(output_step(1, 7, o, false) == -2);
  // -11/4 = -2.75 -> -3; -9/4 = -2.25 -> -2; 9/4 = 2.25 -> 2; 11/4 = 2.75 -> 3.
  CHECK(output_step(0, 6, o, false) == -3);  // -12 + 1 = -11
  CHECK(output_step(0, 5, o, false) == -2);  // -10 + 1 = -9
  CHECK(output_step(0, 0, OutParams{1, 0, 9, 2}, false) == 2);
  CHECK(output_step(0, 0, OutParams{1, 0, 11, 2}, false) == 3);
  CHECK(rounding_shift(-1, 1) == 0);   // -0.5 -> 0
  CHECK(rounding_shift(-3, 1) == -1);  // -1.5 -> -1
  CHECK(rounding_shift(3, 1) == 2);    // 1.5 -> 2
}

TEST_CASE("output_step: shift 0 passes the accumulator through", "[arith]") {
  const OutParams o{1, 1, 0, 0};
  CHECK(output_step(100, 0, o, false) == 100);
  CHECK(output_step(100, 0, o, true) == 100);
  CHECK(output_step(10, 30, o, false) == -20);
  CHECK(rounding_shift(-7, 0) == -7);
}

TEST_CASE("output_step: saturation both ways and relu", "[arith]") {
  const OutParams o{1, 1, 0, 0};
  CHECK(output_step(300, 0, o, true) == 255);
  CHECK(output_step(300, 0, o, false) == 127);
  CHECK(output_step(0, 300, o, false) == -128);
  CHECK(output_step(0, 300, o, true) == 0);
  CHECK(output_step(0, 1, o, true) == 0);  // relu of -1
  CHECK(output_step(255, 0, o, true) == 255);
  CHECK(output_step(127, 0, o, false) == 127);
  CHECK(output_step(0, 128, o, false) == -128);
  CHECK(output_step(0, 129, o, false) == -128);
  // A negative multiplier (folded BN with negative scale) flips the sign.
  CHECK(output_step(10, 0, OutParams{-3, 0, 0, 0}, false) == -30);
  CHECK(output_step(10, 0, OutParams{-3, 0, 0, 0}, true) == 0);
}

TEST_CASE("accumulator bound at the maximum fan-in", "[arith]") {
  // P, N <= 255 * kMaxFanIn < 2^24: an unsigned 24-bit accumulator never overflows.
  const int bits = kActBits + int(std::ceil(std::log2(double(kMaxFanIn) + 1)));
  CHECK(bits == 24);
  CHECK(int64_t{kActMax} * kMaxFanIn < (int64_t{1} << bits));
  // Worst-case signed pre-shift value |Mp*P| + |Mn*N| + |B| fits easily in int64 (< 2^56).
  const int64_t worst = 2 * int64_t{32768} * kActMax * kMaxFanIn + (int64_t{1} << 31);
  CHECK(worst < (int64_t{1} << 56));
}

TEST_CASE("ternary_sums equals a plain loop at every length, offset and pattern", "[arith]") {
  // ternary_sums works 16 codes at a time where it can (SSE2) and one at a time for the rest:
  // every length 0..100 (blocks and tails), unaligned starts, random codes and activations
  // (including 0 and 255), and codes other than -1 / 0 / +1 (only their sign counts).
  std::mt19937 rng(2026);
  std::vector<int8_t> codes(200);
  std::vector<uint8_t> x(200);
  for (int trial = 0; trial < 20; ++trial) {
    for (auto& c : codes) c = int8_t(trial % 4 == 3 ? int(rng() % 256) - 128 : int(rng() % 3) - 1);
    for (auto& v : x) v = trial % 5 == 4 ? uint8_t{255} : uint8_t(rng() % 256);
    for (size_t off : {size_t{0}, size_t{1}, size_t{7}}) {
      for (size_t len = 0; len <= 100; ++len) {
        Sums want;
        for (size_t k = off; k < off + len; ++k) {
          if (codes[k] > 0) want.p += x[k];
          if (codes[k] < 0) want.n += x[k];
        }
        const Sums got = ternary_sums(std::span<const int8_t>(codes.data() + off, len),
                                      std::span<const uint8_t>(x.data() + off, len));
        INFO("trial " << trial << " offset " << off << " length " << len);
        REQUIRE(got == want);
      }
    }
  }
}

TEST_CASE("extremes: all +1, all -1 and all-zero rows at activation 255 and kMaxFanIn", "[arith]") {
  const int fan = kMaxFanIn;
  const std::vector<uint8_t> x(size_t(fan), 255);
  std::vector<int8_t> codes;
  codes.insert(codes.end(), size_t(fan), int8_t{1});
  codes.insert(codes.end(), size_t(fan), int8_t{-1});
  codes.insert(codes.end(), size_t(fan), int8_t{0});
  const int64_t full = int64_t{255} * fan;  // 16,711,425
  const OutParams big{32767, 32767, 0, 31}, unit{1, 1, 5, 0};
  std::vector<int32_t> y(3);
  std::vector<Sums> sums(3);
  SECTION("sums are exact, no overflow") {
    const std::vector<OutParams> out{big, big, big};
    ternary_matvec(codes, 3, fan, x, out, false, y, sums);
    CHECK(sums[0] == Sums{full, 0});
    CHECK(sums[1] == Sums{0, full});
    CHECK(sums[2] == Sums{0, 0});
    // 32767 * 16711425 / 2^31 = 254.99...; an independent double computation.
    const double pos = std::floor(32767.0 * double(full) / 2147483648.0 + 0.5);
    CHECK(pos == 255.0);
    CHECK(y[0] == 127);   // saturated (no relu)
    CHECK(y[1] == -128);  // -255 saturated
    CHECK(y[2] == 0);
    ternary_matvec(codes, 3, fan, x, out, true, y, sums);
    CHECK(y[0] == 255);
    CHECK(y[1] == 0);
    CHECK(y[2] == 0);
  }
  SECTION("all-zero row gives the bias alone") {
    const std::vector<OutParams> out{unit, unit, unit};
    ternary_matvec(codes, 3, fan, x, out, false, y);
    CHECK(y[2] == 5);
    CHECK(y[0] == 127);
    CHECK(y[1] == -128);
  }
  SECTION("a shift that brings the full sum back into range") {
    // (P + 255) / 2^17 = 16,711,680 / 131,072 = 127.5 exactly -> rounds half up to 128, which
    // saturates to 127 without relu; (-N + 255) / 2^17 = -127.498 -> -127.
    const OutParams s17{1, 1, 255, 17};
    const std::vector<OutParams> out{s17, s17, unit};
    ternary_matvec(codes, 3, fan, x, out, true, y);
    CHECK(y[0] == 128);
    CHECK(y[1] == 0);
    ternary_matvec(codes, 3, fan, x, out, false, y);
    CHECK(y[0] == 127);
    CHECK(y[1] == -127);
    CHECK(rounding_shift(-16711680, 17) == -127);  // -127.5 -> -127
  }
}

TEST_CASE("int8 matvec: signed dot product through the output step", "[arith]") {
  const std::vector<int8_t> w{127, -128, 3, -1};  // 2 outputs x 2 inputs
  const std::vector<uint8_t> x{255, 2};
  const std::vector<OutParams> out{OutParams{1, 0, 0, 8}, OutParams{1, 0, 0, 0}};
  std::vector<int32_t> y(2);
  int8_matvec(w, 2, 2, x, out, false, y);
  // (127*255 - 128*2) / 256 = 32129 / 256 = 125.5 -> 126
  CHECK(y[0] == 126);
  // 3*255 - 2 = 763 -> saturates at 127
  CHECK(y[1] == 127);
}

TEST_CASE("quantize_out_params: largest shift, multipliers within int16", "[export]") {
  // a*s_in*wp/s_out = 1 * 0.01 * 0.5 / 0.1 = 0.05; wn gives 0.1; bias 0.02/0.1 = 0.2
  const OutParams o = quantize_out_params(1.0f, 0.02f, 0.5f, 1.0f, 0.01f, 0.1f);
  // 0.1 * 2^S <= 32767 -> S <= 18 (0.1 * 2^18 = 26214.4; 2^19 gives 52428.8)
  CHECK(o.shift == 18);
  CHECK(o.mn == 26214);
  CHECK(o.mp == 13107);
  CHECK(o.bias == 52429);  // 0.2 * 2^18 = 52428.8
  // A large bias limits the shift instead: b/s_out = 1000 -> 1000 * 2^S < 2^31 -> S <= 21,
  // but the multipliers already limit S to 18.
  CHECK(quantize_out_params(1.0f, 100.0f, 0.5f, 1.0f, 0.01f, 0.1f).shift == 18);
  // bias 2^24 LSBs: S <= 6
  const OutParams b = quantize_out_params(0.0f, 1677721.6f, 0.0f, 0.0f, 1.0f, 0.1f);
  CHECK(b.shift == 6);
  CHECK(b.mp == 0);
  // Negative a flips both multipliers.
  const OutParams n = quantize_out_params(-1.0f, 0.0f, 0.5f, 1.0f, 0.01f, 0.1f);
  CHECK(n.mp == -13107);
  CHECK(n.mn == -26214);
  // Tiny multipliers: S saturates at kMaxShift.
  CHECK(quantize_out_params(1e-6f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f).shift == kMaxShift);
  // Too large even at shift 0.
  CHECK_THROWS_WITH(quantize_out_params(1.0f, 0.0f, 1e5f, 1.0f, 1.0f, 1.0f),
                    Catch::Matchers::Contains("do not fit"));
  CHECK_THROWS_WITH(quantize_out_params(NAN, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f),
                    Catch::Matchers::Contains("a = nan"));
  CHECK_THROWS(quantize_out_params(1.0f, 0.0f, 1.0f, 1.0f, 1.0f, 0.0f));
}

TEST_CASE("quantize_out_params: the integer step matches the real formula", "[export]") {
  // For random parameters and sums, |y_int - y_real| <= 0.5 + (P + N + 1) * 2^-(S+1).
  const float a = 0.83f, b = -0.37f, wp = 0.061f, wn = 0.047f, s_in = 0.02f, s_out = 0.05f;
  const OutParams o = quantize_out_params(a, b, wp, wn, s_in, s_out);
  for (int64_t p : {0, 17, 900, 4000})
    for (int64_t n : {0, 5, 1200, 3999}) {
      const double real = (double(a) * s_in * (wp * double(p) - wn * double(n)) + b) / s_out;
      const int64_t acc = int64_t{o.mp} * p - int64_t{o.mn} * n + o.bias;
      const double bound = 0.5 + double(p + n + 1) * std::ldexp(1.0, -(o.shift + 1)) + 1e-6;
      CHECK(std::fabs(double(rounding_shift(acc, o.shift)) - real) <= bound);
    }
}

TEST_CASE("quantize_out_params_int8 and quantize_add", "[export]") {
  const OutParams o = quantize_out_params_int8(2.0f, 0.5f, 0.001f, 0.1f, 0.25f);
  // 2 * 0.001 * 0.1 / 0.25 = 0.0008 -> limited by bias 2 LSB? no: 0.0008 * 2^S <= 32767 -> S <= 25;
  // bias 0.5/0.25 = 2 -> 2 * 2^S < 2^31 -> S <= 29. So S = 25.
  CHECK(o.shift == 25);
  CHECK(o.mn == 0);
  CHECK(o.mp == int16_t(std::lround(0.0008 * 33554432.0)));
  CHECK(o.bias == 2 * 33554432);
  const AddParams ad = quantize_add(0.02f, 0.04f, 0.05f, true);
  // ratios 0.4 and 0.8: 0.8 * 2^S <= 32767 -> S = 15
  CHECK(ad.shift == 15);
  CHECK(ad.ma == int16_t(std::lround(0.4 * 32768)));
  CHECK(ad.mb == int16_t(std::lround(0.8 * 32768)));
  CHECK(ad.relu);
  CHECK_THROWS_WITH(quantize_add(0.02f, 0.04f, 0.0f, true), Catch::Matchers::Contains("0.0"));
}
