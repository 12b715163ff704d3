// TtqAccelTlm: the Verilated rtl/ttq_accel as a TLM-2.0 component for a SystemC virtual platform.
// A target socket carries the AXI4-Lite register block (each access is run on the pins, cycle by
// cycle) plus the wrapper's DMA registers; an initiator socket is the DMA's master port to system
// memory (weights and activations in, results out); irq is a level interrupt. docs/SYSTEMC.md.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>

#include "ttq/cycle_model.hpp"

class Vttq_accel_sc;  // Verilated model (--sc, PREFIX Vttq_accel_sc)

namespace ttq::sc {

// Wrapper registers, after the accelerator's own (docs/REGISTERS.md) in the same 4 KiB window.
namespace dma_reg {
inline constexpr uint32_t kBase = 0x800;         // 0x000..0x7FF go to the RTL's AXI4-Lite port
inline constexpr uint32_t kCtrl = 0x800;         // WO: bit0 W_GO, bit1 A_GO
inline constexpr uint32_t kStatus = 0x804;       // RO: see kSt*
inline constexpr uint32_t kWAddr = 0x808;        // RW: program (weight stream) address, 4-aligned
inline constexpr uint32_t kWWords = 0x80C;       // RW: program length in 32-bit words
inline constexpr uint32_t kAAddr = 0x810;        // RW: activations, 16-aligned, one beat = 16 B
inline constexpr uint32_t kAVecBeats = 0x814;    // RW: beats per vector (tlast every that many)
inline constexpr uint32_t kNvec = 0x818;         // RW: vectors to fetch and results to write back
inline constexpr uint32_t kRAddr = 0x81C;        // RW: result row 0 address
inline constexpr uint32_t kRStride = 0x820;      // RW: bytes between result rows
inline constexpr uint32_t kROuts = 0x824;        // RW: outputs per vector (ids 0..R_OUTS-1)
inline constexpr uint32_t kRDone = 0x828;        // RO: result rows written since A_GO
inline constexpr uint32_t kErrCode = 0x82C;      // RO: see kErr*
inline constexpr uint32_t kLayerCycles = 0x830;  // RO: clock edges START -> last result beat
inline constexpr uint32_t kEnd = 0x834;

inline constexpr uint32_t kCtrlWGo = 1u, kCtrlAGo = 2u;
// A_READY: the activation FIFO holds the first vector (or is full); START after it and no
// memory latency shows up in the layer's cycles.
inline constexpr uint32_t kStWBusy = 1u, kStABusy = 2u, kStRBusy = 4u, kStErr = 8u, kStAReady = 16u;
inline constexpr uint32_t kErrNone = 0, kErrMemory = 1, kErrResultId = 2, kErrResultCount = 3,
                          kErrBusy = 4, kErrArgs = 5;
}  // namespace dma_reg

struct TlmOptions {
  sc_core::sc_time period{5, sc_core::SC_NS};  // clock period of the accelerator
  ArrayConfig cfg;             // must equal the Verilated parameters (a driver checks HWCFG*)
  uint32_t burst_bytes = 256;  // DMA read burst (one TLM transaction)
  size_t w_fifo_words = 256;   // weight FIFO in front of s_axis_w
  size_t a_fifo_beats = 64;    // activation FIFO in front of s_axis_a
  size_t r_fifo_beats = 64;    // result FIFO behind m_axis_r
  int reset_cycles = 4;
};

// Timestamps of the last layer seen on the pins (clock edges, simulated time).
struct LayerWindow {
  sc_core::sc_time start;        // edge at which the START write was accepted
  sc_core::sc_time last_result;  // edge at which the last result beat (NVEC-th tlast) was taken
  uint64_t edges = 0;            // (last_result - start) / period
  bool valid = false;
};

class TtqAccelTlm : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TtqAccelTlm> regs;    // 4 KiB: RTL registers + DMA registers
  tlm_utils::simple_initiator_socket<TtqAccelTlm> dma;  // to system memory
  sc_core::sc_out<bool> irq;  // RTL irq_o (held back until results are in memory) | DMA error

  TtqAccelTlm(sc_core::sc_module_name name, const TlmOptions& opt);
  ~TtqAccelTlm() override;
  TtqAccelTlm(const TtqAccelTlm&) = delete;
  TtqAccelTlm& operator=(const TtqAccelTlm&) = delete;

  const TlmOptions& options() const { return opt_; }
  const sc_core::sc_time& period() const { return opt_.period; }
  uint64_t cycles() const { return cycle_; }  // rising edges since the start of simulation
  const LayerWindow& last_layer() const { return window_; }

 private:
  struct Pins;
  struct WordBeat {
    uint32_t data;
    bool last;
  };
  struct ActBeat {
    uint32_t w[4];
    bool last;
  };
  struct ResBeat {
    uint32_t data;
    uint8_t keep;
    bool last;
  };
  enum class Phase { Idle, Addr, Resp };

  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  uint32_t axil_access(bool write, uint32_t addr, uint32_t data, uint32_t strb);
  uint32_t dma_reg_read(uint32_t addr);
  void dma_reg_write(uint32_t addr, uint32_t data);
  void on_edge();   // SC_METHOD on the rising clock edge: every pin of the RTL
  void w_thread();  // DMA: program words, memory -> s_axis_w
  void a_thread();  // DMA: activation beats, memory -> s_axis_a
  void r_thread();  // DMA: m_axis_r -> result rows in memory
  void mem_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len);
  void fail(uint32_t code);

  TlmOptions opt_;
  sc_core::sc_clock clk_;
  std::unique_ptr<Pins> pins_;
  std::unique_ptr<Vttq_accel_sc> rtl_;

  uint64_t cycle_ = 0;
  bool rst_driven_ = false;  // rst_ni value the RTL samples at the next edge
  // AXI4-Lite master
  sc_core::sc_mutex axil_mutex_;
  sc_core::sc_event axil_done_;
  Phase axil_phase_ = Phase::Idle;
  bool axil_pending_ = false, axil_write_ = false;
  uint32_t axil_addr_ = 0, axil_data_ = 0, axil_strb_ = 0, axil_rdata_ = 0;
  bool awvalid_q_ = false, arvalid_q_ = false;
  // streams
  std::deque<WordBeat> w_fifo_;
  std::deque<ActBeat> a_fifo_;
  std::deque<ResBeat> r_fifo_;
  bool w_valid_q_ = false, a_valid_q_ = false, r_ready_q_ = false;
  sc_core::sc_event w_space_, a_space_, r_data_, w_go_, a_go_, dma_idle_;
  // DMA registers and state
  uint32_t w_addr_ = 0, w_words_ = 0, a_addr_ = 0, a_vec_beats_ = 0, nvec_ = 0, r_addr_ = 0,
           r_stride_ = 0, r_outs_ = 0, r_done_ = 0, err_code_ = 0;
  bool w_busy_ = false, a_busy_ = false, r_busy_ = false, a_ready_ = false;
  // layer timing (snooped from the register port and the result stream)
  uint32_t nvec_snoop_ = 0, r_vecs_seen_ = 0;
  LayerWindow window_;
};

}  // namespace ttq::sc
