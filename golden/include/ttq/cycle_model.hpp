// The sparse ternary PE array's schedule and exact cycle model (docs/ARCHITECTURE.md).
// compile_layer() turns a ternary layer into the program the RTL runs (per-PE op lists and the
// output entry table, sent as the weight stream); cycle_model() replays that program cycle by
// cycle exactly as rtl/ttq_accel.sv executes it with no stream back-pressure, so the Verilator
// harness can assert cycle equality.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ttq/arith.hpp"

namespace ttq {

// Array parameters; must equal the RTL parameters of ttq_accel (rtl/ttq_accel.sv).
struct ArrayConfig {
  int num_pes = 16;      // processing elements (even)
  int lanes = 4;         // nonzero weights consumed per PE per cycle
  int row_bytes = 8;     // activations per sweep-buffer row
  int win_rows = 3;      // rows a PE's lanes can pick from in one op (window)
  int sweep_rows = 16;   // rows held in the shared sweep buffer (power of 2, >= win_rows + 2)
  int adv_bits = 3;      // width of an op's row-advance field
  int max_fan_in = 2048;
  int max_outs = 64;     // outputs per pass (entry ids are 8-bit: <= 256)
  int op_depth = 1024;   // ops per PE op memory

  int idx_bits() const;     // clog2(win_rows * row_bytes)
  int lane_bits() const { return 2 + idx_bits(); }
  int op_bits() const { return lanes * lane_bits() + adv_bits + 1; }
  int op_words() const { return (op_bits() + 31) / 32; }
  int max_rounds() const { return (max_outs + num_pes - 1) / num_pes; }
  int acc_bits() const;     // 8 + clog2(max_fan_in + 1)
  int beat_bytes() const { return 2 * row_bytes; }  // activation stream / memory row
  // Throws std::invalid_argument naming the field and value if inconsistent.
  void validate() const;
};

// Lane codes of an op.
enum : uint8_t { kLaneEmpty = 0, kLanePos = 1, kLaneNeg = 2, kLaneZero = 3 };

struct Op {
  std::vector<uint8_t> code;  // per lane
  std::vector<uint8_t> idx;   // per lane, position in the window
  int adv = 0;                // rows to advance before the op
  bool last = false;          // ends the PE's piece of this round
  int need_rows(int row_bytes) const;  // window rows the op reads (0 if no lane is used)
  int nonzeros() const;       // lanes with code +1 / -1
};

// One record of the output entry table, in collection order (round-major, PE-minor).
struct Entry {
  int out_id = 0;
  bool combine = false;   // add this record to the next one (output split over PEs)
  bool vec_last = false;  // last output of a vector: its result beat carries tlast
  OutParams par;
};

struct Program {
  ArrayConfig cfg;
  int out_ch = 0, fan_in = 0, rounds = 0;
  bool dense = false;                  // zeros stepped through as no-op lanes
  std::vector<std::vector<Op>> ops;    // [pe][op]
  std::vector<Entry> entries;          // rounds * num_pes
  int64_t nonzeros = 0;                // nonzero weights of the layer

  int row_pairs() const;               // activation beats per vector = ceil(fan_in / beat)
  // The weight stream (32-bit words; the last one carries tlast), see docs/REGISTERS.md.
  std::vector<uint32_t> weight_stream() const;
  uint64_t pack_op(const Op& op) const;
};

// Schedules a layer. codes: [out_ch][fan_in] in {-1,0,1}; out: out_ch output params.
// dense=true builds the "processing zeros too" schedule of the same array (zero weights become
// no-op lanes). Throws std::invalid_argument naming the bad argument and value, including a layer
// that does not fit one pass (out_ch > max_outs, fan_in > max_fan_in, op memory overflow).
Program compile_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                      std::span<const OutParams> out, const ArrayConfig& cfg, bool dense = false);

// A layer of any size as passes the array runs one after another: output-channel slices of at
// most cfg.max_outs outputs, halved until every slice's op lists fit cfg.op_depth. The host
// concatenates the slices' outputs. Throws like compile_layer if even one output does not fit.
std::vector<Program> compile_passes(std::span<const int8_t> codes, int out_ch, int fan_in,
                                    std::span<const OutParams> out, const ArrayConfig& cfg,
                                    bool dense = false);

// What the RTL's performance counters read after a layer of nvec vectors, with every stream
// valid/ready at all times (no back-pressure). `cycles` is PERF_TOTAL: the cycles from START to the
// last result beat inclusive, with the weights already loaded.
struct CycleStats {
  int64_t cycles = 0, busy = 0, stall = 0, nonzeros = 0, results = 0;
  int64_t wload_cycles = 0, wload_bytes = 0;  // loading the program (1 word per cycle)
  double ideal = 0;                           // nonzeros / (num_pes * lanes)
  double utilization() const { return cycles ? ideal / double(cycles) : 0.0; }
};
CycleStats cycle_model(const Program& prog, int64_t nvec);

// Both schedules of one layer, for benchmarks and reports.
struct LayerCycles {
  CycleStats sparse, dense;
  double speedup() const { return sparse.cycles ? double(dense.cycles) / double(sparse.cycles) : 0; }
};
LayerCycles layer_cycles(std::span<const int8_t> codes, int out_ch, int fan_in, int64_t nvec,
                         const ArrayConfig& cfg);

}  // namespace ttq
