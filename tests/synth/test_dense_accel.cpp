// The dense INT8 baseline (rtl/dense/dense_accel.sv, SRAM macro models) against the golden int8
// layer (ttq::int8_matvec): every output of random passes (several vectors each), with random
// stalls on every stream, a rerun on the weights kept on chip, the register block, the exact cycle
// formula used by `make synth` (scripts/synth/dense_cycles.hpp), and reset in the middle of a
// run. Two Verilated configurations: 8 PEs x 4 lanes (MaxFanIn 1024, 512-beat weight SRAM) and an
// odd-sized one (3 PEs x 5 lanes, MaxFanIn 64, 256-beat weight SRAM).
#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <verilated.h>

#include "Vdense_3x5.h"
#include "Vdense_8x4.h"
#include "dense_cycles.hpp"
#include "ttq/arith.hpp"
#include "ttq/layer.hpp"

namespace {

// Byte `i` of a Verilated port of any width.
template <class T>
void set_byte(T& sig, int i, uint8_t v) {
  if constexpr (std::is_integral_v<T>) {
    sig = static_cast<T>((sig & ~(T{0xff} << (8 * i))) | (T{v} << (8 * i)));
  } else {
    uint32_t& w = sig[i / 4];
    w = (w & ~(0xffu << (8 * (i % 4)))) | (uint32_t{v} << (8 * (i % 4)));
  }
}

// One pass: out_ch outputs over `vectors` activation vectors.
struct Layer {
  int fan_in = 0, out_ch = 0, vectors = 1;
  bool relu = false;
  std::vector<int8_t> w;  // [out_ch][fan_in]
  std::vector<uint8_t> x;  // [vectors][fan_in]
  std::vector<ttq::OutParams> out;
  std::vector<int32_t> expected() const {
    std::vector<int32_t> all, y(out_ch);
    for (int v = 0; v < vectors; ++v) {
      const std::vector<uint8_t> xv(x.begin() + size_t(v) * fan_in,
                                    x.begin() + size_t(v + 1) * fan_in);
      ttq::int8_matvec(w, out_ch, fan_in, xv, out, relu, y);
      all.insert(all.end(), y.begin(), y.end());
    }
    return all;
  }
};

// A random pass that fits the configuration: out_ch limited by MaxOutCh and the weight SRAM.
Layer random_layer(std::mt19937& rng, const dense::Config& c, int max_out) {
  Layer L;
  std::uniform_int_distribution<int> coin(0, 9);
  const int max_fan_in = c.max_fan_in;
  L.fan_in = coin(rng) == 0 ? 1 + int(rng() % 3)
                            : (coin(rng) == 0 ? max_fan_in : 1 + int(rng() % max_fan_in));
  max_out = std::min(max_out, dense::outputs_per_pass(c, L.fan_in));
  L.out_ch = 1 + int(rng() % max_out);
  L.vectors = coin(rng) < 6 ? 1 + int(rng() % 2) : 1 + int(rng() % 5);
  L.relu = rng() & 1;
  const double zero_frac = double(rng() % 101) / 100.0;
  const bool extreme = coin(rng) == 0;  // all weights -128 or +127, activations 255
  std::uniform_real_distribution<double> u(0, 1);
  L.w.resize(size_t(L.out_ch) * L.fan_in);
  for (auto& v : L.w) {
    if (extreme) v = (rng() & 1) ? int8_t{127} : int8_t{-128};
    else v = u(rng) < zero_frac ? int8_t{0} : static_cast<int8_t>(int(rng() % 256) - 128);
  }
  L.x.resize(size_t(L.fan_in) * L.vectors);
  for (auto& v : L.x) v = extreme ? uint8_t{255} : static_cast<uint8_t>(rng() % 256);
  L.out.resize(L.out_ch);
  for (auto& o : L.out) {
    o.mp = static_cast<int16_t>(int(rng() % 65536) - 32768);
    if (coin(rng) < 3) o.mp = static_cast<int16_t>(int(rng() % 64) - 32);
    o.bias = static_cast<int32_t>(rng());
    if (coin(rng) < 5) o.bias = static_cast<int32_t>(int(rng() % 2001) - 1000);
    o.shift = static_cast<uint8_t>(rng() % (ttq::kMaxShift + 1));
  }
  return L;
}

enum Reg : uint8_t { kCtrl = 0x00, kStatus = 0x04, kFanIn = 0x08, kOutCh = 0x0C, kCycles = 0x10,
                     kBeats = 0x14, kStalls = 0x18, kId = 0x1C, kVectors = 0x20 };

template <class V>
class Bench {
 public:
  Bench(const dense::Config& cfg, uint32_t seed)
      : cfg(cfg), pes(cfg.pes), lanes(cfg.lanes), rng(seed) {
    ctx.randReset(2);
    dut = std::make_unique<V>(&ctx);
    reset();
  }

  void reset() {
    dut->rst_ni = 0;
    idle_inputs();
    for (int i = 0; i < 3; ++i) tick();
    dut->rst_ni = 1;
    tick();
  }

  void idle_inputs() {
    dut->s_axil_awvalid_i = 0;
    dut->s_axil_wvalid_i = 0;
    dut->s_axil_bready_i = 0;
    dut->s_axil_arvalid_i = 0;
    dut->s_axil_rready_i = 0;
    dut->s_act_tvalid_i = 0;
    dut->s_wgt_tvalid_i = 0;
    dut->s_par_tvalid_i = 0;
    dut->m_res_tready_i = 0;
  }

  void tick() {
    dut->clk_i = 0;
    dut->eval();
    dut->clk_i = 1;
    dut->eval();
    ++cycle;
  }

  void write(uint8_t addr, uint32_t data) {
    dut->s_axil_awvalid_i = 1;
    dut->s_axil_awaddr_i = addr;
    dut->s_axil_wvalid_i = 1;
    dut->s_axil_wdata_i = data;
    dut->s_axil_wstrb_i = 0xf;
    dut->s_axil_bready_i = 1;
    for (int i = 0;; ++i) {
      dut->clk_i = 0;
      dut->eval();
      const bool fire = dut->s_axil_awready_o;
      tick();
      if (fire) break;
      REQUIRE(i < 100);
    }
    dut->s_axil_awvalid_i = 0;
    dut->s_axil_wvalid_i = 0;
    for (int i = 0; !dut->s_axil_bvalid_o; ++i) {
      tick();
      REQUIRE(i < 100);
    }
    REQUIRE(dut->s_axil_bresp_o == 0);
    tick();  // bready was high: the response is taken
    dut->s_axil_bready_i = 0;
  }

  uint32_t read(uint8_t addr) {
    dut->s_axil_arvalid_i = 1;
    dut->s_axil_araddr_i = addr;
    for (int i = 0;; ++i) {
      dut->clk_i = 0;
      dut->eval();
      const bool fire = dut->s_axil_arready_o;
      tick();
      if (fire) break;
      REQUIRE(i < 100);
    }
    dut->s_axil_arvalid_i = 0;
    REQUIRE(dut->s_axil_rvalid_o);
    const uint32_t v = dut->s_axil_rdata_o;
    dut->s_axil_rready_i = 1;
    tick();
    dut->s_axil_rready_i = 0;
    return v;
  }

  // Runs one pass through the streams. stall: probability that a source withholds valid or the
  // sink withholds ready in a cycle. keep: reuse the weights and parameters on chip (none are
  // streamed). abort_after > 0 stops after that many cycles (no checks). Returns the outputs;
  // sets `cycles` to the CYCLES register.
  std::vector<int32_t> run(const Layer& L, double stall, bool keep = false, int abort_after = 0) {
    write(kFanIn, uint32_t(L.fan_in));
    write(kOutCh, uint32_t(L.out_ch));
    write(kVectors, uint32_t(L.vectors));
    write(kCtrl, 0x1u | (L.relu ? 0x2u : 0u) | 0x4u | (keep ? 0x8u : 0u));
    const int kw = (L.fan_in + lanes - 1) / lanes;
    const int groups = (L.out_ch + pes - 1) / pes;
    const int words = int(dense::words_per_beat(cfg));
    // Beats of each stream, packed as the RTL expects.
    size_t act_i = 0, wgt_i = 0, par_i = 0;
    const size_t act_n = size_t(kw) * L.vectors;
    const size_t wgt_n = keep ? 0 : size_t(groups) * kw * words;
    const size_t par_n = keep ? 0 : size_t(L.out_ch);
    const size_t res_n = size_t(L.out_ch) * L.vectors;
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<int32_t> y;
    for (int c = 0;; ++c) {
      if (abort_after > 0 && c == abort_after) return y;
      REQUIRE(c < 50 * int(wgt_n + act_n * groups + par_n + res_n) + 1000);
      // Sources: present a beat (or keep presenting it) unless stalling; never withdraw or change
      // a beat before it is taken (padding lanes carry deterministic garbage).
      if (act_i < act_n && (dut->s_act_tvalid_i || u(rng) >= stall)) {
        dut->s_act_tvalid_i = 1;
        dut->s_act_tdata_i = 0;
        const size_t v = act_i / kw, kb = act_i % kw;
        for (int l = 0; l < lanes; ++l) {
          const size_t k = kb * lanes + l;
          // lanes past the fan-in carry garbage: the RTL must ignore them
          set_byte(dut->s_act_tdata_i, l,
                   k < size_t(L.fan_in) ? L.x[v * L.fan_in + k] : uint8_t(k * 37 + 11));
        }
      }
      if (wgt_i < wgt_n && (dut->s_wgt_tvalid_i || u(rng) >= stall)) {
        dut->s_wgt_tvalid_i = 1;
        // Word w of beat a: bytes 4w..4w+3 of the beat, byte p*lanes + l.
        const size_t a = wgt_i / words, g = a / kw, kb = a % kw;
        for (int b = 0; b < 4; ++b) {
          const size_t j = (wgt_i % words) * 4 + b, p = j / lanes, l = j % lanes;
          const size_t o = g * pes + p, k = kb * lanes + l;
          const int8_t v = (p < size_t(pes) && o < size_t(L.out_ch) && k < size_t(L.fan_in))
                               ? L.w[o * L.fan_in + k] : int8_t(o * 53 + k * 29 + 5);
          set_byte(dut->s_wgt_tdata_i, b, uint8_t(v));
        }
      }
      if (par_i < par_n && (dut->s_par_tvalid_i || u(rng) >= stall)) {
        dut->s_par_tvalid_i = 1;
        const auto& o = L.out[par_i];
        dut->s_par_tdata_i = uint64_t(uint16_t(o.mp)) | (uint64_t(uint32_t(o.bias)) << 16) |
                             (uint64_t(o.shift) << 48);
      }
      dut->m_res_tready_i = u(rng) >= stall;
      dut->clk_i = 0;
      dut->eval();
      const bool act_fire = dut->s_act_tvalid_i && dut->s_act_tready_o;
      const bool wgt_fire = dut->s_wgt_tvalid_i && dut->s_wgt_tready_o;
      const bool par_fire = dut->s_par_tvalid_i && dut->s_par_tready_o;
      const bool res_fire = dut->m_res_tvalid_o && dut->m_res_tready_i;
      const int8_t res = static_cast<int8_t>(dut->m_res_tdata_o);
      const bool res_last = dut->m_res_tlast_o;
      tick();
      if (act_fire) dut->s_act_tvalid_i = 0, ++act_i;
      if (wgt_fire) dut->s_wgt_tvalid_i = 0, ++wgt_i;
      if (par_fire) dut->s_par_tvalid_i = 0, ++par_i;
      if (res_fire) {
        y.push_back(L.relu ? int32_t(uint8_t(res)) : int32_t(res));
        REQUIRE(res_last == (y.size() % size_t(L.out_ch) == 0));
        if (y.size() == res_n) break;
      }
    }
    dut->m_res_tready_i = 0;
    tick();
    REQUIRE(act_i == act_n);
    REQUIRE(wgt_i == wgt_n);
    REQUIRE(par_i == par_n);
    REQUIRE(dut->irq_o);
    const uint32_t status = read(kStatus);
    REQUIRE((status & 0x7u) == 0x2u);  // done, not busy, no error
    cycles = read(kCycles);
    beats = read(kBeats);
    write(kStatus, 0x2);  // clear done
    REQUIRE_FALSE(dut->irq_o);
    return y;
  }

  dense::Config cfg;
  int pes, lanes;
  std::mt19937 rng;
  VerilatedContext ctx;
  std::unique_ptr<V> dut;
  uint64_t cycle = 0;
  uint32_t cycles = 0, beats = 0;
};

std::string describe(const Layer& L, uint32_t seed, int index) {
  std::ostringstream s;
  s << "seed " << seed << " layer " << index << ": fan_in " << L.fan_in << ", out_ch " << L.out_ch
    << ", vectors " << L.vectors << ", relu " << L.relu;
  return s.str();
}

void check_outputs(const std::vector<int32_t>& y, const std::vector<int32_t>& want) {
  REQUIRE(y.size() == want.size());
  for (size_t o = 0; o < y.size(); ++o) {
    INFO("output " << o);
    REQUIRE(y[o] == want[o]);
  }
}

// New activations (and vector count) for the same weights and parameters.
Layer new_vectors(const Layer& L, std::mt19937& rng) {
  Layer R = L;
  R.vectors = 1 + int(rng() % 3);
  R.x.resize(size_t(R.fan_in) * R.vectors);
  for (auto& v : R.x) v = static_cast<uint8_t>(rng() % 256);
  return R;
}

template <class V>
void check_config(const dense::Config& cfg, int layers, uint32_t seed) {
  Bench<V> b(cfg, seed);
  INFO("config " << cfg.pes << " PEs x " << cfg.lanes << " lanes, MaxFanIn " << cfg.max_fan_in);
  const uint32_t id = b.read(kId);
  REQUIRE(id == (uint32_t(cfg.max_fan_in) << 16 | uint32_t(cfg.lanes) << 8 | uint32_t(cfg.pes)));
  std::mt19937 rng(seed);
  for (int i = 0; i < layers; ++i) {
    const Layer L = random_layer(rng, cfg, 4 * cfg.pes + 3);
    const double stall = (i % 3 == 0) ? 0.0 : double(rng() % 91) / 100.0;
    INFO(describe(L, seed, i) << ", stall " << stall);
    check_outputs(b.run(L, stall), L.expected());
    const int64_t kw = dense::ceil_div(L.fan_in, cfg.lanes);
    const int64_t groups = dense::ceil_div(L.out_ch, cfg.pes);
    REQUIRE(b.beats == uint32_t(groups * kw * L.vectors));
    // Exact when a group is at least as long as the drain of the one before it.
    if (stall == 0.0 && dense::no_stall(cfg, L.fan_in)) {
      REQUIRE(b.cycles == dense::run_cycles(cfg, L.fan_in, L.out_ch, L.vectors, false));
    }
    // Every fourth pass runs again on the weights kept on chip, with new activations.
    if (i % 4 == 1) {
      const Layer R = new_vectors(L, rng);
      INFO("rerun with keep, " << R.vectors << " vectors");
      check_outputs(b.run(R, stall, true), R.expected());
      if (stall == 0.0 && dense::no_stall(cfg, L.fan_in)) {
        REQUIRE(b.cycles == dense::run_cycles(cfg, R.fan_in, R.out_ch, R.vectors, true));
      }
    }
  }
}

const dense::Config k8x4{8, 4, 1024, 64, 512};
const dense::Config k3x5{3, 5, 64, 64, 256};

}  // namespace

TEST_CASE("dense baseline 8x4 matches the golden int8 layer under random stalls", "[dense]") {
  check_config<Vdense_8x4>(k8x4, 60, 1234u);
}

TEST_CASE("dense baseline 3x5 matches the golden int8 layer under random stalls", "[dense]") {
  check_config<Vdense_3x5>(k3x5, 150, 777u);
}

TEST_CASE("dense baseline: the cycle formula holds on a conv2-sized pass", "[dense]") {
  // lenet5 conv2's first pass at 8 PEs x 4 lanes: fan-in 800 (200 beats), 16 outputs, 4 vectors.
  Bench<Vdense_8x4> b(k8x4, 3u);
  std::mt19937 rng(3);
  Layer L = random_layer(rng, k8x4, 1);
  L.fan_in = 800;
  L.out_ch = 16;
  L.vectors = 4;
  L.w.resize(size_t(L.out_ch) * L.fan_in);
  for (auto& v : L.w) v = static_cast<int8_t>(int(rng() % 256) - 128);
  L.x.resize(size_t(L.fan_in) * L.vectors);
  for (auto& v : L.x) v = static_cast<uint8_t>(rng() % 256);
  L.out.resize(L.out_ch, L.out[0]);
  check_outputs(b.run(L, 0.0), L.expected());
  REQUIRE(b.cycles == dense::run_cycles(k8x4, 800, 16, 4, false));
  REQUIRE(b.cycles == 1 + (8 * 2 * 200 + 16) + 4 * 2 * 200 + 10 + 8);
}

TEST_CASE("dense baseline rejects a bad configuration and recovers from reset mid-layer",
          "[dense]") {
  Bench<Vdense_3x5> b(k3x5, 99u);
  // fan_in 0, fan_in above MaxFanIn, out_ch 0, out_ch above MaxOutCh, no vectors, more weight
  // beats than the SRAM holds (22 groups x 13 beats > 256): error, never busy.
  struct Bad { int fan_in, out_ch, vectors; };
  for (auto [fan_in, out_ch, vectors] : {Bad{0, 4, 1}, Bad{65, 4, 1}, Bad{8, 0, 1}, Bad{8, 65, 1},
                                         Bad{8, 4, 0}, Bad{64, 64, 1}}) {
    INFO("fan_in " << fan_in << ", out_ch " << out_ch << ", vectors " << vectors);
    b.write(kFanIn, uint32_t(fan_in));
    b.write(kOutCh, uint32_t(out_ch));
    b.write(kVectors, uint32_t(vectors));
    b.write(kCtrl, 0x1);
    b.tick();
    b.tick();
    REQUIRE((b.read(kStatus) & 0x7u) == 0x4u);
    b.write(kStatus, 0x4);
    REQUIRE((b.read(kStatus) & 0x7u) == 0u);
  }
  std::mt19937 rng(5);
  Layer L = random_layer(rng, k3x5, 12);
  L.fan_in = 64;
  L.x.assign(size_t(64) * L.vectors, 7);
  L.w.assign(size_t(L.out_ch) * 64, 3);
  b.run(L, 0.3, false, 40);  // abandon it in the middle
  b.reset();
  REQUIRE((b.read(kStatus) & 0x7u) == 0u);
  const Layer clean = random_layer(rng, k3x5, 12);
  REQUIRE(b.run(clean, 0.2) == clean.expected());
}
