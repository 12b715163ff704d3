#include "ttq/sc/platform.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ttq/layer.hpp"

namespace ttq::sc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}
}  // namespace

// ---- Memory -----------------------------------------------------------------------------------

Memory::Memory(sc_core::sc_module_name name, size_t bytes, sc_time latency, sc_time beat_time)
    : sc_module(name), socket("socket"), mem_(bytes, 0), latency_(latency), beat_time_(beat_time) {
  socket.register_b_transport(this, &Memory::b_transport);
}

void Memory::b_transport(int, tlm::tlm_generic_payload& t, sc_time& delay) {
  const uint64_t addr = t.get_address();
  const uint32_t len = t.get_data_length();
  if (addr > mem_.size() || len > mem_.size() - addr) {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (t.get_streaming_width() < len) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const uint8_t* be = t.get_byte_enable_ptr();
  const uint32_t be_len = t.get_byte_enable_length();
  uint8_t* data = t.get_data_ptr();
  if (t.is_read()) {
    for (uint32_t i = 0; i < len; ++i)
      if (!be || be[i % be_len] == TLM_BYTE_ENABLED) data[i] = mem_[addr + i];
    bytes_read_ += len;
  } else if (t.is_write()) {
    for (uint32_t i = 0; i < len; ++i)
      if (!be || be[i % be_len] == TLM_BYTE_ENABLED) mem_[addr + i] = data[i];
    bytes_written_ += len;
  }
  ++transactions_;
  delay += latency_ + beat_time_ * double((len + 15) / 16);
  t.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---- Bus --------------------------------------------------------------------------------------

Bus::Bus(sc_core::sc_module_name name, uint64_t mem_base, uint64_t mem_size, uint64_t accel_base)
    : sc_module(name),
      in("in"),
      mem("mem"),
      accel("accel"),
      mem_base_(mem_base),
      mem_size_(mem_size),
      accel_base_(accel_base) {
  in.register_b_transport(this, &Bus::b_transport);
}

void Bus::b_transport(int, tlm::tlm_generic_payload& t, sc_time& delay) {
  const uint64_t a = t.get_address();
  if (a >= mem_base_ && a - mem_base_ < mem_size_) {
    t.set_address(a - mem_base_);
    mem->b_transport(t, delay);
  } else if (a >= accel_base_ && a - accel_base_ < 0x1000) {
    t.set_address(a - accel_base_);
    accel->b_transport(t, delay);
  } else {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  t.set_address(a);
}


// ---- CPU --------------------------------------------------------------------------------------

Cpu::Cpu(sc_core::sc_module_name name, LayerJob job, const TtqAccelTlm& accel, uint64_t mem_base,
         uint64_t mem_size, uint64_t accel_base)
    : sc_module(name),
      bus("bus"),
      irq("irq"),
      job_(std::move(job)),
      accel_(accel),
      mem_base_(mem_base),
      mem_size_(mem_size),
      accel_base_(accel_base) {
  SC_HAS_PROCESS(Cpu);
  SC_THREAD(run);
}

void Cpu::access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len) {
  tlm::tlm_generic_payload t;
  sc_time delay = SC_ZERO_TIME;
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  bus->b_transport(t, delay);
  wait(delay);
  if (t.is_response_error())
    throw std::runtime_error(
        std::string(name()) + ": bus " + (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") +
        " of " + std::to_string(len) + " bytes at " + hex(addr) + ": " + t.get_response_string());
}

uint32_t Cpu::rd(uint32_t reg) {
  uint32_t v = 0;
  access(tlm::TLM_READ_COMMAND, accel_base_ + reg, reinterpret_cast<uint8_t*>(&v), 4);
  return v;
}

void Cpu::wr(uint32_t reg, uint32_t value) {
  access(tlm::TLM_WRITE_COMMAND, accel_base_ + reg, reinterpret_cast<uint8_t*>(&value), 4);
}

void Cpu::mem_write(uint64_t offset, const void* data, size_t len) {
  std::vector<uint8_t> buf(static_cast<const uint8_t*>(data),
                           static_cast<const uint8_t*>(data) + len);
  access(tlm::TLM_WRITE_COMMAND, mem_base_ + offset, buf.data(), uint32_t(len));
}

void Cpu::mem_read(uint64_t offset, void* data, size_t len) {
  access(tlm::TLM_READ_COMMAND, mem_base_ + offset, static_cast<uint8_t*>(data), uint32_t(len));
}

void Cpu::run() {
  try {
    run_layer();
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  finished_ = true;
  sc_core::sc_stop();
}

void Cpu::run_layer() {
  namespace r = dma_reg;
  const ArrayConfig& cfg = accel_.options().cfg;
  const sc_time period = accel_.period();
  const std::string who = name();
  wait(period * double(accel_.options().reset_cycles + 2));

  // Probe the device like a driver: the schedule is compiled for the hardware's parameters.
  const uint32_t id = rd(0x00);
  if (id != 0x54545133u)
    throw std::runtime_error(who + ": ID register = " + hex(id) + ", expected 0x54545133");
  const uint32_t want[3] = {
      uint32_t(cfg.num_pes) | uint32_t(cfg.lanes) << 8 | uint32_t(cfg.row_bytes) << 16 |
          uint32_t(cfg.sweep_rows) << 24,
      uint32_t(cfg.max_fan_in) | uint32_t(cfg.max_outs) << 16,
      uint32_t(cfg.op_depth) | uint32_t(cfg.win_rows) << 16 | uint32_t(cfg.adv_bits) << 24};
  for (uint32_t i = 0; i < 3; ++i)
    if (const uint32_t got = rd(0x04 + 4 * i); got != want[i])
      throw std::runtime_error(who + ": HWCFG" + std::to_string(i) + " = " + hex(got) +
                               ", the ArrayConfig expects " + hex(want[i]));

  const LayerJob& j = job_;
  if (j.nvec < 1 || j.vectors.size() != size_t(j.nvec) * size_t(j.fan_in))
    throw std::invalid_argument(
        who + ": vectors.size() = " + std::to_string(j.vectors.size()) +
        ", expected nvec * fan_in = " + std::to_string(int64_t(j.nvec) * j.fan_in));
  const std::vector<Program> passes = compile_passes(j.codes, j.out_ch, j.fan_in, j.out, cfg);
  const int bb = cfg.beat_bytes(), rp = passes.front().row_pairs();

  // Memory map of the job: [program of one pass][activation beats][result rows].
  size_t max_words = 0;
  for (const Program& p : passes) max_words = std::max(max_words, p.weight_stream().size());
  const uint64_t w_off = 0, a_off = (4 * max_words + 255) / 256 * 256;
  const uint64_t r_off = a_off + (uint64_t(j.nvec) * rp * bb + 255) / 256 * 256;
  const uint64_t end = r_off + uint64_t(j.nvec) * j.out_ch;
  if (end > mem_size_ || end >= (uint64_t{1} << 32))
    throw std::invalid_argument(who + ": the job needs " + std::to_string(end) +
                                " bytes of memory, the platform has " + std::to_string(mem_size_));
  {
    std::vector<uint8_t> act(size_t(j.nvec) * rp * bb, 0);
    for (int v = 0; v < j.nvec; ++v)
      std::copy_n(j.vectors.begin() + ptrdiff_t(v) * j.fan_in, j.fan_in,
                  act.begin() + ptrdiff_t(v) * rp * bb);
    mem_write(a_off, act.data(), act.size());
  }

  int o0 = 0;
  for (const Program& prog : passes) {
    PassReport pr;
    pr.out0 = o0, pr.out_ch = prog.out_ch;
    // 1. program: host-compiled weight stream into memory, DMA'd into s_axis_w
    const std::vector<uint32_t> words = prog.weight_stream();
    mem_write(w_off, words.data(), 4 * words.size());
    wr(r::kWAddr, uint32_t(mem_base_ + w_off));
    wr(r::kWWords, uint32_t(words.size()));
    wr(r::kCtrl, r::kCtrlWGo);
    for (int i = 0; rd(r::kStatus) & r::kStWBusy; ++i) {
      if (i > 1000000) throw std::runtime_error(who + ": weight DMA did not finish");
      wait(period * 16.0);
    }
    uint32_t wst = rd(0x14);  // accelerator STATUS: wait for WLOAD (bit 3) = 0, then read ERR
    for (int i = 0; wst & 8u; ++i) {
      if (i > 1000) throw std::runtime_error(who + ": accelerator STATUS.WLOAD stuck after the weight DMA");
      wst = rd(0x14);
    }
    if (wst & 4u)
      throw std::runtime_error(who + ": weight stream rejected: STATUS = " + hex(wst) +
                               ", ERR_CODE = " + std::to_string(rd(0x30)));
    pr.wload_cycles = rd(0x50), pr.wload_words = rd(0x54);

    // 2. DMA descriptors for the activations and the results, prefetch starts at A_GO
    wr(r::kAAddr, uint32_t(mem_base_ + a_off));
    wr(r::kAVecBeats, uint32_t(rp));
    wr(r::kNvec, uint32_t(j.nvec));
    wr(r::kRAddr, uint32_t(mem_base_ + r_off + o0));
    wr(r::kRStride, uint32_t(j.out_ch));
    wr(r::kROuts, uint32_t(prog.out_ch));
    wr(r::kCtrl, r::kCtrlAGo);
    for (int i = 0; !(rd(r::kStatus) & (r::kStAReady | r::kStErr)); ++i) {
      if (i > 1000000) throw std::runtime_error(who + ": activation DMA did not prefetch");
      wait(period * 4.0);
    }  // 3. layer registers and START
    wr(0x20, uint32_t(prog.fan_in));
    wr(0x24, uint32_t(prog.rounds));
    wr(0x28, uint32_t(j.nvec));
    wr(0x2C, j.relu ? 1u : 0u);
    wr(0x18, 3u);
    wr(0x10, 1u);
    const sc_time t0 = sc_core::sc_time_stamp();
    // 4. interrupt: done (results in memory) or error
    const sc_time timeout =
        period * (1e5 + 100.0 * double(j.nvec) * (double(prog.nonzeros) + rp + prog.out_ch + 64));
    if (!irq.read()) wait(timeout, irq.posedge_event());
    if (!irq.read())
      throw std::runtime_error(who + ": no interrupt within " + timeout.to_string() +
                               " of START (pass at output " + std::to_string(o0) + ")");
    pr.irq_latency = sc_core::sc_time_stamp() - t0;
    const uint32_t st = rd(0x14), dst = rd(r::kStatus);
    if (st & 4u)
      throw std::runtime_error(
          who + ": STATUS.ERR after the layer, ERR_CODE = " + std::to_string(rd(0x30)));
    if (dst & r::kStErr)
      throw std::runtime_error(who +
                               ": DMA error, DMA_ERR_CODE = " + std::to_string(rd(r::kErrCode)));
    if (!(st & 2u) || (dst & (r::kStABusy | r::kStRBusy)))
      throw std::runtime_error(who + ": interrupt with STATUS = " + hex(st) +
                               ", DMA_STATUS = " + hex(dst));
    wr(0x1C, 3u);  // acknowledge
    pr.perf_total = rd(0x40), pr.perf_busy = rd(0x44), pr.perf_stall = rd(0x48);
    pr.perf_nnz = rd(0x4C), pr.perf_results = rd(0x58);
    pr.layer_edges = rd(r::kLayerCycles);
    if (rd(r::kRDone) != uint32_t(j.nvec))
      throw std::runtime_error(who + ": DMA wrote too few result rows");
    const LayerWindow& w = accel_.last_layer();
    if (!w.valid) throw std::runtime_error(who + ": the wrapper saw no complete layer");
    pr.start = w.start, pr.last_result = w.last_result;
    // START is registered at its write edge; PERF_TOTAL then counts one per edge up to and
    // including the one that takes the last result beat.
    pr.layer_time = w.last_result - w.start;
    pr.model = cycle_model(prog, j.nvec);
    pr.cycles_match = pr.perf_total == pr.model.cycles && pr.perf_busy == pr.model.busy &&
                      pr.perf_stall == pr.model.stall && pr.perf_nnz == pr.model.nonzeros &&
                      pr.perf_results == pr.model.results &&
                      pr.wload_cycles == pr.model.wload_cycles &&
                      int64_t(pr.wload_words) * 4 == pr.model.wload_bytes;
    pr.time_match = pr.layer_time == period * double(pr.perf_total);
    report_.passes.push_back(pr);
    o0 += prog.out_ch;
  }

  // Results, checked bit for bit against the golden model.
  std::vector<uint8_t> raw(size_t(j.nvec) * j.out_ch);
  mem_read(r_off, raw.data(), raw.size());
  report_.y.resize(raw.size());
  report_.expect.resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i)
    report_.y[i] = j.relu ? int32_t(raw[i]) : int32_t(int8_t(raw[i]));
  for (int v = 0; v < j.nvec; ++v) {
    std::span<int32_t> e(report_.expect.data() + size_t(v) * j.out_ch, size_t(j.out_ch));
    ternary_matvec(
        j.codes, j.out_ch, j.fan_in,
        std::span<const uint8_t>(j.vectors).subspan(size_t(v) * j.fan_in, size_t(j.fan_in)), j.out,
        j.relu, e);
    for (int o = 0; o < j.out_ch; ++o) {
      const size_t k = size_t(v) * j.out_ch + o;
      if (report_.y[k] != report_.expect[k] && report_.mismatches++ == 0)
        report_.first_mismatch = "vector " + std::to_string(v) + ", output " + std::to_string(o) +
                                 ": accelerator " + std::to_string(report_.y[k]) + ", golden " +
                                 std::to_string(report_.expect[k]);
    }
  }
  report_.sim_time = sc_core::sc_time_stamp();
}

}  // namespace ttq::sc
