// The core op of the accelerator under the arithmetic contract: one activation vector through a
// ternary (or int8) weight matrix. Everything the RTL computes is a sequence of these.
#pragma once

#include <cstdint>
#include <span>

#include "ttq/arith.hpp"

namespace ttq {

// Separately accumulated sums of one output: P over weights +1, N over weights -1.
struct Sums {
  int64_t p = 0, n = 0;
  bool operator==(const Sums&) const = default;
};

// P and N of one row of ternary codes (each in {-1, 0, +1}) against activations x.
Sums ternary_sums(std::span<const int8_t> codes_row, std::span<const uint8_t> x);

// y[o] = output_step(P_o, N_o, out[o], relu) for o in [0, out_ch).
// codes: [out_ch][fan_in] row-major; x: fan_in activations; out: out_ch params; y: out_ch outputs.
// sums (optional, out_ch entries) receives P and N per output, for comparing accumulators.
void ternary_matvec(std::span<const int8_t> codes, int out_ch, int fan_in,
                    std::span<const uint8_t> x, std::span<const OutParams> out, bool relu,
                    std::span<int32_t> y, std::span<Sums> sums = {});

// Int8-weight (higher-precision) layer: P = signed dot product, N = 0.
void int8_matvec(std::span<const int8_t> weights, int out_ch, int fan_in,
                 std::span<const uint8_t> x, std::span<const OutParams> out, bool relu,
                 std::span<int32_t> y);

}  // namespace ttq
