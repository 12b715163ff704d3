// Activation feeder: writes the vectors of s_axis_a, one window (Groups*GroupSize bytes) per
// beat, into the two banks of the activation memory, alternately. A bank is full from its
// vector's last beat until the sequencer releases it (after issuing that vector's last step).
// tlast must mark beat wins-1 of each vector; a mismatch raises ERR_CODE ACT_TLAST (the beat
// count rules).
module ttq_feeder
#(
  parameter int unsigned BeatW = 64,
  parameter int unsigned WinW  = 8,     // bits of a window index within a vector
  localparam int unsigned AAddrW = WinW + 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              start_i,
  input  logic              run_i,
  input  logic [WinW:0]     wins_i,       // beats per vector, 1..2^WinW
  input  logic [31:0]       nvec_i,
  input  logic [BeatW-1:0]  s_axis_a_tdata_i,
  input  logic              s_axis_a_tvalid_i,
  output logic              s_axis_a_tready_o,
  input  logic              s_axis_a_tlast_i,
  output logic              we_o,
  output logic [AAddrW-1:0] waddr_o,
  output logic [BeatW-1:0]  wdata_o,
  input  logic              release_i,    // the sequencer is done with bank rel_bank_i
  input  logic              rel_bank_i,
  output logic [1:0]        full_o,
  output logic              err_o         // pulse
);
  logic          wb_q;
  logic [WinW:0] beat_q;
  logic [31:0]   recv_q;
  logic [1:0]    full_q;
  logic          beat, vec_end;

  assign s_axis_a_tready_o = run_i && !full_q[wb_q] && recv_q != nvec_i;
  assign beat    = s_axis_a_tvalid_i && s_axis_a_tready_o;
  assign vec_end = beat_q == wins_i - 1'b1;
  assign we_o    = beat;
  assign waddr_o = {wb_q, beat_q[WinW-1:0]};
  assign wdata_o = s_axis_a_tdata_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      wb_q   <= 1'b0;
      beat_q <= '0;
      recv_q <= '0;
      full_q <= '0;
      err_o  <= 1'b0;
    end else begin
      err_o <= beat && (s_axis_a_tlast_i != vec_end);
      if (beat) begin
        if (vec_end) begin
          beat_q <= '0;
          wb_q   <= !wb_q;
          recv_q <= recv_q + 1'b1;
        end else begin
          beat_q <= beat_q + 1'b1;
        end
      end
      for (int b = 0; b < 2; b++) begin
        if (beat && vec_end && wb_q == b[0]) full_q[b] <= 1'b1;
        else if (release_i && rel_bank_i == b[0]) full_q[b] <= 1'b0;
      end
    end
  end
  assign full_o = full_q;

`ifdef TTQ_ASSERT
  always_ff @(posedge clk_i) begin
    if (rst_ni && release_i && !full_q[rel_bank_i]) $error("ttq_feeder: release of an empty bank");
  end
`endif
`ifdef FORMAL
  `include "ttq_feeder_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
