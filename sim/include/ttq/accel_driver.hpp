// The one driver sequence of ttq_accel (docs/REGISTERS.md "Running a layer"): load a compiled
// program, configure and start a run, stream the vectors, collect and check the results, read the
// performance counters. It talks to the accelerator only through AccelBus, so the Verilator
// harness (AccelSim: pins, cycle by cycle) and the SystemC platform (a CPU and a DMA over
// TLM-2.0) run the same sequence.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ttq/schedule.hpp"

namespace ttq {

namespace reg = hw::reg;

// One result beat as it left m_axis_r: {id, y} and tlast.
struct ResultBeat {
  uint16_t data = 0;
  bool last = false;
};

// What a platform offers the driver.
class AccelBus {
 public:
  virtual ~AccelBus() = default;
  virtual void write_reg(uint32_t addr, uint32_t value) = 0;
  virtual uint32_t read_reg(uint32_t addr) = 0;
  // Sends words on the weight stream (tlast on the last); returns when all are accepted.
  virtual void send_weights(std::span<const uint32_t> words) = 0;
  // Called before START with the beats stream_layer will send: a platform that fetches them by
  // DMA puts them in memory and starts its prefetch here, so that no memory latency counts in the
  // layer's cycles (the SystemC platform). A pin-level bus has nothing to do.
  virtual void stage_activations(std::span<const uint8_t> /*beats*/, int /*beat_bytes*/,
                                 std::span<const uint8_t> /*tlast*/) {}
  // Streams `beats` activation beats of beat_bytes each (tlast per the flags) and collects the
  // result beats until the accelerator signals done or error (interrupt). Called after START.
  // `budget` bounds the cycles (or bus time) a correct run needs; over it the bus throws.
  virtual std::vector<ResultBeat> stream_layer(std::span<const uint8_t> beats, int beat_bytes,
                                               std::span<const uint8_t> tlast, double budget) = 0;
};

struct PerfCounters {
  uint32_t total = 0, busy = 0, stall = 0, nnz = 0, wload_cycles = 0, wload_words = 0,
           results = 0;
};

// Activation beats of a pass: vector v's activation k in byte (k mod win_bytes) of beat
// v * wins + k / win_bytes; padding bytes 0; tlast on each vector's last beat.
struct ActBeats {
  std::vector<uint8_t> bytes, tlast;
};
ActBeats pack_activations(const Program& prog, std::span<const uint8_t> vectors, int nvec);

// Result beats into channel order (nvec x out_ch), checking the stream's structure: ids in
// order, out_ch per vector, tlast on each vector's last. Throws std::runtime_error naming the
// first violation.
std::vector<int32_t> unpack_results(const Program& prog, std::span<const ResultBeat> beats, int nvec,
                                    bool relu);

// The driver sequence over a bus.
class AccelDriver {
 public:
  AccelDriver(AccelBus& bus, const ArrayConfig& cfg) : bus_(bus), cfg_(cfg) {}
  // Throws std::invalid_argument if ID / HWCFG* differ from cfg.
  void check_hardware();
  // Streams the program; returns ERR_CODE (0 if accepted). The host waits for STATUS.WLOAD = 0,
  // then reads ERR.
  uint32_t load(const Program& prog);
  uint32_t load_words(std::span<const uint32_t> words);
  // Writes FAN_IN, ROUNDS, NVEC, LAYER, IRQ_EN and CTRL.START.
  void start(const Program& prog, bool relu, int nvec);
  // stage_activations(), start(), stream the vectors, wait for done, check ERR, clear the
  // interrupt, read the counters.
  std::vector<int32_t> run(const Program& prog, bool relu, std::span<const uint8_t> vectors,
                           int nvec, PerfCounters* perf, double slowdown = 1.0);
  PerfCounters read_perf();

 private:
  AccelBus& bus_;
  ArrayConfig cfg_;
};

}  // namespace ttq
