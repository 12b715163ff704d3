// Simple dual-port memory: one synchronous write port, one synchronous read port with enable
// (read data holds while re_i is low). Used for the activation double buffer, the per-PE op
// memories and the output entry table, so synthesis can report or black-box each one.
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
  if (Width < 1) begin : gen_chk_width
    $error("ttq_ram_1r1w: Width must be >= 1, got %0d", Width);
  end
  if (Depth < 2) begin : gen_chk_depth
    $error("ttq_ram_1r1w: Depth must be >= 2, got %0d", Depth);
  end

  logic [Width-1:0] mem_q [Depth];

  // Storage and read register: datapath, no reset.
  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
  end
  always_ff @(posedge clk_i) begin
    if (re_i) rdata_o <= mem_q[raddr_i];
  end
endmodule
