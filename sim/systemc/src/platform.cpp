#include "ttq/sc/platform.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "ttq/layer.hpp"

namespace ttq::sc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

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
  } else if (a >= accel_base_ && a - accel_base_ < dma_reg::kWindow) {
    t.set_address(a - accel_base_);
    accel->b_transport(t, delay);
  } else {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  t.set_address(a);
}

// ---- CPU ----------------------------------------------------------------------------------------

Cpu::Cpu(sc_core::sc_module_name name, LayerJob job, const TtqAccelTlm& accel, const BusMap& map,
         BadDma bad_dma)
    : sc_module(name),
      bus("bus"),
      irq("irq"),
      job_(std::move(job)),
      accel_(accel),
      map_(map),
      bad_dma_(bad_dma) {
  SC_HAS_PROCESS(Cpu);
  SC_THREAD(run);
}

void Cpu::run() {
  try {
    TlmAccelBus tb(name(), bus, irq, map_, accel_.period());
    tb.set_bad_dma(bad_dma_);
    if (probe_regs_)
      probe_registers(tb);
    else
      run_layer(tb);
  } catch (const DmaError& e) {
    report_.bus_error = {true, e.irq, e.code, e.addr, e.what(), e.at};
    error_ = e.what();
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  report_.sim_time = sc_core::sc_time_stamp();
  finished_ = true;
  sc_core::sc_stop();
}

void Cpu::probe_registers(TlmAccelBus& tb) {
  wait(accel_.period() * double(accel_.options().reset_cycles + 2));
  const uint32_t unmapped = dma_reg::kBase - 4;  // above the last register of the contract
  const auto probe = [&](const std::string& what, bool slverr, auto&& access) {
    RegisterProbe p{what, slverr, ""};
    try {
      access();
    } catch (const std::runtime_error& e) {
      p.error = e.what();
    }
    report_.register_probes.push_back(std::move(p));
  };
  probe("write of read-only HWCFG0", true, [&] { tb.write_reg(hw::reg::kHwcfg0, 0); });
  probe("read of unmapped " + hex(unmapped), true, [&] { tb.read_reg(unmapped); });
  probe("read of HWCFG0", false, [&] { tb.read_reg(hw::reg::kHwcfg0); });  // control
}

// The shared driver sequence, pass by pass; the platform only adds its time measurements.
void Cpu::run_layer(TlmAccelBus& tb) {
  const ArrayConfig& cfg = accel_.options().cfg;
  const sc_time period = accel_.period();
  const LayerJob& j = job_;
  wait(period * double(accel_.options().reset_cycles + 2));

  AccelDriver drv(tb, cfg);
  drv.check_hardware();  // the schedule is compiled for the hardware's parameters
  if (j.nvec < 1 || j.vectors.size() != size_t(j.nvec) * size_t(j.fan_in))
    throw std::invalid_argument(
        std::string(name()) + ": vectors.size() = " + std::to_string(j.vectors.size()) +
        ", expected nvec * fan_in = " + std::to_string(int64_t(j.nvec) * j.fan_in));
  report_.y.assign(size_t(j.nvec) * j.out_ch, 0);
  int o0 = 0;
  for (const Program& prog : compile_passes(j.codes, j.out_ch, j.fan_in, j.out, cfg)) {
    if (const uint32_t code = drv.load(prog))
      throw std::runtime_error(std::string(name()) + ": weight stream rejected, ERR_CODE " +
                               std::to_string(code));
    PassReport pr;
    pr.out0 = o0, pr.out_ch = prog.out_ch;
    const std::vector<int32_t> y = drv.run(prog, j.relu, j.vectors, j.nvec, &pr.perf, j.slowdown);
    for (int v = 0; v < j.nvec; ++v)
      std::copy_n(y.begin() + ptrdiff_t(v) * prog.out_ch, prog.out_ch,
                  report_.y.begin() + ptrdiff_t(v) * j.out_ch + o0);
    pr.irq_latency = tb.irq_latency();
    pr.layer_edges = tb.read_reg(dma_reg::kLayerCycles);
    const LayerWindow& w = accel_.last_layer();
    if (!w.valid) throw std::runtime_error(std::string(name()) + ": the wrapper saw no layer end");
    // The run starts one edge after the START write; PERF_TOTAL then counts one per edge up to
    // and including the one that takes the last result beat.
    pr.start = w.start, pr.last_result = w.last_result;
    pr.layer_time = w.last_result - w.start;
    pr.model = cycle_model(prog, j.nvec);
    const PerfCounters& p = pr.perf;
    pr.cycles_match = p.total == pr.model.cycles && p.busy == pr.model.busy &&
                      p.stall == pr.model.stall && p.nnz == pr.model.nonzeros &&
                      p.results == pr.model.results && p.wload_cycles == pr.model.wload_cycles &&
                      int64_t(p.wload_words) * 4 == pr.model.wload_bytes;
    pr.time_match = pr.layer_time == period * double(p.total);
    report_.passes.push_back(pr);
    o0 += prog.out_ch;
  }
  check_results();
}

// The outputs, bit for bit against the golden model.
void Cpu::check_results() {
  const LayerJob& j = job_;
  report_.expect.resize(report_.y.size());
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
}

}  // namespace ttq::sc
