// Output step of one result, three pipeline stages that advance every cycle (the drain takes a
// record only when the result FIFO has room for everything in flight, so the unit never stalls):
//   S2: Mp*P - Mn*N in carry-save form (Booth partial products, one carry-save tree), and
//       B + 2^(S-1) (the rounding constant comes decoded, round_const in the drain)
//   S3: the two rows plus B + 2^(S-1): one 3:2 level and one carry-propagate addition
//   S4: arithmetic shift by S, optional ReLU, saturation to 8 bits (ttq::output_step).
module ttq_out_unit #(
  parameter int unsigned AccW = 20,
  localparam int unsigned ProdW = AccW + 17,
  localparam int unsigned SumW  = ProdW + 2
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             clear_i,   // start of a run: drop anything in flight
  input  logic             relu_i,
  input  logic             vld_i,
  input  logic [7:0]       id_i,
  input  logic [AccW-1:0]  p_i,
  input  logic [AccW-1:0]  n_i,
  input  logic [23:0]      mp_dig_i,  // Mp recoded (booth_enc), a cycle before this unit's S2
  input  logic [23:0]      mn_dig_i,  // Mn recoded, rows of -(Mn * N) (booth_enc, Neg)
  input  logic [31:0]      bias_i,
  input  logic [31:0]      round_i,   // 2^(S-1), or 0 for S = 0 (round_const)
  input  logic [4:0]       shift_i,
  input  logic             last_i,
  output logic             vld_o,
  output logic [7:0]       id_o,
  output logic [7:0]       y_o,
  output logic             last_o,
  output logic             busy_o
);
  if (AccW < 9 || AccW > 32) begin : gen_chk_acc
    $error("ttq_out_unit: AccW must be 9..32, got %0d", AccW);
  end

  // ---- valid bits (control, reset) ----
  logic s2_vld_q, s3_vld_q, s4_vld_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      s2_vld_q <= 1'b0;
      s3_vld_q <= 1'b0;
      s4_vld_q <= 1'b0;
    end else begin
      s2_vld_q <= vld_i;
      s3_vld_q <= s2_vld_q;
      s4_vld_q <= s3_vld_q;
    end
  end

  // ---- S2: both products and their difference, in carry-save form (datapath) ----
  // Mp * P and -(Mn * N) as radix-4 Booth partial products (booth_rows: 8 rows and a constant
  // row each), reduced to two rows by one carry-save tree; no carry propagates in this stage.
  // Mp and Mn arrive recoded as Booth digits (the drain recodes them as they leave the parameter
  // memory), so the stage starts at the digit selects.
  localparam int unsigned MulRows = 16 / 2 + 1;
  logic [2*MulRows*SumW-1:0] prod_rows;
  booth_rows #(.XW(AccW + 1), .YW(16), .OutW(SumW)) u_mp (
    .x_i ({1'b0, p_i}), .digits_i (mp_dig_i), .rows_o (prod_rows[0 +: MulRows*SumW])
  );
  booth_rows #(.XW(AccW + 1), .YW(16), .OutW(SumW)) u_mn (
    .x_i ({1'b0, n_i}), .digits_i (mn_dig_i), .rows_o (prod_rows[MulRows*SumW +: MulRows*SumW])
  );
  logic [SumW-1:0]        prod_s, prod_c, s2_s_q, s2_c_q;
  logic signed [SumW-1:0] s2_br_q;   // B + 2^(S-1)
  logic [4:0]             s2_shift_q, s3_shift_q;
  logic [7:0]             s2_id_q, s3_id_q;
  logic                   s2_last_q, s3_last_q;
  csa_tree #(.N(2 * MulRows), .W(SumW)) u_prod (.in_i(prod_rows), .sum_o(prod_s), .carry_o(prod_c));
  always_ff @(posedge clk_i) begin
    s2_s_q     <= prod_s;
    s2_c_q     <= prod_c;
    s2_br_q    <= SumW'($signed(bias_i)) + SumW'(round_i);
    s2_shift_q <= shift_i;
    s2_id_q    <= id_i;
    s2_last_q  <= last_i;
  end

  // ---- S3: Mp*P - Mn*N + B + 2^(S-1): the two product rows and the constant, one 3:2 level
  // and one carry-propagate addition ----
  logic [3*SumW-1:0]      ops;
  logic [SumW-1:0]        sum_s, sum_c;
  logic signed [SumW-1:0] sum_d, sum_q;
  assign ops = {s2_br_q, s2_c_q, s2_s_q};
  csa_tree #(.N(3), .W(SumW)) u_sum (.in_i(ops), .sum_o(sum_s), .carry_o(sum_c));
  assign sum_d = $signed(sum_s + sum_c);
  always_ff @(posedge clk_i) begin
    sum_q      <= sum_d;
    s3_shift_q <= s2_shift_q;
    s3_id_q    <= s2_id_q;
    s3_last_q  <= s2_last_q;
  end

  // ---- S4: shift, ReLU, saturate; output registers reset so no X leaves the block ----
  logic signed [SumW-1:0] shifted;
  logic [7:0]             y_d;
  assign shifted = sum_q >>> s3_shift_q;
  always_comb begin
    if (relu_i) begin
      if (shifted < 0)                          y_d = 8'd0;
      else if (shifted > $signed(SumW'(255)))   y_d = 8'd255;
      else                                      y_d = shifted[7:0];
    end else begin
      if (shifted < $signed(-SumW'(128)))       y_d = 8'h80;
      else if (shifted > $signed(SumW'(127)))   y_d = 8'h7f;
      else                                      y_d = shifted[7:0];
    end
  end

  logic [7:0] y_q, id_q;
  logic       last_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      y_q    <= '0;
      id_q   <= '0;
      last_q <= 1'b0;
    end else begin
      y_q    <= y_d;
      id_q   <= s3_id_q;
      last_q <= s3_last_q;
    end
  end

  assign vld_o  = s4_vld_q;
  assign id_o   = id_q;
  assign y_o    = y_q;
  assign last_o = last_q;
  assign busy_o = s2_vld_q || s3_vld_q || s4_vld_q;
endmodule
