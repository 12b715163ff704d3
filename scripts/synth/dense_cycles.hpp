// Cycles of the dense INT8 baseline (rtl/dense/dense_accel.sv), exact with no back-pressure: the
// CYCLES register of one run, the split of a layer into passes (weights of a pass on chip), and
// the weight bytes streamed per inference. Used by tests/synth/test_dense_accel.cpp (checked
// against the RTL) and by ttq_synth_layer (make synth's dense layer time).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace dense {

struct Config {
  int pes = 16, lanes = 4, max_fan_in = 2048, max_out_ch = 64, wgt_depth = 512;
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// dense_pe's pipeline: product halves and lane sum; above 4 lanes the 4-lane group sums are
// registered in between (rtl/dense/dense_pe.sv Latency, dense_accel.sv PeLatency).
inline int pe_latency(int lanes) { return lanes > 4 ? 3 : 2; }

// 32-bit stream words per weight beat (NumPes x Lanes bytes).
inline int64_t words_per_beat(const Config& c) { return ceil_div(int64_t(c.pes) * c.lanes, 4); }

// One run of `vectors` vectors over out_ch outputs (one pass). Phases: 1 check cycle; unless keep,
// the weight load (one 32-bit word per cycle) and the parameter load (one per channel), during
// which the first vector's activations load; the compute, one beat per cycle; then the pipeline
// (issue, SRAM, register, the PE's pe_latency stages: the hold bank is full 3 + pe_latency cycles
// after the last beat) and the drain of the last group (one per cycle, then 6 cycles to m_res).
// With keep the first vector's activations load first (kw cycles). Exact when
// kw >= pes + 3 + pe_latency (a group is never shorter than the drain of the one before it,
// no_stall_fan_in); the test checks it on the RTL.
inline int64_t run_cycles(const Config& c, int fan_in, int out_ch, int vectors, bool keep) {
  const int64_t kw = ceil_div(fan_in, c.lanes), groups = ceil_div(out_ch, c.pes);
  const int64_t last_group = out_ch - (groups - 1) * c.pes;
  const int64_t load = keep ? kw : words_per_beat(c) * groups * kw + out_ch;
  return 1 + load + int64_t(vectors) * groups * kw + 8 + pe_latency(c.lanes) + last_group;
}

// Whether run_cycles is exact for this fan-in (no group waits for the hold bank).
inline bool no_stall(const Config& c, int fan_in) {
  return ceil_div(fan_in, c.lanes) >= c.pes + 3 + pe_latency(c.lanes);
}

// Cycles of the weight and parameter load of a run (part of run_cycles when not keep).
inline int64_t load_cycles(const Config& c, int fan_in, int out_ch) {
  return words_per_beat(c) * ceil_div(out_ch, c.pes) * ceil_div(fan_in, c.lanes) + out_ch;
}

// Outputs per pass: as many whole groups as the weight SRAM (wgt_depth beats) and the parameter
// SRAM (max_out_ch channels) hold.
inline int outputs_per_pass(const Config& c, int fan_in) {
  if (fan_in < 1 || fan_in > c.max_fan_in)
    throw std::invalid_argument("dense: fan-in " + std::to_string(fan_in) + " outside 1.." +
                                std::to_string(c.max_fan_in));
  const int64_t kw = ceil_div(fan_in, c.lanes);
  const int64_t groups = std::min<int64_t>(c.wgt_depth / kw, c.max_out_ch / c.pes);
  if (groups < 1)
    throw std::invalid_argument("dense: one group of fan-in " + std::to_string(fan_in) +
                                " does not fit (" + std::to_string(kw) + " beats > " +
                                std::to_string(c.wgt_depth) + " or NumPes > MaxOutCh)");
  return int(groups * c.pes);
}

struct LayerCycles {
  int64_t cycles = 0;        // all passes, weight and parameter loads excluded
  int64_t load_cycles = 0;   // the passes' weight and parameter loads
  int64_t weight_bytes = 0;  // weight stream bytes per inference (padding of a beat included)
  int passes = 0, outputs_per_pass = 0;
};

// A layer run as passes over output chunks, each pass loading its weights and then running all
// vectors.
inline LayerCycles layer_cycles(const Config& c, int fan_in, int out_ch, int vectors) {
  LayerCycles r;
  r.outputs_per_pass = outputs_per_pass(c, fan_in);
  for (int o0 = 0; o0 < out_ch; o0 += r.outputs_per_pass, ++r.passes) {
    const int n = std::min(r.outputs_per_pass, out_ch - o0);
    const int64_t load = load_cycles(c, fan_in, n);
    r.cycles += run_cycles(c, fan_in, n, vectors, false) - load;
    r.load_cycles += load;
    r.weight_bytes += 4 * words_per_beat(c) * ceil_div(n, c.pes) * ceil_div(fan_in, c.lanes);
  }
  return r;
}

}  // namespace dense
