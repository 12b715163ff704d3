// Activation input and sweep feeder. Vectors arrive on the activation stream into one of two
// banks of the activation memory (double buffer); the feeder replays the current vector's row
// pairs once per round into the shared sweep buffer, issuing a pair only while every PE is
// within SweepRows rows of it (so no row a PE may still read is overwritten).
module ttq_feeder #(
  parameter int unsigned NumPes    = 16,
  parameter int unsigned RowBytes  = 8,
  parameter int unsigned SweepRows = 16,
  parameter int unsigned MaxFanIn  = 2048,
  parameter int unsigned PosW      = 16,
  parameter int unsigned RoundW    = 8,
  parameter int unsigned VecW      = 32,
  localparam int unsigned BeatW    = 2 * RowBytes * 8,
  localparam int unsigned BankRows = (MaxFanIn + 2 * RowBytes - 1) / (2 * RowBytes),
  localparam int unsigned BankAW   = (BankRows > 1) ? $clog2(BankRows) : 1,
  localparam int unsigned PairCntW = $clog2(BankRows + 1),
  localparam int unsigned SPairW   = $clog2(SweepRows / 2)
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     start_i,
  input  logic                     run_i,
  input  logic [VecW-1:0]          nvec_i,
  input  logic [RoundW-1:0]        rounds_i,
  input  logic [PairCntW-1:0]      row_pairs_i,   // beats per vector
  // activation stream
  input  logic [BeatW-1:0]         s_axis_a_tdata_i,
  input  logic                     s_axis_a_tvalid_i,
  output logic                     s_axis_a_tready_o,
  input  logic                     s_axis_a_tlast_i,
  // PE positions
  input  logic [NumPes*PosW-1:0]   pe_pos_i,
  // sweep buffer write
  output logic                     sweep_we_o,
  output logic [SPairW-1:0]        sweep_pair_o,
  output logic [BeatW-1:0]         sweep_data_o,
  output logic [PosW-1:0]          rows_avail_o,
  // status
  output logic                     starve_o,
  output logic                     fed_all_o,    // every vector received and replayed
  output logic                     tlast_err_o
);
  if (SweepRows < 4 || (SweepRows & (SweepRows - 1)) != 0) begin : gen_chk_rows
    $error("ttq_feeder: SweepRows must be a power of 2 >= 4, got %0d", SweepRows);
  end
  if (2 * SweepRows >= (1 << (PosW - 2))) begin : gen_chk_pos
    $error("ttq_feeder: PosW %0d too narrow", PosW);
  end

  // ---------------- input side: fill banks ----------------
  logic               in_bank_q;
  logic [BankAW-1:0]  in_cnt_q;
  logic [VecW-1:0]    in_vec_q;
  logic [1:0]         bank_full_q;
  logic               in_fire, in_end;
  // Timing: the end-of-vector and end-of-run tests compare counters with registers set at start
  // (last_k_q = row_pairs - 1, last_r_q = rounds - 1) or kept as flags (in_done_q: in_vec_q ==
  // nvec, fed_q: fv_q == nvec), so no adder or wide compare sits in front of the counters.
  logic [BankAW-1:0]  last_k_q;
  logic [RoundW-1:0]  last_r_q;
  logic               in_done_q, fed_q;

  assign s_axis_a_tready_o = run_i && !in_done_q && !bank_full_q[in_bank_q];
  assign in_fire = s_axis_a_tvalid_i && s_axis_a_tready_o;
  assign in_end  = in_cnt_q == last_k_q;
  assign tlast_err_o = in_fire && (s_axis_a_tlast_i != in_end);

  // ---------------- feeder side: replay rows ----------------
  logic [VecW-1:0]     fv_q;
  logic [RoundW-1:0]   fr_q;
  logic [BankAW-1:0]   fk_q;
  logic [PosW-1:0]     g_issue_q, g_w_q;
  logic                rd_vld_q;
  logic                want, space, issue, fk_end, fr_end;

  // Space in the sweep buffer: g_issue + 2 - h_p <= SweepRows for every PE, i.e.
  // h_p - lim >= 0 with lim = g_issue + 2 - SweepRows kept in a register (one 2-operand subtract
  // per PE; exact in PosW-bit modular arithmetic, the same as the cycle model).
  logic [PosW-1:0] lim_q;
  logic [PosW-1:0] pe_dist [NumPes];
  always_comb begin
    space = 1'b1;
    for (int p = 0; p < NumPes; p++) begin
      pe_dist[p] = pe_pos_i[p*PosW +: PosW] - lim_q;
      if (pe_dist[p][PosW-1]) space = 1'b0;
    end
  end
  assign want   = run_i && !fed_q && bank_full_q[fv_q[0]];
  assign issue  = want && space;
  assign fk_end = fk_q == last_k_q;
  assign fr_end = fr_q == last_r_q;
  assign starve_o = run_i && !fed_q && !bank_full_q[fv_q[0]];
  assign fed_all_o = fed_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      in_bank_q   <= 1'b0;
      in_cnt_q    <= '0;
      in_vec_q    <= '0;
      bank_full_q <= 2'b00;
      fv_q        <= '0;
      fr_q        <= '0;
      fk_q        <= '0;
      g_issue_q   <= '0;
      lim_q       <= PosW'(2) - PosW'(SweepRows);
      g_w_q       <= '0;
      rd_vld_q    <= 1'b0;
      last_k_q    <= '0;
      last_r_q    <= '0;
      in_done_q   <= 1'b1;
      fed_q       <= 1'b1;
    end else if (start_i) begin
      in_bank_q   <= 1'b0;
      in_cnt_q    <= '0;
      in_vec_q    <= '0;
      bank_full_q <= 2'b00;
      fv_q        <= '0;
      fr_q        <= '0;
      fk_q        <= '0;
      g_issue_q   <= '0;
      lim_q       <= PosW'(2) - PosW'(SweepRows);
      g_w_q       <= '0;
      rd_vld_q    <= 1'b0;
      last_k_q    <= BankAW'(row_pairs_i - 1'b1);
      last_r_q    <= rounds_i - 1'b1;
      in_done_q   <= nvec_i == '0;
      fed_q       <= nvec_i == '0;
    end else begin
      if (in_fire) begin
        if (in_end) begin
          in_cnt_q               <= '0;
          bank_full_q[in_bank_q] <= 1'b1;
          in_bank_q              <= ~in_bank_q;
          in_vec_q               <= in_vec_q + 1'b1;
          in_done_q              <= in_vec_q + 1'b1 == nvec_i;
        end else begin
          in_cnt_q <= in_cnt_q + 1'b1;
        end
      end
      rd_vld_q <= issue;
      if (rd_vld_q) g_w_q <= g_w_q + PosW'(2);
      if (issue) begin
        g_issue_q <= g_issue_q + PosW'(2);
        lim_q     <= lim_q + PosW'(2);
        if (fk_end) begin
          fk_q <= '0;
          if (fr_end) begin
            fr_q                <= '0;
            bank_full_q[fv_q[0]] <= 1'b0;
            fv_q                <= fv_q + 1'b1;
            fed_q               <= fv_q + 1'b1 == nvec_i;
          end else begin
            fr_q <= fr_q + 1'b1;
          end
        end else begin
          fk_q <= fk_q + 1'b1;
        end
      end
    end
  end

  // ---------------- activation double buffer ----------------
  logic [BeatW-1:0] rd_data;
  ttq_ram_1r1w #(.Width(BeatW), .Depth(2 * (1 << BankAW))) u_act_mem (
    .clk_i,
    .we_i    (in_fire),
    .waddr_i ({in_bank_q, in_cnt_q}),
    .wdata_i (s_axis_a_tdata_i),
    .re_i    (issue),
    .raddr_i ({fv_q[0], fk_q}),
    .rdata_o (rd_data)
  );

  assign sweep_we_o   = rd_vld_q;
  assign sweep_pair_o = g_w_q[1 +: SPairW];
  assign sweep_data_o = rd_data;
  assign rows_avail_o = g_w_q;

`ifdef TTQ_ASSERT
  always_ff @(posedge clk_i) begin
    if (rst_ni && !start_i && in_fire && bank_full_q[in_bank_q])
      $error("ttq_feeder: write into a full bank");
  end
`endif
endmodule
