// ttq_accel: sparse ternary PE array for TTQ layers (docs/ARCHITECTURE.md, docs/REGISTERS.md).
// Weights arrive as a compiled program (per-PE lists of nonzero weights, sorted by input index,
// Lanes per op) on s_axis_w; activation vectors on s_axis_a; two outputs per beat leave on
// m_axis_r. Zero weights are never visited, so the cycles of a layer follow its nonzero count.
// Reset: rst_ni is active-low and synchronous to clk_i; it clears every control flop.
module ttq_accel #(
  parameter int unsigned NumPes    = 16,
  parameter int unsigned Lanes     = 4,
  parameter int unsigned RowBytes  = 8,
  parameter int unsigned WinRows   = 3,
  parameter int unsigned SweepRows = 16,
  parameter int unsigned AdvBits   = 3,
  parameter int unsigned ActBits   = 8,
  parameter int unsigned MaxFanIn  = 2048,
  parameter int unsigned MaxOuts   = 64,
  parameter int unsigned OpDepth   = 1024,
  parameter int unsigned AccW      = ActBits + $clog2(MaxFanIn + 1),
  localparam int unsigned BeatW    = 2 * RowBytes * 8
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
  // AXI4-Stream: activations
  input  logic [BeatW-1:0]  s_axis_a_tdata_i,
  input  logic              s_axis_a_tvalid_i,
  output logic              s_axis_a_tready_o,
  input  logic              s_axis_a_tlast_i,
  // AXI4-Stream: results
  output logic [31:0]       m_axis_r_tdata_o,
  output logic [3:0]        m_axis_r_tkeep_o,
  output logic              m_axis_r_tvalid_o,
  input  logic              m_axis_r_tready_i,
  output logic              m_axis_r_tlast_o,
  output logic              irq_o
);
  localparam int unsigned MaxRounds = (MaxOuts + NumPes - 1) / NumPes;
  localparam int unsigned IdxW      = $clog2(WinRows * RowBytes);
  localparam int unsigned OpW       = Lanes * (2 + IdxW) + AdvBits + 1;
  localparam int unsigned OpAddrW   = $clog2(OpDepth);
  localparam int unsigned EntDepth  = MaxRounds * NumPes;
  localparam int unsigned EntAW     = $clog2(EntDepth);
  localparam int unsigned PosW      = 16;
  localparam int unsigned RoundW    = 8;
  localparam int unsigned VecW      = 32;
  localparam int unsigned CntW      = $clog2(Lanes + 1);
  localparam int unsigned NnzW      = $clog2(NumPes * Lanes + 1);
  localparam int unsigned RowW      = RowBytes * 8;
  localparam int unsigned PairCntW  = $clog2((MaxFanIn + 2 * RowBytes - 1) / (2 * RowBytes) + 1);

  // ---------------- elaboration checks ----------------
  if (NumPes < 2 || NumPes % 2 != 0 || NumPes > 128) begin : gen_chk_pes
    $error("ttq_accel: NumPes must be even, 2..128, got %0d", NumPes);
  end
  if (Lanes < 1 || Lanes > 16) begin : gen_chk_lanes
    $error("ttq_accel: Lanes must be 1..16, got %0d", Lanes);
  end
  if (ActBits != 8) begin : gen_chk_act
    $error("ttq_accel: the arithmetic contract fixes ActBits = 8, got %0d", ActBits);
  end
  if (AccW != ActBits + $clog2(MaxFanIn + 1)) begin : gen_chk_accw
    $error("ttq_accel: AccW must be ActBits + clog2(MaxFanIn+1) = %0d, got %0d",
           ActBits + $clog2(MaxFanIn + 1), AccW);
  end
  if (MaxFanIn < 1 || MaxFanIn > 65535) begin : gen_chk_fanin
    $error("ttq_accel: MaxFanIn must be 1..65535, got %0d", MaxFanIn);
  end
  if (MaxOuts < 1 || MaxOuts > 256) begin : gen_chk_outs
    $error("ttq_accel: MaxOuts must be 1..256 (8-bit output ids), got %0d", MaxOuts);
  end
  if (OpW > 64) begin : gen_chk_opw
    $error("ttq_accel: op word of %0d bits exceeds 64; use fewer Lanes", OpW);
  end
  if (OpDepth < 2 || (OpDepth & (OpDepth - 1)) != 0) begin : gen_chk_opd
    $error("ttq_accel: OpDepth must be a power of 2 >= 2, got %0d", OpDepth);
  end
  if (AdvBits < 1 || AdvBits > 8) begin : gen_chk_adv
    $error("ttq_accel: AdvBits must be 1..8, got %0d", AdvBits);
  end
  if (WinRows < 1 || WinRows > 8 || WinRows + 2 > SweepRows) begin : gen_chk_win
    $error("ttq_accel: need 1 <= WinRows <= 8 and WinRows + 2 <= SweepRows, got %0d, %0d",
           WinRows, SweepRows);
  end
  if (2 * ((MaxFanIn + 2 * RowBytes - 1) / (2 * RowBytes)) * (MaxRounds + 1) >= (1 << (PosW - 2)))
  begin : gen_chk_pos
    $error("ttq_accel: sweep position counters (%0d bits) too narrow for MaxFanIn %0d", PosW, MaxFanIn);
  end

  // ---------------- register block ----------------
  logic                start, run_q, done_pulse;
  logic [15:0]         fan_in;
  logic [RoundW-1:0]   rounds;
  logic [VecW-1:0]     nvec;
  logic                relu;
  logic [PairCntW-1:0] row_pairs;
  logic [PosW-1:0]     round_rows;
  logic                busy_inc, stall_inc;
  logic [NnzW-1:0]     nnz_inc;
  logic [1:0]          results_inc;
  logic                err, wl_err, tlast_err;
  logic [3:0]          err_code, wl_err_code;
  logic                wl_first, wl_beat, wl_active;

  ttq_regs #(
    .NumPes(NumPes), .Lanes(Lanes), .RowBytes(RowBytes), .WinRows(WinRows),
    .SweepRows(SweepRows), .AdvBits(AdvBits), .MaxFanIn(MaxFanIn), .MaxOuts(MaxOuts),
    .OpDepth(OpDepth), .MaxRounds(MaxRounds), .PosW(PosW), .RoundW(RoundW), .VecW(VecW),
    .NnzW(NnzW)
  ) u_regs (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o,
    .s_axil_wdata_i, .s_axil_wstrb_i, .s_axil_wvalid_i, .s_axil_wready_o,
    .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o,
    .s_axil_rdata_o, .s_axil_rresp_o, .s_axil_rvalid_o, .s_axil_rready_i,
    .start_o       (start),
    .run_i         (run_q),
    .done_i        (done_pulse),
    .fan_in_o      (fan_in),
    .rounds_o      (rounds),
    .nvec_o        (nvec),
    .relu_o        (relu),
    .row_pairs_o   (row_pairs),
    .round_rows_o  (round_rows),
    .busy_inc_i    (busy_inc),
    .stall_inc_i   (stall_inc),
    .nnz_inc_i     (nnz_inc),
    .results_inc_i (results_inc),
    .err_i         (err),
    .err_code_i    (err_code),
    .wl_first_i    (wl_first),
    .wl_beat_i     (wl_beat),
    .wl_active_i   (wl_active),
    .irq_o
  );

  // ---------------- program loader ----------------
  logic [NumPes-1:0]  op_we;
  logic [OpAddrW-1:0] op_waddr;
  logic [OpW-1:0]     op_wdata;
  logic               ent_we;
  logic [EntAW-1:0]   ent_waddr;
  logic [78:0]        ent_wdata;

  ttq_wload #(
    .NumPes(NumPes), .OpW(OpW), .OpDepth(OpDepth), .EntDepth(EntDepth)
  ) u_wload (
    .clk_i, .rst_ni,
    .run_i             (run_q || start),
    .s_axis_w_tdata_i, .s_axis_w_tvalid_i, .s_axis_w_tready_o, .s_axis_w_tlast_i,
    .op_we_o           (op_we),
    .op_waddr_o        (op_waddr),
    .op_wdata_o        (op_wdata),
    .ent_we_o          (ent_we),
    .ent_waddr_o       (ent_waddr),
    .ent_wdata_o       (ent_wdata),
    .err_o             (wl_err),
    .err_code_o        (wl_err_code),
    .first_o           (wl_first),
    .beat_o            (wl_beat),
    .active_o          (wl_active)
  );

  // ---------------- feeder and sweep buffer ----------------
  logic [NumPes*PosW-1:0]    pe_pos;
  logic                      sweep_we;
  logic [$clog2(SweepRows/2)-1:0] sweep_pair;
  logic [BeatW-1:0]          sweep_data;
  logic [PosW-1:0]           rows_avail;
  logic [SweepRows*RowW-1:0] sweep_rows;
  logic                      starve, fed_all;

  ttq_feeder #(
    .NumPes(NumPes), .RowBytes(RowBytes), .SweepRows(SweepRows), .MaxFanIn(MaxFanIn),
    .PosW(PosW), .RoundW(RoundW), .VecW(VecW)
  ) u_feeder (
    .clk_i, .rst_ni,
    .start_i      (start),
    .run_i        (run_q),
    .nvec_i       (nvec),
    .rounds_i     (rounds),
    .row_pairs_i  (row_pairs),
    .s_axis_a_tdata_i, .s_axis_a_tvalid_i, .s_axis_a_tready_o, .s_axis_a_tlast_i,
    .pe_pos_i     (pe_pos),
    .sweep_we_o   (sweep_we),
    .sweep_pair_o (sweep_pair),
    .sweep_data_o (sweep_data),
    .rows_avail_o (rows_avail),
    .starve_o     (starve),
    .fed_all_o    (fed_all),
    .tlast_err_o  (tlast_err)
  );

  ttq_sweep_buf #(.RowBytes(RowBytes), .SweepRows(SweepRows)) u_sweep (
    .clk_i,
    .we_i    (sweep_we),
    .wpair_i (sweep_pair),
    .wdata_i (sweep_data),
    .rows_o  (sweep_rows)
  );

  // ---------------- PE array ----------------
  logic [NumPes-1:0]      rec_vld, rec_take, pe_fire;
  logic [NumPes*AccW-1:0] rec_p, rec_n;
  logic [NumPes*CntW-1:0] pe_nnz;

  for (genvar p = 0; p < NumPes; p++) begin : gen_pe
    ttq_pe #(
      .Lanes(Lanes), .RowBytes(RowBytes), .WinRows(WinRows), .SweepRows(SweepRows),
      .AdvBits(AdvBits), .AccW(AccW), .OpDepth(OpDepth), .PosW(PosW), .RoundW(RoundW),
      .VecW(VecW)
    ) u_pe (
      .clk_i, .rst_ni,
      .start_i      (start),
      .rounds_i     (rounds),
      .nvec_i       (nvec),
      .round_rows_i (round_rows),
      .op_we_i      (op_we[p]),
      .op_waddr_i   (op_waddr),
      .op_wdata_i   (op_wdata),
      .sweep_rows_i (sweep_rows),
      .rows_avail_i (rows_avail),
      .pos_o        (pe_pos[p*PosW +: PosW]),
      .rec_vld_o    (rec_vld[p]),
      .rec_p_o      (rec_p[p*AccW +: AccW]),
      .rec_n_o      (rec_n[p*AccW +: AccW]),
      .rec_take_i   (rec_take[p]),
      .fire_o       (pe_fire[p]),
      .nnz_o        (pe_nnz[p*CntW +: CntW])
    );
  end

  // ---------------- collector and output units ----------------
  logic              adv, coll_done;
  logic [1:0]        s1_vld, s1_last;
  logic [2*8-1:0]    s1_id;
  logic [2*AccW-1:0] s1_p, s1_n;
  logic [2*16-1:0]   s1_mp, s1_mn;
  logic [2*32-1:0]   s1_bias;
  logic [2*5-1:0]    s1_shift;

  ttq_collector #(
    .NumPes(NumPes), .AccW(AccW), .MaxRounds(MaxRounds), .RoundW(RoundW), .VecW(VecW)
  ) u_coll (
    .clk_i, .rst_ni,
    .start_i     (start),
    .run_i       (run_q),
    .rounds_i    (rounds),
    .nvec_i      (nvec),
    .ent_we_i    (ent_we),
    .ent_waddr_i (ent_waddr),
    .ent_wdata_i (ent_wdata),
    .rec_vld_i   (rec_vld),
    .rec_p_i     (rec_p),
    .rec_n_i     (rec_n),
    .rec_take_o  (rec_take),
    .adv_i       (adv),
    .s1_vld_o    (s1_vld),
    .s1_id_o     (s1_id),
    .s1_p_o      (s1_p),
    .s1_n_o      (s1_n),
    .s1_mp_o     (s1_mp),
    .s1_mn_o     (s1_mn),
    .s1_bias_o   (s1_bias),
    .s1_shift_o  (s1_shift),
    .s1_last_o   (s1_last),
    .done_o      (coll_done)
  );

  logic [1:0]   u_vld, u_last, u_busy;
  logic [7:0]   u_id [2], u_y [2];
  for (genvar s = 0; s < 2; s++) begin : gen_out
    ttq_out_unit #(.AccW(AccW)) u_out (
      .clk_i, .rst_ni,
      .clear_i (start),
      .en_i    (adv),
      .relu_i  (relu),
      .vld_i   (s1_vld[s]),
      .id_i    (s1_id[s*8 +: 8]),
      .p_i     (s1_p[s*AccW +: AccW]),
      .n_i     (s1_n[s*AccW +: AccW]),
      .mp_i    (s1_mp[s*16 +: 16]),
      .mn_i    (s1_mn[s*16 +: 16]),
      .bias_i  (s1_bias[s*32 +: 32]),
      .shift_i (s1_shift[s*5 +: 5]),
      .last_i  (s1_last[s]),
      .vld_o   (u_vld[s]),
      .id_o    (u_id[s]),
      .y_o     (u_y[s]),
      .last_o  (u_last[s]),
      .busy_o  (u_busy[s])
    );
  end

  // Result beat: slot 0 always valid when the beat is; the whole output pipeline advances when
  // the beat register is empty or being accepted.
  assign m_axis_r_tvalid_o = u_vld[0];
  assign m_axis_r_tdata_o  = {u_id[1], u_y[1], u_id[0], u_y[0]};
  assign m_axis_r_tkeep_o  = {u_vld[1], u_vld[1], 2'b11};
  assign m_axis_r_tlast_o  = u_last[0] || (u_vld[1] && u_last[1]);
  assign adv               = !m_axis_r_tvalid_o || m_axis_r_tready_i;

  // ---------------- run control and events ----------------
  logic pipe_empty;
  assign pipe_empty = s1_vld == 2'b00 && u_busy == 2'b00;
  // Done when every vector has been consumed and every result accepted.
  assign done_pulse = run_q && coll_done && fed_all && pipe_empty;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      run_q <= 1'b0;
    end else if (start) begin
      run_q <= 1'b1;
    end else if (done_pulse) begin
      run_q <= 1'b0;
    end
  end

  // The PE events arrive registered (one cycle after the fire) and are summed into a register:
  // BUSY and NNZ count two cycles late, long before the run ends (results follow every fire).
  logic [NnzW-1:0] nnz_sum, nnz_sum_q;
  logic            busy_q;
  always_comb begin
    nnz_sum = '0;
    for (int p = 0; p < NumPes; p++) nnz_sum = nnz_sum + NnzW'(pe_nnz[p*CntW +: CntW]);
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start) begin
      nnz_sum_q <= '0;
      busy_q    <= 1'b0;
    end else begin
      nnz_sum_q <= nnz_sum;
      busy_q    <= pe_fire != '0;
    end
  end
  assign nnz_inc     = nnz_sum_q;
  assign busy_inc    = run_q && busy_q;
  assign stall_inc   = run_q && ((m_axis_r_tvalid_o && !m_axis_r_tready_i) || starve);
  assign results_inc = (m_axis_r_tvalid_o && m_axis_r_tready_i) ? (u_vld[1] ? 2'd2 : 2'd1) : 2'd0;
  assign err         = wl_err || tlast_err;
  assign err_code    = wl_err ? wl_err_code : 4'd5;

  // fan_in is only needed through row_pairs / round_rows.
  logic unused_fan_in;
  assign unused_fan_in = ^fan_in;

`ifdef TTQ_ASSERT
  // AXI4-Stream: an offered result beat is held, unchanged, until accepted.
  logic        r_hold_q;
  logic [31:0] r_data_q;
  logic [3:0]  r_keep_q;
  logic        r_last_q;
  always_ff @(posedge clk_i) begin
    r_hold_q <= rst_ni && m_axis_r_tvalid_o && !m_axis_r_tready_i;
    r_data_q <= m_axis_r_tdata_o;
    r_keep_q <= m_axis_r_tkeep_o;
    r_last_q <= m_axis_r_tlast_o;
    if (rst_ni && r_hold_q) begin
      if (!m_axis_r_tvalid_o) $error("ttq_accel: m_axis_r tvalid dropped before tready");
      if (m_axis_r_tdata_o != r_data_q || m_axis_r_tkeep_o != r_keep_q ||
          m_axis_r_tlast_o != r_last_q)
        $error("ttq_accel: m_axis_r beat changed while stalled");
    end
  end
`endif
endmodule
