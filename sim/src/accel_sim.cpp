#include "ttq/accel_sim.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

// The checked Verilated model class (assertions, FST tracing); a build for other parameters
// verilates ttq_accel under another prefix. TTQ_VMODEL_FAST, when defined, is the speed build of
// the same RTL (sim/CMakeLists.txt), used when SimOptions::fast is set.
#ifndef TTQ_VMODEL
#define TTQ_VMODEL Vttq_accel
#define TTQ_VMODEL_HEADER "Vttq_accel.h"
#endif
#include TTQ_VMODEL_HEADER
using VModel = TTQ_VMODEL;
#ifdef TTQ_VMODEL_FAST
#include TTQ_VMODEL_FAST_HEADER
using VModelFast = TTQ_VMODEL_FAST;
#endif
#include "verilated.h"
#include "verilated_fst_c.h"
#ifdef TTQ_COVERAGE
#include <unistd.h>

#include "verilated_cov.h"
#endif

namespace ttq {

struct AccelSim::Impl {
  VerilatedContext ctx;
  std::unique_ptr<VModel> top;  // the checked build, or
#ifdef TTQ_VMODEL_FAST
  std::unique_ptr<VModelFast> fast;  // the speed build
#endif
  std::unique_ptr<VerilatedFstC> trace;
  std::mt19937_64 rng;
  // weight stream
  std::vector<uint32_t> w_words;
  size_t w_idx = 0;
  bool w_valid = false;
  // activation stream: beat_bytes bytes per beat
  std::vector<uint8_t> a_bytes, a_last;
  int a_beat_bytes = 0;
  size_t a_idx = 0, a_beats = 0;
  bool a_valid = false;
  // result beats
  std::vector<ResultBeat> results;
  // AXI4-Lite master
  bool awvalid = false, arvalid = false;
  uint32_t awaddr = 0, wdata = 0, araddr = 0;
  bool aw_hs = false, ar_hs = false, b_hs = false, r_hs = false;
  uint32_t rdata = 0, bresp = 0, rresp = 0;
  bool w_no_last = false;    // a weight-stream prefix: no tlast
  bool r_hold = false;       // result back-pressure
  bool r_valid = false;      // m_axis_r_tvalid_o at the last edge
  bool rst = false;

  // Verilator 5.006 keeps a per-thread "current context" (Verilated::threadContextp()) that the
  // generated code uses for random X values, $stop/assertion failures and, in ~VerilatedScope,
  // to unregister the model's scopes. It is set when a model is constructed, so with two models
  // in one thread (ttq-sim's worker and a traced model for one layer) it pointed at whichever
  // was constructed last; once that one was destroyed, the survivor's destructor locked a mutex
  // inside the freed context and slept forever (the "--trace-dir hang"). Every entry into a
  // model therefore makes its own context current first.
  void enter() {
    if (Verilated::threadContextp() != &ctx) Verilated::threadContextp(&ctx);
  }
  ~Impl() {
    enter();
    if (trace) trace->close();
    if (top) top->final();
#ifdef TTQ_COVERAGE
    // The coverage build (make coverage): one counts file per model, merged by scripts/coverage.
    if (const char* dir = std::getenv("TTQ_COVERAGE_DIR")) {
      static std::atomic<int> n{0};
      const std::string path = std::string(dir) + "/cov-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".dat";
      ctx.coveragep()->write(path.c_str());
    }
#endif
#ifdef TTQ_VMODEL_FAST
    if (fast) fast->final();
    fast.reset();
#endif
    trace.reset();
    top.reset();
    // Do not leave this thread (or Verilated's "last context") pointing at ctx once it is gone.
    Verilated::threadContextp(nullptr);
  }
};

namespace {

// Drives a Verilated input port of any width with n little-endian bytes.
template <class T>
void put_bytes(T& port, const uint8_t* b, int n) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t v = 0;
    for (int i = 0; i < n && i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
    port = T(v);
  } else {
    for (int w = 0; w < (n + 3) / 4; ++w) {
      uint32_t v = 0;
      for (int i = 0; i < 4 && 4 * w + i < n; ++i) v |= uint32_t(b[4 * w + i]) << (8 * i);
      port[w] = v;
    }
  }
}

template <class VM>
void configure_model(VM& t) {
  t.clk_i = 0;
  t.rst_ni = 0;
  t.eval();
}

}  // namespace

AccelSim::AccelSim(const SimOptions& opt) : opt_(opt), stall_(opt.stall), impl_(std::make_unique<Impl>()) {
  opt_.cfg.validate();
  if (opt.stall < 0.0 || opt.stall >= 1.0)
    throw std::invalid_argument("AccelSim: stall = " + std::to_string(opt.stall) + ": must be in [0, 1)");
  if (opt.fast && !opt.trace_path.empty())
    throw std::invalid_argument("AccelSim: trace_path " + opt.trace_path +
                                ": the speed build (fast) has no tracing; use the checked build");
#ifndef TTQ_VMODEL_FAST
  if (opt.fast) throw std::invalid_argument("AccelSim: this build has no speed build of the model (fast)");
#endif
  Impl& m = *impl_;
  m.rng.seed(opt.seed);
  m.ctx.randReset(2);
  m.ctx.randSeed(int(opt.seed & 0x7fffffff));
  m.ctx.commandArgs(0, static_cast<const char**>(nullptr));
  if (!opt.trace_path.empty()) m.ctx.traceEverOn(true);
  m.enter();
#ifdef TTQ_VMODEL_FAST
  if (opt.fast) {
    m.fast = std::make_unique<VModelFast>(&m.ctx, "ttq_accel");
    configure_model(*m.fast);
  }
#endif
  if (!opt.fast) {
    m.top = std::make_unique<VModel>(&m.ctx, "ttq_accel");
    if (!opt.trace_path.empty()) {
      m.trace = std::make_unique<VerilatedFstC>();
      m.top->trace(m.trace.get(), 99);
      m.trace->open(opt.trace_path.c_str());
      if (!m.trace->isOpen()) throw std::runtime_error("AccelSim: cannot open trace file " + opt.trace_path);
    }
    configure_model(*m.top);
  }
  reset();
#ifdef TTQ_COVERAGE
  // Coverage counts start after the first reset: the toggles of random initial values to their
  // reset values are not exercise.
  m.ctx.coveragep()->zero();
#endif
  // The Verilated parameters must be the ones the schedule is compiled for.
  AccelDriver(*this, opt_.cfg).check_hardware();
}

AccelSim::~AccelSim() = default;

bool AccelSim::coin() {
  if (stall_ <= 0.0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(impl_->rng) < stall_;
}

bool AccelSim::irq() const {
#ifdef TTQ_VMODEL_FAST
  if (impl_->fast) return impl_->fast->irq_o;
#endif
  return impl_->top->irq_o;
}

// One clock cycle: drive this cycle's inputs at the falling edge, sample the handshakes, rising
// edge. Templated on the model class so both builds share it.
template <class VM>
void AccelSim::tick_model(VM& t) {
  Impl& m = *impl_;
  // drive this cycle's inputs (a master only delays asserting valid, never withdraws it)
  if (!m.w_valid && m.w_idx < m.w_words.size()) m.w_valid = !coin();
  if (!m.a_valid && m.a_idx < m.a_beats) m.a_valid = !coin();
  t.rst_ni = !m.rst;
  t.s_axis_w_tvalid_i = m.w_valid;
  t.s_axis_w_tdata_i = m.w_valid ? m.w_words[m.w_idx] : 0;
  t.s_axis_w_tlast_i = m.w_valid && !m.w_no_last && m.w_idx + 1 == m.w_words.size();
  t.s_axis_a_tvalid_i = m.a_valid;
  static const uint8_t zeros[64] = {};
  put_bytes(t.s_axis_a_tdata_i, m.a_valid ? &m.a_bytes[m.a_idx * size_t(m.a_beat_bytes)] : zeros,
            m.a_beat_bytes);
  t.s_axis_a_tlast_i = m.a_valid && m.a_last[m.a_idx];
  t.m_axis_r_tready_i = !m.r_hold && !coin();
  t.s_axil_awvalid_i = m.awvalid;
  t.s_axil_wvalid_i = m.awvalid;
  t.s_axil_awaddr_i = m.awaddr;
  t.s_axil_wdata_i = m.wdata;
  t.s_axil_wstrb_i = 0xf;
  t.s_axil_bready_i = !coin();  // the AXI4-Lite master stalls responses too
  t.s_axil_arvalid_i = m.arvalid;
  t.s_axil_araddr_i = m.araddr;
  t.s_axil_rready_i = !coin();
  t.clk_i = 0;
  t.eval();
  if constexpr (std::is_same_v<VM, VModel>)
    if (m.trace) m.trace->dump(m.ctx.time());
  m.ctx.timeInc(1);
  // handshakes at this edge
  const bool w_hs = !m.rst && m.w_valid && t.s_axis_w_tready_o;
  const bool a_hs = !m.rst && m.a_valid && t.s_axis_a_tready_o;
  m.r_valid = t.m_axis_r_tvalid_o;
  if (!m.rst && t.m_axis_r_tvalid_o && t.m_axis_r_tready_i)
    m.results.push_back({uint16_t(t.m_axis_r_tdata_o), bool(t.m_axis_r_tlast_o)});
  m.aw_hs = !m.rst && m.awvalid && t.s_axil_awready_o;
  m.ar_hs = !m.rst && m.arvalid && t.s_axil_arready_o;
  m.b_hs = !m.rst && t.s_axil_bvalid_o && t.s_axil_bready_i;
  m.r_hs = !m.rst && t.s_axil_rvalid_o && t.s_axil_rready_i;
  if (m.r_hs) m.rdata = t.s_axil_rdata_o, m.rresp = t.s_axil_rresp_o;
  if (m.b_hs) m.bresp = t.s_axil_bresp_o;
  t.clk_i = 1;
  t.eval();
  if constexpr (std::is_same_v<VM, VModel>)
    if (m.trace) m.trace->dump(m.ctx.time());
  m.ctx.timeInc(1);
  ++cycle_;
  if (w_hs) ++m.w_idx, m.w_valid = false;
  if (a_hs) ++m.a_idx, m.a_valid = false;
  if (m.aw_hs) m.awvalid = false;
  if (m.ar_hs) m.arvalid = false;
}

void AccelSim::tick() {
  Impl& m = *impl_;
  m.enter();
#ifdef TTQ_VMODEL_FAST
  if (m.fast) return tick_model(*m.fast);
#endif
  tick_model(*m.top);
}

void AccelSim::reset(int cycles) {
  Impl& m = *impl_;
  m.rst = true;
  m.w_words.clear();
  m.w_idx = 0, m.w_valid = false;
  m.a_bytes.clear(), m.a_last.clear();
  m.a_idx = 0, m.a_beats = 0, m.a_valid = false;
  m.awvalid = m.arvalid = false;
  for (int i = 0; i < cycles; ++i) tick();
  m.rst = false;
  tick();
}

void AccelSim::write_reg(uint32_t addr, uint32_t value) { write_reg_resp(addr, value); }

uint32_t AccelSim::read_reg(uint32_t addr) { return read_reg_resp(addr).data; }

uint32_t AccelSim::write_reg_resp(uint32_t addr, uint32_t value) {
  Impl& m = *impl_;
  m.awvalid = true, m.awaddr = addr, m.wdata = value;
  for (int i = 0; m.awvalid; ++i) {
    if (i > 1000) throw std::runtime_error("AccelSim: AXI4-Lite write to " + std::to_string(addr) + " not accepted");
    tick();
  }
  for (int i = 0; !m.b_hs; ++i) {
    if (i > 1000) throw std::runtime_error("AccelSim: no write response for " + std::to_string(addr));
    tick();
  }
  return m.bresp;
}

AccelSim::AxilRead AccelSim::read_reg_resp(uint32_t addr) {
  Impl& m = *impl_;
  m.arvalid = true, m.araddr = addr;
  for (int i = 0; m.arvalid; ++i) {
    if (i > 1000) throw std::runtime_error("AccelSim: AXI4-Lite read of " + std::to_string(addr) + " not accepted");
    tick();
  }
  for (int i = 0; !m.r_hs; ++i) {
    if (i > 1000) throw std::runtime_error("AccelSim: no read data for " + std::to_string(addr));
    tick();
  }
  return {m.rdata, m.rresp};
}

void AccelSim::load_program(const Program& prog) {
  if (const uint32_t code = AccelDriver(*this, opt_.cfg).load(prog))
    throw std::runtime_error("AccelSim: weight stream rejected, ERR_CODE " + std::to_string(code));
}

void AccelSim::send_weights(std::span<const uint32_t> words) { stream_weights(words, true); }

void AccelSim::send_weight_prefix(std::span<const uint32_t> words) { stream_weights(words, false); }

void AccelSim::stream_weights(std::span<const uint32_t> words, bool tlast) {
  Impl& m = *impl_;
  m.w_words.assign(words.begin(), words.end());
  m.w_idx = 0, m.w_valid = false, m.w_no_last = !tlast;
  const uint64_t budget = 1000 + uint64_t(20.0 * double(m.w_words.size()) / (1.0 - stall_));
  for (uint64_t i = 0; m.w_idx < m.w_words.size(); ++i) {
    if (i > budget) throw std::runtime_error("AccelSim: weight stream stuck at word " + std::to_string(m.w_idx));
    tick();
  }
}

uint32_t AccelSim::send_weight_words(std::vector<uint32_t> words) {
  return AccelDriver(*this, opt_.cfg).load_words(words);
}

void AccelSim::feed_activations(std::span<const uint8_t> beats, int beat_bytes, std::span<const uint8_t> tlast) {
  Impl& m = *impl_;
  m.a_bytes.assign(beats.begin(), beats.end());
  m.a_last.assign(tlast.begin(), tlast.end());
  m.a_beat_bytes = beat_bytes;
  m.a_beats = tlast.size();
  m.a_idx = 0, m.a_valid = false;
  m.results.clear();
}

void AccelSim::start_layer(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec) {
  load_program(prog);
  const ActBeats a = pack_activations(prog, vectors, nvec);
  AccelDriver(*this, opt_.cfg).start(prog, relu, nvec);
  feed_activations(a.bytes, prog.cfg.win_bytes(), a.tlast);
}

void AccelSim::flush_streams() {
  Impl& m = *impl_;
  m.w_words.clear(), m.w_idx = 0, m.w_valid = false, m.w_no_last = false;
  m.a_bytes.clear(), m.a_last.clear();
  m.a_idx = 0, m.a_beats = 0, m.a_valid = false;
}

void AccelSim::run_cycles(int64_t n) {
  for (int64_t i = 0; i < n; ++i) tick();
}

void AccelSim::set_result_ready(bool ready) { impl_->r_hold = !ready; }
bool AccelSim::result_valid() const { return impl_->r_valid; }
size_t AccelSim::results_seen() const { return impl_->results.size(); }

std::vector<ResultBeat> AccelSim::stream_layer(std::span<const uint8_t> beats, int beat_bytes,
                                               std::span<const uint8_t> tlast, double budget) {
  feed_activations(beats, beat_bytes, tlast);
  return wait_irq(budget / ((1.0 - stall_) * (1.0 - stall_)));
}

std::vector<ResultBeat> AccelSim::wait_irq(double budget) {
  Impl& m = *impl_;
  for (uint64_t i = 0; !irq(); ++i) {
    if (double(i) > budget)
      throw std::runtime_error("AccelSim: layer did not finish in " + std::to_string(uint64_t(budget)) +
                               " cycles (" + std::to_string(m.results.size()) + " result beats)");
    tick();
  }
  return std::move(m.results);
}

LayerRun AccelSim::run_program(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec) {
  const uint64_t c0 = cycle_;
  LayerRun run;
  AccelDriver drv(*this, opt_.cfg);
  load_program(prog);
  run.wload_cycles = read_reg(reg::kPerfWloadCyc);
  run.wload_bytes = 4 * int64_t(read_reg(reg::kPerfWloadWords));
  run.y = drv.run(prog, relu, vectors, nvec, &run.perf);
  run.cycles = run.perf.total;
  run.sim_cycles = int64_t(cycle_ - c0);
  run.passes = 1;
  return run;
}

std::vector<Program> AccelSim::compile_passes(std::span<const int8_t> codes, int out_ch, int fan_in,
                                              std::span<const OutParams> out, bool dense) const {
  return ttq::compile_passes(codes, out_ch, fan_in, out, opt_.cfg, dense);
}

LayerRun AccelSim::run_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                             std::span<const OutParams> out, bool relu,
                             std::span<const uint8_t> vectors, int nvec, bool dense) {
  const std::vector<Program> passes = compile_passes(codes, out_ch, fan_in, out, dense);
  if (passes.size() == 1) return run_program(passes[0], relu, vectors, nvec);
  LayerRun all;
  all.y.assign(size_t(nvec) * out_ch, 0);
  int o0 = 0;
  for (const Program& p : passes) {
    const LayerRun r = run_program(p, relu, vectors, nvec);
    for (int v = 0; v < nvec; ++v)
      for (int o = 0; o < p.out_ch; ++o) all.y[size_t(v) * out_ch + o0 + o] = r.y[size_t(v) * p.out_ch + o];
    o0 += p.out_ch;
    all.cycles += r.cycles;
    all.wload_cycles += r.wload_cycles;
    all.wload_bytes += r.wload_bytes;
    all.sim_cycles += r.sim_cycles;
    all.passes += 1;
    all.perf.total += r.perf.total, all.perf.busy += r.perf.busy, all.perf.stall += r.perf.stall;
    all.perf.nnz += r.perf.nnz, all.perf.results += r.perf.results;
    all.perf.wload_cycles += r.perf.wload_cycles, all.perf.wload_words += r.perf.wload_words;
  }
  return all;
}

void AccelSim::run_and_reset(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec,
                             int64_t after, int reset_cycles) {
  start_layer(prog, relu, vectors, nvec);
  run_cycles(after);
  reset(reset_cycles);
}

}  // namespace ttq
