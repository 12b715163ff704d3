// Verilator harness of rtl/ttq_accel: one Verilated model with its own VerilatedContext (so one
// instance per thread is safe), stream drivers with optional random valid/ready stalls and an
// AXI4-Lite master (the AccelBus of the shared driver sequence, accel_driver.hpp), and
// run_layer() that loads a layer, streams its vectors and returns the outputs with the cycle
// counts and performance counters read back over AXI4-Lite.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ttq/arith.hpp"
#include "ttq/accel_driver.hpp"
#include "ttq/cycle_model.hpp"

namespace ttq {

struct SimOptions {
  ArrayConfig cfg;           // must match the Verilated parameters (checked against HWCFG*)
  double stall = 0.0;        // probability, per cycle and stream, of withholding valid / ready
  uint64_t seed = 1;         // stall RNG and Verilator's random initial state
  std::string trace_path;    // FST waveform file; empty = no tracing
  // false: the checked build of the Verilated model (SVA assertions, X assignments to random
  // values, FST tracing available). true: the speed build (no assertions, no tracing,
  // --x-assign fast, -O2), much less CPU time per cycle; ttq-sim uses it unless tracing.
  bool fast = false;
};

struct LayerRun {
  std::vector<int32_t> y;    // nvec x out_ch outputs, channel order
  PerfCounters perf;         // read back over AXI4-Lite after the layer
  int64_t cycles = 0;        // PERF_TOTAL: START to last result beat
  int64_t wload_cycles = 0;  // PERF_WLOAD_CYC of the program load
  int64_t wload_bytes = 0;
  int64_t sim_cycles = 0;    // clock cycles simulated for this call (incl. loading, AXI-Lite)
  int passes = 0;            // programs run (a layer over MaxOuts / WDepth is split by outputs)
};

class AccelSim : public AccelBus {
 public:
  explicit AccelSim(const SimOptions& opt);
  ~AccelSim();
  AccelSim(const AccelSim&) = delete;
  AccelSim& operator=(const AccelSim&) = delete;

  // Compiles and runs one ternary layer on the RTL. vectors: nvec x fan_in (row-major); y is
  // nvec x out_ch. A layer larger than one pass (out_ch > max_outs, or op lists over op_depth)
  // runs as several passes over output-channel slices; cycles and counters are summed.
  // dense=true runs the "processing zeros too" schedule of the same array.
  LayerRun run_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                     std::span<const OutParams> out, bool relu, std::span<const uint8_t> vectors,
                     int nvec, bool dense = false);
  // The programs run_layer() uses: one per output-channel slice.
  std::vector<Program> compile_passes(std::span<const int8_t> codes, int out_ch, int fan_in,
                                      std::span<const OutParams> out, bool dense = false) const;
  // Runs a compiled program (lets a caller reuse it or use the dense schedule).
  LayerRun run_program(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec);

  // Loads a program and starts it, then holds rst_ni low for reset_cycles after `after` cycles
  // of the run: the reset-in-the-middle test. Stream drivers are flushed.
  void run_and_reset(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec,
                     int64_t after, int reset_cycles = 3);

  // Streams raw words on s_axis_w (tlast on the last one) and returns ERR_CODE if STATUS.ERR is
  // set afterwards, else 0: the directed tests of malformed weight streams.
  uint32_t send_weight_words(std::vector<uint32_t> words);
  // Pin-level access for the directed bus and stream tests (tests/rtl/test_bus_errors.cpp).
  // AXI4-Lite accesses returning the response code (BRESP / RRESP) with the read data.
  struct AxilRead {
    uint32_t data = 0, resp = 0;
  };
  uint32_t write_reg_resp(uint32_t addr, uint32_t value);
  AxilRead read_reg_resp(uint32_t addr);
  // Loads prog, starts a run of nvec vectors and offers its activation beats, without waiting.
  void start_layer(const Program& prog, bool relu, std::span<const uint8_t> vectors, int nvec);
  // Offers activation beats (tlast as given) from the next cycle on; clears the collected results.
  void feed_activations(std::span<const uint8_t> beats, int beat_bytes, std::span<const uint8_t> tlast);
  // Ticks until the interrupt (throws after `budget` cycles); returns the result beats collected
  // since feed_activations().
  std::vector<ResultBeat> wait_irq(double budget);
  // Offers weight words with no tlast (a load left unfinished); returns when all are accepted.
  void send_weight_prefix(std::span<const uint32_t> words);
  // Stops offering weight and activation beats (a host that aborts its DMA).
  void flush_streams();
  void run_cycles(int64_t n);
  // false: m_axis_r_tready is held low (back-pressure); true: ready (or random stalls).
  void set_result_ready(bool ready);
  bool result_valid() const;             // m_axis_r_tvalid_o now
  size_t results_seen() const;           // result beats collected since feed_activations()
  // AccelBus
  uint32_t read_reg(uint32_t addr) override;
  void write_reg(uint32_t addr, uint32_t value) override;
  void send_weights(std::span<const uint32_t> words) override;
  std::vector<ResultBeat> stream_layer(std::span<const uint8_t> beats, int beat_bytes,
                                       std::span<const uint8_t> tlast, double budget) override;
  void reset(int cycles = 4);
  void set_stall(double p) { stall_ = p; }
  uint64_t cycles() const { return cycle_; }
  const ArrayConfig& config() const { return opt_.cfg; }
  bool irq() const;

 private:
  struct Impl;
  void tick();
  template <class VM>
  void tick_model(VM& t);
  void load_program(const Program& prog);
  void stream_weights(std::span<const uint32_t> words, bool tlast);
  bool coin();

  SimOptions opt_;
  double stall_;
  uint64_t cycle_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ttq
