// The rounding constant of the output step's shift (golden/include/ttq/arith.hpp,
// rounding_shift): 2^(S-1) for S > 0, 0 for S = 0, decoded from the 5-bit shift field. Both
// output units decode it as the parameters leave their memory, so their sum stage only adds it.
module round_const (
  input  logic [4:0]  shift_i,
  output logic [31:0] c_o
);
  always_comb begin
    c_o = 32'd0;
    for (int s = 1; s <= 31; s++) begin
      if (shift_i == 5'(s)) c_o[s-1] = 1'b1;
    end
  end
endmodule
