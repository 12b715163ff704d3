// A minimal virtual platform around TtqAccelTlm: a memory with configurable latency, a bus that
// maps the memory and the accelerator's registers, and a "CPU" thread that runs a ternary layer
// with the shared driver sequence and checks it against the golden model and the cycle model.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "ttq/arith.hpp"
#include "ttq/cycle_model.hpp"
#include "ttq/sc/tlm_accel_bus.hpp"
#include "ttq/sc/ttq_accel_tlm.hpp"

namespace ttq::sc {

// Byte-addressed RAM; any number of initiators bind to `socket`. Access time = latency +
// ceil(bytes / 16) * beat_time, added to the annotated delay (loosely timed).
class Memory : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Memory> socket;
  Memory(sc_core::sc_module_name name, size_t bytes, sc_core::sc_time latency,
         sc_core::sc_time beat_time);
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t transactions() const { return transactions_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  std::vector<uint8_t> mem_;
  sc_core::sc_time latency_, beat_time_;
  uint64_t bytes_read_ = 0, bytes_written_ = 0, transactions_ = 0;
};

// Address decoder for any number of initiators: [mem_base, mem_base + mem_size) -> mem,
// [accel_base, accel_base + 4 KiB) -> accel (addresses passed on relative to the window).
class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> in;
  tlm_utils::simple_initiator_socket<Bus> mem, accel;
  Bus(sc_core::sc_module_name name, uint64_t mem_base, uint64_t mem_size, uint64_t accel_base);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  uint64_t mem_base_, mem_size_, accel_base_;
};

// One ternary layer: codes [out_ch][fan_in] in {-1,0,1}, its output step, nvec input vectors.
struct LayerJob {
  std::string label;  // what the layer is (model/node, or the random seed)
  std::vector<int8_t> codes;
  int out_ch = 0, fan_in = 0;
  std::vector<OutParams> out;
  bool relu = true;
  std::vector<uint8_t> vectors;  // nvec x fan_in
  int nvec = 0;
  double slowdown = 1.0;  // AccelDriver::run's time budget factor (a slow memory)
};

// What the CPU measured and checked for one program pass (an output-channel slice).
struct PassReport {
  int out0 = 0, out_ch = 0;
  PerfCounters perf;                    // AccelDriver::run's read_perf() after the pass
  CycleStats model;                     // cycle_model() of the same program
  uint32_t layer_edges = 0;             // DMA_LAYER_CYCLES: START edge -> last result edge
  sc_core::sc_time start, last_result;  // those edges (simulated time)
  sc_core::sc_time layer_time;          // last_result - start: the PERF_TOTAL cycles
  sc_core::sc_time irq_latency;         // START write returned -> irq seen by the CPU
  bool cycles_match = false, time_match = false;
};

// A DMA error the CPU was told about (the directed bus-error test).
struct BusErrorReport {
  bool seen = false, irq = false;
  uint32_t code = 0, addr = 0;
  std::string message;
  sc_core::sc_time at;  // when the CPU saw it
};

// One access of probe_register_errors(): what it did, whether the RTL answers it with SLVERR,
// and the error the bus raised ("" if it answered OK).
struct RegisterProbe {
  std::string what;
  bool expect_error = false;
  std::string error;
  bool as_expected() const {
    return expect_error ? error.find("GENERIC_ERROR") != std::string::npos : error.empty();
  }
};

struct LayerReport {
  std::vector<int32_t> y, expect;  // nvec x out_ch, channel order
  int64_t mismatches = 0;          // outputs differing from ternary_matvec
  std::string first_mismatch;
  std::vector<PassReport> passes;
  BusErrorReport bus_error;
  std::vector<RegisterProbe> register_probes;  // probe_register_errors() only
  sc_core::sc_time sim_time;  // total simulated time of the CPU's job
};

// The CPU: runs the layer with the shared driver sequence (AccelDriver over TlmAccelBus): checks
// the hardware, then per pass loads the program and runs the vectors; checks the results against
// the golden model and the counters against the cycle model. Stops the simulation when done;
// error() is non-empty if the job could not run (a DMA error also fills report().bus_error).
class Cpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> bus;
  sc_core::sc_in<bool> irq;
  Cpu(sc_core::sc_module_name name, LayerJob job, const TtqAccelTlm& accel, const BusMap& map,
      BadDma bad_dma = BadDma::None);
  // Instead of the layer: write a read-only register and read an unmapped one (both SLVERR on the
  // AXI4-Lite pins), recording what the bus returned for each (the directed register-error test).
  void probe_register_errors() { probe_regs_ = true; }
  const LayerReport& report() const { return report_; }
  const std::string& error() const { return error_; }
  bool finished() const { return finished_; }

 private:
  void run();
  void run_layer(TlmAccelBus& tb);
  void probe_registers(TlmAccelBus& tb);
  void check_results();

  LayerJob job_;
  const TtqAccelTlm& accel_;  // probe only: the options and the edge timestamps of the last layer
  BusMap map_;
  BadDma bad_dma_;
  LayerReport report_;
  std::string error_;
  bool finished_ = false;
  bool probe_regs_ = false;
};

}  // namespace ttq::sc
