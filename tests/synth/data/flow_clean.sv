// Flow self-test input: a clean 16-bit accumulator; synth.tcl and sta.tcl must pass and time it.
module flow_clean (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        en_i,
  input  logic [7:0]  a_i,
  input  logic [7:0]  b_i,
  output logic [15:0] acc_o
);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) acc_o <= 16'd0;
    else if (en_i) acc_o <= acc_o + 16'(a_i) * 16'(b_i);
  end
endmodule
