// The schedule compiler and the cycle model (golden/include/ttq/schedule.hpp, cycle_model.hpp):
// every weight scheduled exactly once in its output's PE, N:M layers in one step per window,
// limits enforced, the weight stream's layout, bounds respected.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <vector>

#include "ttq/cycle_model.hpp"
#include "ttq/nm.hpp"

using namespace ttq;

namespace {
std::vector<int8_t> random_codes(int out_ch, int fan_in, double sparsity, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int8_t> c(size_t(out_ch) * fan_in);
  for (auto& x : c) x = u(g) < sparsity ? 0 : (u(g) < 0.5 ? 1 : -1);
  return c;
}

// Exactly n nonzeros in every group of m (fewer in a short tail group).
std::vector<int8_t> nm_codes(int out_ch, int fan_in, int n, int m, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<int8_t> c(size_t(out_ch) * fan_in);
  random_nm_codes(std::span(c), out_ch, fan_in, n, m, g);
  return c;
}

// Replays a program the way the sequencer and the PEs walk it: per output, the (input, code)
// pairs the array touches. Checks the round structure on the way.
std::map<int, std::map<int, int>> replay(const Program& p) {
  std::map<int, std::map<int, int>> seen;  // out -> input -> code
  const ArrayConfig& c = p.cfg;
  const int P = c.num_pes, S = c.slots();
  int round = 0, ptr = 0;
  for (const Step& s : p.steps) {
    const int win = ptr + s.adv;
    REQUIRE(s.adv <= c.max_adv());
    REQUIRE(win < p.wins());
    for (int pe = 0; pe < P; ++pe)
      for (int j = 0; j < S; ++j) {
        const uint8_t code = s.code[size_t(pe * S + j)];
        if (code == hw::kSlotEmpty) continue;
        const int out = round * P + pe;
        REQUIRE(out < p.out_ch);
        const int k = win * c.win_bytes() + (j / c.group_nnz) * c.group_size + s.idx[size_t(pe * S + j)];
        REQUIRE(k < p.fan_in);
        REQUIRE(seen[out].count(k) == 0);  // no weight twice
        seen[out][k] = code;
      }
    ptr = s.last ? 0 : win;
    round += s.last;
  }
  REQUIRE(round == p.rounds);
  return seen;
}
}  // namespace

TEST_CASE("compile_layer: every nonzero weight is scheduled once, in its output", "[cycle]") {
  const ArrayConfig cfg;
  for (int out_ch : {1, 5, 16, 17, 50, 64})
    for (int fan_in : {1, 7, 200, 777}) {
      const auto codes = random_codes(out_ch, fan_in, 0.6, uint64_t(out_ch * 1000 + fan_in));
      const std::vector<OutParams> par(static_cast<size_t>(out_ch));
      // Passes over output slices when the steps exceed the weight memory, as the host runs it.
      std::map<int, std::map<int, int>> seen;
      int o0 = 0;
      for (const Program& p : compile_passes(codes, out_ch, fan_in, par, cfg)) {
        CHECK(p.rounds == (p.out_ch + cfg.num_pes - 1) / cfg.num_pes);
        CHECK(p.last_outs == p.out_ch - (p.rounds - 1) * cfg.num_pes);
        for (auto& [o, cols] : replay(p)) seen[o0 + o] = cols;
        o0 += p.out_ch;
      }
      CHECK(o0 == out_ch);
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
            CHECK(it->second.at(k) == (w > 0 ? hw::kSlotPos : hw::kSlotNeg));
          }
        }
      int64_t scheduled = 0;
      for (const auto& [o, cols] : seen) scheduled += int64_t(cols.size());
      CHECK(scheduled == nz);
    }
}

TEST_CASE("compile_layer: an N:M layer with N <= group_nnz takes one step per window", "[cycle]") {
  const ArrayConfig cfg;  // 2:4
  for (int n : {1, 2})
    for (int fan_in : {8, 203, 800}) {
      const auto codes = nm_codes(64, fan_in, n, 4, uint64_t(fan_in + n));
      const std::vector<OutParams> par(64);
      const Program p = compile_layer(codes, 64, fan_in, par, cfg);
      CHECK(p.rounds == 64 / cfg.num_pes);
      CHECK(p.steps.size() == size_t(p.rounds * p.wins()));
      replay(p);
      // and 3:4 needs two steps per window
      const auto three = nm_codes(16, fan_in, 3, 4, 5);
      const std::vector<OutParams> par16(16);
      const Program t = compile_layer(three, 16, fan_in, par16, cfg);
      CHECK(t.steps.size() == size_t(2 * t.rounds * t.wins()));
    }
}

TEST_CASE("compile_layer: windows with no nonzero are skipped, long gaps by empty steps", "[cycle]") {
  const ArrayConfig cfg;
  const int outs = cfg.num_pes;  // one round
  std::vector<int8_t> codes(size_t(outs) * 2048, 0);
  for (int o = 0; o < outs; ++o) codes[size_t(o) * 2048 + 5] = 1, codes[size_t(o) * 2048 + 2040] = -1;
  const std::vector<OutParams> par(size_t(outs), OutParams{});
  const Program p = compile_layer(codes, outs, 2048, par, cfg);
  // window 0, then window w = 2040 / (G*M) (255 at 8 bytes: 4 advances of 63 in empty steps + 3;
  // 127 at 16 bytes: 2 x 63 + 1)
  const int w = 2040 / cfg.win_bytes(), hops = (w - 1) / 63;
  REQUIRE(p.steps.size() == size_t(2 + hops));
  CHECK(p.steps[0].adv == 0);
  for (int i = 1; i <= hops; ++i) CHECK(p.steps[size_t(i)].adv == 63);
  CHECK(p.steps[size_t(hops + 1)].adv == w - 63 * hops);
  CHECK(p.steps[size_t(hops + 1)].last);
  replay(p);
  // all zero: one empty step per round, so every round still delivers its records
  const std::vector<int8_t> zeros(40 * 100, 0);
  const std::vector<OutParams> par40(40);
  const Program z = compile_layer(zeros, 40, 100, par40, cfg);
  CHECK(z.rounds == (40 + cfg.num_pes - 1) / cfg.num_pes);
  CHECK(z.steps.size() == size_t(z.rounds));
  CHECK(z.nonzeros == 0);
}

TEST_CASE("compile_layer: the dense schedule puts every weight in a slot", "[cycle]") {
  const ArrayConfig cfg;
  const auto codes = random_codes(20, 150, 0.7, 3);
  const std::vector<OutParams> par(20);
  const Program p = compile_layer(codes, 20, 150, par, cfg, true);
  const auto seen = replay(p);
  for (int o = 0; o < 20; ++o) CHECK(seen.at(o).size() == 150u);
  CHECK(p.steps.size() == size_t(2 * p.rounds * p.wins()));
}

TEST_CASE("Program::weight_stream: header, slot words, descriptor, parameters", "[cycle]") {
  const ArrayConfig cfg;
  const int o1 = cfg.num_pes, outs = o1 + 1;  // output o1 is round 1's PE 0
  std::vector<int8_t> codes(size_t(outs) * 9, 0);
  codes[0] = 1;                    // output 0, input 0: PE 0 slot 0, idx 0, +1
  codes[size_t(o1) * 9 + 6] = -1;  // output o1 (round 1, PE 0), input 6: group 1, idx 2, -1
  std::vector<OutParams> par(static_cast<size_t>(outs));
  par[size_t(o1)] = OutParams{-3, 7, -123456, 13};
  const Program p = compile_layer(codes, outs, 9, par, cfg);
  const std::vector<uint32_t> w = p.weight_stream();
  const size_t sw = size_t(cfg.slot_words());
  const int groups = cfg.num_pes * cfg.groups;
  REQUIRE(sw == size_t(groups * 6 + 31) / 32);  // PEs x groups x 2 slots x {sign, idx[1:0]}
  REQUIRE(p.steps.size() == 2u);  // one step per round
  REQUIRE(w.size() == 1 + 2 * (sw + 1) + 1 + 3 * size_t(outs));
  CHECK(w[0] == (uint32_t(hw::kSecSteps) << 28 | 2u));
  // The 6 bits of (PE, group) pg at bit pg * 6: slot 0 = bits [2:0], slot 1 = bits [5:3], each
  // {sign, idx[1:0]}. An empty group is slot 1 = {1, idx0 = 0}: 0b100000.
  auto slot_word = [&](int pg_used, uint32_t used_bits) {
    std::vector<uint32_t> words(sw, 0);
    for (int pg = 0; pg < groups; ++pg) {
      const uint64_t v = pg == pg_used ? used_bits : 0x20u;
      for (int b = 0; b < 6; ++b)
        if (v >> b & 1u) words[size_t(pg * 6 + b) / 32] |= 1u << ((pg * 6 + b) % 32);
    }
    return words;
  };
  // Step 0: PE 0 group 0 slot 0 = {+, idx 0}, slot 1 unused = {0, idx0 = 0}.
  CHECK(std::vector<uint32_t>(w.begin() + 1, w.begin() + 1 + long(sw)) == slot_word(0, 0b000000));
  CHECK(w[1 + sw] == hw::desc::kLast.put(1));   // adv 0, last
  // Step 1: PE 0 group 1 slot 0 = {-, idx 2} = 0b110, slot 1 unused = {0, idx0 = 2} = 0b010.
  CHECK(std::vector<uint32_t>(w.begin() + long(2 + sw), w.begin() + long(2 + 2 * sw)) ==
        slot_word(1, 0b010110));
  CHECK(w[2 + 2 * sw + 1 - 1] == hw::desc::kLast.put(1));
  CHECK(w[3 + 2 * sw] == (uint32_t(hw::kSecParams) << 28 | uint32_t(outs)));
  const size_t e16 = 4 + 2 * sw + 3 * size_t(o1);
  CHECK(w[e16] == (uint32_t(uint16_t(int16_t(7))) << 16 | uint16_t(int16_t(-3))));
  CHECK(int32_t(w[e16 + 1]) == -123456);
  CHECK(w[e16 + 2] == 13u);
}

TEST_CASE("Program::weight_stream: N = 1 stores {code, idx}; N >= 2 codes empty slots by index", "[cycle]") {
  ArrayConfig one;
  one.group_nnz = 1;  // 1:4: 16 PEs x 2 groups x 1 slot x {code[1:0], idx[1:0]} = 128 bits
  std::vector<int8_t> codes(1 * 8, 0);
  codes[1] = -1;  // group 0 idx 1
  codes[7] = 1;   // group 1 idx 3
  std::vector<OutParams> par(1);
  const std::vector<uint32_t> w1 = compile_layer(codes, 1, 8, par, one).weight_stream();
  REQUIRE(one.slot_words() == 4);
  CHECK(w1[1] == (0b1001u | 0b0111u << 4));  // {NEG, 1}, {POS, 3}; other PEs EMPTY = 0
  CHECK(w1[2] == 0u);
  // 3:8 (the small configuration's groups): a group with 2 nonzeros fills slots 0, 1; slot 2
  // repeats slot 0's index; a group with 3 uses all three.
  ArrayConfig three;
  three.num_pes = 1, three.group_size = 8, three.group_nnz = 3, three.groups = 1, three.max_outs = 1;
  three.max_fan_in = 64;
  codes.assign(16, 0);
  codes[2] = 1, codes[5] = -1;              // window 0: {+,2}, {-,5}, unused {0,2}
  codes[8] = -1, codes[9] = 1, codes[15] = 1;  // window 1: {-,0}, {+,1}, {+,7}
  const std::vector<uint32_t> w3 = compile_layer(codes, 1, 16, par, three).weight_stream();
  REQUIRE(three.slot_words() == 1);  // 3 slots x 4 bits
  CHECK(w3[1] == (0x2u | 0xDu << 4 | 0x2u << 8));
  CHECK(w3[3] == (0x8u | 0x1u << 4 | 0x7u << 8));
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
  codes.assign(64 * 2048, 1);  // dense 64 x 2048: 4 rounds x 256 windows x 2 steps
  par.resize(64);
  CHECK_THROWS_WITH(compile_layer(codes, 64, 2048, par, cfg), Catch::Contains("wdepth"));
  const std::vector<Program> passes = compile_passes(codes, 64, 2048, par, cfg);
  CHECK(passes.size() == 4u);  // WDepth steps per pass: the dense schedule takes 2 steps per window
  ArrayConfig odd = cfg;
  odd.group_size = 3;
  CHECK_THROWS_WITH(odd.validate(), Catch::Contains("group_size = 3"));
  odd = cfg;
  odd.max_outs = 5 * cfg.num_pes / 2 + 1;  // not a multiple of NumPes
  CHECK_THROWS_WITH(odd.validate(), Catch::Contains("max_outs = " + std::to_string(odd.max_outs)));
}

// A round's last step may issue while the chain still holds the previous round's records, as long
// as they are sure to be gone when the new ones load (ttq_drain rec_drains): rounds of
// NumPes + 2 steps or more never wait for the chain, so every further step of a round costs
// exactly one cycle per round (and one per window of the first vector's input); below that the
// chain sets the pace. ResNet-20's fan-in-144 layers (18 steps at 2:4) run at full rate.
TEST_CASE("cycle_model: rounds of NumPes + 2 steps or more never wait for the record chain", "[cycle]") {
  const ArrayConfig cfg;
  const int nvec = 16, out_ch = 64, K = out_ch / cfg.num_pes, win = cfg.win_bytes();
  const auto stats = [&](int steps) {
    const int fan_in = steps * win;
    return layer_cycles(nm_codes(out_ch, fan_in, 2, 4, 5), out_ch, fan_in, nvec, cfg).sparse;
  };
  std::vector<int64_t> cycles;  // cycles[t - NumPes]: rounds of t steps, t = NumPes .. NumPes + 7
  for (int t = cfg.num_pes; t <= cfg.num_pes + 7; ++t) cycles.push_back(stats(t).cycles);
  for (int d = 2; d <= 6; ++d) CHECK(cycles[size_t(d + 1)] - cycles[size_t(d)] == int64_t(nvec) * K + 1);
  CHECK(cycles[1] - cycles[0] < int64_t(nvec) * K);
  CHECK(stats(144 / win).utilization() >= 0.95);
}

TEST_CASE("cycle_model: never beats the ideal bound; N:M halves the cycles of the dense schedule", "[cycle]") {
  const ArrayConfig cfg;
  for (double sparsity : {0.0, 0.5, 0.9}) {
    const auto codes = random_codes(64, 576, sparsity, 11);
    const LayerCycles lc = layer_cycles(codes, 64, 576, 8, cfg);
    CHECK(double(lc.sparse.cycles) >= lc.sparse.ideal);
    CHECK(lc.sparse.utilization() <= 1.0);
    CHECK(lc.sparse.nonzeros == lc.dense.nonzeros);
    CHECK(lc.dense.cycles >= lc.sparse.cycles);
    CHECK(lc.sparse.busy <= lc.sparse.cycles);
    CHECK(lc.sparse.results == 8 * 64);
    CHECK(lc.sparse.wload_bytes == 4 * lc.sparse.wload_cycles);
  }
  // A 2:4 layer: at most 0.55x the cycles of the same layer with every weight nonzero.
  const auto nm = nm_codes(64, 800, 2, 4, 3);
  const LayerCycles lc = layer_cycles(nm, 64, 800, 100, cfg);
  CHECK(double(lc.sparse.cycles) <= 0.55 * double(lc.dense.cycles));
  CHECK(lc.sparse.utilization() >= 0.9);
  // All-zero weights: one empty step per round, far below the dense schedule.
  const std::vector<int8_t> zeros(64 * 200, 0);
  const LayerCycles z = layer_cycles(zeros, 64, 200, 2, cfg);
  CHECK(z.sparse.nonzeros == 0);
  CHECK(z.sparse.cycles < z.dense.cycles);
}
