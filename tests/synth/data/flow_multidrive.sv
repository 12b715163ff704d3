// Flow self-test input: a net with two drivers; synth.tcl must fail.
module flow_multidrive (
  input  logic       clk_i,
  input  logic [3:0] a_i,
  input  logic [3:0] b_i,
  output logic [3:0] q_o
);
  logic [3:0] w;
  assign w = a_i;
  assign w = b_i;
  always_ff @(posedge clk_i) q_o <= w;
endmodule
