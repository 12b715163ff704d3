// Schedule compiler and exact cycle model of the sparse ternary PE array. Every state variable
// below has a register of the same name (with _q) in rtl/; keep the two in lock step.
#include "ttq/cycle_model.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace ttq {
namespace {

int clog2(int64_t v) {
  int b = 0;
  while ((int64_t{1} << b) < v) ++b;
  return b;
}

[[noreturn]] void bad(const std::string& what, int64_t value, const std::string& why) {
  throw std::invalid_argument(what + " = " + std::to_string(value) + ": " + why);
}

}  // namespace

int ArrayConfig::idx_bits() const { return clog2(int64_t(win_rows) * row_bytes); }
int ArrayConfig::acc_bits() const { return 8 + clog2(int64_t(max_fan_in) + 1); }

void ArrayConfig::validate() const {
  if (num_pes < 2 || num_pes % 2 || num_pes > 128) bad("num_pes", num_pes, "must be even, 2..128");
  if (lanes < 1 || lanes > 16) bad("lanes", lanes, "must be 1..16");
  if (row_bytes < 1 || (row_bytes & (row_bytes - 1))) bad("row_bytes", row_bytes, "must be a power of 2");
  if (win_rows < 1 || win_rows > 8) bad("win_rows", win_rows, "must be 1..8");
  if (sweep_rows < win_rows + 2 || (sweep_rows & (sweep_rows - 1)) || sweep_rows > 64)
    bad("sweep_rows", sweep_rows, "must be a power of 2, >= win_rows + 2, <= 64");
  if (adv_bits < 1 || adv_bits > 8) bad("adv_bits", adv_bits, "must be 1..8");
  if (max_fan_in < 1 || max_fan_in > kMaxFanIn) bad("max_fan_in", max_fan_in, "must be 1..65535");
  if (max_outs < 1 || max_outs > 256) bad("max_outs", max_outs, "must be 1..256");
  if (op_depth < 2) bad("op_depth", op_depth, "must be >= 2");
  if (op_bits() > 64) bad("op_bits", op_bits(), "an op must fit 64 bits (fewer lanes)");
}

int Op::nonzeros() const {
  int n = 0;
  for (uint8_t c : code) n += (c == kLanePos || c == kLaneNeg);
  return n;
}

namespace {
// Rows of the window an op reads: 1 + the highest row any used lane points into.
int row_need(const Op& op, int row_bytes) {
  int need = 0;
  for (size_t j = 0; j < op.code.size(); ++j)
    if (op.code[j] != kLaneEmpty) need = std::max(need, 1 + op.idx[j] / row_bytes);
  return need;
}
}  // namespace

int Op::need_rows(int row_bytes) const { return row_need(*this, row_bytes); }

int Program::row_pairs() const { return (fan_in + cfg.beat_bytes() - 1) / cfg.beat_bytes(); }

uint64_t Program::pack_op(const Op& op) const {
  const int lb = cfg.lane_bits();
  uint64_t w = 0;
  for (int j = 0; j < cfg.lanes; ++j)
    w |= (uint64_t(op.code[j] & 3) | (uint64_t(op.idx[j]) << 2)) << (j * lb);
  w |= uint64_t(op.adv) << (cfg.lanes * lb);
  w |= uint64_t(op.last) << (cfg.lanes * lb + cfg.adv_bits);
  return w;
}

std::vector<uint32_t> Program::weight_stream() const {
  std::vector<uint32_t> s;
  for (int p = 0; p < cfg.num_pes; ++p) {
    s.push_back((1u << 28) | (uint32_t(p) << 20) | uint32_t(ops[p].size()));
    for (const Op& op : ops[p]) {
      const uint64_t w = pack_op(op);
      for (int k = 0; k < cfg.op_words(); ++k) s.push_back(uint32_t(w >> (32 * k)));
    }
  }
  s.push_back((2u << 28) | uint32_t(entries.size()));
  for (const Entry& e : entries) {
    s.push_back(uint32_t(e.out_id & 0xff) | (uint32_t(e.combine) << 8) |
                (uint32_t(e.vec_last) << 9) | (uint32_t(e.par.shift & 31) << 16));
    s.push_back(uint32_t(uint16_t(e.par.mp)) | (uint32_t(uint16_t(e.par.mn)) << 16));
    s.push_back(uint32_t(e.par.bias));
  }
  return s;
}

Program compile_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                      std::span<const OutParams> out, const ArrayConfig& cfg, bool dense) {
  cfg.validate();
  if (out_ch < 1 || out_ch > cfg.max_outs)
    bad("out_ch", out_ch, "must be 1..max_outs (" + std::to_string(cfg.max_outs) + "); split the layer into passes");
  if (fan_in < 1 || fan_in > cfg.max_fan_in)
    bad("fan_in", fan_in, "must be 1..max_fan_in (" + std::to_string(cfg.max_fan_in) + ")");
  if (codes.size() != size_t(out_ch) * size_t(fan_in))
    bad("codes.size()", int64_t(codes.size()), "must be out_ch * fan_in");
  if (out.size() != size_t(out_ch)) bad("out.size()", int64_t(out.size()), "must be out_ch");
  for (size_t k = 0; k < codes.size(); ++k)
    if (codes[k] < -1 || codes[k] > 1) bad("codes[" + std::to_string(k) + "]", codes[k], "must be -1, 0 or 1");
  for (int o = 0; o < out_ch; ++o)
    if (out[o].shift > kMaxShift) bad("out[" + std::to_string(o) + "].shift", out[o].shift, "must be 0..31");

  const int P = cfg.num_pes, L = cfg.lanes, RB = cfg.row_bytes, D = cfg.sweep_rows;
  const int adv_max = (1 << cfg.adv_bits) - 1;
  Program prog;
  prog.cfg = cfg;
  prog.out_ch = out_ch;
  prog.fan_in = fan_in;
  prog.dense = dense;
  prog.rounds = (out_ch + P - 1) / P;
  prog.ops.assign(P, {});
  prog.entries.assign(size_t(prog.rounds) * P, {});

  std::vector<int64_t> work(out_ch, 0);
  for (int o = 0; o < out_ch; ++o) {
    int64_t nz = 0;
    for (int k = 0; k < fan_in; ++k) nz += codes[size_t(o) * fan_in + k] != 0;
    prog.nonzeros += nz;
    work[o] = dense ? fan_in : nz;
  }
  std::vector<int> order(out_ch);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return work[a] > work[b]; });

  // A piece: output o restricted to the rows whose block (row / blk) is k mod g.
  auto emit_piece = [&](int pe, int o, int g, int k, int blk) {
    std::vector<std::pair<int, uint8_t>> cols;  // (column, lane code)
    for (int c = 0; c < fan_in; ++c) {
      if (g > 1 && ((c / RB) / blk) % g != k) continue;
      const int8_t w = codes[size_t(o) * fan_in + c];
      if (w > 0) cols.push_back({c, kLanePos});
      else if (w < 0) cols.push_back({c, kLaneNeg});
      else if (dense) cols.push_back({c, kLaneZero});
    }
    auto& ops = prog.ops[pe];
    int h = 0;  // window base row, relative to the round's first row
    size_t i = 0;
    while (i < cols.size()) {
      const int hb = cols[i].first / RB;
      Op op;
      op.code.assign(L, kLaneEmpty);
      op.idx.assign(L, 0);
      int j = 0;
      while (i < cols.size() && j < L && cols[i].first < (hb + cfg.win_rows) * RB) {
        op.code[j] = cols[i].second;
        op.idx[j] = uint8_t(cols[i].first - hb * RB);
        ++i, ++j;
      }
      const int need = row_need(op, RB);
      // The writer issues row pairs while they stay within D rows of the slowest PE, so an op
      // may only look adv + need <= D - 1 rows ahead of its PE's position (D - 1: pairs can end
      // one row short); empty ops (need 0) bridge longer gaps.
      while (hb - h > adv_max || hb - h + need > D - 1) {
        Op e;
        e.code.assign(L, kLaneEmpty);
        e.idx.assign(L, 0);
        e.adv = std::min(adv_max, hb - h);
        h += e.adv;
        ops.push_back(e);
      }
      op.adv = hb - h;
      h = hb;
      ops.push_back(op);
    }
    if (cols.empty()) {
      Op e;
      e.code.assign(L, kLaneEmpty);
      e.idx.assign(L, 0);
      ops.push_back(e);
    }
    ops.back().last = true;
  };

  const int full = out_ch / P, m = out_ch % P;
  // Split round (last): the m heaviest outputs, each over g_e consecutive PEs.
  std::vector<int> rest(order.begin() + m, order.end());
  for (int r = 0; r < full; ++r)
    for (int p = 0; p < P; ++p) {
      const int o = rest[size_t(r) * P + p];
      emit_piece(p, o, 1, 0, 1);
      prog.entries[size_t(r) * P + p] = Entry{o, false, false, out[o]};
    }
  if (m > 0) {
    std::vector<int> g(m, 1);
    for (int extra = P - m; extra > 0; --extra) {
      int best = 0;
      for (int e = 1; e < m; ++e)
        if (double(work[order[e]]) / g[e] > double(work[order[best]]) / g[best]) best = e;
      ++g[best];
    }
    int p = 0;
    for (int e = 0; e < m; ++e) {
      const int o = order[e];
      const int blk = g[e] > 1 ? std::max(1, 4 / (g[e] - 1)) : 1;
      for (int k = 0; k < g[e]; ++k, ++p) {
        emit_piece(p, o, g[e], k, blk);
        prog.entries[size_t(full) * P + p] = Entry{o, k + 1 < g[e], false, out[o]};
      }
    }
  }
  prog.entries.back().vec_last = true;
  for (int p = 0; p < P; ++p)
    if (int64_t(prog.ops[p].size()) > cfg.op_depth)
      bad("ops of PE " + std::to_string(p), int64_t(prog.ops[p].size()),
          "exceed op_depth " + std::to_string(cfg.op_depth) + "; use fewer outputs per pass");
  return prog;
}

CycleStats cycle_model(const Program& prog, int64_t nvec) {
  const ArrayConfig& cfg = prog.cfg;
  const int P = cfg.num_pes, K = prog.rounds, D = cfg.sweep_rows;
  const int RP = prog.row_pairs();
  const uint16_t R2 = uint16_t(2 * RP);
  const int pairs = K * P / 2;

  struct OpInfo {
    int need, adv, nz;
    bool last;
  };
  std::vector<std::vector<OpInfo>> info(P);
  for (int p = 0; p < P; ++p)
    for (const Op& op : prog.ops[p])
      info[p].push_back({row_need(op, cfg.row_bytes), op.adv, op.nonzeros(), op.last});

  struct Pe {
    int pc = 0, rc = 0;
    int64_t vc = 0;
    uint16_t h = 0, base = 0;
    bool active = false, sb_vld = false, sb_last = false, rec_vld = false;
    bool cur_vld = false;  // decode registers filled (one cycle after start)
  };
  std::vector<Pe> pe(P);
  for (auto& x : pe) x.active = nvec > 0;

  // input side, feeder, collector, output pipeline
  int in_bank = 0, in_cnt = 0;
  int64_t vin = 0;
  bool bank_full[2] = {false, false};
  int64_t fv = 0;
  int fr = 0, fk = 0;
  uint16_t g_issue = 0, g_w = 0;
  bool rd_vld = false;
  int ce = 0;
  int64_t cv = 0;
  bool coll_done = nvec == 0;
  bool s1 = false, s2 = false, s3 = false, s4 = false;
  int n1 = 0, n2 = 0, n3 = 0, n4 = 0;  // results in each stage's beat

  CycleStats st;
  std::vector<bool> fire(P);
  int64_t idle = 0;  // cycles without any progress: a schedule bug would hang the RTL too
  for (int64_t t = 0;; ++t) {
    if (idle > 100000)
      throw std::logic_error("cycle_model: no progress for 100000 cycles at cycle " + std::to_string(t) +
                             " (vector " + std::to_string(cv) + ", pair " + std::to_string(ce) + ")");
    if (coll_done && fv == nvec && !s1 && !s2 && !s3 && !s4) {
      st.cycles = t + 1;
      break;
    }
    // collector
    const int pa = (2 * ce) % P, pb = pa + 1;
    const bool take = !coll_done && pe[pa].rec_vld && pe[pb].rec_vld;
    int take_n = 0;
    if (take) {
      const Entry& ea = prog.entries[size_t(2 * ce)];
      const Entry& eb = prog.entries[size_t(2 * ce + 1)];
      take_n = int(!ea.combine) + int(!eb.combine);
    }
    // PEs
    bool any = false;
    for (int p = 0; p < P; ++p) {
      Pe& x = pe[p];
      const OpInfo& op = info[p][size_t(x.pc)];
      const uint16_t h_new = uint16_t(x.h + op.adv);
      const bool rows_ok = op.need == 0 || int16_t(uint16_t(g_w - h_new)) >= op.need;
      const bool rec_ok = !op.last || (!x.rec_vld && !(x.sb_vld && x.sb_last));
      fire[p] = x.active && x.cur_vld && rows_ok && rec_ok;
      if (fire[p]) {
        any = true;
        st.nonzeros += op.nz;
      }
    }
    // feeder
    bool space = true;
    for (int p = 0; p < P; ++p)
      if (int16_t(uint16_t(g_issue + 2 - pe[p].h)) > D) space = false;
    const bool want = fv < nvec && bank_full[fv & 1];
    const bool issue = want && space;
    const bool starve = fv < nvec && !bank_full[fv & 1];
    const bool in_ready = vin < nvec && !bank_full[in_bank];
    // counters
    st.busy += any;
    idle = (any || take || issue || in_ready || s4) ? 0 : idle + 1;
    st.stall += starve;
    if (s4) st.results += n4;

    // ---- next state ----
    for (int p = 0; p < P; ++p) {
      Pe& x = pe[p];
      if (x.sb_vld && x.sb_last) x.rec_vld = true;
      if (take && (p == pa || p == pb)) x.rec_vld = false;
      const OpInfo& op = info[p][size_t(x.pc)];
      x.sb_vld = fire[p];
      x.sb_last = fire[p] && op.last;
      if (x.active) x.cur_vld = true;  // fill: the first op is decoded in the first cycle
      if (!fire[p]) continue;
      if (op.last) {
        x.base = uint16_t(x.base + R2);
        x.h = x.base;
        if (x.rc == K - 1) {
          x.rc = 0;
          x.pc = 0;
          if (++x.vc == nvec) x.active = false;
        } else {
          ++x.rc;
          ++x.pc;
        }
      } else {
        x.h = uint16_t(x.h + op.adv);
        ++x.pc;
      }
    }
    if (take) {
      if (++ce == pairs) {
        ce = 0;
        if (++cv == nvec) coll_done = true;
      }
    }
    // output pipeline (always advancing: no back-pressure)
    s4 = s3, n4 = n3;
    s3 = s2, n3 = n2;
    s2 = s1, n2 = n1;
    s1 = take && take_n > 0, n1 = take_n;
    // feeder
    if (rd_vld) g_w = uint16_t(g_w + 2);
    rd_vld = issue;
    if (issue) {
      g_issue = uint16_t(g_issue + 2);
      if (++fk == RP) {
        fk = 0;
        if (++fr == K) {
          fr = 0;
          bank_full[fv & 1] = false;
          ++fv;
        }
      }
    }
    if (in_ready) {
      if (++in_cnt == RP) {
        in_cnt = 0;
        bank_full[in_bank] = true;
        in_bank ^= 1;
        ++vin;
      }
    }
  }
  const std::vector<uint32_t> ws = prog.weight_stream();
  st.wload_cycles = int64_t(ws.size());
  st.wload_bytes = 4 * int64_t(ws.size());
  st.ideal = double(prog.nonzeros) * double(nvec) / double(P * cfg.lanes);
  return st;
}

LayerCycles layer_cycles(std::span<const int8_t> codes, int out_ch, int fan_in, int64_t nvec,
                         const ArrayConfig& cfg) {
  const std::vector<OutParams> out(static_cast<size_t>(out_ch));
  LayerCycles lc;
  lc.sparse = cycle_model(compile_layer(codes, out_ch, fan_in, out, cfg, false), nvec);
  lc.dense = cycle_model(compile_layer(codes, out_ch, fan_in, out, cfg, true), nvec);
  return lc;
}

std::vector<Program> compile_passes(std::span<const int8_t> codes, int out_ch, int fan_in,
                                    std::span<const OutParams> out, const ArrayConfig& cfg,
                                    bool dense) {
  if (out_ch < 1 || fan_in < 1 || codes.size() != size_t(out_ch) * size_t(fan_in) ||
      out.size() != size_t(out_ch))
    throw std::invalid_argument("compile_passes: layer sizes: out_ch " + std::to_string(out_ch) +
                                ", fan_in " + std::to_string(fan_in) + ", codes " +
                                std::to_string(codes.size()) + ", params " +
                                std::to_string(out.size()));
  for (int per = std::min(out_ch, cfg.max_outs); per >= 1; per /= 2) {
    std::vector<Program> passes;
    try {
      for (int o0 = 0; o0 < out_ch; o0 += per) {
        const int n = std::min(per, out_ch - o0);
        passes.push_back(compile_layer(codes.subspan(size_t(o0) * fan_in, size_t(n) * fan_in), n,
                                       fan_in, out.subspan(size_t(o0), size_t(n)), cfg, dense));
      }
      return passes;
    } catch (const std::invalid_argument& e) {
      if (per == 1 || std::string(e.what()).find("op_depth") == std::string::npos) throw;
    }
  }
  throw std::logic_error("compile_passes: unreachable");
}

}  // namespace ttq
