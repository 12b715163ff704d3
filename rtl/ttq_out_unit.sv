// Output step of one result, three pipeline stages that advance every cycle (the drain takes a
// record only when the result FIFO has room for everything in flight, so the unit never stalls):
//   S2: Mp*P and Mn*N (as slice products), and B + 2^(S-1) (rounding constant)
//   S3: Mp*P - Mn*N + (B + 2^(S-1)): a carry-save tree (csa_tree) and one carry-propagate add
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
  input  logic [15:0]      mp_i,
  input  logic [15:0]      mn_i,
  input  logic [31:0]      bias_i,
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

  // ---- S2: products (datapath) ----
  // Mp * P and Mn * N as NumSl slice products each (P, N cut in slices of SlW bits), added in
  // stage 3: a 16 x AccW/4 multiplier is a quarter as deep as one 16 x AccW array multiplier
  // (timing: 2 slices left the products 0.5 ns short of 200 MHz in sky130, docs/SYNTHESIS.md).
  localparam int unsigned NumSl = 4;
  localparam int unsigned SlW   = (AccW + NumSl - 1) / NumSl;
  logic [NumSl*SlW-1:0]    p_ext, n_ext;
  assign p_ext = (NumSl*SlW)'(p_i);
  assign n_ext = (NumSl*SlW)'(n_i);
  logic signed [ProdW-1:0] pp_q [NumSl], pn_q [NumSl];
  logic signed [SumW-1:0]  s2_br_q;   // B + 2^(S-1) + NumSl (the inverted products' +1s)
  logic [4:0]              s2_shift_q, s3_shift_q;
  logic [7:0]              s2_id_q, s3_id_q;
  logic                    s2_last_q, s3_last_q;
  always_ff @(posedge clk_i) begin
    for (int k = 0; k < NumSl; k++) begin
      pp_q[k] <= ProdW'($signed(mp_i) * $signed({1'b0, p_ext[k*SlW +: SlW]}));
      pn_q[k] <= ProdW'($signed(mn_i) * $signed({1'b0, n_ext[k*SlW +: SlW]}));
    end
    s2_br_q    <= SumW'($signed(bias_i)) + ((shift_i == 5'd0) ? '0
                                            : (SumW'(1) <<< (shift_i - 5'd1))) + SumW'(NumSl);
    s2_shift_q <= shift_i;
    s2_id_q    <= id_i;
    s2_last_q  <= last_i;
  end

  // ---- S3: sum with rounding constant ----
  // B + 2^(S-1) + sum_k (Mp*P_k - Mn*N_k) << k*SlW as one carry-save tree and one carry-propagate
  // addition: each subtracted product enters inverted (-x = ~x + 1), its +1 is in s2_br_q.
  localparam int unsigned NOps = 2 * NumSl + 1;
  logic [NOps*SumW-1:0]   ops;
  logic [SumW-1:0]        sum_s, sum_c;
  logic signed [SumW-1:0] sum_d, sum_q;
  always_comb begin
    ops[0 +: SumW] = s2_br_q;
    for (int k = 0; k < NumSl; k++) begin
      ops[(2*k+1)*SumW +: SumW] = SumW'(pp_q[k]) <<< (k * SlW);
      ops[(2*k+2)*SumW +: SumW] = ~(SumW'(pn_q[k]) <<< (k * SlW));
    end
  end
  csa_tree #(.N(NOps), .W(SumW)) u_sum (.in_i(ops), .sum_o(sum_s), .carry_o(sum_c));
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
