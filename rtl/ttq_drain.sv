// Output side: the record chain, the shared output unit and the result FIFO.
// At the last step of a round every PE's (P, N) is loaded at once into the chain; the chain then
// shifts one record per cycle into the output pipeline: the record's parameter entry (Mp, Mn, B,
// S) is read from the parameter memory, ttq_out_unit applies the output step, and the result
// enters an 8-entry FIFO that drives m_axis_r. A record is taken only when the FIFO will have
// room for it (entries + results in flight < depth), so the pipeline never stalls and the SRAM
// read data never has to be held. Results leave in channel order (round-major, PE-minor).
//
// The sequencer may issue a round's last step while the chain still holds the previous round's
// records, as long as they are sure to be gone when the new ones load LoadAhead cycles later
// (rec_drains_o): at most LoadAhead of them left, and room in the FIFO for all of them and
// everything in flight, so that each of the next cycles takes one whatever the result stream does.
module ttq_drain
#(
  parameter int unsigned NumPes  = ttq_pkg::DefNumPes,
  parameter int unsigned AccW    = 20,
  parameter int unsigned MaxOuts = ttq_pkg::DefMaxOuts,
  parameter int unsigned LoadAhead = ttq_pkg::RecLoadAhead,  // last step issue -> its records load
  localparam int unsigned PAddrW = MaxOuts > 1 ? $clog2(MaxOuts) : 1,
  localparam int unsigned CntW   = $clog2(NumPes + 1),
  localparam int unsigned Depth  = ttq_pkg::ResultFifoDepth,
  localparam int unsigned PtrW   = $clog2(Depth),
  localparam int unsigned FCntW  = $clog2(Depth + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   start_i,
  input  logic                   relu_i,
  input  logic [7:0]             last_outs_i,
  input  logic [31:0]            nvec_i,
  // records: loaded when rec_load_i (stage 2 of a round's last step)
  input  logic                   rec_load_i,
  input  logic [7:0]             rec_round_i,
  input  logic                   rec_final_i,
  input  logic [NumPes*AccW-1:0] rec_p_i,
  input  logic [NumPes*AccW-1:0] rec_n_i,
  output logic                   rec_drains_o, // the chain is empty LoadAhead cycles from now
  // parameter memory read port ({S}, B, {Mn, Mp} in bits 95:64, 63:32, 31:0)
  output logic                   par_re_o,
  output logic [PAddrW-1:0]      par_raddr_o,
  input  logic [95:0]            par_rdata_i,
  // results
  output logic                   m_axis_r_tvalid_o,
  input  logic                   m_axis_r_tready_i,
  output logic [15:0]            m_axis_r_tdata_o,
  output logic                   m_axis_r_tlast_o,
  output logic                   result_o,    // a result beat accepted
  output logic                   done_o       // the run's last result accepted
);
  // ---------------- record chain ----------------
  logic [AccW-1:0] rec_p_q [NumPes], rec_n_q [NumPes];
  logic [CntW-1:0] rec_cnt_q;
  logic [7:0]      rec_id_q;
  logic            rec_final_q;
  logic            take, take_last;

  // The FIFO is a power-of-two ring deeper than the 5 results an output pipeline holds.
  if (Depth < 8 || (Depth & (Depth - 1)) != 0) begin : gen_chk_depth
    $error("ttq_drain: ResultFifoDepth must be a power of two >= 8, got %0d", Depth);
  end
  logic [FCntW-1:0] fifo_cnt_q, infl_q;
  assign take      = rec_cnt_q != '0 && 32'(fifo_cnt_q) + 32'(infl_q) < Depth;
  assign take_last = rec_final_q && rec_cnt_q == CntW'(1);

  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      rec_cnt_q <= '0;
    end else if (rec_load_i) begin
      rec_cnt_q <= rec_final_i ? CntW'(last_outs_i) : CntW'(NumPes);
    end else if (take) begin
      rec_cnt_q <= rec_cnt_q - 1'b1;
    end
  end
  // Chain payload: datapath, no reset.
  always_ff @(posedge clk_i) begin
    if (rec_load_i) begin
      for (int p = 0; p < NumPes; p++) begin
        rec_p_q[p] <= rec_p_i[p*AccW +: AccW];
        rec_n_q[p] <= rec_n_i[p*AccW +: AccW];
      end
      rec_id_q    <= 8'(32'(rec_round_i) * NumPes);
      rec_final_q <= rec_final_i;
    end else if (take) begin
      for (int p = 0; p + 1 < NumPes; p++) begin
        rec_p_q[p] <= rec_p_q[p+1];
        rec_n_q[p] <= rec_n_q[p+1];
      end
      rec_id_q <= rec_id_q + 1'b1;
    end
  end
  assign rec_drains_o = 32'(rec_cnt_q) <= LoadAhead &&
                        32'(fifo_cnt_q) + 32'(infl_q) + 32'(rec_cnt_q) <= Depth;
  assign par_re_o    = take;
  assign par_raddr_o = rec_id_q[PAddrW-1:0];

  // ---------------- parameter read stage (A: take, B: parameters arrive) ----------------
  logic            a_vld_q, b_vld_q;
  logic [AccW-1:0] a_p_q, a_n_q, b_p_q, b_n_q;
  logic [7:0]      a_id_q, b_id_q;
  logic            a_last_q, b_last_q;
  logic [68:32]    b_par_q;             // S, B
  logic [23:0]     mp_dig, mn_dig, b_mp_dig_q, b_mn_dig_q;  // Mp, Mn as Booth digits
  logic [31:0]     round, b_round_q;                       // 2^(S-1)
  // Mp and Mn are recoded and the rounding constant decoded as they leave the memory (its data
  // arrive from the falling edge), so the output unit's stages start at the digit selects and
  // at the bias addition.
  booth_enc #(.YW(16), .Neg(1'b0)) u_mp_enc (.y_i(par_rdata_i[15:0]),  .digits_o(mp_dig));
  booth_enc #(.YW(16), .Neg(1'b1)) u_mn_enc (.y_i(par_rdata_i[31:16]), .digits_o(mn_dig));
  round_const u_round (.shift_i(par_rdata_i[68:64]), .c_o(round));
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      a_vld_q <= 1'b0;
      b_vld_q <= 1'b0;
    end else begin
      a_vld_q <= take;
      b_vld_q <= a_vld_q;
    end
  end
  always_ff @(posedge clk_i) begin
    a_p_q      <= rec_p_q[0];
    a_n_q      <= rec_n_q[0];
    a_id_q     <= rec_id_q;
    a_last_q   <= take_last;
    b_p_q      <= a_p_q;
    b_n_q      <= a_n_q;
    b_id_q     <= a_id_q;
    b_last_q   <= a_last_q;
    b_par_q    <= par_rdata_i[68:32];
    b_mp_dig_q <= mp_dig;
    b_mn_dig_q <= mn_dig;
    b_round_q  <= round;
  end

  logic       ou_vld, ou_last, ou_busy;
  logic [7:0] ou_id, ou_y;
  ttq_out_unit #(.AccW(AccW)) u_out (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .clear_i (start_i),
    .relu_i  (relu_i),
    .vld_i   (b_vld_q),
    .id_i    (b_id_q),
    .p_i     (b_p_q),
    .n_i     (b_n_q),
    .mp_dig_i(b_mp_dig_q),
    .mn_dig_i(b_mn_dig_q),
    .bias_i  (b_par_q[63:32]),
    .round_i (b_round_q),
    .shift_i (b_par_q[68:64]),
    .last_i  (b_last_q),
    .vld_o   (ou_vld),
    .id_o    (ou_id),
    .y_o     (ou_y),
    .last_o  (ou_last),
    .busy_o  (ou_busy)
  );

  // ---------------- result FIFO ----------------
  logic [16:0]      fifo_q [Depth];
  logic [PtrW-1:0]  rd_q, wr_q;
  logic             pop;
  logic [31:0]      vout_q;
  assign pop = m_axis_r_tvalid_o && m_axis_r_tready_i;
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      fifo_cnt_q <= '0;
      infl_q     <= '0;
      rd_q       <= '0;
      wr_q       <= '0;
      vout_q     <= '0;
    end else begin
      fifo_cnt_q <= fifo_cnt_q + FCntW'(ou_vld) - FCntW'(pop);
      infl_q     <= infl_q + FCntW'(take) - FCntW'(ou_vld);
      if (ou_vld) wr_q <= wr_q + 1'b1;
      if (pop) rd_q <= rd_q + 1'b1;
      if (pop && m_axis_r_tlast_o) vout_q <= vout_q + 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (ou_vld) fifo_q[wr_q] <= {ou_last, ou_id, ou_y};
  end
  assign m_axis_r_tvalid_o = fifo_cnt_q != '0;
  // Gated by valid: the FIFO storage has no reset, and no X may leave the block.
  assign m_axis_r_tdata_o  = m_axis_r_tvalid_o ? fifo_q[rd_q][15:0] : '0;
  assign m_axis_r_tlast_o  = m_axis_r_tvalid_o && fifo_q[rd_q][16];
  assign result_o          = pop;
  assign done_o            = pop && m_axis_r_tlast_o && vout_q + 1'b1 == nvec_i;

  logic unused;
  assign unused = ou_busy ^ ^par_rdata_i[95:69];

`ifdef TTQ_ASSERT
  always_ff @(posedge clk_i) begin
    if (rst_ni && rec_load_i && rec_cnt_q != '0)
      $error("ttq_drain: records loaded over unread records");
    if (rst_ni && ou_vld && fifo_cnt_q == FCntW'(Depth) && !pop) $error("ttq_drain: result FIFO overflow");
  end
`endif
`ifdef FORMAL
  `include "ttq_drain_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
