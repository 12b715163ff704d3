// Test top for rtl/lib: X * Y (or -(X * Y)) from booth_rows' rows, summed by csa_tree and one
// carry-propagate addition, as the output units use them. Combinational.
module booth_mul_tb #(
  parameter int unsigned XW   = 21,
  parameter int unsigned YW   = 16,
  parameter int unsigned OutW = 39,
  parameter bit          Neg  = 1'b0
) (
  input  logic [XW-1:0]   x_i,
  input  logic [YW-1:0]   y_i,
  output logic [OutW-1:0] p_o
);
  localparam int unsigned Rows = YW / 2 + 1;
  logic [Rows*OutW-1:0] rows;
  logic [OutW-1:0]      s, c;
  booth_rows #(.XW(XW), .YW(YW), .OutW(OutW), .Neg(Neg)) u_rows (
    .x_i (x_i), .y_i (y_i), .rows_o (rows)
  );
  csa_tree #(.N(Rows), .W(OutW)) u_tree (.in_i(rows), .sum_o(s), .carry_o(c));
  assign p_o = s + c;
endmodule
