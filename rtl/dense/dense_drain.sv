// Dense INT8 baseline: the drain from the hold bank to the result stream. One finished sum per
// cycle is taken from the hold bank while the result FIFO has room for it (a credit count of the
// results in flight), its channel's Mp / B / S are read from the parameter SRAM in the same cycle,
// and the pair enters the output stage in the next cycle, when the SRAM answers. The output stage
// never stalls; its results wait in a FifoDepth-entry FIFO for m_res. Channels run 0..out_ch-1
// once per activation vector; tlast marks a vector's last output.
module dense_drain #(
  parameter int AccW = 26,
  parameter int MaxOutCh = 64,
  parameter int FifoDepth = 8,
  localparam int ChW = MaxOutCh > 1 ? $clog2(MaxOutCh) : 1,
  localparam int PtrW = FifoDepth > 1 ? $clog2(FifoDepth) : 1,
  localparam int CntW = $clog2(FifoDepth + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   start_i,      // a run starts: channel 0 is next
  input  logic                   relu_i,
  input  logic [15:0]            out_ch_i,
  // hold bank
  input  logic                   hold_valid_i,
  input  logic signed [AccW-1:0] hold_acc_i,
  output logic                   hold_ready_o,
  // parameter SRAM read port: [15:0] Mp, [47:16] B, [52:48] S
  output logic                   par_re_o,
  output logic [ChW-1:0]         par_raddr_o,
  input  logic [52:0]            par_rdata_i,
  // results
  output logic                   m_res_tvalid_o,
  input  logic                   m_res_tready_i,
  output logic [7:0]             m_res_tdata_o,
  output logic                   m_res_tlast_o
);

`ifndef __ICARUS__
  if (FifoDepth < 6 || (FifoDepth & (FifoDepth - 1)) != 0) begin : gen_bad_depth
    $error("dense_drain: FifoDepth must be a power of two >= 6 (output latency + 1)");
  end
`endif

  // Issue: one hold-bank entry and its parameter read.
  logic            issue, ch_last, res_fire;
  logic [ChW-1:0]  ch_q;
  logic [CntW-1:0] credit_used_q;               // results issued and not yet taken from m_res

  assign res_fire     = m_res_tvalid_o && m_res_tready_i;
  assign issue        = hold_valid_i && credit_used_q != CntW'(FifoDepth);
  assign hold_ready_o = issue;
  assign ch_last      = 16'(ch_q) == out_ch_i - 16'd1;
  assign par_re_o     = issue;
  assign par_raddr_o  = ch_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ch_q          <= '0;
      credit_used_q <= '0;
    end else begin
      if (start_i) begin
        ch_q <= '0;
      end else if (issue) begin
        ch_q <= ch_last ? '0 : ch_q + ChW'(1);
      end
      credit_used_q <= credit_used_q + CntW'(issue) - CntW'(res_fire);
    end
  end

  // The sum waits one cycle beside the parameter read.
  logic signed [AccW-1:0] acc_q;
  logic                   acc_valid_q, acc_last_q;
  always_ff @(posedge clk_i) begin
    acc_q <= hold_acc_i;
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_valid_q <= 1'b0;
      acc_last_q  <= 1'b0;
    end else begin
      acc_valid_q <= issue;
      acc_last_q  <= issue && ch_last;
    end
  end

  logic       os_valid, os_last;
  logic [7:0] os_data;
  dense_out_stage #(
    .AccW(AccW)
  ) u_out_stage (
    .clk_i,
    .rst_ni,
    .relu_i,
    .in_valid_i (acc_valid_q),
    .acc_i      (acc_q),
    .mp_i       (par_rdata_i[15:0]),
    .bias_i     (par_rdata_i[47:16]),
    .shift_i    (par_rdata_i[52:48]),
    .last_i     (acc_last_q),
    .out_valid_o(os_valid),
    .out_data_o (os_data),
    .out_last_o (os_last)
  );

  // Result FIFO: never full when a result arrives (credits).
  logic [8:0]     fifo_q [FifoDepth];
  logic [PtrW-1:0] wr_ptr_q, rd_ptr_q;
  logic [CntW-1:0] count_q;
  always_ff @(posedge clk_i) begin
    if (os_valid) fifo_q[wr_ptr_q] <= {os_last, os_data};
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      if (os_valid) wr_ptr_q <= wr_ptr_q + PtrW'(1);
      if (res_fire) rd_ptr_q <= rd_ptr_q + PtrW'(1);
      count_q <= count_q + CntW'(os_valid) - CntW'(res_fire);
    end
  end
  assign m_res_tvalid_o = count_q != '0;
  assign {m_res_tlast_o, m_res_tdata_o} = fifo_q[rd_ptr_q];

`ifdef ASSERT_ON
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (rst_ni && os_valid && count_q == CntW'(FifoDepth) && !res_fire) begin
      $error("dense_drain: result FIFO overflow");
    end
  end
`endif

endmodule
