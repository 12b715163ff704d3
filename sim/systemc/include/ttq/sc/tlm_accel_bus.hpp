// TlmAccelBus: the shared driver's AccelBus (ttq/accel_driver.hpp) over TLM-2.0, used from a CPU
// thread of a SystemC platform. Register accesses are transactions to TtqAccelTlm's register
// window; the weight stream and the activation/result streams are DMA programs through system
// memory (the wrapper's DMA registers, ttq_accel_tlm.hpp). docs/SYSTEMC.md.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "ttq/accel_driver.hpp"

namespace ttq::sc {

// System addresses of the memory and of the accelerator's register window. The DMA buffers are
// three regions of mem_size / 4 bytes from mem_base: weights, activations, result records.
struct BusMap {
  uint64_t mem_base = 0, mem_size = 0, accel_base = 0;
};

// The platform reported a DMA error (DMA_STATUS.ERR): what the CPU read when it saw it.
class DmaError : public std::runtime_error {
 public:
  DmaError(const std::string& what, uint32_t code, uint32_t addr, bool irq, sc_core::sc_time at)
      : std::runtime_error(what), code(code), addr(addr), irq(irq), at(at) {}
  uint32_t code, addr;  // DMA_ERR_CODE, DMA_ERR_ADDR
  bool irq;             // the interrupt line was raised
  sc_core::sc_time at;  // when the CPU saw it
};

// The directed bus-error test: one DMA descriptor points past the end of memory.
enum class BadDma { None, Weights, Activations, Results };

class TlmAccelBus : public AccelBus {
 public:
  TlmAccelBus(std::string who, tlm::tlm_initiator_socket<>& socket, sc_core::sc_in<bool>& irq,
              const BusMap& map, sc_core::sc_time period);

  void write_reg(uint32_t addr, uint32_t value) override;
  uint32_t read_reg(uint32_t addr) override;
  // Program into memory, W_GO, poll DMA_STATUS until the last word is taken. Throws DmaError.
  void send_weights(std::span<const uint32_t> words) override;
  // Beats into memory, activation/result descriptors, A_GO, poll DMA_STATUS.A_READY.
  void stage_activations(std::span<const uint8_t> beats, int beat_bytes,
                         std::span<const uint8_t> tlast) override;
  // Waits for irq (at most budget clock periods), then reads the result records from memory.
  std::vector<ResultBeat> stream_layer(std::span<const uint8_t> beats, int beat_bytes,
                                       std::span<const uint8_t> tlast, double budget) override;

  void set_bad_dma(BadDma which) { bad_ = which; }
  // START -> interrupt seen, of the last stream_layer.
  sc_core::sc_time irq_latency() const { return irq_latency_; }
  // Plain memory accesses of the CPU (system address mem_base + offset).
  void mem_write(uint64_t offset, const void* data, size_t len);
  void mem_read(uint64_t offset, void* data, size_t len);

 private:
  void access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len);
  uint64_t region(int k) const { return uint64_t(k) * (map_.mem_size / 4); }
  // The system address a descriptor gets: the region's, or past the end of memory.
  uint32_t dma_addr(BadDma stream, uint64_t offset) const;
  void check_dma(const std::string& during);  // throws DmaError if DMA_STATUS.ERR

  std::string who_;
  tlm::tlm_initiator_socket<>& socket_;
  sc_core::sc_in<bool>& irq_;
  BusMap map_;
  sc_core::sc_time period_, irq_latency_;
  BadDma bad_ = BadDma::None;
  bool staged_ = false;
};

}  // namespace ttq::sc
