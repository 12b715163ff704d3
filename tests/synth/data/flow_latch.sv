// Flow self-test input: an incomplete combinational assignment infers a latch; synth.tcl must fail.
module flow_latch (
  input  logic       clk_i,
  input  logic       en_i,
  input  logic [3:0] d_i,
  output logic [3:0] q_o
);
  logic [3:0] l;
  always_comb begin
    if (en_i) l = d_i;
  end
  always_ff @(posedge clk_i) q_o <= l;
endmodule
