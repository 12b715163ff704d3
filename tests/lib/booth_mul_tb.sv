// Test top for rtl/lib: X * Y (or -(X * Y)) from booth_enc's digits of Y and booth_rows' rows,
// summed by csa_tree and one carry-propagate addition, as the output units use them.
// Combinational.
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
  logic [3*(YW/2)-1:0]  digits;
  booth_enc #(.YW(YW), .Neg(Neg)) u_enc (.y_i(y_i), .digits_o(digits));
  booth_rows #(.XW(XW), .YW(YW), .OutW(OutW)) u_rows (
    .x_i (x_i), .digits_i (digits), .rows_o (rows)
  );
  csa_tree #(.N(Rows), .W(OutW)) u_tree (.in_i(rows), .sum_o(s), .carry_o(c));
  assign p_o = s + c;
endmodule
