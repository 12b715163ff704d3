#include "ttq/accel_driver.hpp"

#include <stdexcept>
#include <string>

namespace ttq {

ActBeats pack_activations(const Program& prog, std::span<const uint8_t> vectors, int nvec) {
  if (nvec < 0 || vectors.size() != size_t(nvec) * size_t(prog.fan_in))
    throw std::invalid_argument("pack_activations: vectors.size() = " + std::to_string(vectors.size()) +
                                ", expected nvec * fan_in = " + std::to_string(int64_t(nvec) * prog.fan_in));
  const int wb = prog.cfg.win_bytes(), wins = prog.wins();
  ActBeats a;
  a.bytes.assign(size_t(nvec) * wins * wb, 0);
  a.tlast.assign(size_t(nvec) * wins, 0);
  for (int v = 0; v < nvec; ++v) {
    std::copy_n(vectors.begin() + ptrdiff_t(size_t(v) * prog.fan_in), prog.fan_in,
                a.bytes.begin() + ptrdiff_t(size_t(v) * wins * wb));
    a.tlast[size_t(v) * wins + wins - 1] = 1;
  }
  return a;
}

std::vector<int32_t> unpack_results(const Program& prog, std::span<const ResultBeat> beats, int nvec,
                                    bool relu) {
  const int oc = prog.out_ch;
  if (beats.size() != size_t(nvec) * oc)
    throw std::runtime_error("accelerator: " + std::to_string(beats.size()) + " result beats, expected nvec * out_ch = " +
                             std::to_string(int64_t(nvec) * oc));
  std::vector<int32_t> y(beats.size());
  for (size_t i = 0; i < beats.size(); ++i) {
    const int v = int(i / oc), o = int(i % oc);
    const uint32_t id = beats[i].data >> 8, val = beats[i].data & 0xffu;
    if (id != uint32_t(o))
      throw std::runtime_error("accelerator: vector " + std::to_string(v) + " result " + std::to_string(o) +
                               " carries id " + std::to_string(id) + " (results leave in channel order)");
    if (beats[i].last != (o == oc - 1))
      throw std::runtime_error("accelerator: vector " + std::to_string(v) + " output " + std::to_string(o) +
                               (beats[i].last ? ": tlast before the vector's last output" : ": no tlast on the vector's last output"));
    y[i] = relu ? int32_t(val) : int32_t(int8_t(val));
  }
  return y;
}

void AccelDriver::check_hardware() {
  const uint32_t id = bus_.read_reg(reg::kId);
  const uint32_t h0 = bus_.read_reg(reg::kHwcfg0), h1 = bus_.read_reg(reg::kHwcfg1), h2 = bus_.read_reg(reg::kHwcfg2);
  const ArrayConfig& c = cfg_;
  const bool ok = id == hw::kId && reg::kHwcfg0NumPes.get(h0) == uint32_t(c.num_pes) &&
                  reg::kHwcfg0GroupSize.get(h0) == uint32_t(c.group_size) &&
                  reg::kHwcfg0GroupNnz.get(h0) == uint32_t(c.group_nnz) &&
                  reg::kHwcfg0Groups.get(h0) == uint32_t(c.groups) &&
                  reg::kHwcfg1MaxFanIn.get(h1) == uint32_t(c.max_fan_in) &&
                  reg::kHwcfg1MaxOuts.get(h1) == uint32_t(c.max_outs) &&
                  reg::kHwcfg2Wdepth.get(h2) == uint32_t(c.wdepth);
  if (!ok)
    throw std::invalid_argument("accelerator: ArrayConfig does not match the hardware (ID " + std::to_string(id) +
                                ", HWCFG " + std::to_string(h0) + "/" + std::to_string(h1) + "/" +
                                std::to_string(h2) + ")");
}

uint32_t AccelDriver::load_words(std::span<const uint32_t> words) {
  bus_.send_weights(words);
  uint32_t st = bus_.read_reg(reg::kStatus);
  for (int i = 0; reg::kStatusWload.get(st); ++i) {
    if (i > 100) throw std::runtime_error("accelerator: STATUS.WLOAD still set after the weight stream");
    st = bus_.read_reg(reg::kStatus);
  }
  return reg::kStatusErr.get(st) ? bus_.read_reg(reg::kErrCode) : 0u;
}

uint32_t AccelDriver::load(const Program& prog) {
  const ArrayConfig& a = prog.cfg;
  if (a.num_pes != cfg_.num_pes || a.group_size != cfg_.group_size || a.group_nnz != cfg_.group_nnz ||
      a.groups != cfg_.groups || a.wdepth != cfg_.wdepth || a.max_outs != cfg_.max_outs)
    throw std::invalid_argument("accelerator: program compiled for another ArrayConfig");
  return load_words(prog.weight_stream());
}

void AccelDriver::start(const Program& prog, bool relu, int nvec) {
  bus_.write_reg(reg::kFanIn, uint32_t(prog.fan_in));
  bus_.write_reg(reg::kRounds, reg::kRoundsRounds.put(uint32_t(prog.rounds)) |
                                   reg::kRoundsLastOuts.put(uint32_t(prog.last_outs)));
  bus_.write_reg(reg::kNvec, uint32_t(nvec));
  bus_.write_reg(reg::kLayer, reg::kLayerRelu.put(relu ? 1u : 0u));
  bus_.write_reg(reg::kIrqEn, reg::kIrqEnDone.put(1) | reg::kIrqEnErr.put(1));
  bus_.write_reg(reg::kCtrl, reg::kCtrlStart.put(1));
}

PerfCounters AccelDriver::read_perf() {
  PerfCounters p;
  p.total = bus_.read_reg(reg::kPerfTotal);
  p.busy = bus_.read_reg(reg::kPerfBusy);
  p.stall = bus_.read_reg(reg::kPerfStall);
  p.nnz = bus_.read_reg(reg::kPerfNnz);
  p.wload_cycles = bus_.read_reg(reg::kPerfWloadCyc);
  p.wload_words = bus_.read_reg(reg::kPerfWloadWords);
  p.results = bus_.read_reg(reg::kPerfResults);
  return p;
}

std::vector<int32_t> AccelDriver::run(const Program& prog, bool relu, std::span<const uint8_t> vectors,
                                      int nvec, PerfCounters* perf, double slowdown) {
  const ActBeats a = pack_activations(prog, vectors, nvec);
  bus_.stage_activations(a.bytes, prog.cfg.win_bytes(), a.tlast);
  start(prog, relu, nvec);
  // A correct run takes about nvec * max(steps, wins) cycles plus the output tail.
  const double budget = 20000.0 + 8.0 * slowdown * double(nvec) *
                                      double(int64_t(prog.steps.size()) + prog.wins() + prog.out_ch);
  const std::vector<ResultBeat> beats = bus_.stream_layer(a.bytes, prog.cfg.win_bytes(), a.tlast, budget);
  const uint32_t st = bus_.read_reg(reg::kStatus);
  if (reg::kStatusErr.get(st))
    throw std::runtime_error("accelerator: ERR set during the layer, ERR_CODE " + std::to_string(bus_.read_reg(reg::kErrCode)));
  bus_.write_reg(reg::kIrqStatus, reg::kIrqStatusDone.put(1) | reg::kIrqStatusErr.put(1));
  if (perf) *perf = read_perf();
  return unpack_results(prog, beats, nvec, relu);
}

}  // namespace ttq
