// Shared sweep buffer: the last SweepRows activation rows of the sweep, written two rows (one
// activation-memory word) per cycle at an even row, all rows visible to every PE's window mux.
module ttq_sweep_buf #(
  parameter int unsigned RowBytes  = 8,
  parameter int unsigned SweepRows = 16,
  localparam int unsigned PairW    = $clog2(SweepRows / 2),
  localparam int unsigned RowW     = RowBytes * 8
) (
  input  logic                           clk_i,
  input  logic                           we_i,
  input  logic [PairW-1:0]               wpair_i,  // row pair: rows 2*wpair_i, 2*wpair_i+1
  input  logic [2*RowW-1:0]              wdata_i,
  output logic [SweepRows*RowW-1:0]      rows_o
);
  if (SweepRows < 4 || (SweepRows & (SweepRows - 1)) != 0) begin : gen_chk_rows
    $error("ttq_sweep_buf: SweepRows must be a power of 2 >= 4, got %0d", SweepRows);
  end

  logic [2*RowW-1:0] pair_q [SweepRows/2];

  // Datapath storage, no reset: a PE only reads rows the feeder has written.
  always_ff @(posedge clk_i) begin
    if (we_i) pair_q[wpair_i] <= wdata_i;
  end

  for (genvar i = 0; i < SweepRows / 2; i++) begin : gen_rows
    assign rows_o[i*2*RowW +: 2*RowW] = pair_q[i];
  end
endmodule
