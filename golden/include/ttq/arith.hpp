// The arithmetic contract of a ternary layer: the single definition of what one output of the
// accelerator is. The RTL output stage, the golden model and the trainer's export all obey it.
// Every width is documented in docs/ARITHMETIC.md.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ttq {

// Activations entering the PE array are unsigned 8-bit (they follow a ReLU or are image pixels).
inline constexpr int kActBits = 8;
inline constexpr int kActMax = 255;
// Integer output multipliers Mp, Mn are signed 16-bit (a folded batch norm can flip the sign).
inline constexpr int kMulBits = 16;
// Bias B is signed 32-bit; shift S is 0..kMaxShift.
inline constexpr int kBiasBits = 32;
inline constexpr int kMaxShift = 31;
// Largest fan-in the contract supports. P and N are then < 2^24, so an unsigned accumulator of
// 8 + ceil(log2(fan_in + 1)) bits never overflows; the RTL sizes its accumulators from its own
// MaxFanIn parameter by the same formula.
inline constexpr int kMaxFanIn = 65535;

// Per-output-channel parameters of the output step.
struct OutParams {
  int16_t mp = 0;     // multiplier of P (sum of activations whose weight is +1)
  int16_t mn = 0;     // multiplier of N (sum of activations whose weight is -1)
  int32_t bias = 0;   // B, in units of 2^-shift output LSBs
  uint8_t shift = 0;  // S, 0..kMaxShift
};

// Round-half-up arithmetic right shift: floor((v + 2^(s-1)) / 2^s); s == 0 leaves v unchanged.
constexpr int64_t rounding_shift(int64_t v, int s) {
  return s == 0 ? v : (v + (int64_t{1} << (s - 1))) >> s;
}

// Saturate to the 8-bit output range: [0, 255] after ReLU, [-128, 127] without.
constexpr int32_t saturate8(int64_t y, bool relu) {
  return relu ? static_cast<int32_t>(std::clamp<int64_t>(y, 0, 255))
              : static_cast<int32_t>(std::clamp<int64_t>(y, -128, 127));
}

// y = saturate8(relu?(rounding_shift(Mp*P - Mn*N + B, S))).
// P and N are the separately accumulated sums. For a full-precision (int8-weight) layer, P is the
// signed dot product and N is 0.
constexpr int32_t output_step(int64_t p, int64_t n, const OutParams& o, bool relu) {
  const int64_t acc = int64_t{o.mp} * p - int64_t{o.mn} * n + int64_t{o.bias};
  return saturate8(rounding_shift(acc, o.shift), relu);
}

}  // namespace ttq
