// N:M structured sparsity (NmPattern, ttq/model.hpp): the group rule shared by the trainer, the
// model file, the importer and the accelerator compiler. Groups run along each output's fan-in in
// the .ttq code order; the rule and its tail case are in docs/MODEL_FORMAT.md, "N:M groups".
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ttq/model.hpp"

namespace ttq {

// Largest group size a pattern may have (stored as a byte in the file).
inline constexpr int kMaxNmM = 255;

// "N:M" (e.g. "2:4") -> {N, M}; "none" or "" -> {0, 0}. Throws std::invalid_argument naming the
// text if it is malformed or not 1 <= N <= M <= kMaxNmM.
NmPattern parse_nm(const std::string& text);
std::string to_string(NmPattern p);  // "2:4", or "none" for {0, 0}
// Throws std::invalid_argument unless p is {0, 0} or 1 <= n <= m <= kMaxNmM.
void check_nm_pattern(NmPattern p, const std::string& what);

// Members of group g of a fan-in: M, or fan_in % M for the last group when M does not divide it.
inline int nm_group_size(int fan_in, int m, int g) {
  const int rest = fan_in - g * m;
  return rest < m ? rest : m;
}
inline int nm_groups(int fan_in, int m) { return (fan_in + m - 1) / m; }
// Nonzeros group g of a fan-in may hold: min(N, its size).
inline int nm_group_limit(int fan_in, NmPattern p, int g) {
  const int s = nm_group_size(fan_in, p.m, g);
  return s < p.n ? s : p.n;
}

// True if every group of the row-major [out_ch][fan_in] weights holds at most its limit of
// nonzeros (always true for an unstructured pattern). Otherwise false, and *where (if given)
// names the first offending group: "output channel 3, group 7 (weights 28..31): 3 nonzeros, at
// most 2 allowed by 2:4". Throws std::invalid_argument for a wrong size or an invalid pattern.
bool check_nm(std::span<const int8_t> codes, int out_ch, int fan_in, NmPattern p,
              std::string* where = nullptr);

// Random N:M-structured codes (test layers, benchmarks): in every group of m inputs of each
// output, n nonzeros (fewer in a short tail group; with `fewer`, a random 0..n) at random
// positions, each +1 or -1. codes: out_ch x fan_in, overwritten. Any std random engine.
template <class Rng>
void random_nm_codes(std::span<int8_t> codes, int out_ch, int fan_in, int n, int m, Rng& g,
                     bool fewer = false) {
  std::fill(codes.begin(), codes.end(), int8_t{0});
  std::vector<int> pos;
  for (int o = 0; o < out_ch; ++o)
    for (int k0 = 0; k0 < fan_in; k0 += m) {
      const int len = nm_group_size(fan_in, m, k0 / m);
      pos.resize(size_t(len));
      for (int i = 0; i < len; ++i) pos[size_t(i)] = i;
      std::shuffle(pos.begin(), pos.end(), g);
      const int nz = std::min(len, fewer ? int(g() % uint64_t(n + 1)) : n);
      for (int i = 0; i < nz; ++i)
        codes[size_t(o) * fan_in + k0 + pos[size_t(i)]] = (g() & 1) ? 1 : -1;
    }
}

}  // namespace ttq
