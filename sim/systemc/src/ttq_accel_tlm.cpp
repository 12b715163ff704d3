#include "ttq/sc/ttq_accel_tlm.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "Vttq_accel_sc.h"

namespace ttq::sc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
// An activation beat's kBeatBytes bytes as the s_axis_a_tdata pin value (byte k in bits 8k+7:8k).
ABeatPin beat_pin(const uint8_t* bytes) {
  ABeatPin v{};
  for (int w = 0; w < (kBeatBytes + 3) / 4; ++w) {
    uint32_t x = 0;
    std::memcpy(&x, bytes + 4 * w, std::min(4, kBeatBytes - 4 * w));  // little endian
    if constexpr (kBeatBits > 64)
      v.set_word(w, x);
    else
      v |= ABeatPin(x) << (32 * w);
  }
  return v;
}
}  // namespace

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// Every port of the Verilated model, as signals (Verilator --sc maps 1 bit to bool, 2..32 bits to
// uint32_t and wider vectors to sc_bv).
struct TtqAccelTlm::Pins {
  template <typename T>
  using sig = sc_core::sc_signal<T>;
  sig<bool> rst_ni{"rst_ni", false};
  sig<uint32_t> awaddr{"awaddr"}, wdata{"wdata"}, wstrb{"wstrb"}, araddr{"araddr"};
  sig<bool> awvalid{"awvalid"}, wvalid{"wvalid"}, bready{"bready"}, arvalid{"arvalid"},
      rready{"rready"};
  sig<bool> awready{"awready"}, wready{"wready"}, bvalid{"bvalid"}, arready{"arready"},
      rvalid{"rvalid"};
  sig<uint32_t> bresp{"bresp"}, rdata{"rdata"}, rresp{"rresp"};
  sig<uint32_t> w_tdata{"w_tdata"};
  sig<bool> w_tvalid{"w_tvalid"}, w_tready{"w_tready"}, w_tlast{"w_tlast"};
  sig<ABeatPin> a_tdata{"a_tdata"};
  sig<bool> a_tvalid{"a_tvalid"}, a_tready{"a_tready"}, a_tlast{"a_tlast"};
  sig<uint32_t> r_tdata{"r_tdata"};
  sig<bool> r_tvalid{"r_tvalid"}, r_tready{"r_tready"}, r_tlast{"r_tlast"};
  sig<bool> irq_o{"irq_o"};
};

TtqAccelTlm::TtqAccelTlm(sc_core::sc_module_name name, const TlmOptions& opt)
    : sc_module(name),
      regs("regs"),
      dma("dma"),
      irq("irq"),
      opt_(opt),
      clk_("clk", opt.period),
      pins_(std::make_unique<Pins>()) {
  opt_.cfg.validate();
  if (opt_.cfg.win_bytes() != kBeatBytes)
    throw std::invalid_argument(
        std::string(this->name()) + ": cfg window = " + std::to_string(opt_.cfg.win_bytes()) +
        " bytes: the Verilated " + "model takes " + std::to_string(kBeatBytes) + "-byte beats");
  if (opt_.period <= SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": clock period must be > 0");
  if (opt_.burst_bytes < 16 || opt_.burst_bytes % 16 != 0)
    throw std::invalid_argument(std::string(this->name()) + ": burst_bytes = " +
                                std::to_string(opt_.burst_bytes) + ": must be a multiple of 16");
  if (opt_.w_fifo_words < opt_.burst_bytes / 4 || opt_.a_fifo_beats < 2 || opt_.r_fifo_beats < 2)
    throw std::invalid_argument(std::string(this->name()) +
                                ": FIFO depths must be >= 2 (weights: >= burst_bytes / 4)");
  Pins& p = *pins_;
  rtl_ = std::make_unique<Vttq_accel_sc>("rtl");
  Vttq_accel_sc& r = *rtl_;
  r.clk_i(clk_);
  r.rst_ni(p.rst_ni);
  r.s_axil_awaddr_i(p.awaddr), r.s_axil_awvalid_i(p.awvalid), r.s_axil_awready_o(p.awready);
  r.s_axil_wdata_i(p.wdata), r.s_axil_wstrb_i(p.wstrb), r.s_axil_wvalid_i(p.wvalid);
  r.s_axil_wready_o(p.wready), r.s_axil_bresp_o(p.bresp), r.s_axil_bvalid_o(p.bvalid);
  r.s_axil_bready_i(p.bready), r.s_axil_araddr_i(p.araddr), r.s_axil_arvalid_i(p.arvalid);
  r.s_axil_arready_o(p.arready), r.s_axil_rdata_o(p.rdata), r.s_axil_rresp_o(p.rresp);
  r.s_axil_rvalid_o(p.rvalid), r.s_axil_rready_i(p.rready);
  r.s_axis_w_tdata_i(p.w_tdata), r.s_axis_w_tvalid_i(p.w_tvalid), r.s_axis_w_tready_o(p.w_tready);
  r.s_axis_w_tlast_i(p.w_tlast);
  r.s_axis_a_tdata_i(p.a_tdata), r.s_axis_a_tvalid_i(p.a_tvalid), r.s_axis_a_tready_o(p.a_tready);
  r.s_axis_a_tlast_i(p.a_tlast);
  r.m_axis_r_tdata_o(p.r_tdata), r.m_axis_r_tvalid_o(p.r_tvalid);
  r.m_axis_r_tready_i(p.r_tready), r.m_axis_r_tlast_o(p.r_tlast);
  r.irq_o(p.irq_o);

  w_buf_.resize(opt_.burst_bytes);
  a_buf_.resize(opt_.burst_bytes);
  regs.register_b_transport(this, &TtqAccelTlm::b_transport);

  SC_HAS_PROCESS(TtqAccelTlm);
  SC_METHOD(on_edge);
  sensitive << clk_.posedge_event();
  dont_initialize();
  SC_THREAD(w_thread);
  SC_THREAD(a_thread);
  SC_THREAD(r_thread);
}

TtqAccelTlm::~TtqAccelTlm() {
  if (rtl_) rtl_->final();
}

// ---- register target --------------------------------------------------------------------------

// Synchronising target: the annotated delay is consumed first (the access happens at the
// initiator's local time), then the access takes real clock cycles on the AXI4-Lite pins; the
// returned delay is zero because all of its time has been simulated.
void TtqAccelTlm::b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
  wait(delay);
  delay = SC_ZERO_TIME;
  const uint64_t addr = t.get_address();
  if (t.get_data_length() != 4 || (addr & 3) != 0 || t.get_streaming_width() < 4) {
    t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (addr >= dma_reg::kWindow) {
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t strb = 0xf;
  if (const uint8_t* be = t.get_byte_enable_ptr()) {
    strb = 0;
    for (uint32_t i = 0; i < 4; ++i)
      if (be[i % t.get_byte_enable_length()] == TLM_BYTE_ENABLED) strb |= 1u << i;
  }
  uint32_t data = 0;
  const bool write = t.is_write();
  if (!write && !t.is_read()) {
    t.set_response_status(tlm::TLM_OK_RESPONSE);  // TLM_IGNORE_COMMAND
    return;
  }
  if (write) std::memcpy(&data, t.get_data_ptr(), 4);
  if (addr < dma_reg::kBase) {
    uint32_t resp = hw::kRespOkay;
    std::tie(data, resp) = axil_access(write, uint32_t(addr), data, strb);
    // SLVERR (an unmapped register, a write to a read-only one): the access changed nothing.
    if (resp != hw::kRespOkay) {
      t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
  } else {
    // the wrapper's own registers: one clock cycle, like a register slice
    wait(clk_.posedge_event());
    if (write) {
      if (strb != 0xf) {
        t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
      }
      dma_reg_write(uint32_t(addr), data);
    } else {
      data = dma_reg_read(uint32_t(addr));
    }
  }
  if (!write) std::memcpy(t.get_data_ptr(), &data, 4);
  t.set_response_status(tlm::TLM_OK_RESPONSE);
}

std::pair<uint32_t, uint32_t> TtqAccelTlm::axil_access(bool write, uint32_t addr, uint32_t data,
                                                       uint32_t strb) {
  axil_mutex_.lock();
  axil_pending_ = true, axil_write_ = write, axil_addr_ = addr, axil_data_ = data,
  axil_strb_ = strb;
  wait(axil_done_);
  const std::pair<uint32_t, uint32_t> r{write ? 0 : axil_rdata_, axil_resp_};
  axil_mutex_.unlock();
  return r;
}

uint32_t TtqAccelTlm::dma_reg_read(uint32_t addr) {
  using namespace dma_reg;
  switch (addr) {
    case kStatus:
      return (w_busy_ ? kStWBusy : 0) | (a_busy_ ? kStABusy : 0) | (r_busy_ ? kStRBusy : 0) |
             (err_code_ ? kStErr : 0) | (a_ready_ ? kStAReady : 0);
    case kWAddr:
      return w_addr_;
    case kWWords:
      return w_words_;
    case kAAddr:
      return a_addr_;
    case kAVecBeats:
      return a_vec_beats_;
    case kNvec:
      return nvec_;
    case kRAddr:
      return r_addr_;
    case kRMax:
      return r_max_;
    case kRCount:
      return r_count_;
    case kErrCode:
      return err_code_;
    case kErrAddr:
      return err_addr_;
    case kLayerCycles:
      return window_.valid ? uint32_t(window_.edges) : 0;
    default:
      return 0;
  }
}

void TtqAccelTlm::dma_reg_write(uint32_t addr, uint32_t data) {
  using namespace dma_reg;
  switch (addr) {
    case kCtrl:
      if ((data & kCtrlWGo) && (w_busy_ || w_words_ == 0)) {
        fail(w_busy_ ? kErrBusy : kErrArgs);
      } else if (data & kCtrlWGo) {
        err_code_ = kErrNone, err_addr_ = 0;
        w_busy_ = true;
        w_go_.notify(SC_ZERO_TIME);
      }
      if ((data & kCtrlAGo) && (a_busy_ || r_busy_ || nvec_ == 0 || a_vec_beats_ == 0 ||
                                r_max_ == 0 || a_addr_ % kBeatBytes != 0)) {
        fail(a_busy_ || r_busy_ ? kErrBusy : kErrArgs);
      } else if (data & kCtrlAGo) {
        err_code_ = kErrNone, err_addr_ = 0;
        a_busy_ = r_busy_ = true;
        a_ready_ = false;
        r_count_ = 0;
        a_go_.notify(SC_ZERO_TIME);
      }
      break;
    case kWAddr:
      w_addr_ = data & ~3u;
      break;
    case kWWords:
      w_words_ = data;
      break;
    case kAAddr:
      a_addr_ = data;
      break;
    case kAVecBeats:
      a_vec_beats_ = data;
      break;
    case kNvec:
      nvec_ = data;
      break;
    case kRAddr:
      r_addr_ = data & ~3u;
      break;
    case kRMax:
      r_max_ = data;
      break;
    default:
      break;  // read-only and unmapped: ignored
  }
}

const char* dma_reg::err_name(uint32_t code) {
  switch (code) {
    case kErrNone:
      return "none";
    case kErrMemory:
      return "memory error response";
    case kErrResultOverflow:
      return "more result beats than R_MAX";
    case kErrBusy:
      return "GO while busy";
    case kErrArgs:
      return "bad descriptor";
    default:
      return "unknown";
  }
}

void TtqAccelTlm::fail(uint32_t code) {
  if (err_code_ == dma_reg::kErrNone) err_code_ = code;
}

// ---- the pins, once per rising edge -----------------------------------------------------------

// Runs in the same delta as the RTL's clock edge, so every read sees the values the RTL sampled at
// this edge (its new outputs are not visible yet); every write is what it samples at the next edge.
void TtqAccelTlm::on_edge() {
  Pins& p = *pins_;
  ++cycle_;
  const sc_time now = sc_core::sc_time_stamp();
  if (rst_driven_) {
    // handshakes at this edge
    if (w_valid_q_ && p.w_tready.read()) {
      const bool last = w_fifo_.front().last;
      w_fifo_.pop_front();
      w_space_.notify(SC_ZERO_TIME);
      if (last) w_busy_ = false;
    }
    if (a_valid_q_ && p.a_tready.read()) {
      a_fifo_.pop_front();
      a_space_.notify(SC_ZERO_TIME);
    }
    if (r_ready_q_ && p.r_tvalid.read()) {
      const bool last = p.r_tlast.read();
      r_fifo_.push_back((p.r_tdata.read() & 0xffffu) | uint32_t(last) << dma_reg::kRecLast);
      r_data_.notify(SC_ZERO_TIME);
      if (last && ++r_vecs_seen_ == nvec_snoop_) {
        window_.last_result = now;
        window_.edges = uint64_t((now - window_.start) / opt_.period + 0.5);
        window_.valid = true;
      }
    }
    if (axil_phase_ == Phase::Resp) {
      const bool done = axil_write_ ? p.bvalid.read() : p.rvalid.read();
      if (done) {
        if (!axil_write_) axil_rdata_ = p.rdata.read();
        axil_resp_ = axil_write_ ? p.bresp.read() : p.rresp.read();
        axil_phase_ = Phase::Idle;
        axil_done_.notify(SC_ZERO_TIME);
      }
    } else if (axil_phase_ == Phase::Addr) {
      if (axil_write_ && awvalid_q_ && p.awready.read() && p.wready.read()) {
        axil_phase_ = Phase::Resp;
        if (axil_addr_ == hw::reg::kNvec) nvec_snoop_ = hw::reg::kNvecNvec.get(axil_data_);
        if (axil_addr_ == hw::reg::kCtrl && hw::reg::kCtrlStart.get(axil_data_)) {
          // START is registered at this edge; the run flag is set at the next one, from which on
          // PERF_TOTAL counts every edge up to the one that takes the last result beat.
          window_ = {};
          window_.start = now + opt_.period;
          r_vecs_seen_ = 0;
        }
      } else if (!axil_write_ && arvalid_q_ && p.arready.read()) {
        axil_phase_ = Phase::Resp;
      }
    }
  }
  // drive what the RTL samples at the next edge
  const bool rst = cycle_ <= uint64_t(opt_.reset_cycles);
  rst_driven_ = !rst;
  p.rst_ni.write(!rst);
  if (rst) return;
  if (axil_phase_ == Phase::Idle && axil_pending_) {
    axil_pending_ = false;
    axil_phase_ = Phase::Addr;
  }
  const bool addr_phase = axil_phase_ == Phase::Addr;
  awvalid_q_ = addr_phase && axil_write_;
  arvalid_q_ = addr_phase && !axil_write_;
  p.awvalid.write(awvalid_q_), p.wvalid.write(awvalid_q_);
  p.arvalid.write(arvalid_q_);
  p.awaddr.write(axil_addr_), p.araddr.write(axil_addr_);  // < dma_reg::kBase
  p.wdata.write(axil_data_), p.wstrb.write(axil_strb_);
  p.bready.write(true), p.rready.write(true);

  w_valid_q_ = !w_fifo_.empty();
  p.w_tvalid.write(w_valid_q_);
  p.w_tdata.write(w_valid_q_ ? w_fifo_.front().data : 0u);
  p.w_tlast.write(w_valid_q_ && w_fifo_.front().last);

  a_valid_q_ = !a_fifo_.empty();
  p.a_tvalid.write(a_valid_q_);
  p.a_tdata.write(a_valid_q_ ? a_fifo_.front().data : ABeatPin{});
  p.a_tlast.write(a_valid_q_ && a_fifo_.front().last);

  r_ready_q_ = r_fifo_.size() < opt_.r_fifo_beats;
  p.r_tready.write(r_ready_q_);

  // The RTL's interrupt is passed on once every result it sent is in memory (the FIFO is empty
  // and no write is in flight); a DMA error raises it at once.
  irq.write((p.irq_o.read() && results_drained()) || err_code_ != dma_reg::kErrNone);
}

// ---- DMA --------------------------------------------------------------------------------------

std::string transact(tlm::tlm_initiator_socket<>& socket, tlm::tlm_command cmd, uint64_t addr,
                     uint8_t* data, uint32_t len) {
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
  socket->b_transport(t, delay);
  wait(delay);  // a loosely timed initiator that syncs after every transaction
  if (!t.is_response_error()) return {};
  return std::string(cmd == tlm::TLM_READ_COMMAND ? "read" : "write") + " of " +
         std::to_string(len) + " bytes at " + hex(addr) + ": " + t.get_response_string();
}

bool TtqAccelTlm::mem_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len) {
  const std::string err = transact(dma, cmd, addr, data, len);
  if (err.empty()) return true;
  if (err_code_ == dma_reg::kErrNone) err_addr_ = uint32_t(addr);
  fail(dma_reg::kErrMemory);
  SC_REPORT_WARNING(name(), ("DMA " + err).c_str());
  return false;
}

// A failed read ends the transfer: nothing the memory did not deliver reaches the accelerator.
void TtqAccelTlm::w_thread() {
  std::vector<uint8_t>& buf = w_buf_;
  for (;;) {
    wait(w_go_);
    const uint32_t words = w_words_;
    for (uint32_t i = 0; i < words;) {
      const uint32_t n = std::min<uint32_t>(opt_.burst_bytes / 4, words - i);
      while (w_fifo_.size() + n > opt_.w_fifo_words) wait(w_space_);
      if (!mem_access(tlm::TLM_READ_COMMAND, uint64_t(w_addr_) + 4ull * i, buf.data(), 4 * n)) {
        w_busy_ = false;
        break;
      }
      for (uint32_t k = 0; k < n; ++k) {
        uint32_t w;
        std::memcpy(&w, buf.data() + 4 * k, 4);
        w_fifo_.push_back({w, i + k + 1 == words});
      }
      i += n;
    }
  }
}

void TtqAccelTlm::a_thread() {
  std::vector<uint8_t>& buf = a_buf_;
  const uint32_t per_burst = opt_.burst_bytes / kBeatBytes;
  for (;;) {
    wait(a_go_);
    const uint64_t beats = uint64_t(a_vec_beats_) * nvec_, vb = a_vec_beats_;
    for (uint64_t i = 0; i < beats;) {
      const uint32_t n = uint32_t(std::min<uint64_t>(per_burst, beats - i));
      // fetch as soon as the FIFO has room for the whole burst
      while (a_fifo_.size() + n > std::max<size_t>(opt_.a_fifo_beats, n)) wait(a_space_);
      if (!mem_access(tlm::TLM_READ_COMMAND, uint64_t(a_addr_) + kBeatBytes * i, buf.data(),
                      kBeatBytes * n))
        break;
      for (uint32_t k = 0; k < n; ++k) {
        a_fifo_.push_back({beat_pin(buf.data() + size_t(kBeatBytes) * k), (i + k + 1) % vb == 0});
      }
      i += n;
      if (i >= std::min<uint64_t>(vb, opt_.a_fifo_beats)) a_ready_ = true;
    }
    a_busy_ = false;
    a_ready_ = err_code_ == dma_reg::kErrNone;
  }
}

// Writes the result records of each vector (one per m_axis_r beat, in arrival order) with one
// burst at its tlast, or earlier when a burst is full; done after NVEC tlasts. A write error or a
// buffer overflow ends the transfer (the stream is then back-pressured; irq tells the CPU).
void TtqAccelTlm::r_thread() {
  std::vector<uint32_t>& buf = r_buf_;
  const size_t per_burst = opt_.burst_bytes / 4;
  for (;;) {
    wait(a_go_);
    r_fifo_.clear();
    const uint32_t vecs = nvec_, cap = r_max_;
    const uint64_t base = r_addr_;
    uint32_t v = 0, written = 0;
    buf.clear();
    while (v < vecs) {
      while (r_fifo_.empty()) wait(r_data_);
      const uint32_t rec = r_fifo_.front();
      r_fifo_.pop_front();
      const bool last = (rec >> dma_reg::kRecLast) & 1u;
      if (written + buf.size() >= cap) {
        fail(dma_reg::kErrResultOverflow);
        break;
      }
      buf.push_back(rec);
      v += last;
      if (!last && buf.size() < per_burst) continue;
      r_writing_ = true;
      const bool ok = mem_access(tlm::TLM_WRITE_COMMAND, base + 4ull * written,
                                 reinterpret_cast<uint8_t*>(buf.data()), uint32_t(4 * buf.size()));
      r_writing_ = false;
      if (!ok) break;
      written += uint32_t(buf.size());
      r_count_ = written;
      buf.clear();
    }
    r_busy_ = false;
  }
}

}  // namespace ttq::sc
