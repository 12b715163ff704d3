// Carry-save adder tree: N operands of W bits reduced to two rows whose sum equals the operands'
// sum modulo 2^W (two's complement operands work unchanged), by levels of 3:2 compressors (one
// full adder per bit, no carry propagation), so that the one carry-propagate addition left is the
// consumer's: sum = sum_o + carry_o. N = 8 takes 4 levels (8 -> 6 -> 4 -> 3 -> 2), each one
// full-adder delay, instead of a chain or tree of carry-propagate adders. Used by the ternary PE's
// P and N trees and the dense PE's product tree alike, so the baseline gets the same structure.
// Recursive: each level instantiates the next with fewer rows (N <= 2 ends it).
module csa_tree #(
  parameter int unsigned N = 8,
  parameter int unsigned W = 11
) (
  input  logic [N*W-1:0] in_i,  // operand k at [k*W +: W]
  output logic [W-1:0]   sum_o,
  output logic [W-1:0]   carry_o
);
  if (N < 1 || W < 2) begin : gen_chk
    $error("csa_tree: N must be >= 1 and W >= 2, got N = %0d, W = %0d", N, W);
  end
  if (N == 1) begin : gen_one
    assign sum_o   = in_i[W-1:0];
    assign carry_o = '0;
  end else if (N == 2) begin : gen_two
    assign sum_o   = in_i[W-1:0];
    assign carry_o = in_i[2*W-1:W];
  end else begin : gen_level
    localparam int unsigned G  = N / 3;      // 3:2 compressors of this level
    localparam int unsigned R  = N - 3 * G;  // rows passed to the next level as they are
    localparam int unsigned NN = 2 * G + R;
    logic [NN*W-1:0] next;
    for (genvar g = 0; g < G; g++) begin : gen_fa
      logic [W-1:0] a, b, c;
      logic [W-2:0] maj;  // the carries; bit W-1's would leave the W-bit sum
      assign a   = in_i[(3*g)*W +: W];
      assign b   = in_i[(3*g+1)*W +: W];
      assign c   = in_i[(3*g+2)*W +: W];
      assign maj = (a[W-2:0] & b[W-2:0]) | (a[W-2:0] & c[W-2:0]) | (b[W-2:0] & c[W-2:0]);
      assign next[(2*g)*W +: W]   = a ^ b ^ c;
      assign next[(2*g+1)*W +: W] = {maj, 1'b0};
    end
    if (R > 0) begin : gen_pass
      assign next[(2*G)*W +: R*W] = in_i[(3*G)*W +: R*W];
    end
    csa_tree #(.N(NN), .W(W)) u_next (
      .in_i    (next),
      .sum_o   (sum_o),
      .carry_o (carry_o)
    );
  end
endmodule
