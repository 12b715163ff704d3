// Dense INT8 baseline: one processing element. Each accepted beat multiplies Lanes signed 8-bit
// weights by Lanes unsigned 8-bit activations, then sums the products in an adder tree. Each
// product is registered as two halves, x * w[3:0] and x * w[7:4] (four partial-product rows each,
// which is what Yosys 0.23's array multipliers need to reach 200 MHz in sky130); the tree adds
// the 2 x Lanes halves into a registered sum (so the accumulator adder in dense_acc_bank starts at
// flip-flops). Up to 4 lanes the tree is one stage (8 operands); above 4 lanes (16 or more
// operands, which miss 200 MHz in one stage) the sums of each group of 4 lanes are registered
// first. sum_o is valid 2 cycles after valid_i, 3 above 4 lanes (dense_accel's PeLatency,
// dense_cycles.hpp's pe_latency). Datapath registers have no reset; only the valid bits do.
module dense_pe #(
  parameter int Lanes = 4,
  localparam int ProdW = 17,                       // s8 x u8 fits in 17 signed bits
  localparam int LoW = 12,                         // u8 x u4
  localparam int HiW = 13,                         // u8 x s4, signed
  localparam int SumW = ProdW + $clog2(Lanes),     // sum of Lanes products
  localparam int Groups = (Lanes + 3) / 4          // groups of 4 lanes
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        valid_i,
  input  logic [Lanes*8-1:0]          weight_i,    // lane l at [8*l +: 8], signed
  input  logic [Lanes*8-1:0]          act_i,       // lane l at [8*l +: 8], unsigned
  output logic                        sum_valid_o,
  output logic signed [SumW-1:0]      sum_o
);

  if (Lanes < 1) begin : gen_bad_lanes
    $error("dense_pe: Lanes must be >= 1");
  end

  logic [LoW-1:0]          lo_q [Lanes];
  logic signed [HiW-1:0]   hi_q [Lanes];
  logic                    prod_valid_q, sum_valid_q;
  logic signed [SumW-1:0]  sum_q;

  always_ff @(posedge clk_i) begin
    if (valid_i) begin
      for (int l = 0; l < Lanes; l++) begin
        lo_q[l] <= LoW'(act_i[8*l +: 8]) * LoW'(weight_i[8*l +: 4]);
        hi_q[l] <= HiW'($signed({1'b0, act_i[8*l +: 8]})) * HiW'($signed(weight_i[8*l+4 +: 4]));
      end
    end
  end

  // The sum of each group of (up to) 4 lanes' product halves: carry-save levels down to two rows
  // (csa_tree, the same tree as the ternary PE's), then one carry-propagate addition.
  logic signed [SumW-1:0] group_sum [Groups];
  for (genvar g = 0; g < Groups; g++) begin : gen_group
    localparam int NL = (4 * g + 4 <= Lanes) ? 4 : Lanes - 4 * g;  // lanes of this group
    logic [2*NL*SumW-1:0] ops;
    logic [SumW-1:0]      s, c;
    for (genvar l = 0; l < NL; l++) begin : gen_ops
      assign ops[(2*l)*SumW +: SumW]   = SumW'(hi_q[4*g+l]) <<< 4;
      assign ops[(2*l+1)*SumW +: SumW] = SumW'($signed({1'b0, lo_q[4*g+l]}));
    end
    csa_tree #(.N(2 * NL), .W(SumW)) u_tree (.in_i(ops), .sum_o(s), .carry_o(c));
    assign group_sum[g] = $signed(s + c);
  end

  logic sums_valid;
  logic signed [SumW-1:0] tree_sum;
  if (Groups > 1) begin : gen_two_stage
    logic signed [SumW-1:0] group_q [Groups];
    logic                   group_valid_q;
    always_ff @(posedge clk_i) begin
      if (prod_valid_q) begin
        for (int g = 0; g < Groups; g++) group_q[g] <= group_sum[g];
      end
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) group_valid_q <= 1'b0;
      else         group_valid_q <= prod_valid_q;
    end
    always_comb begin
      tree_sum = '0;
      for (int g = 0; g < Groups; g++) tree_sum = tree_sum + group_q[g];
    end
    assign sums_valid = group_valid_q;
  end else begin : gen_one_stage
    assign tree_sum   = group_sum[0];
    assign sums_valid = prod_valid_q;
  end

  always_ff @(posedge clk_i) begin
    if (sums_valid) begin
      sum_q <= tree_sum;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      prod_valid_q <= 1'b0;
      sum_valid_q  <= 1'b0;
    end else begin
      prod_valid_q <= valid_i;
      sum_valid_q  <= sums_valid;
    end
  end

  assign sum_valid_o = sum_valid_q;
  assign sum_o       = sum_q;

endmodule
