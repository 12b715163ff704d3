// Directed bus and stream error tests of ttq_accel (issue 15, docs/REGISTERS.md "Errors, bus
// responses and soft reset"): AXI4-Lite SLVERR, START while busy, configuration written during a
// run, malformed weight streams, a wrong activation tlast, 100,000 cycles of result back-pressure
// and CTRL.SOFT_RESET from every state. Each drives AccelSim's pins cycle by cycle.
#include <catch2/catch.hpp>
#include <vector>

#include "test_layer.hpp"
#include "ttq/accel_sim.hpp"

using namespace ttq;
using namespace ttq::test;

namespace {
constexpr uint32_t kOkay = hw::kRespOkay, kSlverr = hw::kRespSlverr;
constexpr uint32_t kStBusy = 1, kStDone = 2, kStErr = 4, kStWload = 8;

Program compile(const AccelSim& sim, const TestLayer& l) {
  return compile_layer(l.codes, l.out_ch, l.fan_in, l.out, sim.config());
}

// A soft reset, then the accelerator must be idle with a clean status and no interrupt.
void soft_reset_and_check_idle(AccelSim& sim) {
  CHECK(sim.write_reg_resp(reg::kCtrl, reg::kCtrlSoftReset.put(1)) == kOkay);
  CHECK(sim.read_reg(reg::kStatus) == 0u);
  CHECK(sim.read_reg(reg::kErrCode) == 0u);
  CHECK(sim.read_reg(reg::kIrqStatus) == 0u);
  CHECK_FALSE(sim.irq());
}
}  // namespace

TEST_CASE("AXI4-Lite: unmapped addresses and writes to read-only registers answer SLVERR and change nothing",
          "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const std::vector<uint32_t> ro = {reg::kId, reg::kHwcfg0, reg::kHwcfg1, reg::kHwcfg2, reg::kStatus,
                                    reg::kErrCode, reg::kPerfTotal, reg::kPerfBusy, reg::kPerfStall,
                                    reg::kPerfNnz, reg::kPerfWloadCyc, reg::kPerfWloadWords,
                                    reg::kPerfResults};
  const std::vector<uint32_t> rw = {reg::kIrqEn, reg::kFanIn, reg::kRounds, reg::kNvec, reg::kLayer};
  const std::vector<uint32_t> rw_mask = {reg::kIrqEnMask, reg::kFanInMask, reg::kRoundsMask,
                                         reg::kNvecMask, reg::kLayerMask};
  const std::vector<uint32_t> unmapped = {0x34, 0x38, 0x3C, 0x5C, 0x60, 0x100, 0x7FC, 0xFFC};
  for (uint32_t a : ro) CHECK(sim.read_reg_resp(a).resp == kOkay);
  for (uint32_t a : rw) CHECK(sim.read_reg_resp(a).resp == kOkay);
  CHECK(sim.read_reg_resp(reg::kIrqStatus).resp == kOkay);
  const AccelSim::AxilRead ctrl = sim.read_reg_resp(reg::kCtrl);  // write-only: reads 0, OKAY
  CHECK((ctrl.resp == kOkay && ctrl.data == 0u));
  for (uint32_t i = 0; i < rw.size(); ++i) CHECK(sim.write_reg_resp(rw[i], 1 + i % 2) == kOkay);
  std::vector<uint32_t> before;
  for (uint32_t a : ro) before.push_back(sim.read_reg(a));
  for (uint32_t a : unmapped) {
    INFO("address " << a);
    const AccelSim::AxilRead r = sim.read_reg_resp(a);
    CHECK(r.resp == kSlverr);
    CHECK(r.data == 0u);
    CHECK(sim.write_reg_resp(a, 0xffffffffu) == kSlverr);
  }
  for (uint32_t a : ro) {
    INFO("read-only register " << a);
    CHECK(sim.write_reg_resp(a, 0xa5a5a5a5u) == kSlverr);
  }
  for (size_t i = 0; i < ro.size(); ++i) CHECK(sim.read_reg(ro[i]) == before[i]);
  for (uint32_t i = 0; i < rw.size(); ++i) CHECK(sim.read_reg(rw[i]) == 1 + i % 2);
  CHECK(sim.read_reg(reg::kId) == hw::kId);
  CHECK_FALSE(sim.irq());
  // Every field bit of every RW register holds a one and a zero (IRQ_EN, FAN_IN, ROUNDS, NVEC,
  // LAYER); the bits outside the fields are not stored and read 0.
  for (uint32_t v : {0xffffffffu, 0u}) {
    for (uint32_t r : rw) CHECK(sim.write_reg_resp(r, v) == kOkay);
    for (size_t i = 0; i < rw.size(); ++i) CHECK(sim.read_reg(rw[i]) == (v & rw_mask[i]));
  }
  // A run of 2^32 - 1 vectors is started and abandoned with a soft reset.
  const TestLayer l = make_layer(3, 16, 1, 39);
  const Program p = compile_layer(l.codes, 3, 16, l.out, sim.config());
  REQUIRE(sim.send_weight_words(p.weight_stream()) == 0u);
  AccelDriver(sim, sim.config()).start(p, false, -1);  // NVEC = 0xffffffff
  CHECK(sim.read_reg(reg::kStatus) == kStBusy);
  sim.write_reg(reg::kCtrl, reg::kCtrlSoftReset.put(1));
  CHECK(sim.read_reg(reg::kStatus) == 0u);
  CHECK_FALSE(sim.irq());
  // Unaligned addresses name the word they fall in.
  CHECK(sim.read_reg_resp(reg::kId + 2).resp == kOkay);
  CHECK(sim.read_reg_resp(0x35).resp == kSlverr);
}

TEST_CASE("START while busy: ERR BUSY; the run continues and its results are exact", "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(30, 200, 3, 31);
  const Program p = compile(sim, l);
  sim.start_layer(p, true, l.x, l.nvec);
  sim.write_reg(reg::kIrqEn, reg::kIrqEnDone.put(1));  // wait for done, not the error
  sim.run_cycles(40);
  REQUIRE(sim.read_reg(reg::kStatus) == kStBusy);
  CHECK(sim.write_reg_resp(reg::kCtrl, reg::kCtrlStart.put(1)) == kOkay);
  CHECK(sim.read_reg(reg::kStatus) == (kStBusy | kStErr));
  CHECK(sim.read_reg(reg::kErrCode) == hw::kErrBusy);
  const std::vector<ResultBeat> beats = sim.wait_irq(1e6);
  CHECK(unpack_results(p, beats, l.nvec, true) == golden(l, true));
  CHECK(sim.read_reg(reg::kStatus) == (kStDone | kStErr));
  CHECK(sim.read_reg(reg::kIrqStatus) == 3u);
  CHECK(sim.read_reg(reg::kPerfResults) == uint32_t(l.nvec * l.out_ch));
}

TEST_CASE("weight words offered during a run wait for its end, then load", "[rtl][bus]") {
  SimOptions o;
  o.stall = 0.3;  // also stalls the AXI4-Lite responses
  AccelSim sim(o);
  const TestLayer a = make_layer(20, 100, 2, 37), b = make_layer(9, 60, 2, 38);
  const Program pa = compile(sim, a), pb = compile(sim, b);
  sim.start_layer(pa, true, a.x, a.nvec);
  CHECK(sim.send_weight_words(pb.weight_stream()) == 0u);  // accepted only once the run is done
  CHECK(unpack_results(pa, sim.wait_irq(1e5), a.nvec, true) == golden(a, true));
  sim.write_reg(reg::kIrqStatus, 3);
  CHECK(sim.run_program(pb, false, b.x, b.nvec).y == golden(b, false));
}

TEST_CASE("configuration written during a run does not disturb it (latched at START)", "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(40, 300, 3, 32);
  const Program p = compile(sim, l);
  for (int64_t after : {0, 100, 400}) {
    INFO("written " << after << " cycles after START");
    sim.start_layer(p, false, l.x, l.nvec);
    sim.run_cycles(after);
    sim.write_reg(reg::kFanIn, 5);
    sim.write_reg(reg::kRounds, reg::kRoundsRounds.put(1) | reg::kRoundsLastOuts.put(1));
    sim.write_reg(reg::kNvec, 1);
    sim.write_reg(reg::kLayer, reg::kLayerRelu.put(1));
    const std::vector<ResultBeat> beats = sim.wait_irq(1e6);
    CHECK(unpack_results(p, beats, l.nvec, false) == golden(l, false));
    CHECK(sim.read_reg(reg::kStatus) == kStDone);
    CHECK(sim.read_reg(reg::kPerfResults) == uint32_t(l.nvec * l.out_ch));
    CHECK(sim.read_reg(reg::kFanIn) == 5u);  // kept for the next START
    sim.write_reg(reg::kIrqStatus, 3);
  }
}

TEST_CASE("weight stream too short, too long or malformed: its error code, no runnable program", "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(20, 100, 2, 33);
  const Program good = compile(sim, l);
  const std::vector<uint32_t> ws = good.weight_stream();
  const auto hdr = [](uint32_t type, uint32_t n) { return type << 28 | n; };
  struct Case {
    const char* what;
    std::vector<uint32_t> words;
    uint32_t code;
  };
  std::vector<Case> cases = {
      {"too short: cut in the step section", {ws.begin(), ws.begin() + 5}, hw::kErrWTlast},
      {"too short: last parameter word missing", {ws.begin(), ws.end() - 1}, hw::kErrWTlast},
      {"too long: a stray word after the program", ws, hw::kErrSection},
      {"too long: a header after the program", ws, hw::kErrWTlast},
      {"malformed: section type 0", {hdr(0, 1), 0u}, hw::kErrSection},
      {"malformed: section type 15", {hdr(15, 1), 0u}, hw::kErrSection},
      {"malformed: 0 parameter entries", {hdr(hw::kSecParams, 0), 0u}, hw::kErrParamCount},
  };
  cases[2].words.push_back(0u);
  cases[3].words.push_back(hdr(hw::kSecParams, 1));
  sim.write_reg(reg::kIrqEn, reg::kIrqEnErr.put(1));
  for (const Case& k : cases) {
    INFO(k.what);
    CHECK(sim.send_weight_words(k.words) == k.code);
    CHECK((sim.read_reg(reg::kStatus) & (kStBusy | kStErr | kStWload)) == kStErr);
    CHECK(sim.irq());
    sim.write_reg(reg::kIrqStatus, 3);
    AccelDriver(sim, sim.config()).start(good, true, l.nvec);  // refused: no program
    CHECK((sim.read_reg(reg::kStatus) & (kStBusy | kStErr)) == kStErr);
    CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
    sim.write_reg(reg::kIrqStatus, 3);
    CHECK(sim.run_program(good, true, l.x, l.nvec).y == golden(l, true));
  }
}

TEST_CASE("activations with a wrong tlast: ERR ACT_TLAST, the beat count rules, results exact", "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(17, 120, 3, 34);  // 15 beats per vector
  const Program p = compile(sim, l);
  ActBeats a = pack_activations(p, l.x, l.nvec);
  for (auto& t : a.tlast) t = !t;  // tlast on every beat but the last of each vector
  REQUIRE(sim.send_weight_words(p.weight_stream()) == 0u);
  AccelDriver(sim, sim.config()).start(p, true, l.nvec);
  sim.write_reg(reg::kIrqEn, reg::kIrqEnDone.put(1));
  sim.feed_activations(a.bytes, p.cfg.win_bytes(), a.tlast);
  const std::vector<ResultBeat> beats = sim.wait_irq(1e6);
  CHECK(unpack_results(p, beats, l.nvec, true) == golden(l, true));
  CHECK(sim.read_reg(reg::kStatus) == (kStDone | kStErr));
  CHECK(sim.read_reg(reg::kErrCode) == hw::kErrActTlast);
  CHECK(sim.read_reg(reg::kIrqStatus) == 3u);
}

TEST_CASE("results back-pressured for 100,000 cycles: no beat lost, duplicated or invented; counters right",
          "[rtl][bus]") {
  AccelSim sim(SimOptions{});
  const TestLayer l = make_layer(37, 300, 3, 35);
  const Program p = compile(sim, l);
  const CycleStats m = cycle_model(p, l.nvec);
  sim.set_result_ready(false);
  sim.start_layer(p, true, l.x, l.nvec);
  sim.run_cycles(50000);
  const uint32_t stall1 = sim.read_reg(reg::kPerfStall), total1 = sim.read_reg(reg::kPerfTotal);
  sim.run_cycles(50000);
  CHECK(sim.results_seen() == 0u);
  CHECK(sim.result_valid());  // the first result waits, valid held
  CHECK(sim.read_reg(reg::kStatus) == kStBusy);
  CHECK_FALSE(sim.irq());
  const uint32_t stall2 = sim.read_reg(reg::kPerfStall), total2 = sim.read_reg(reg::kPerfTotal);
  CHECK(stall2 >= stall1 + 50000);  // every held cycle is a stall, counters only grow
  CHECK(total2 >= total1 + 50000);
  CHECK(sim.read_reg(reg::kPerfResults) == 0u);
  sim.set_result_ready(true);
  const std::vector<ResultBeat> beats = sim.wait_irq(1e6);
  CHECK(beats.size() == size_t(l.nvec * l.out_ch));
  CHECK(unpack_results(p, beats, l.nvec, true) == golden(l, true));
  const PerfCounters c = AccelDriver(sim, sim.config()).read_perf();
  CHECK(c.results == uint32_t(l.nvec * l.out_ch));
  CHECK(int64_t(c.nnz) == m.nonzeros);
  CHECK(int64_t(c.busy) == m.busy);
  CHECK(c.stall >= 99000u);  // all but the cycles before the first result
  CHECK(c.total > 100000u);
  CHECK(int64_t(c.total) <= m.cycles + 100000);
  CHECK(sim.read_reg(reg::kStatus) == kStDone);
}

TEST_CASE("soft reset returns to idle from any state and the next layer is exact", "[rtl][bus]") {
  SimOptions o;
  o.stall = 0.2;
  AccelSim sim(o);
  const TestLayer l = make_layer(45, 260, 4, 36);
  const Program p = compile(sim, l);
  const std::vector<uint32_t> ws = p.weight_stream();
  SECTION("in the middle of a run, streams half done") {
    sim.start_layer(p, true, l.x, l.nvec);
    sim.run_cycles(300);
    REQUIRE(sim.read_reg(reg::kStatus) == kStBusy);
    sim.flush_streams();
    soft_reset_and_check_idle(sim);
    const size_t seen = sim.results_seen();
    sim.run_cycles(2000);
    CHECK(sim.results_seen() == seen);  // nothing after the reset
    CHECK_FALSE(sim.result_valid());
  }
  SECTION("with the result FIFO full and back-pressured") {
    sim.set_result_ready(false);
    sim.start_layer(p, true, l.x, l.nvec);
    sim.run_cycles(3000);
    REQUIRE(sim.result_valid());
    sim.flush_streams();
    soft_reset_and_check_idle(sim);
    CHECK_FALSE(sim.result_valid());
    sim.set_result_ready(true);
    sim.run_cycles(2000);
    CHECK(sim.results_seen() == 0u);  // the held results are gone, none invented
  }
  SECTION("in the middle of a weight load: the program is forgotten") {
    sim.send_weight_prefix(std::vector<uint32_t>(ws.begin(), ws.begin() + ptrdiff_t(ws.size() / 2)));
    REQUIRE(sim.read_reg(reg::kStatus) == kStWload);
    sim.flush_streams();
    soft_reset_and_check_idle(sim);
    AccelDriver(sim, sim.config()).start(p, true, l.nvec);
    CHECK(sim.read_reg(reg::kErrCode) == hw::kErrConfig);
    sim.write_reg(reg::kIrqStatus, 3);
  }
  SECTION("after an error") {
    CHECK(sim.send_weight_words({hw::kSecSteps << 28 | 2u, 0u}) == hw::kErrWTlast);
    sim.write_reg(reg::kIrqEn, 3);
    CHECK(sim.irq());
    soft_reset_and_check_idle(sim);
  }
  SECTION("SOFT_RESET wins over START in the same write") {
    CHECK(sim.send_weight_words(ws) == 0u);
    AccelDriver(sim, sim.config()).start(p, true, l.nvec);
    sim.run_cycles(50);
    CHECK(sim.write_reg_resp(reg::kCtrl, reg::kCtrlStart.put(1) | reg::kCtrlSoftReset.put(1)) == kOkay);
    sim.run_cycles(50);
    CHECK(sim.read_reg(reg::kStatus) == 0u);
  }
  CHECK(sim.send_weight_words(ws) == 0u);
  CHECK(sim.read_reg(reg::kIrqStatus) == 0u);
  CHECK(sim.read_reg(reg::kErrCode) == 0u);
  CHECK(sim.read_reg(reg::kStatus) == 0u);
  CHECK(sim.run_program(p, true, l.x, l.nvec).y == golden(l, true));
  CHECK(sim.read_reg(reg::kStatus) == kStDone);
}
