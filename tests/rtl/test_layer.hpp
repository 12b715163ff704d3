// A seeded random ternary layer and its golden outputs, shared by the RTL Catch2 tests.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "ttq/layer.hpp"

namespace ttq::test {

struct TestLayer {
  int out_ch, fan_in, nvec;
  std::vector<int8_t> codes;
  std::vector<OutParams> out;
  std::vector<uint8_t> x;
};

inline TestLayer make_layer(int out_ch, int fan_in, int nvec, uint64_t seed) {
  std::mt19937_64 g(seed);
  TestLayer l{out_ch, fan_in, nvec, {}, {}, {}};
  l.codes.resize(size_t(out_ch) * fan_in);
  for (auto& c : l.codes) c = int8_t(int(g() % 3) - 1);
  l.out.resize(size_t(out_ch));
  for (auto& o : l.out) o = OutParams{int16_t(g() % 3000), int16_t(g() % 3000), int32_t(g() % 200000) - 100000, uint8_t(8 + g() % 8)};
  l.x.resize(size_t(nvec) * fan_in);
  for (auto& v : l.x) v = uint8_t(g());
  return l;
}

inline std::vector<int32_t> golden(const TestLayer& l, bool relu) {
  std::vector<int32_t> y(size_t(l.nvec) * l.out_ch);
  for (int v = 0; v < l.nvec; ++v)
    ternary_matvec(l.codes, l.out_ch, l.fan_in, std::span<const uint8_t>(l.x).subspan(size_t(v) * l.fan_in, size_t(l.fan_in)),
                   l.out, relu, std::span<int32_t>(y).subspan(size_t(v) * l.out_ch, size_t(l.out_ch)));
  return y;
}

}  // namespace ttq::test
