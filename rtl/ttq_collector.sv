// Output collector: takes the PE records in schedule order (round-major, two PEs per cycle), sums
// consecutive records of an output split over several PEs (entry flag `combine`), and hands up
// to two finished (P, N) sums with their output parameters to the output units each cycle.
module ttq_collector #(
  parameter int unsigned NumPes    = 16,
  parameter int unsigned AccW      = 20,
  parameter int unsigned MaxRounds = 4,
  parameter int unsigned RoundW    = 8,
  parameter int unsigned VecW      = 32,
  localparam int unsigned EntW     = 79,
  localparam int unsigned EntDepth = MaxRounds * NumPes,
  localparam int unsigned EntAW    = $clog2(EntDepth),
  localparam int unsigned PairAW   = $clog2(EntDepth / 2)
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  input  logic                    start_i,
  input  logic                    run_i,
  input  logic [RoundW-1:0]       rounds_i,
  input  logic [VecW-1:0]         nvec_i,
  // entry table write port (weight loader)
  input  logic                    ent_we_i,
  input  logic [EntAW-1:0]        ent_waddr_i,
  input  logic [EntW-1:0]         ent_wdata_i,
  // PE records
  input  logic [NumPes-1:0]       rec_vld_i,
  input  logic [NumPes*AccW-1:0]  rec_p_i,
  input  logic [NumPes*AccW-1:0]  rec_n_i,
  output logic [NumPes-1:0]       rec_take_o,
  // to the output units (stage 1 registers), advanced by adv_i
  input  logic                    adv_i,
  output logic [1:0]              s1_vld_o,
  output logic [2*8-1:0]          s1_id_o,
  output logic [2*AccW-1:0]       s1_p_o,
  output logic [2*AccW-1:0]       s1_n_o,
  output logic [2*16-1:0]         s1_mp_o,
  output logic [2*16-1:0]         s1_mn_o,
  output logic [2*32-1:0]         s1_bias_o,
  output logic [2*5-1:0]          s1_shift_o,
  output logic [1:0]              s1_last_o,
  output logic                    done_o       // every record of every vector taken
);
  if (NumPes < 2 || NumPes % 2 != 0) begin : gen_chk_pes
    $error("ttq_collector: NumPes must be even and >= 2, got %0d", NumPes);
  end
  if (MaxRounds < 1 || MaxRounds > 255) begin : gen_chk_rounds
    $error("ttq_collector: MaxRounds must be 1..255, got %0d", MaxRounds);
  end

  // ---------------- entry table: even and odd banks, one pair read per cycle ----------------
  logic [EntW-1:0] ent_a, ent_b;
  logic            rd_en;
  logic [PairAW-1:0] rd_addr, ce_q;
  logic [NumPes/2-1:0] cp_q;     // one-hot: the PE pair whose records are taken next
  logic [PairAW-1:0]   ce_last_q; // rounds * NumPes / 2 - 1, set at start
  logic [VecW-1:0]  cv_q;
  logic             done_q, take, ce_end;

  ttq_ram_1r1w #(.Width(EntW), .Depth(EntDepth / 2)) u_ent_even (
    .clk_i,
    .we_i    (ent_we_i && !ent_waddr_i[0]),
    .waddr_i (ent_waddr_i[EntAW-1:1]),
    .wdata_i (ent_wdata_i),
    .re_i    (rd_en),
    .raddr_i (rd_addr),
    .rdata_o (ent_a)
  );
  ttq_ram_1r1w #(.Width(EntW), .Depth(EntDepth / 2)) u_ent_odd (
    .clk_i,
    .we_i    (ent_we_i && ent_waddr_i[0]),
    .waddr_i (ent_waddr_i[EntAW-1:1]),
    .wdata_i (ent_wdata_i),
    .re_i    (rd_en),
    .raddr_i (rd_addr),
    .rdata_o (ent_b)
  );

  // ---------------- take two records ----------------
  // AND-OR selection by the one-hot pointer (one gate level, no decoder in front of the sums).
  logic [AccW-1:0] pa_p, pa_n, pb_p, pb_n;
  logic            va, vb;
  always_comb begin
    va   = 1'b0;
    vb   = 1'b0;
    pa_p = '0;
    pa_n = '0;
    pb_p = '0;
    pb_n = '0;
    for (int q = 0; q < NumPes / 2; q++) begin
      va   = va | (cp_q[q] & rec_vld_i[2*q]);
      vb   = vb | (cp_q[q] & rec_vld_i[2*q+1]);
      pa_p = pa_p | ({AccW{cp_q[q]}} & rec_p_i[2*q*AccW +: AccW]);
      pa_n = pa_n | ({AccW{cp_q[q]}} & rec_n_i[2*q*AccW +: AccW]);
      pb_p = pb_p | ({AccW{cp_q[q]}} & rec_p_i[(2*q+1)*AccW +: AccW]);
      pb_n = pb_n | ({AccW{cp_q[q]}} & rec_n_i[(2*q+1)*AccW +: AccW]);
    end
  end

  assign ce_end = ce_q == ce_last_q;
  logic [NumPes/2-1:0] cp_rot;
  always_comb begin
    for (int q = 0; q < NumPes / 2; q++) cp_rot[q] = cp_q[(q + NumPes / 2 - 1) % (NumPes / 2)];
  end
  assign take   = run_i && !done_q && va && vb && adv_i;
  assign rd_en  = start_i || take;
  assign rd_addr = (start_i || ce_end) ? '0 : ce_q + 1'b1;

  always_comb begin
    rec_take_o = '0;
    for (int q = 0; q < NumPes / 2; q++) begin
      rec_take_o[2*q]   = cp_q[q] && take;
      rec_take_o[2*q+1] = cp_q[q] && take;
    end
  end

  // ---------------- combine chain ----------------
  logic [AccW-1:0] carry_p_q, carry_n_q;
  logic [AccW-1:0] t0_p, t0_n, t1_p, t1_n;
  logic            comb_a, comb_b, out0v, out1v;
  assign comb_a = ent_a[8];
  assign comb_b = ent_b[8];
  // t1 = (comb_a ? t0 : 0) + pb, as one 3-operand sum (carry-save + one adder) beside t0.
  logic [AccW-1:0] t01_p, t01_n;
  assign t0_p   = carry_p_q + pa_p;
  assign t0_n   = carry_n_q + pa_n;
  assign t01_p  = carry_p_q + pa_p + pb_p;
  assign t01_n  = carry_n_q + pa_n + pb_n;
  assign t1_p   = comb_a ? t01_p : pb_p;
  assign t1_n   = comb_a ? t01_n : pb_n;
  assign out0v  = !comb_a;
  assign out1v  = !comb_b;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ce_q      <= '0;
      ce_last_q <= '0;
      cp_q      <= (NumPes/2)'(1);
      cv_q      <= '0;
      done_q    <= 1'b1;
    end else if (start_i) begin
      ce_q      <= '0;
      ce_last_q <= PairAW'(32'(rounds_i) * (NumPes / 2) - 1);
      cp_q      <= (NumPes/2)'(1);
      cv_q      <= '0;
      done_q    <= nvec_i == '0;
    end else if (take) begin
      cp_q <= cp_rot;
      if (ce_end) begin
        ce_q <= '0;
        cv_q <= cv_q + 1'b1;
        if (cv_q + 1'b1 == nvec_i) done_q <= 1'b1;
      end else begin
        ce_q <= ce_q + 1'b1;
      end
    end
  end

  // carry: datapath, initialised by start
  always_ff @(posedge clk_i) begin
    if (start_i) begin
      carry_p_q <= '0;
      carry_n_q <= '0;
    end else if (take) begin
      carry_p_q <= comb_b ? t1_p : '0;
      carry_n_q <= comb_b ? t1_n : '0;
    end
  end

  // ---------------- stage 1 registers ----------------
  // Slot 0 always holds the first finished output of the pair, slot 1 the second if any.
  logic [1:0] s1_vld_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      s1_vld_q <= 2'b00;
    end else if (adv_i) begin
      s1_vld_q <= take ? {out0v && out1v, out0v || out1v} : 2'b00;
    end
  end

  logic [EntW-1:0] s1_ent_q [2];
  logic [AccW-1:0] s1_p_q [2], s1_n_q [2];
  always_ff @(posedge clk_i) begin
    if (adv_i && take) begin
      s1_ent_q[0] <= out0v ? ent_a : ent_b;
      s1_p_q[0]   <= out0v ? t0_p : t1_p;
      s1_n_q[0]   <= out0v ? t0_n : t1_n;
      s1_ent_q[1] <= ent_b;
      s1_p_q[1]   <= t1_p;
      s1_n_q[1]   <= t1_n;
    end
  end

  for (genvar s = 0; s < 2; s++) begin : gen_s1
    assign s1_id_o[s*8 +: 8]       = s1_ent_q[s][7:0];
    assign s1_last_o[s]            = s1_ent_q[s][9];
    assign s1_shift_o[s*5 +: 5]    = s1_ent_q[s][14:10];
    assign s1_mp_o[s*16 +: 16]     = s1_ent_q[s][30:15];
    assign s1_mn_o[s*16 +: 16]     = s1_ent_q[s][46:31];
    assign s1_bias_o[s*32 +: 32]   = s1_ent_q[s][78:47];
    assign s1_p_o[s*AccW +: AccW]  = s1_p_q[s];
    assign s1_n_o[s*AccW +: AccW]  = s1_n_q[s];
  end
  assign s1_vld_o = s1_vld_q;
  assign done_o   = done_q;
endmodule
