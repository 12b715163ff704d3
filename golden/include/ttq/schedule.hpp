// The N:M group-sparse ternary array's program: its parameters (ArrayConfig, defaults from the
// hardware contract rtl/contract/ttq_contract.json), the host compiler that turns a ternary layer
// into steps of slots (compile_layer), and the weight stream the RTL loads (docs/REGISTERS.md,
// docs/ARCHITECTURE.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ttq/arith.hpp"
#include "ttq/hw_contract.hpp"

namespace ttq {

// Array parameters; must equal the RTL parameters of ttq_accel (checked against HWCFG*).
struct ArrayConfig {
  int num_pes = hw::kDefNumPes;        // PEs, one output each per round
  int group_size = hw::kDefGroupSize;  // M: consecutive fan-in inputs per group
  int group_nnz = hw::kDefGroupNnz;    // N: slots per group per PE and step
  int groups = hw::kDefGroups;         // G: groups per step (one activation beat)
  int max_fan_in = hw::kDefMaxFanIn;
  int max_outs = hw::kDefMaxOuts;      // outputs per pass
  int wdepth = hw::kDefWDepth;         // steps per pass (weight memory depth)

  int slots() const { return groups * group_nnz; }        // per PE and step
  int idx_bits() const { return hw::idx_bits(group_size); }  // max(1, clog2(group_size))
  // Stored slot bits (docs/ARCHITECTURE.md, "Slot format"): {sign, idx} when N >= 2 (emptiness is
  // coded by repeating slot 0's index), {code[1:0], idx} when N = 1.
  int slot_bits() const { return hw::slot_bits(group_size, group_nnz); }
  int slot_word_bits() const { return num_pes * slots() * slot_bits(); }
  int slot_words() const { return (slot_word_bits() + 31) / 32; }
  int win_bytes() const { return groups * group_size; }   // activations per step window / beat
  int max_wins() const { return (max_fan_in + win_bytes() - 1) / win_bytes(); }
  int max_rounds() const { return (max_outs + num_pes - 1) / num_pes; }
  int acc_bits() const;  // clog2(255 * max_fan_in + 1): P, N are sums of <= max_fan_in bytes
  int max_adv() const { return (1 << hw::desc::kAdv.width) - 1; }
  // Throws std::invalid_argument naming the field and value if inconsistent (the RTL's
  // elaboration checks).
  void validate() const;
};

// One step: for every PE p and slot j, code (hw::kSlot*) and index in group j / group_nnz.
struct Step {
  int adv = 0;                 // windows to advance before the step (from 0 at a round start)
  bool last = false;           // last step of its round
  std::vector<uint8_t> code;   // [p * slots + j]
  std::vector<uint8_t> idx;    // [p * slots + j]
};

struct Program {
  ArrayConfig cfg;
  int out_ch = 0, fan_in = 0;
  int rounds = 0;              // K = ceil(out_ch / num_pes)
  int last_outs = 0;           // outputs in round K-1
  bool dense = false;          // zero weights occupy slots too (code kSlotZero)
  std::vector<Step> steps;     // round 0's steps, then round 1's, ...
  std::vector<OutParams> out;  // per output channel of the pass
  int64_t nonzeros = 0;        // nonzero weights of the layer

  int wins() const { return (fan_in + cfg.win_bytes() - 1) / cfg.win_bytes(); }
  // The weight stream (32-bit words; the last one carries tlast), see docs/REGISTERS.md.
  std::vector<uint32_t> weight_stream() const;
  // Its length in words, without building it (1 + steps * (slot words + 1) + 1 + 3 * out_ch).
  int64_t weight_words() const;
};

// Schedules a layer: round r holds outputs r*num_pes + p on PE p; for every window w, the
// nonzeros of each (PE, group) are dealt group_nnz per step, so a window takes as many steps as
// its fullest (PE, group) needs (one for a layer that is N:M with N <= group_nnz), and a window
// with no nonzero in any PE is skipped. codes: [out_ch][fan_in] in {-1,0,1}; out: out_ch output
// params. dense=true puts every weight, zero or not, in a slot: the "processing zeros too"
// schedule of the same array. Throws std::invalid_argument naming the bad argument and value,
// including a layer that does not fit one pass (out_ch > max_outs, fan_in > max_fan_in, more
// steps than wdepth).
Program compile_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                      std::span<const OutParams> out, const ArrayConfig& cfg, bool dense = false);

// A layer of any size as passes the array runs one after another: output-channel slices of at
// most cfg.max_outs outputs, halved until every slice's steps fit cfg.wdepth. The host
// concatenates the slices' outputs. Throws like compile_layer if even one output does not fit.
std::vector<Program> compile_passes(std::span<const int8_t> codes, int out_ch, int fan_in,
                                    std::span<const OutParams> out, const ArrayConfig& cfg,
                                    bool dense = false);

}  // namespace ttq
