// Exact cycle model of the N:M group-sparse ternary array (docs/ARCHITECTURE.md): replays a
// compiled program register by register as rtl/ttq_accel.sv executes it with no stream
// back-pressure, so the Verilator harness can assert that PERF_* equal it.
#pragma once

#include <cstdint>
#include <span>

#include "ttq/schedule.hpp"

namespace ttq {

// What the RTL's performance counters read after a layer of nvec vectors, with every stream
// valid/ready at all times (no back-pressure). `cycles` is PERF_TOTAL: the cycles from START to the
// last result beat inclusive, with the weights already loaded.
struct CycleStats {
  int64_t cycles = 0, busy = 0, stall = 0, nonzeros = 0, results = 0;
  int64_t wload_cycles = 0, wload_bytes = 0;  // loading the program (1 word per cycle)
  double ideal = 0;                           // nonzeros / (num_pes * slots)
  double utilization() const { return cycles ? ideal / double(cycles) : 0.0; }
  // Passes run one after another: their counters add up.
  CycleStats& operator+=(const CycleStats& o);
};
CycleStats cycle_model(const Program& prog, int64_t nvec);
// The passes of a layer (compile_passes) run one after another, summed.
CycleStats cycle_model(std::span<const Program> passes, int64_t nvec);

// Both schedules of one layer, for benchmarks and reports.
struct LayerCycles {
  CycleStats sparse, dense;
  double speedup() const { return sparse.cycles ? double(dense.cycles) / double(sparse.cycles) : 0; }
};
LayerCycles layer_cycles(std::span<const int8_t> codes, int out_ch, int fan_in, int64_t nvec,
                         const ArrayConfig& cfg);

}  // namespace ttq
