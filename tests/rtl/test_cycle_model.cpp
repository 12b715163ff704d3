// The schedule compiler and the cycle model (golden/include/ttq/cycle_model.hpp): every weight
// scheduled exactly once, outputs covered exactly once, limits enforced, bounds respected.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <vector>

#include "ttq/cycle_model.hpp"

using namespace ttq;

namespace {
std::vector<int8_t> random_codes(int out_ch, int fan_in, double sparsity, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int8_t> c(size_t(out_ch) * fan_in);
  for (auto& x : c) x = u(g) < sparsity ? 0 : (u(g) < 0.5 ? 1 : -1);
  return c;
}

// Replays a program's ops the way a PE walks them: returns, per output, the (column, code) pairs
// the array touches.
std::map<int, std::map<int, int>> replay(const Program& p) {
  std::map<int, std::map<int, int>> seen;  // out -> column -> code
  const int P = p.cfg.num_pes;
  for (int pe = 0; pe < P; ++pe) {
    int round = 0, h = 0;
    for (const Op& op : p.ops[size_t(pe)]) {
      h += op.adv;
      const int out = p.entries[size_t(round) * P + pe].out_id;
      for (int j = 0; j < p.cfg.lanes; ++j) {
        if (op.code[j] == kLaneEmpty) continue;
        const int col = h * p.cfg.row_bytes + op.idx[j];
        REQUIRE(seen[out].count(col) == 0);  // no weight twice
        seen[out][col] = op.code[j];
      }
      if (op.last) ++round, h = 0;
    }
    REQUIRE(round == p.rounds);
  }
  return seen;
}
}  // namespace

TEST_CASE("compile_layer: every nonzero weight is scheduled once, in its output", "[cycle]") {
  const ArrayConfig cfg;
  for (int out_ch : {1, 5, 16, 17, 50, 64})
    for (int fan_in : {1, 7, 200, 777}) {
      const auto codes = random_codes(out_ch, fan_in, 0.6, uint64_t(out_ch * 1000 + fan_in));
      const std::vector<OutParams> par(static_cast<size_t>(out_ch));
      const Program p = compile_layer(codes, out_ch, fan_in, par, cfg);
      const auto seen = replay(p);
      int64_t nz = 0;
      for (int o = 0; o < out_ch; ++o)
        for (int k = 0; k < fan_in; ++k) {
          const int8_t w = codes[size_t(o) * fan_in + k];
          const auto it = seen.find(o);
          const bool there = it != seen.end() && it->second.count(k);
          if (w == 0) {
            CHECK_FALSE(there);
          } else {
            ++nz;
            REQUIRE(there);
            CHECK(it->second.at(k) == (w > 0 ? kLanePos : kLaneNeg));
          }
        }
      CHECK(p.nonzeros == nz);
    }
}

TEST_CASE("compile_layer: the entry table emits each output once, last entry ends the vector", "[cycle]") {
  const ArrayConfig cfg;
  for (int out_ch : {1, 3, 16, 31, 64}) {
    const auto codes = random_codes(out_ch, 300, 0.5, 7);
    const std::vector<OutParams> par(static_cast<size_t>(out_ch));
    const Program p = compile_layer(codes, out_ch, 300, par, cfg);
    REQUIRE(p.entries.size() == size_t(p.rounds) * cfg.num_pes);
    std::vector<int> emitted(size_t(out_ch), 0);
    for (size_t e = 0; e < p.entries.size(); ++e) {
      if (p.entries[e].combine) {
        REQUIRE(e + 1 < p.entries.size());
        CHECK(p.entries[e + 1].out_id == p.entries[e].out_id);  // a split output's pieces are adjacent
      } else {
        ++emitted[size_t(p.entries[e].out_id)];
      }
    }
    for (int o = 0; o < out_ch; ++o) CHECK(emitted[size_t(o)] == 1);
    CHECK(p.entries.back().vec_last);
    CHECK_FALSE(p.entries.back().combine);
  }
}

TEST_CASE("compile_layer: the dense schedule steps through every weight", "[cycle]") {
  const ArrayConfig cfg;
  const auto codes = random_codes(20, 150, 0.7, 3);
  const std::vector<OutParams> par(20);
  const Program p = compile_layer(codes, 20, 150, par, cfg, true);
  const auto seen = replay(p);
  for (int o = 0; o < 20; ++o) CHECK(seen.at(o).size() == 150u);
}

TEST_CASE("compile_layer: bad arguments name the field and the value", "[cycle]") {
  const ArrayConfig cfg;
  std::vector<int8_t> codes(65 * 4, 1);
  std::vector<OutParams> par(65);
  CHECK_THROWS_WITH(compile_layer(codes, 65, 4, par, cfg), Catch::Contains("out_ch = 65"));
  codes.assign(2 * 3000, 1);
  par.resize(2);
  CHECK_THROWS_WITH(compile_layer(codes, 2, 3000, par, cfg), Catch::Contains("fan_in = 3000"));
  codes.assign(2 * 4, 2);
  CHECK_THROWS_WITH(compile_layer(codes, 2, 4, par, cfg), Catch::Contains("must be -1, 0 or 1"));
  codes.assign(64 * 2048, 1);  // dense 64 x 2048 needs 2048 ops per PE
  par.resize(64);
  CHECK_THROWS_WITH(compile_layer(codes, 64, 2048, par, cfg), Catch::Contains("op_depth"));
  ArrayConfig odd = cfg;
  odd.num_pes = 15;
  CHECK_THROWS_WITH(odd.validate(), Catch::Contains("num_pes = 15"));
}

TEST_CASE("cycle_model: never beats the ideal bound; zero skipping beats the dense schedule", "[cycle]") {
  const ArrayConfig cfg;
  for (double sparsity : {0.3, 0.5, 0.7, 0.9}) {
    const auto codes = random_codes(64, 576, sparsity, 11);
    const LayerCycles lc = layer_cycles(codes, 64, 576, 8, cfg);
    CHECK(double(lc.sparse.cycles) >= lc.sparse.ideal);
    CHECK(lc.sparse.utilization() <= 1.0);
    CHECK(lc.sparse.nonzeros == lc.dense.nonzeros);
    CHECK(lc.dense.cycles > lc.sparse.cycles);
    CHECK(lc.sparse.busy <= lc.sparse.cycles);
    CHECK(lc.sparse.results == 8 * 64);
    CHECK(lc.sparse.wload_bytes == 4 * lc.sparse.wload_cycles);
  }
  // All-zero weights: no work, only the activation stream is left.
  const std::vector<int8_t> zeros(64 * 200, 0);
  const LayerCycles z = layer_cycles(zeros, 64, 200, 2, cfg);
  CHECK(z.sparse.nonzeros == 0);
  CHECK(z.sparse.cycles < z.dense.cycles);
}
