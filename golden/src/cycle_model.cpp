// Exact cycle model of the N:M group-sparse ternary array. Every state variable below has a
// register of the same name (with _q) in rtl/ (ttq_seq, ttq_feeder, ttq_drain, ttq_out_unit);
// keep the two in lock step. Cycle 0 is the first cycle with the run flag set (the cycle after
// the START pulse); every stream is valid/ready at all times.
#include "ttq/cycle_model.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace ttq {
namespace {

constexpr int kFifoDepth = hw::kResultFifoDepth;  // ttq_drain result FIFO
constexpr int kOutLatency = 5;  // take -> result in the FIFO: A, B, out-unit S2, S3, S4
constexpr int kLoadAhead = hw::kRecLoadAhead;  // a round's last step issue -> its records load

}  // namespace

CycleStats cycle_model(const Program& prog, int64_t nvec) {
  if (nvec < 0) throw std::invalid_argument("cycle_model: nvec = " + std::to_string(nvec) + ": must be >= 0");
  const ArrayConfig& cfg = prog.cfg;
  const int64_t nsteps = int64_t(prog.steps.size());
  const int wins = prog.wins(), K = prog.rounds;
  CycleStats st;

  // ttq_feeder
  int wb = 0, beat = 0;
  int64_t recv = 0;
  std::array<bool, 2> full{false, false};
  // ttq_seq: descriptor prefetch queue (only its occupancy and the step it reaches matter)
  bool infl = false;
  int q_cnt = 0;
  int64_t s = 0;  // next step to issue (the queue holds the following ones, in order)
  int round = 0;
  int64_t v = 0;
  bool s1_vld = false, s1_last = false, s2_vld = false, s2_last = false, s2_final = false;
  bool s1_final = false, s3_vld = false, s3_last = false, s3_final = false;
  // ttq_drain
  int rec_cnt = 0, fifo_cnt = 0, infl_o = 0;
  std::array<bool, kOutLatency> out_vld{};  // take pipeline: [0] = A ... [4] = S4 (result)
  static_assert(kFifoDepth > kOutLatency, "the FIFO must cover the output latency");

  if (nvec == 0) st.cycles = 1;  // a run of no vectors is done in its first cycle
  for (int64_t c = 0; nvec > 0; ++c) {
    if (c > 1'000'000'000) throw std::logic_error("cycle_model: no end (program malformed?)");
    // ---- combinational, from the state at the start of the cycle ----
    const bool a_beat = !full[size_t(wb)] && recv != nvec;
    const bool a_vec_end = a_beat && beat == wins - 1;
    const Step& head = prog.steps[size_t(s % nsteps)];
    const bool final_round = round == K - 1;
    const bool ready = q_cnt != 0 && v != nvec;
    // The chain is sure to be empty when this step's records load (ttq_drain rec_drains): at
    // most kLoadAhead records left and FIFO room for them and everything in flight.
    const bool rec_drains =
        rec_cnt <= kLoadAhead && fifo_cnt + infl_o + rec_cnt <= kFifoDepth;
    const bool pop = ready && full[size_t(v & 1)] &&
                     (!head.last || (rec_drains && !(s1_vld && s1_last) && !(s2_vld && s2_last) &&
                                     !(s3_vld && s3_last)));
    const bool rd = q_cnt + int(infl) - int(pop) <= 1;
    const bool wait_act = ready && !full[size_t(v & 1)];
    const bool rec_load = s3_vld && s3_last;
    const int rec_n = s3_final ? prog.last_outs : cfg.num_pes;
    const bool take = rec_cnt != 0 && fifo_cnt + infl_o < kFifoDepth;
    const bool ou_vld = out_vld[kOutLatency - 1];
    const bool pop_r = fifo_cnt != 0;
    st.busy += pop;
    st.stall += wait_act;
    st.results += pop_r;
    if (pop_r && st.results == nvec * prog.out_ch) {  // results leave in order: this is the last
      st.cycles = c + 1;
      break;
    }
    // ---- state update (end of the cycle) ----
    if (a_beat) {
      if (a_vec_end) {
        full[size_t(wb)] = true;
        wb ^= 1, beat = 0, ++recv;
      } else {
        ++beat;
      }
    }
    if (pop && head.last && final_round) full[size_t(v & 1)] = false;  // release the bank
    q_cnt += int(infl) - int(pop);  // push = the read in flight arrives
    infl = rd;
    s3_vld = s2_vld, s3_last = s2_last, s3_final = s2_final;
    s2_vld = s1_vld, s2_last = s1_last, s2_final = s1_final;
    s1_vld = pop;
    if (pop) {
      s1_last = head.last, s1_final = final_round;
      ++s;
      if (head.last) {
        if (final_round) round = 0, ++v;
        else ++round;
      }
    }
    if (rec_load) {
      rec_cnt = rec_n;
    } else if (take) {
      --rec_cnt;
    }
    for (int i = kOutLatency - 1; i > 0; --i) out_vld[size_t(i)] = out_vld[size_t(i - 1)];
    out_vld[0] = take;
    fifo_cnt += int(ou_vld) - int(pop_r);
    infl_o += int(take) - int(ou_vld);
  }
  st.nonzeros = prog.nonzeros * nvec;
  st.wload_cycles = prog.weight_words();
  st.wload_bytes = 4 * prog.weight_words();
  st.ideal = double(prog.nonzeros) * double(nvec) / double(cfg.num_pes * cfg.slots());
  return st;
}

CycleStats& CycleStats::operator+=(const CycleStats& o) {
  cycles += o.cycles, busy += o.busy, stall += o.stall, nonzeros += o.nonzeros;
  results += o.results, wload_cycles += o.wload_cycles, wload_bytes += o.wload_bytes;
  ideal += o.ideal;
  return *this;
}

CycleStats cycle_model(std::span<const Program> passes, int64_t nvec) {
  CycleStats total;
  for (const Program& p : passes) total += cycle_model(p, nvec);
  return total;
}

LayerCycles layer_cycles(std::span<const int8_t> codes, int out_ch, int fan_in, int64_t nvec,
                         const ArrayConfig& cfg) {
  const std::vector<OutParams> out(static_cast<size_t>(out_ch));
  LayerCycles lc;
  lc.sparse = cycle_model(compile_passes(codes, out_ch, fan_in, out, cfg, false), nvec);
  lc.dense = cycle_model(compile_passes(codes, out_ch, fan_in, out, cfg, true), nvec);
  return lc;
}

}  // namespace ttq
