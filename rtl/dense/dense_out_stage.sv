// Dense INT8 baseline: the output step of the arithmetic contract (golden/include/ttq/arith.hpp)
// for an int8-weight layer, where P is the signed dot product and N is 0:
//   y = saturate8(relu ? max(0, v) : v),  v = rounding_shift(Mp * P + B, S)
// rounding_shift(v, s) = (v + 2^(s-1)) >>> s for s > 0, v for s == 0.
// Four pipeline stages that never stall (dense_drain issues an output only when its result FIFO
// has room): 0 register the operands (Mp / B / S come straight from the parameter SRAM's read
// port; Mp is registered as Booth digits, booth_enc, as the ternary drain does); 1 Mp * P in
// carry-save form (radix-4 Booth partial products, booth_rows, reduced to two rows by one
// carry-save tree, as the ternary output unit's products), and B plus the rounding constant;
// 2 add the three (one 3:2 level, one carry-propagate addition); 3 shift, clamp, saturate.
module dense_out_stage #(
  parameter int AccW = 26,
  localparam int ProdW = AccW + 16,
  localparam int SumW = (ProdW > 32 ? ProdW : 32) + 2
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   relu_i,
  // one accumulator and its channel's parameters
  input  logic                   in_valid_i,
  input  logic signed [AccW-1:0] acc_i,
  input  logic signed [15:0]     mp_i,
  input  logic signed [31:0]     bias_i,
  input  logic [4:0]             shift_i,
  input  logic                   last_i,
  // result
  output logic                   out_valid_o,
  output logic [7:0]             out_data_o,
  output logic                   out_last_o
);

  logic [3:0] valid_q, last_q;

  // Stage 0: operands.
  logic signed [AccW-1:0] acc0_q;
  logic [23:0]            mp0_dig_q;                 // Mp as Booth digits
  logic signed [31:0]     bias0_q;
  logic [4:0]             shift0_q;
  logic [31:0]            round0_q;                  // 2^(S-1), or 0 for S = 0
  // Stage 1: the product as two carry-save rows.
  logic [SumW-1:0]        prod1_s_q, prod1_c_q;
  logic signed [32:0]     bias1_q;                   // B + rounding constant
  logic [4:0]             shift1_q;
  // Stage 2: sum.
  logic signed [SumW-1:0] sum2_q;
  logic [4:0]             shift2_q;
  // Stage 3: result.
  logic [7:0]             y3_q;

  logic [31:0]            round_d;
  logic signed [SumW-1:0] shifted;
  logic [7:0]             y_sat;

  // The rounding constant is decoded from the input, so stage 1 only adds it.
  round_const u_round (.shift_i(shift_i), .c_o(round_d));
  assign shifted     = sum2_q >>> shift2_q;

  // Stage 1: Mp * P as Booth partial products reduced to two rows (no carry propagation).
  localparam int MulRows = 16 / 2 + 1;
  logic [23:0]             mp_dig;
  booth_enc #(.YW(16), .Neg(1'b0)) u_enc (.y_i(mp_i), .digits_o(mp_dig));
  logic [MulRows*SumW-1:0] prod_rows;
  logic [SumW-1:0]         prod_s, prod_c;
  booth_rows #(.XW(AccW), .YW(16), .OutW(SumW)) u_mul (
    .x_i (acc0_q), .digits_i (mp0_dig_q), .rows_o (prod_rows)
  );
  csa_tree #(.N(MulRows), .W(SumW)) u_prod (.in_i(prod_rows), .sum_o(prod_s), .carry_o(prod_c));

  // Stage 2: the two rows and B + rounding constant: one 3:2 level, one carry-propagate addition.
  logic [3*SumW-1:0]      sum_ops;
  logic [SumW-1:0]        sum_s, sum_c;
  logic signed [SumW-1:0] sum2_d;
  assign sum_ops = {SumW'(bias1_q), prod1_c_q, prod1_s_q};
  csa_tree #(.N(3), .W(SumW)) u_sum (.in_i(sum_ops), .sum_o(sum_s), .carry_o(sum_c));
  assign sum2_d = $signed(sum_s + sum_c);

  always_comb begin
    if (relu_i) begin
      if (shifted < 0) begin
        y_sat = 8'd0;
      end else if (shifted > 255) begin
        y_sat = 8'd255;
      end else begin
        y_sat = shifted[7:0];
      end
    end else begin
      if (shifted < -128) begin
        y_sat = 8'h80;
      end else if (shifted > 127) begin
        y_sat = 8'h7f;
      end else begin
        y_sat = shifted[7:0];
      end
    end
  end

  // Datapath: no reset, no enable (a stage holding no valid result computes a don't-care).
  always_ff @(posedge clk_i) begin
    acc0_q   <= acc_i;
    mp0_dig_q <= mp_dig;
    bias0_q  <= bias_i;
    shift0_q <= shift_i;
    round0_q <= round_d;
    prod1_s_q <= prod_s;
    prod1_c_q <= prod_c;
    bias1_q  <= 33'(bias0_q) + $signed({1'b0, round0_q});
    shift1_q <= shift0_q;
    sum2_q   <= sum2_d;
    shift2_q <= shift1_q;
    y3_q     <= y_sat;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 4'd0;
      last_q  <= 4'd0;
    end else begin
      valid_q <= {valid_q[2:0], in_valid_i};
      last_q  <= {last_q[2:0], in_valid_i && last_i};
    end
  end

  assign out_valid_o = valid_q[3];
  assign out_data_o  = y3_q;
  assign out_last_o  = last_q[3];

endmodule
