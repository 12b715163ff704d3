// ttq_accel: N:M group-sparse ternary PE array for TTQ layers (docs/ARCHITECTURE.md,
// docs/REGISTERS.md, register map and codes in rtl/contract/ttq_contract.json).
//
// Weights arrive as a compiled program on s_axis_w: a list of steps, each holding, for every PE,
// Groups x GroupNnz slots {code, index in group} and a descriptor (window advance, last of round),
// plus the output parameters of every output of the pass. Activation vectors arrive on s_axis_a,
// one window of Groups x GroupSize bytes per beat, and are broadcast to all PEs: per step every
// PE adds the window bytes its slots select into its P (+1) or N (-1) sum. Each PE owns one output
// per round; a vector takes ROUNDS rounds. Results leave one per beat on m_axis_r, in channel
// order. A layer trained N:M needs one step per window; a group with more than GroupNnz nonzeros
// takes extra steps, and windows with no nonzero weight in any PE are skipped.
// Reset: rst_ni is active-low and synchronous to clk_i; it clears every control flop. CTRL.SOFT_RESET
// resets every control flop outside the register block's bus state and configuration (core_rst_n)
// for one cycle: the accelerator returns to idle from any state. Memories
// (weights, descriptors, activations, output parameters) are sram_array instances (SRAM macros).
module ttq_accel
#(
  parameter int unsigned NumPes    = ttq_pkg::DefNumPes,
  parameter int unsigned GroupSize = ttq_pkg::DefGroupSize,
  parameter int unsigned GroupNnz  = ttq_pkg::DefGroupNnz,
  parameter int unsigned Groups    = ttq_pkg::DefGroups,
  parameter int unsigned MaxFanIn  = ttq_pkg::DefMaxFanIn,
  parameter int unsigned MaxOuts   = ttq_pkg::DefMaxOuts,
  parameter int unsigned WDepth    = ttq_pkg::DefWDepth,
  parameter int unsigned AccW      = $clog2(255 * MaxFanIn + 1),  // P, N <= 255 * fan-in
  localparam int unsigned WinBytes = Groups * GroupSize,
  localparam int unsigned BeatW    = WinBytes * 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // AXI4-Lite slave: registers
  input  logic [11:0]       s_axil_awaddr_i,
  input  logic              s_axil_awvalid_i,
  output logic              s_axil_awready_o,
  input  logic [31:0]       s_axil_wdata_i,
  input  logic [3:0]        s_axil_wstrb_i,
  input  logic              s_axil_wvalid_i,
  output logic              s_axil_wready_o,
  output logic [1:0]        s_axil_bresp_o,
  output logic              s_axil_bvalid_o,
  input  logic              s_axil_bready_i,
  input  logic [11:0]       s_axil_araddr_i,
  input  logic              s_axil_arvalid_i,
  output logic              s_axil_arready_o,
  output logic [31:0]       s_axil_rdata_o,
  output logic [1:0]        s_axil_rresp_o,
  output logic              s_axil_rvalid_o,
  input  logic              s_axil_rready_i,
  // AXI4-Stream: program (weights)
  input  logic [31:0]       s_axis_w_tdata_i,
  input  logic              s_axis_w_tvalid_i,
  output logic              s_axis_w_tready_o,
  input  logic              s_axis_w_tlast_i,
  // AXI4-Stream: activations, one window per beat
  input  logic [BeatW-1:0]  s_axis_a_tdata_i,
  input  logic              s_axis_a_tvalid_i,
  output logic              s_axis_a_tready_o,
  input  logic              s_axis_a_tlast_i,
  // AXI4-Stream: results, {id, y} per beat
  output logic [15:0]       m_axis_r_tdata_o,
  output logic              m_axis_r_tvalid_o,
  input  logic              m_axis_r_tready_i,
  output logic              m_axis_r_tlast_o,
  output logic              irq_o
);
  localparam int unsigned Slots    = Groups * GroupNnz;
  localparam int unsigned SlotBits = ttq_pkg::SlotBits(GroupSize, GroupNnz);  // ttq_pe's slot format
  localparam int unsigned PeBits   = Slots * SlotBits;
  localparam int unsigned SlotW    = NumPes * PeBits;
  localparam int unsigned SlotCols = (SlotW + 31) / 32;
  localparam int unsigned MaxWins  = (MaxFanIn + WinBytes - 1) / WinBytes;
  localparam int unsigned WinW     = MaxWins > 1 ? $clog2(MaxWins) : 1;
  localparam int unsigned WAddrW   = $clog2(WDepth);
  localparam int unsigned PAddrW   = MaxOuts > 1 ? $clog2(MaxOuts) : 1;
  localparam int unsigned PeNnzW   = $clog2(Slots + 1);
  localparam int unsigned NnzW     = $clog2(NumPes * Slots + 1);

  // ---------------- elaboration checks ----------------
  if (NumPes < 1 || NumPes > 128) begin : gen_chk_pes
    $error("ttq_accel: NumPes must be 1..128, got %0d", NumPes);
  end
  if (GroupSize < 1 || GroupSize > 15 || (GroupSize & (GroupSize - 1)) != 0) begin : gen_chk_m
    $error("ttq_accel: GroupSize (M) must be a power of 2 below 16, got %0d", GroupSize);
  end
  if (GroupNnz < 1 || GroupNnz > GroupSize) begin : gen_chk_n
    $error("ttq_accel: GroupNnz (N) must be 1..GroupSize, got %0d", GroupNnz);
  end
  if (Groups < 1 || (WinBytes & (WinBytes - 1)) != 0 || WinBytes > 64) begin : gen_chk_g
    $error("ttq_accel: Groups*GroupSize must be a power of 2 up to 64, got %0d", WinBytes);
  end
  if (MaxFanIn < 2 || MaxFanIn > 65535 || MaxFanIn % WinBytes != 0) begin : gen_chk_fan
    $error("ttq_accel: MaxFanIn must be 2..65535 and a multiple of %0d, got %0d", WinBytes,
           MaxFanIn);
  end
  if (MaxOuts < 1 || MaxOuts > 256 || MaxOuts % NumPes != 0) begin : gen_chk_outs
    $error("ttq_accel: MaxOuts must be 1..256 and a multiple of NumPes, got %0d", MaxOuts);
  end
  if (WDepth < 2 || (WDepth & (WDepth - 1)) != 0 || WDepth > 32768) begin : gen_chk_wdepth
    $error("ttq_accel: WDepth must be a power of 2, 2..32768, got %0d", WDepth);
  end
  if (AccW != $clog2(255 * MaxFanIn + 1)) begin : gen_chk_acc
    $error("ttq_accel: AccW must be clog2(255 * MaxFanIn + 1): P and N are sums of <= MaxFanIn bytes");
  end

  // ---------------- registers ----------------
  logic              start, run_q, done, srst, core_rst_n;
  logic [WinW:0]     wins;
  logic [7:0]        rounds, last_outs;
  logic [31:0]       nvec;
  logic              relu;
  logic [15:0]       nsteps, nparams;
  logic              wl_err, wl_first, wl_beat, wl_active, act_err;
  logic [3:0]        wl_err_code;
  logic              busy_inc_q, stall_inc_q, result_inc;
  logic [NnzW-1:0]   nnz_inc_q;

  ttq_regs #(
    .NumPes(NumPes), .GroupSize(GroupSize), .GroupNnz(GroupNnz), .Groups(Groups),
    .MaxFanIn(MaxFanIn), .MaxOuts(MaxOuts), .WDepth(WDepth), .WinW(WinW), .NnzW(NnzW)
  ) u_regs (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o, .s_axil_wdata_i, .s_axil_wstrb_i,
    .s_axil_wvalid_i, .s_axil_wready_o, .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o, .s_axil_rdata_o, .s_axil_rresp_o,
    .s_axil_rvalid_o, .s_axil_rready_i,
    .nsteps_i      (nsteps),
    .nparams_i     (nparams),
    .start_o       (start),
    .srst_o        (srst),
    .run_i         (run_q),
    .done_i        (done),
    .wins_o        (wins),
    .rounds_o      (rounds),
    .last_outs_o   (last_outs),
    .nvec_o        (nvec),
    .relu_o        (relu),
    .busy_inc_i    (busy_inc_q),
    .stall_inc_i   (stall_inc_q),
    .nnz_inc_i     (nnz_inc_q),
    .results_inc_i (result_inc),
    .err_i         (wl_err || act_err),
    .err_code_i    (act_err ? ttq_pkg::ErrActTlast : wl_err_code),
    .wl_first_i    (wl_first),
    .wl_beat_i     (wl_beat),
    .wl_active_i   (wl_active),
    .irq_o
  );

  // Everything but the register block's bus state and configuration restarts on a soft reset.
  assign core_rst_n = rst_ni && !srst;

  // A run of zero vectors is done at once.
  logic drain_done;
  assign done = drain_done || (run_q && nvec == '0);
  always_ff @(posedge clk_i) begin
    if (!core_rst_n) run_q <= 1'b0;
    else if (start) run_q <= 1'b1;
    else if (done) run_q <= 1'b0;
  end

  // ---------------- weight loader and memories ----------------
  logic                slot_we, desc_we, par_we;
  logic [SlotCols-1:0] slot_wmask;
  logic [2:0]          par_wmask;
  logic [WAddrW-1:0]   w_waddr;
  logic [PAddrW-1:0]   par_waddr;
  logic [31:0]         w_wdata;

  ttq_wload #(.SlotW(SlotW), .WDepth(WDepth), .MaxOuts(MaxOuts)) u_wload (
    .clk_i,
    .rst_ni            (core_rst_n),
    .run_i             (run_q),
    .s_axis_w_tdata_i, .s_axis_w_tvalid_i, .s_axis_w_tready_o, .s_axis_w_tlast_i,
    .slot_we_o         (slot_we),
    .slot_wmask_o      (slot_wmask),
    .desc_we_o         (desc_we),
    .w_waddr_o         (w_waddr),
    .w_wdata_o         (w_wdata),
    .par_we_o          (par_we),
    .par_wmask_o       (par_wmask),
    .par_waddr_o       (par_waddr),
    .nsteps_o          (nsteps),
    .nparams_o         (nparams),
    .err_o             (wl_err),
    .err_code_o        (wl_err_code),
    .first_o           (wl_first),
    .beat_o            (wl_beat),
    .active_o          (wl_active)
  );

  logic              issue, words_re, d_re;
  logic [WAddrW-1:0] d_raddr, w_raddr;
  logic [7:0]        d_rdata;
  logic [SlotW-1:0]  slot_rdata;
  logic [WinW:0]     a_raddr, a_waddr;
  logic [BeatW-1:0]  a_rdata, a_wdata;
  logic              a_we;

  // Every column sees the loader's word; the column mask picks the one written.
  logic [SlotCols*32-1:0] slot_wdata;
  assign slot_wdata = {SlotCols{w_wdata}};
  sram_array #(.Width(SlotW), .Depth(WDepth)) u_wmem (
    .clk_i, .we_i(slot_we), .wmask_i(slot_wmask), .waddr_i(w_waddr),
    .wdata_i(slot_wdata[SlotW-1:0]),
    .re_i(words_re), .raddr_i(w_raddr), .rdata_o(slot_rdata)
  );
  sram_array #(.Width(8), .Depth(WDepth)) u_dmem (
    .clk_i, .we_i(desc_we), .wmask_i(1'b1), .waddr_i(w_waddr), .wdata_i(w_wdata[7:0]),
    .re_i(d_re), .raddr_i(d_raddr), .rdata_o(d_rdata)
  );
  sram_array #(.Width(BeatW), .Depth(2 * (1 << WinW))) u_amem (
    .clk_i, .we_i(a_we), .wmask_i('1), .waddr_i(a_waddr), .wdata_i(a_wdata),
    .re_i(words_re), .raddr_i(a_raddr), .rdata_o(a_rdata)
  );

  // ---------------- activations in ----------------
  logic [1:0] full;
  logic       release_bank, rel_bank;
  ttq_feeder #(.BeatW(BeatW), .WinW(WinW)) u_feeder (
    .clk_i,
    .rst_ni  (core_rst_n),
    .start_i (start),
    .run_i   (run_q),
    .wins_i  (wins),
    .nvec_i  (nvec),
    .s_axis_a_tdata_i, .s_axis_a_tvalid_i, .s_axis_a_tready_o, .s_axis_a_tlast_i,
    .we_o       (a_we),
    .waddr_o    (a_waddr),
    .wdata_o    (a_wdata),
    .release_i  (release_bank),
    .rel_bank_i (rel_bank),
    .full_o     (full),
    .err_o      (act_err)
  );

  // ---------------- sequencer ----------------
  logic       rec_drains, s2_vld, s3_vld, s3_last, s3_final, wait_act;
  logic [7:0] s3_round;
  ttq_seq #(.WDepth(WDepth), .WinW(WinW)) u_seq (
    .clk_i,
    .rst_ni       (core_rst_n),
    .start_i      (start),
    .run_i        (run_q),
    .nsteps_i     (nsteps),
    .rounds_i     (rounds),
    .nvec_i       (nvec),
    .full_i       (full),
    .rec_drains_i (rec_drains),
    .d_re_o       (d_re),
    .d_raddr_o    (d_raddr),
    .d_rdata_i    (d_rdata),
    .issue_o      (issue),
    .words_re_o   (words_re),
    .w_raddr_o    (w_raddr),
    .a_raddr_o    (a_raddr),
    .release_o    (release_bank),
    .rel_bank_o   (rel_bank),
    .s2_vld_o     (s2_vld),
    .s3_vld_o     (s3_vld),
    .s3_last_o    (s3_last),
    .s3_round_o   (s3_round),
    .s3_final_o   (s3_final),
    .wait_act_o   (wait_act)
  );

  // Stage 1 -> 2: the SRAM outputs arrive late in the cycle (after the falling edge) and are
  // registered as they are: the window here, once for all PEs; each PE its slots (ttq_pe).
  // Datapath, no reset.
  logic [BeatW-1:0] win_q;
  always_ff @(posedge clk_i) win_q <= a_rdata;

  // ---------------- PE array ----------------
  logic [NumPes*AccW-1:0]   pe_p, pe_n;
  logic [NumPes*PeNnzW-1:0] pe_nnz;
  for (genvar p = 0; p < NumPes; p++) begin : gen_pe
    ttq_pe #(.GroupSize(GroupSize), .GroupNnz(GroupNnz), .Groups(Groups), .AccW(AccW)) u_pe (
      .clk_i,
      .clear_i (start),
      .vld_i   (s2_vld),
      .vld3_i  (s3_vld),
      .last3_i (s3_last),
      .win_i   (win_q),
      .slots_i (slot_rdata[p*PeBits +: PeBits]),
      .p_o     (pe_p[p*AccW +: AccW]),
      .n_o     (pe_n[p*AccW +: AccW]),
      .nnz_o   (pe_nnz[p*PeNnzW +: PeNnzW])
    );
  end

  // ---------------- records, output unit, results ----------------
  logic              par_re;
  logic [PAddrW-1:0] par_raddr;
  logic [95:0]       par_rdata;
  sram_array #(.Width(96), .Depth(MaxOuts < 2 ? 2 : MaxOuts)) u_pmem (
    .clk_i, .we_i(par_we), .wmask_i(par_wmask), .waddr_i(par_waddr), .wdata_i({3{w_wdata}}),
    .re_i(par_re), .raddr_i(par_raddr), .rdata_o(par_rdata)
  );

  ttq_drain #(.NumPes(NumPes), .AccW(AccW), .MaxOuts(MaxOuts)) u_drain (
    .clk_i,
    .rst_ni       (core_rst_n),
    .start_i      (start),
    .relu_i       (relu),
    .last_outs_i  (last_outs),
    .nvec_i       (nvec),
    .rec_load_i   (s3_vld && s3_last),
    .rec_round_i  (s3_round),
    .rec_final_i  (s3_final),
    .rec_p_i      (pe_p),
    .rec_n_i      (pe_n),
    .rec_drains_o (rec_drains),
    .par_re_o     (par_re),
    .par_raddr_o  (par_raddr),
    .par_rdata_i  (par_rdata),
    .m_axis_r_tvalid_o, .m_axis_r_tready_i, .m_axis_r_tdata_o, .m_axis_r_tlast_o,
    .result_o     (result_inc),
    .done_o       (drain_done)
  );

  // ---------------- performance events ----------------
  // Nonzero slots are summed over the PEs off the PE path, in two registered steps (a carry-save
  // tree into two rows, then their sum): they count within the run, which ends at least 6 cycles
  // after the last step's stage 2 (its count reaches PERF_NNZ 3 cycles after it).
  logic [NumPes*NnzW-1:0] nnz_ops;
  logic [NnzW-1:0]        nnz_s, nnz_c, nnz_s_q, nnz_c_q;
  for (genvar p = 0; p < NumPes; p++) begin : gen_nnz
    assign nnz_ops[p*NnzW +: NnzW] = NnzW'(pe_nnz[p*PeNnzW +: PeNnzW]);
  end
  csa_tree #(.N(NumPes), .W(NnzW)) u_nnz (.in_i(nnz_ops), .sum_o(nnz_s), .carry_o(nnz_c));
  always_ff @(posedge clk_i) begin
    if (!core_rst_n) begin
      busy_inc_q  <= 1'b0;
      stall_inc_q <= 1'b0;
      nnz_s_q     <= '0;
      nnz_c_q     <= '0;
      nnz_inc_q   <= '0;
    end else begin
      busy_inc_q  <= issue;
      stall_inc_q <= run_q && (wait_act || (m_axis_r_tvalid_o && !m_axis_r_tready_i));
      nnz_s_q     <= nnz_s;
      nnz_c_q     <= nnz_c;
      nnz_inc_q   <= nnz_s_q + nnz_c_q;
    end
  end

`ifdef TTQ_ASSERT
  // AXI4-Stream: a result beat is held stable until accepted.
  logic        r_hold_q;
  logic [16:0] r_prev_q;
  always_ff @(posedge clk_i) begin
    r_hold_q <= core_rst_n && m_axis_r_tvalid_o && !m_axis_r_tready_i;
    r_prev_q <= {m_axis_r_tlast_o, m_axis_r_tdata_o};
    if (core_rst_n && r_hold_q && (!m_axis_r_tvalid_o ||
                               r_prev_q != {m_axis_r_tlast_o, m_axis_r_tdata_o}))
      $error("ttq_accel: result beat changed or dropped while stalled");
  end
`endif
`ifdef TTQ_COVER
  `include "ttq_accel_cover.svh"  // named cover points: rtl/formal/, make coverage
`endif
`ifdef FORMAL
  `include "ttq_accel_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
