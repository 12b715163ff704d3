// Portable deterministic random numbers: std::mt19937_64 (whose output the standard fixes) with
// our own uniform and normal transforms (the std:: distributions differ between libraries), so a
// seed gives the same weights, data order and augmentation everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace ttq::train {

// SplitMix64 step: decorrelates (seed, stream) pairs into generator seeds.
inline uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(g_() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [0, n) (n > 0), by rejection so it is exactly uniform.
  uint64_t below(uint64_t n) {
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
    uint64_t v;
    do v = g_();
    while (v >= limit);
    return v % n;
  }
  // Standard normal by Box-Muller.
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937_64 g_;
};

}  // namespace ttq::train
