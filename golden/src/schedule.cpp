// Host compiler of the N:M group-sparse ternary array: steps of slots and the weight stream.
#include "ttq/schedule.hpp"

#include <algorithm>
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

bool pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

int ArrayConfig::acc_bits() const { return clog2(255 * int64_t(max_fan_in) + 1); }

void ArrayConfig::validate() const {
  if (num_pes < 1 || num_pes > 128) bad("num_pes", num_pes, "must be 1..128");
  if (!pow2(group_size) || group_size > 8) bad("group_size", group_size, "must be 1, 2, 4 or 8");
  if (group_nnz < 1 || group_nnz > group_size) bad("group_nnz", group_nnz, "must be 1..group_size");
  if (groups < 1 || !pow2(win_bytes()) || win_bytes() > 64)
    bad("groups", groups, "groups * group_size must be a power of 2 up to 64");
  if (max_fan_in < 2 || max_fan_in > kMaxFanIn || max_fan_in % win_bytes())
    bad("max_fan_in", max_fan_in, "must be 2..65535 and a multiple of groups * group_size");
  if (max_outs < 1 || max_outs > 256 || max_outs % num_pes)
    bad("max_outs", max_outs, "must be 1..256 and a multiple of num_pes");
  if (!pow2(wdepth) || wdepth < 2 || wdepth > 32768) bad("wdepth", wdepth, "must be a power of 2, 2..32768");
}

int64_t Program::weight_words() const {
  return 2 + int64_t(steps.size()) * (cfg.slot_words() + 1) + 3 * int64_t(out.size());
}

namespace {

// The stored bits of one (PE, group)'s N slots of a step, slot k at bits k * slot_bits
// (docs/ARCHITECTURE.md, "Slot format"). N = 1: {code, idx} with code EMPTY / POS / NEG. N >= 2:
// {sign, idx} per slot (sign 1: -1); the weights that add something (POS / NEG) fill slots
// 0, 1, ...; an unused slot k >= 1 repeats slot 0's index (so it differs from every used slot's),
// and a group with none has slot 1 = {1, idx0}, so the hardware decodes slot 0 as used unless
// slot 1 = {1, idx0} and slot k >= 1 as used when its index differs from slot 0's. A ZERO slot
// (dense schedule) adds nothing and is stored as unused.
uint64_t group_slot_bits(const Step& s, size_t first, const ArrayConfig& cfg) {
  const int N = cfg.group_nnz, ib = cfg.idx_bits(), sb = cfg.slot_bits();
  if (N == 1) {
    const uint8_t c = s.code[first];
    const uint64_t code = c == hw::kSlotPos || c == hw::kSlotNeg ? uint64_t{c} : uint64_t{hw::kSlotEmpty};
    return code << ib | s.idx[first];
  }
  std::vector<std::pair<uint64_t, uint64_t>> used;  // (sign, idx)
  for (int k = 0; k < N; ++k) {
    const uint8_t c = s.code[first + size_t(k)];
    if (c == hw::kSlotPos || c == hw::kSlotNeg) used.push_back({c == hw::kSlotNeg, s.idx[first + size_t(k)]});
  }
  const uint64_t idx0 = used.empty() ? 0 : used[0].second;
  uint64_t v = 0;
  for (int k = 0; k < N; ++k) {
    const auto [sign, idx] = k < int(used.size()) ? used[size_t(k)]
                                                   : std::pair<uint64_t, uint64_t>{used.empty() && k == 1, idx0};
    v |= (sign << ib | idx) << (k * sb);
  }
  return v;
}

}  // namespace

std::vector<uint32_t> Program::weight_stream() const {
  std::vector<uint32_t> w;
  const int N = cfg.group_nnz, sb = cfg.slot_bits(), nw = cfg.slot_words();
  const int gb = N * sb;  // bits of one (PE, group)
  w.reserve(size_t(weight_words()));
  w.push_back(uint32_t(hw::kSecSteps) << 28 | uint32_t(steps.size()));
  for (const Step& s : steps) {
    std::vector<uint32_t> word(size_t(nw), 0);
    for (int pg = 0; pg < cfg.num_pes * cfg.groups; ++pg) {
      const uint64_t v = group_slot_bits(s, size_t(pg) * N, cfg);
      for (int b = 0; b < gb; ++b)  // a group's slots may straddle two words
        if (v >> b & 1u) word[size_t((pg * gb + b) / 32)] |= 1u << ((pg * gb + b) % 32);
    }
    w.insert(w.end(), word.begin(), word.end());
    w.push_back(hw::desc::kAdv.put(uint32_t(s.adv)) | hw::desc::kLast.put(s.last ? 1u : 0u));
  }
  w.push_back(uint32_t(hw::kSecParams) << 28 | uint32_t(out.size()));
  for (const OutParams& o : out) {
    w.push_back(uint32_t(uint16_t(o.mn)) << 16 | uint16_t(o.mp));
    w.push_back(uint32_t(o.bias));
    w.push_back(o.shift);
  }
  return w;
}

namespace {

// The steps of one round: PE p holds output o0 + p (if < out_ch).
void compile_round(std::span<const int8_t> codes, int fan_in, int o0, int outs, const ArrayConfig& cfg,
                   bool dense, std::vector<Step>& steps) {
  const int P = cfg.num_pes, S = cfg.slots(), M = cfg.group_size, N = cfg.group_nnz, G = cfg.groups;
  const int wb = cfg.win_bytes(), wins = (fan_in + wb - 1) / wb;
  const size_t first = steps.size();
  int ptr = 0;
  // entries[p][g]: positions (in group) and codes of the weights that need a slot.
  std::vector<std::vector<std::pair<uint8_t, uint8_t>>> ent(size_t(P) * G);
  for (int w = 0; w < wins; ++w) {
    int need = 0;
    for (int p = 0; p < P; ++p) {
      for (int g = 0; g < G; ++g) {
        auto& e = ent[size_t(p) * G + g];
        e.clear();
        if (p >= outs) continue;
        for (int i = 0; i < M; ++i) {
          const int k = w * wb + g * M + i;
          if (k >= fan_in) break;
          const int8_t c = codes[size_t(o0 + p) * fan_in + k];
          if (c > 0) e.push_back({uint8_t(i), hw::kSlotPos});
          else if (c < 0) e.push_back({uint8_t(i), hw::kSlotNeg});
          else if (dense) e.push_back({uint8_t(i), hw::kSlotZero});
        }
        need = std::max(need, int((e.size() + N - 1) / N));
      }
    }
    for (int t = 0; t < need; ++t) {
      int adv = t == 0 ? w - ptr : 0;
      while (adv > cfg.max_adv()) {  // a long run of empty windows: empty steps move the pointer
        Step e;
        e.adv = cfg.max_adv();
        e.code.assign(size_t(P) * S, hw::kSlotEmpty);
        e.idx.assign(size_t(P) * S, 0);
        steps.push_back(std::move(e));
        ptr += cfg.max_adv(), adv -= cfg.max_adv();
      }
      Step s;
      s.adv = adv;
      ptr = w;
      s.code.assign(size_t(P) * S, hw::kSlotEmpty);
      s.idx.assign(size_t(P) * S, 0);
      for (int p = 0; p < outs; ++p)
        for (int g = 0; g < G; ++g) {
          const auto& e = ent[size_t(p) * G + g];
          for (int j = 0; j < N && t * N + j < int(e.size()); ++j) {
            const size_t slot = size_t(p) * S + size_t(g) * N + j;
            s.idx[slot] = e[size_t(t * N + j)].first;
            s.code[slot] = e[size_t(t * N + j)].second;
          }
        }
      steps.push_back(std::move(s));
    }
  }
  if (steps.size() == first) {  // no weight at all in this round: one empty step ends it
    Step e;
    e.code.assign(size_t(P) * S, hw::kSlotEmpty);
    e.idx.assign(size_t(P) * S, 0);
    steps.push_back(std::move(e));
  }
  steps.back().last = true;
}

}  // namespace

Program compile_layer(std::span<const int8_t> codes, int out_ch, int fan_in,
                      std::span<const OutParams> out, const ArrayConfig& cfg, bool dense) {
  cfg.validate();
  if (out_ch < 1 || out_ch > cfg.max_outs) bad("out_ch", out_ch, "must be 1..max_outs (" + std::to_string(cfg.max_outs) + ")");
  if (fan_in < 1 || fan_in > cfg.max_fan_in) bad("fan_in", fan_in, "must be 1..max_fan_in (" + std::to_string(cfg.max_fan_in) + ")");
  if (codes.size() != size_t(out_ch) * size_t(fan_in)) bad("codes.size()", int64_t(codes.size()), "must be out_ch * fan_in");
  if (out.size() != size_t(out_ch)) bad("out.size()", int64_t(out.size()), "must be out_ch");
  Program prog;
  prog.cfg = cfg;
  prog.out_ch = out_ch, prog.fan_in = fan_in, prog.dense = dense;
  prog.rounds = (out_ch + cfg.num_pes - 1) / cfg.num_pes;
  prog.last_outs = out_ch - (prog.rounds - 1) * cfg.num_pes;
  prog.out.assign(out.begin(), out.end());
  for (size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] < -1 || codes[i] > 1) bad("codes[" + std::to_string(i) + "]", codes[i], "must be -1, 0 or 1");
    prog.nonzeros += codes[i] != 0;
  }
  for (const OutParams& o : out)
    if (o.shift > kMaxShift) bad("shift", o.shift, "must be 0..31");
  for (int r = 0; r < prog.rounds; ++r)
    compile_round(codes, fan_in, r * cfg.num_pes, std::min(cfg.num_pes, out_ch - r * cfg.num_pes), cfg, dense,
                  prog.steps);
  if (int64_t(prog.steps.size()) > cfg.wdepth)
    bad("steps", int64_t(prog.steps.size()), "exceed the weight memory (wdepth " + std::to_string(cfg.wdepth) + "); split the layer into passes");
  return prog;
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
      if (per == 1 || std::string(e.what()).find("wdepth") == std::string::npos) throw;
    }
  }
  throw std::logic_error("compile_passes: unreachable");
}

}  // namespace ttq
