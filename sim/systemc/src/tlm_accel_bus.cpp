#include "ttq/sc/tlm_accel_bus.hpp"

#include <cstring>

#include "ttq/sc/ttq_accel_tlm.hpp"

namespace ttq::sc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

TlmAccelBus::TlmAccelBus(std::string who, tlm::tlm_initiator_socket<>& socket,
                         sc_core::sc_in<bool>& irq, const BusMap& map, sc_time period)
    : who_(std::move(who)), socket_(socket), irq_(irq), map_(map), period_(period) {
  if (map_.mem_size < 4096 || map_.mem_base + map_.mem_size > (uint64_t{1} << 32))
    throw std::invalid_argument(who_ + ": memory [" + hex(map_.mem_base) + ", +" +
                                hex(map_.mem_size) + ") must be >= 4 KiB and below 4 GiB " +
                                "(32-bit DMA addresses)");
}

void TlmAccelBus::access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len) {
  if (const std::string err = transact(socket_, cmd, addr, data, len); !err.empty())
    throw std::runtime_error(who_ + ": bus " + err);
}

void TlmAccelBus::write_reg(uint32_t addr, uint32_t value) {
  access(tlm::TLM_WRITE_COMMAND, map_.accel_base + addr, reinterpret_cast<uint8_t*>(&value), 4);
}

uint32_t TlmAccelBus::read_reg(uint32_t addr) {
  uint32_t v = 0;
  access(tlm::TLM_READ_COMMAND, map_.accel_base + addr, reinterpret_cast<uint8_t*>(&v), 4);
  return v;
}

void TlmAccelBus::mem_write(uint64_t offset, const void* data, size_t len) {
  if (offset > map_.mem_size || len > map_.mem_size - offset)
    throw std::invalid_argument(who_ + ": " + std::to_string(len) + " bytes at memory offset " +
                                hex(offset) + " do not fit " + hex(map_.mem_size) + " bytes");
  std::vector<uint8_t> buf(static_cast<const uint8_t*>(data),
                           static_cast<const uint8_t*>(data) + len);
  access(tlm::TLM_WRITE_COMMAND, map_.mem_base + offset, buf.data(), uint32_t(len));
}

void TlmAccelBus::mem_read(uint64_t offset, void* data, size_t len) {
  access(tlm::TLM_READ_COMMAND, map_.mem_base + offset, static_cast<uint8_t*>(data), uint32_t(len));
}

uint32_t TlmAccelBus::dma_addr(BadDma stream, uint64_t offset) const {
  return uint32_t(map_.mem_base + (bad_ == stream ? map_.mem_size : offset));
}

void TlmAccelBus::check_dma(const std::string& during) {
  if (!(read_reg(dma_reg::kStatus) & dma_reg::kStErr)) return;
  const uint32_t code = read_reg(dma_reg::kErrCode), addr = read_reg(dma_reg::kErrAddr);
  throw DmaError(who_ + ": DMA error during " + during + ": DMA_ERR_CODE " + std::to_string(code) +
                     " (" + dma_reg::err_name(code) + ") at " + hex(addr) +
                     (irq_.read() ? ", interrupt raised" : ", NO interrupt"),
                 code, addr, irq_.read(), sc_core::sc_time_stamp());
}

void TlmAccelBus::send_weights(std::span<const uint32_t> words) {
  if (4 * words.size() > region(1))
    throw std::invalid_argument(who_ + ": a program of " + std::to_string(words.size()) +
                                " words does not fit the weight region");
  mem_write(region(0), words.data(), 4 * words.size());
  write_reg(dma_reg::kWAddr, dma_addr(BadDma::Weights, region(0)));
  write_reg(dma_reg::kWWords, uint32_t(words.size()));
  write_reg(dma_reg::kCtrl, dma_reg::kCtrlWGo);
  // The accelerator takes a word per cycle: poll every 16 cycles, give up far beyond that.
  for (size_t i = 0;; ++i) {
    const uint32_t st = read_reg(dma_reg::kStatus);
    if (st & dma_reg::kStErr) break;
    if (!(st & dma_reg::kStWBusy)) return;
    if (i > 1000 + words.size())
      throw std::runtime_error(who_ + ": weight DMA did not finish (" +
                               std::to_string(words.size()) + " words)");
    wait(period_ * 16.0);
  }
  check_dma("the weight stream");
}

void TlmAccelBus::stage_activations(std::span<const uint8_t> beats, int beat_bytes,
                                    std::span<const uint8_t> tlast) {
  // The DMA puts tlast on every A_VEC_BEATS-th beat: the pattern must be that regular.
  if (beat_bytes != kBeatBytes || beats.size() != tlast.size() * size_t(beat_bytes))
    throw std::invalid_argument(who_ + ": " + std::to_string(beats.size()) + " bytes of " +
                                std::to_string(beat_bytes) + "-byte beats for " +
                                std::to_string(tlast.size()) + " beats; the DMA sends " +
                                std::to_string(kBeatBytes) + "-byte beats");
  size_t vb = 0;
  while (vb < tlast.size() && !tlast[vb]) ++vb;
  ++vb;
  for (size_t i = 0; i < tlast.size(); ++i)
    if (bool(tlast[i]) != ((i + 1) % vb == 0) || tlast.size() % vb != 0)
      throw std::invalid_argument(who_ + ": activation tlast at beat " + std::to_string(i) +
                                  " breaks the DMA's fixed vector length of " + std::to_string(vb) +
                                  " beats");
  if (beats.size() > region(1))
    throw std::invalid_argument(who_ + ": " + std::to_string(beats.size()) +
                                " bytes of activations do not fit the activation region");
  mem_write(region(1), beats.data(), beats.size());
  write_reg(dma_reg::kAAddr, dma_addr(BadDma::Activations, region(1)));
  write_reg(dma_reg::kAVecBeats, uint32_t(vb));
  write_reg(dma_reg::kNvec, uint32_t(tlast.size() / vb));
  write_reg(dma_reg::kRAddr, dma_addr(BadDma::Results, region(2)));
  write_reg(dma_reg::kRMax, uint32_t(region(1) / 4));
  write_reg(dma_reg::kCtrl, dma_reg::kCtrlAGo);
  for (size_t i = 0; !(read_reg(dma_reg::kStatus) & (dma_reg::kStAReady | dma_reg::kStErr)); ++i) {
    if (i > 1000 + tlast.size())
      throw std::runtime_error(who_ + ": activation DMA did not prefetch");
    wait(period_ * 4.0);
  }
  check_dma("the activation prefetch");
  staged_ = true;
}

std::vector<ResultBeat> TlmAccelBus::stream_layer(std::span<const uint8_t> beats, int beat_bytes,
                                                  std::span<const uint8_t> tlast, double budget) {
  if (!staged_) stage_activations(beats, beat_bytes, tlast);
  staged_ = false;
  const sc_time t0 = sc_core::sc_time_stamp(), timeout = period_ * budget;
  if (!irq_.read()) wait(timeout, irq_.posedge_event());
  if (!irq_.read())
    throw std::runtime_error(who_ + ": no interrupt within " + timeout.to_string() + " of START (" +
                             std::to_string(tlast.size()) + " beats)");
  irq_latency_ = sc_core::sc_time_stamp() - t0;
  check_dma("the layer");
  const uint32_t n = read_reg(dma_reg::kRCount);
  std::vector<uint32_t> rec(n);
  if (n) mem_read(region(2), rec.data(), 4 * size_t(n));
  std::vector<ResultBeat> out(n);
  for (uint32_t i = 0; i < n; ++i)
    out[i] = {uint16_t(rec[i]), bool((rec[i] >> dma_reg::kRecLast) & 1u)};
  return out;
}

}  // namespace ttq::sc
