// Flow self-test input: a used net that nothing drives; synth.tcl must fail.
module flow_undriven (
  input  logic       clk_i,
  input  logic [3:0] a_i,
  output logic [3:0] q_o
);
  logic [3:0] w;
  always_ff @(posedge clk_i) q_o <= a_i ^ w;
endmodule
