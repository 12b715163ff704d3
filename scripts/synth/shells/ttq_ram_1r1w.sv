// Synthesis timing shell of rtl/ttq_ram_1r1w.sv (same parameters and ports), used by
// scripts/synth/run.py in place of the real memory when synthesizing the whole array: two words
// instead of Depth, so the design run stays small, while the write port and the registered read
// port keep their timing and every address bit stays in use. The real memory is synthesized on
// its own for each (Width, Depth) and its area, timing and power are added (docs/SYNTHESIS.md).
module ttq_ram_1r1w #(
  parameter int unsigned Width = 32,
  parameter int unsigned Depth = 1024,
  localparam int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);
  logic [Width-1:0] mem_q [2];

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[^waddr_i] <= wdata_i;
  end
  always_ff @(posedge clk_i) begin
    if (re_i) rdata_o <= mem_q[^raddr_i];
  end
endmodule
