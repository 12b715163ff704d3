// The Verilator driver and the register block: outputs against the golden model, two instances
// in two threads, waveforms on request, register map, START checks and the interrupt.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "ttq/accel_sim.hpp"
#include "ttq/layer.hpp"
#include "test_layer.hpp"

using namespace ttq;
using namespace ttq::test;


TEST_CASE("AccelSim: a layer matches the golden model and the cycle model", "[rtl]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(37, 333, 3, 1);
  for (bool relu : {false, true}) {
    const LayerRun r = sim.run_layer(l.codes, l.out_ch, l.fan_in, l.out, relu, l.x, l.nvec);
    CHECK(r.y == golden(l, relu));
    const CycleStats m = cycle_model(compile_layer(l.codes, l.out_ch, l.fan_in, l.out, sim.config()), l.nvec);
    CHECK(r.cycles == m.cycles);
    CHECK(int64_t(r.perf.nnz) == m.nonzeros);
    CHECK(r.wload_cycles == m.wload_cycles);
    CHECK(r.wload_bytes == m.wload_bytes);
  }
}

TEST_CASE("AccelSim: two instances in two threads give the golden outputs", "[rtl]") {
  const TestLayer a = make_layer(64, 500, 2, 2), b = make_layer(20, 900, 2, 3);
  std::vector<int32_t> ya, yb;
  std::thread ta([&] {
    SimOptions o;
    o.seed = 5, o.stall = 0.3;
    AccelSim s(o);
    ya = s.run_layer(a.codes, a.out_ch, a.fan_in, a.out, true, a.x, a.nvec).y;
  });
  std::thread tb([&] {
    SimOptions o;
    o.seed = 6, o.stall = 0.5;
    AccelSim s(o);
    yb = s.run_layer(b.codes, b.out_ch, b.fan_in, b.out, false, b.x, b.nvec).y;
  });
  ta.join();
  tb.join();
  CHECK(ya == golden(a, true));
  CHECK(yb == golden(b, false));
}

TEST_CASE("AccelSim: --trace writes an FST waveform only when asked", "[rtl]") {
  const auto path = std::filesystem::temp_directory_path() / "ttq_test_rtl_trace.fst";
  std::filesystem::remove(path);
  {
    SimOptions o;
    o.trace_path = path.string();
    AccelSim sim(o);
    const TestLayer l = make_layer(4, 20, 1, 4);
    CHECK(sim.run_layer(l.codes, l.out_ch, l.fan_in, l.out, false, l.x, l.nvec).y == golden(l, false));
  }
  REQUIRE(std::filesystem::exists(path));
  CHECK(std::filesystem::file_size(path) > 1000);
  std::filesystem::remove(path);
}

TEST_CASE("registers: ID, hardware configuration, START checks, interrupt", "[rtl]") {
  AccelSim sim(SimOptions{});
  CHECK(sim.read_reg(reg::kId) == hw::kId);
  CHECK(reg::kHwcfg0NumPes.get(sim.read_reg(reg::kHwcfg0)) == uint32_t(sim.config().num_pes));
  CHECK(reg::kHwcfg2Wdepth.get(sim.read_reg(reg::kHwcfg2)) == uint32_t(sim.config().wdepth));
  CHECK(sim.read_reg(0x7fc) == 0u);  // unmapped
  CHECK(sim.read_reg(reg::kStatus) == 0u);
  // START with no program loaded, or with FAN_IN = 0, is refused with ERR CONFIG and the error
  // interrupt.
  sim.write_reg(reg::kIrqEn, 2);
  sim.write_reg(reg::kFanIn, 8);
  sim.write_reg(reg::kRounds, reg::kRoundsRounds.put(1) | reg::kRoundsLastOuts.put(1));
  sim.write_reg(reg::kCtrl, 1);
  CHECK((sim.read_reg(reg::kStatus) & 5u) == 4u);  // ERR, not BUSY
  CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
  sim.write_reg(reg::kIrqStatus, 2);
  const TestLayer one = make_layer(1, 8, 1, 8);
  REQUIRE(sim.send_weight_words(compile_layer(one.codes, 1, 8, one.out, sim.config()).weight_stream()) == 0u);
  sim.write_reg(reg::kFanIn, 0);
  sim.write_reg(reg::kCtrl, 1);
  CHECK((sim.read_reg(reg::kStatus) & 5u) == 4u);
  CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
  // LAST_OUTS beyond the loaded parameter entries: refused too.
  sim.write_reg(reg::kFanIn, 8);
  sim.write_reg(reg::kRounds, reg::kRoundsRounds.put(1) | reg::kRoundsLastOuts.put(2));
  sim.write_reg(reg::kCtrl, 1);
  CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
  CHECK(sim.read_reg(reg::kIrqStatus) == 2u);
  CHECK(sim.irq());
  sim.write_reg(reg::kIrqStatus, 2);  // write one to clear
  CHECK(sim.read_reg(reg::kIrqStatus) == 0u);
  CHECK_FALSE(sim.irq());
  // RW registers read back; CLR_PERF clears the counters.
  sim.write_reg(reg::kNvec, 1234);
  CHECK(sim.read_reg(reg::kNvec) == 1234u);
  const TestLayer l = make_layer(8, 40, 1, 9);
  const LayerRun r = sim.run_layer(l.codes, l.out_ch, l.fan_in, l.out, false, l.x, l.nvec);
  CHECK(r.perf.total > 0);
  CHECK((sim.read_reg(reg::kStatus) & 2u) == 2u);  // DONE
  sim.write_reg(reg::kCtrl, 2);
  CHECK(sim.read_reg(reg::kPerfTotal) == 0u);
  CHECK(sim.read_reg(reg::kPerfWloadWords) == 0u);
}

TEST_CASE("weight stream: each malformed section sets its ERR_CODE, is skipped to tlast, and the next program runs", "[rtl]") {
  SimOptions o;
  o.stall = 0.3;
  AccelSim sim(o);
  const ArrayConfig& c = sim.config();
  const auto hdr = [](uint32_t type, uint32_t n) { return type << 28 | n; };
  const TestLayer l = make_layer(24, 150, 2, 21);
  const Program good = compile_layer(l.codes, l.out_ch, l.fan_in, l.out, c);
  std::vector<uint32_t> truncated = good.weight_stream();
  truncated.pop_back();  // tlast now falls inside the last section
  struct Case {
    const char* what;
    std::vector<uint32_t> words;
    uint32_t code;
  };
  const std::vector<Case> cases = {
      {"unknown section type", {hdr(3, 1), 0x1234u, 0x5678u}, hw::kErrSection},
      {"step count over the weight memory", {hdr(hw::kSecSteps, uint32_t(c.wdepth) + 1), 0u, 0u}, hw::kErrStepCount},
      {"step count 0", {hdr(hw::kSecSteps, 0), 0u}, hw::kErrStepCount},
      {"parameter count over MaxOuts", {hdr(hw::kSecParams, uint32_t(c.max_outs) + 1), 0u, 0u, 0u}, hw::kErrParamCount},
      {"tlast on a header that announces words", {hdr(hw::kSecSteps, 2)}, hw::kErrWTlast},
      {"tlast inside a parameter section", {hdr(hw::kSecParams, 1), 0u, 0u}, hw::kErrWTlast},
      {"a good program cut one word short", truncated, hw::kErrWTlast},
  };
  sim.write_reg(reg::kIrqEn, 2);
  for (const Case& k : cases) {
    INFO(k.what);
    CHECK(sim.send_weight_words(k.words) == k.code);
    CHECK((sim.read_reg(reg::kStatus) & 0xDu) == 4u);  // ERR; not BUSY, no stream in progress
    CHECK(sim.irq());
    sim.write_reg(reg::kIrqStatus, 2);
    // A failed load leaves no runnable program: START is refused.
    sim.write_reg(reg::kFanIn, uint32_t(l.fan_in));
    sim.write_reg(reg::kCtrl, 1);
    if (k.code != hw::kErrSection) CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
    sim.write_reg(reg::kIrqStatus, 2);
    // The error state clears with the first word of the next load, which then runs bit-exactly.
    CHECK(sim.run_program(good, true, l.x, l.nvec).y == golden(l, true));
    CHECK((sim.read_reg(reg::kStatus) & 4u) == 0u);
  }
}

TEST_CASE("AccelSim: reset in the middle of a layer, then a clean layer", "[rtl]") {
  SimOptions o;
  o.stall = 0.2;
  AccelSim sim(o);
  const TestLayer l = make_layer(50, 400, 3, 10);
  const Program p = compile_layer(l.codes, l.out_ch, l.fan_in, l.out, sim.config());
  sim.run_and_reset(p, true, l.x, l.nvec, 200);
  CHECK(sim.read_reg(reg::kStatus) == 0u);  // not busy after reset
  CHECK(sim.run_program(p, true, l.x, l.nvec).y == golden(l, true));
}

TEST_CASE("AccelSim: a layer over one pass runs as output-channel passes", "[rtl]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(100, 1600, 2, 12);  // > MaxOuts, and > WDepth steps at 64 outputs
  const auto passes = sim.compile_passes(l.codes, l.out_ch, l.fan_in, l.out);
  CHECK(passes.size() >= 2);
  const LayerRun r = sim.run_layer(l.codes, l.out_ch, l.fan_in, l.out, true, l.x, l.nvec);
  CHECK(r.passes == int(passes.size()));
  CHECK(r.y == golden(l, true));
  CHECK(int64_t(r.perf.results) == 2 * 100);
}
