// Dense INT8 baseline: the activation buffer, Depth words of Lanes bytes, one write port and one
// synchronous read port. Written once per layer, read once per output group. Synthesis maps it to
// flip-flops and read multiplexers (no SRAM macro), see docs/SYNTHESIS.md.
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

  if (Depth < 1) begin : gen_bad_depth
    $error("dense_act_buf: Depth must be >= 1");
  end

  logic [Lanes*8-1:0] mem_q [Depth];
  logic [Lanes*8-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= wdata_i;
    end
    if (re_i) begin
      rdata_q <= mem_q[raddr_i];
    end
  end

  assign rdata_o = rdata_q;

endmodule
