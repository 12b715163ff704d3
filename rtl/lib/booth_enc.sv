// Radix-4 Booth recoding of a signed multiplier Y (YW bits, YW even) into YW/2 digits
// d_k in {-2..2} from bits y[2k+1:2k-1] (y[-1] = 0), each as three select bits for booth_rows:
// digit k at [3k +: 3] = {neg, two, one}: |d_k| = 1 (one), |d_k| = 2 (two), d_k < 0 (neg; for
// rows of -(X * Y), Neg, the sign is inverted). A zero digit's neg does not matter.
// Kept apart from booth_rows so that a multiplier that is read a cycle before its product (the
// output units' Mp / Mn from the parameter memory) is recoded in that cycle and registered as
// digits, off the product stage's path.
module booth_enc #(
  parameter int unsigned YW  = 16,
  parameter bit          Neg = 1'b0,
  localparam int unsigned Digits = YW / 2
) (
  input  logic [YW-1:0]       y_i,
  output logic [3*Digits-1:0] digits_o
);
  if (YW < 2 || YW % 2 != 0) begin : gen_chk
    $error("booth_enc: need even YW >= 2, got %0d", YW);
  end
  for (genvar k = 0; k < Digits; k++) begin : gen_digit
    logic b2, b1, b0;
    assign b2 = y_i[2*k+1];
    assign b1 = y_i[2*k];
    if (k == 0) begin : gen_lsb
      assign b0 = 1'b0;
    end else begin : gen_mid
      assign b0 = y_i[2*k-1];
    end
    assign digits_o[3*k]   = b1 ^ b0;
    assign digits_o[3*k+1] = (b2 & ~b1 & ~b0) | (~b2 & b1 & b0);
    assign digits_o[3*k+2] = b2 ^ Neg;
  end
endmodule
