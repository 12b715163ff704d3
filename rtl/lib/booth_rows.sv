// Radix-4 Booth partial products of X * Y (or -(X * Y)), as rows for a carry-save tree: the
// product modulo 2^OutW is the sum of the NumRows rows (csa_tree, then one carry-propagate add).
// No carry propagates here: the consumer adds the rows in the same tree as its other operands
// (bias, rounding constant, a second product), so a multiply-add costs one tree and one adder.
//
// Y comes recoded (booth_enc: per digit {neg, two, one}, the sign of -(X * Y) already folded in);
// digit k selects 0, X or 2X (XW + 1 bits, X signed), inverted when the digit is negative
// (-v = ~v + 1, the +1 kept apart). Sign extension: a row t of XW + 1 bits is stored as
// {~t[XW], t[XW-1:0]} and -2^XW is added, for every row, into one constant, the last row. The +1
// of an inverted row k sits at bit 2k of row k + 1 (which starts at bit 2k + 2); the last digit's
// +1 selects between two constants for the last row (ExtConst or ExtConst + 4^(Digits-1)).
module booth_rows #(
  parameter int unsigned XW   = 21,   // multiplicand X, signed (an unsigned value: one 0 on top)
  parameter int unsigned YW   = 16,   // multiplier Y, signed, even (recoded by booth_enc)
  parameter int unsigned OutW = 39,   // row width: the sum's width
  localparam int unsigned Digits  = YW / 2,
  localparam int unsigned NumRows = Digits + 1
) (
  input  logic [XW-1:0]           x_i,
  input  logic [3*Digits-1:0]     digits_i,  // booth_enc's digits of Y
  output logic [NumRows*OutW-1:0] rows_o  // row k at [k*OutW +: OutW]
);
  if (YW < 2 || YW % 2 != 0 || XW < 1 || OutW < XW + YW || OutW > 64) begin : gen_chk
    $error("booth_rows: need even YW >= 2, XW >= 1, XW + YW <= OutW <= 64 (XW %0d YW %0d OutW %0d)",
           XW, YW, OutW);
  end

  // Sum over the digits of -2^XW * 4^k, modulo 2^OutW.
  localparam logic [63:0] ExtMag = ((64'(1) << (2 * Digits)) - 64'd1) / 64'd3 << XW;
  localparam logic [OutW-1:0] ExtConst = OutW'(64'd0 - ExtMag);
  localparam logic [OutW-1:0] ExtConstInc = ExtConst + (OutW'(1) << (2 * (Digits - 1)));

  logic [Digits-1:0] neg;
  logic [XW:0]       x2;
  assign x2 = {x_i, 1'b0};
  for (genvar k = 0; k < Digits; k++) begin : gen_digit
    logic one, two;
    logic [XW:0] mag, t;
    assign one = digits_i[3*k];
    assign two = digits_i[3*k+1];
    // A zero digit's sign does not matter: ~0 + 1 = 0.
    assign neg[k] = digits_i[3*k+2];
    assign mag    = ({(XW+1){one}} & {x_i[XW-1], x_i}) | ({(XW+1){two}} & x2);
    assign t      = mag ^ {(XW+1){neg[k]}};
    if (k == 0) begin : gen_row0
      assign rows_o[0 +: OutW] = OutW'({~t[XW], t[XW-1:0]});
    end else begin : gen_rowk
      assign rows_o[k*OutW +: OutW] = (OutW'({~t[XW], t[XW-1:0]}) << (2 * k)) |
                                      (OutW'(neg[k-1]) << (2 * k - 2));
    end
  end

  assign rows_o[Digits*OutW +: OutW] = neg[Digits-1] ? ExtConstInc : ExtConst;
endmodule
