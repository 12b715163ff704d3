// Synthesis timing shell of rtl/dense/dense_act_buf.sv (same parameters and ports), used by
// scripts/synth/run.py in place of the real buffer when synthesizing the whole dense array: two
// words instead of Depth, so the design run stays small, while the write port and the registered
// read port keep their timing and every address bit stays in use. The real buffer is synthesized
// on its own for each (Lanes, Depth) and its area, timing and power are added.
module dense_act_buf #(
  parameter int Lanes = 4,
  parameter int Depth = 256,
  localparam int AddrW = Depth > 1 ? $clog2(Depth) : 1
) (
  input  logic                  clk_i,
  input  logic                  we_i,
  input  logic [AddrW-1:0]      waddr_i,
  input  logic [Lanes*8-1:0]    wdata_i,
  input  logic                  re_i,
  input  logic [AddrW-1:0]      raddr_i,
  output logic [Lanes*8-1:0]    rdata_o
);
  logic [Lanes*8-1:0] mem_q [2];
  logic [Lanes*8-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[^waddr_i] <= wdata_i;
    end
    if (re_i) begin
      rdata_q <= mem_q[^raddr_i];
    end
  end

  assign rdata_o = rdata_q;
endmodule
