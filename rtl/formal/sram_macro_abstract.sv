// Formal abstraction of sram_macro (rtl/mem/sram_macro.sv) for `make formal`: same ports, no
// storage; the read data is a free value in every cycle. Every behaviour of the real memory is one
// of this model's, so a control property proved with it holds for any memory content (programs,
// descriptors, activations and parameters are all unconstrained).
module sram_macro #(
  parameter int Width = 32,
  parameter int Depth = 512,
  localparam int AddrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int MaskW = (Width >= 8) ? Width / 8 : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [MaskW-1:0] wmask_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);
  (* anyseq *) logic [Width-1:0] free_data;
  assign rdata_o = free_data;
endmodule
