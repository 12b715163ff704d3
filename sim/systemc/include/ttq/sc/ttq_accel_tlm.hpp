// TtqAccelTlm: the Verilated rtl/ttq_accel as a TLM-2.0 component for a SystemC virtual platform.
// A target socket carries the AXI4-Lite register block (each access is run on the pins, cycle by
// cycle) plus the wrapper's DMA registers; an initiator socket is the DMA's master port to system
// memory (weight words and activation windows in, result records out); irq is a level interrupt
// (the accelerator's, once its results are in memory, or a DMA error). docs/SYSTEMC.md.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <type_traits>
#include <vector>

#include "ttq/hw_contract.hpp"
#include "ttq/schedule.hpp"

class Vttq_accel_sc;  // Verilated model (--sc, PREFIX Vttq_accel_sc)

namespace ttq::sc {

std::string hex(uint64_t v);  // "0x..." for messages
// One blocking transaction of `len` bytes through an initiator socket, waiting out the annotated
// delay; returns "" or what failed ("read of N bytes at 0x...: <response status>").
std::string transact(tlm::tlm_initiator_socket<>& socket, tlm::tlm_command cmd, uint64_t addr,
                     uint8_t* data, uint32_t len);

// The wrapper's DMA registers, after the accelerator's own (ttq::hw::reg, docs/REGISTERS.md) in
// the same 4 KiB window: the RTL's 12-bit AXI4-Lite port sees offsets below kBase.
namespace dma_reg {
inline constexpr uint32_t kWindow = 0x1000;      // the component's register window
inline constexpr uint32_t kBase = 0x800;         // 0x000..0x7FF go to the RTL's AXI4-Lite port
inline constexpr uint32_t kCtrl = 0x800;         // WO: bit0 W_GO, bit1 A_GO
inline constexpr uint32_t kStatus = 0x804;       // RO: see kSt*
inline constexpr uint32_t kWAddr = 0x808;        // RW: program (weight stream) address, 4-aligned
inline constexpr uint32_t kWWords = 0x80C;       // RW: program length in 32-bit words
inline constexpr uint32_t kAAddr = 0x810;        // RW: activation beats, beat-aligned
inline constexpr uint32_t kAVecBeats = 0x814;    // RW: beats per vector (tlast every that many)
inline constexpr uint32_t kNvec = 0x818;         // RW: vectors to fetch (NVEC tlasts end a run)
inline constexpr uint32_t kRAddr = 0x81C;        // RW: result records, 4-aligned
inline constexpr uint32_t kRMax = 0x820;         // RW: capacity of the result buffer in records
inline constexpr uint32_t kRCount = 0x824;       // RO: result records written since A_GO
inline constexpr uint32_t kErrCode = 0x828;      // RO: see kErr*
inline constexpr uint32_t kErrAddr = 0x82C;      // RO: address of the failed memory transaction
inline constexpr uint32_t kLayerCycles = 0x830;  // RO: clock edges START -> last result beat

inline constexpr uint32_t kCtrlWGo = 1u, kCtrlAGo = 2u;
// A_READY: the activation FIFO holds the first vector (or is full); START after it and no
// memory latency shows up in the layer's cycles.
inline constexpr uint32_t kStWBusy = 1u, kStABusy = 2u, kStRBusy = 4u, kStErr = 8u, kStAReady = 16u;
inline constexpr uint32_t kErrNone = 0, kErrMemory = 1, kErrResultOverflow = 2, kErrBusy = 4,
                          kErrArgs = 5;
// A result record: one m_axis_r beat as a 32-bit little-endian word, tdata in bits 15:0 and
// tlast in bit kRecLast.
inline constexpr uint32_t kRecLast = 16;
const char* err_name(uint32_t code);
}  // namespace dma_reg

// The Verilated model has the contract's default parameters; one activation beat is one window.
inline constexpr int kBeatBytes = hw::kDefGroups * hw::kDefGroupSize;
static_assert(16 % kBeatBytes == 0, "a DMA burst (a multiple of 16 bytes) must hold whole beats");
// Verilator's SystemC type for the s_axis_a_tdata pin: uint32_t up to 32 bits, uint64_t up to 64,
// sc_bv<N> above.
inline constexpr int kBeatBits = kBeatBytes * 8;
using ABeatPin =
    std::conditional_t<(kBeatBits > 64), sc_dt::sc_bv<kBeatBits>,
                       std::conditional_t<(kBeatBits > 32), uint64_t, uint32_t>>;

struct TlmOptions {
  sc_core::sc_time period{5, sc_core::SC_NS};  // clock period of the accelerator
  ArrayConfig cfg;             // must equal the Verilated parameters (the driver checks HWCFG*)
  uint32_t burst_bytes = 256;  // DMA burst (one TLM transaction)
  size_t w_fifo_words = 256;   // weight FIFO in front of s_axis_w
  size_t a_fifo_beats = 64;    // activation FIFO in front of s_axis_a
  size_t r_fifo_beats = 64;    // result FIFO behind m_axis_r
  int reset_cycles = 4;
};

// Timestamps of the last layer seen on the pins (clock edges, simulated time).
struct LayerWindow {
  sc_core::sc_time start;        // edge at which the run starts (one after the START write)
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
    ABeatPin data;  // the s_axis_a_tdata pin value: byte k of the window in bits 8k+7:8k
    bool last;
  };
  enum class Phase { Idle, Addr, Resp };

  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
  // One AXI4-Lite access on the pins: the read data (0 for a write) and the response (bresp/rresp).
  std::pair<uint32_t, uint32_t> axil_access(bool write, uint32_t addr, uint32_t data,
                                            uint32_t strb);
  uint32_t dma_reg_read(uint32_t addr);
  void dma_reg_write(uint32_t addr, uint32_t data);
  void on_edge();   // SC_METHOD on the rising clock edge: every pin of the RTL
  void w_thread();  // DMA: program words, memory -> s_axis_w
  void a_thread();  // DMA: activation beats, memory -> s_axis_a
  void r_thread();  // DMA: m_axis_r -> result records in memory
  // false (and DMA_STATUS.ERR, DMA_ERR_CODE = memory, DMA_ERR_ADDR) on an error response
  bool mem_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len);
  void fail(uint32_t code);
  bool results_drained() const { return r_fifo_.empty() && !r_writing_; }

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
  uint32_t axil_addr_ = 0, axil_data_ = 0, axil_strb_ = 0, axil_rdata_ = 0, axil_resp_ = 0;
  bool awvalid_q_ = false, arvalid_q_ = false;
  // streams
  std::deque<WordBeat> w_fifo_;
  std::deque<ActBeat> a_fifo_;
  std::deque<uint32_t> r_fifo_;  // result records
  // the engines' burst buffers (members: SystemC never unwinds the threads' stacks)
  std::vector<uint8_t> w_buf_, a_buf_;
  std::vector<uint32_t> r_buf_;
  bool w_valid_q_ = false, a_valid_q_ = false, r_ready_q_ = false;
  sc_core::sc_event w_space_, a_space_, r_data_, w_go_, a_go_;
  // DMA registers and state
  uint32_t w_addr_ = 0, w_words_ = 0, a_addr_ = 0, a_vec_beats_ = 0, nvec_ = 0, r_addr_ = 0,
           r_max_ = 0, r_count_ = 0, err_code_ = 0, err_addr_ = 0;
  bool w_busy_ = false, a_busy_ = false, r_busy_ = false, a_ready_ = false, r_writing_ = false;
  // layer timing (snooped from the register port and the result stream)
  uint32_t nvec_snoop_ = 0, r_vecs_seen_ = 0;
  LayerWindow window_;
};

}  // namespace ttq::sc
