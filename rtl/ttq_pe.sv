// One processing element: the output it owns in the current round accumulates, per step, the
// window bytes its slots select. Slot j reads group j / GroupNnz of the broadcast window and picks
// byte `idx` of the group's GroupSize activations; a used slot adds it to the P tree (+1) or the N
// tree (-1), an unused one adds nothing. Slot format (docs/ARCHITECTURE.md): N >= 2: {sign, idx}
// per slot, slot k >= 1 of a group used when its idx differs from slot 0's, slot 0 used unless
// slot 1 is {1, idx0}; N = 1: {code[1:0], idx}, code POS / NEG / EMPTY. At the last step of a
// round the sums go to the record chain (p_o / n_o, valid in that cycle) and the accumulators
// restart at zero. Pipeline: the step's SRAM words (weight and activation macros' outputs, which
// arrive after the falling clock edge) are registered as they are (stage 1 -> 2: this PE's slots
// here, the window once for all PEs in ttq_accel); in stage 2 (where vld_i is) each slot's byte is
// selected and masked by its enables, and the P and N carry-save trees reduce them to two rows
// each, registered; in stage 3 (vld3_i / last3_i) each accumulator adds its two rows (one 3:2
// level, one carry-propagate adder), and at a round's last step p_o / n_o go to the record chain.
module ttq_pe
#(
  parameter int unsigned GroupSize = ttq_pkg::DefGroupSize,
  parameter int unsigned GroupNnz  = ttq_pkg::DefGroupNnz,
  parameter int unsigned Groups    = ttq_pkg::DefGroups,
  parameter int unsigned AccW      = 20,
  localparam int unsigned Slots    = Groups * GroupNnz,
  localparam int unsigned IdxW     = ttq_pkg::IdxBits(GroupSize),
  localparam int unsigned SlotBits = ttq_pkg::SlotBits(GroupSize, GroupNnz),
  localparam int unsigned NnzW     = $clog2(Slots + 1)
) (
  input  logic                        clk_i,
  input  logic                        clear_i,  // start of a run
  input  logic                        vld_i,    // a step is in stage 2 (its slots are summed)
  input  logic                        vld3_i,   // a step is in stage 3 (its sums are accumulated)
  input  logic                        last3_i,  // ... and it ends the round
  input  logic [Groups*GroupSize*8-1:0] win_i,    // the step's window, registered (stage 2)
  input  logic [Slots*SlotBits-1:0]   slots_i,  // this PE's slots of the weight SRAM word
  output logic [AccW-1:0]             p_o,      // P, N including the step in stage 3
  output logic [AccW-1:0]             n_o,
  output logic [NnzW-1:0]             nnz_o     // used slots of the step in stage 3 (0 if none)
);
  localparam int unsigned SumW = 8 + $clog2(Slots + 1);

  // Stage 1 -> 2: this PE's slots of the weight SRAM word, registered (the window, the activation
  // SRAM word, is registered once for all PEs: win_i). Datapath, no reset.
  logic [Slots*SlotBits-1:0] slots_q;
  always_ff @(posedge clk_i) slots_q <= slots_i;

  // Stage 2, slot decode: each slot's P (+1) and N (-1) enables.
  logic [Slots-1:0] pos, neg;
  for (genvar g = 0; g < Groups; g++) begin : gen_dec
    localparam int unsigned B0 = g * GroupNnz * SlotBits;  // slot 0 of group g
    if (GroupNnz == 1) begin : gen_code
      logic [1:0] code;
      assign code   = slots_q[B0 + IdxW +: 2];
      assign pos[g] = code == ttq_pkg::SlotPos;
      assign neg[g] = code == ttq_pkg::SlotNeg;
    end else begin : gen_rep
      logic [IdxW-1:0]     idx0;
      logic [GroupNnz-1:0] used;
      assign idx0 = slots_q[B0 +: IdxW];
      assign used[0] = !(slots_q[B0 + SlotBits + IdxW] &&
                         slots_q[B0 + SlotBits +: IdxW] == idx0);
      for (genvar k = 1; k < GroupNnz; k++) begin : gen_used
        assign used[k] = slots_q[B0 + k * SlotBits +: IdxW] != idx0;
      end
      for (genvar k = 0; k < GroupNnz; k++) begin : gen_en
        assign pos[g * GroupNnz + k] = used[k] && !slots_q[B0 + k * SlotBits + IdxW];
        assign neg[g * GroupNnz + k] = used[k] &&  slots_q[B0 + k * SlotBits + IdxW];
      end
    end
  end

  // Stage 2: each slot's byte (one of its group's M), masked by its enables, summed by the P and N
  // carry-save trees down to two rows each; the carry-propagate addition is the accumulator's.
  logic [Slots*SumW-1:0] pop, nop;
  logic [NnzW-1:0] nnz;
  always_comb begin
    nnz = '0;
    for (int j = 0; j < Slots; j++) begin
      logic [7:0] act, pact, nact;
      act  = win_i[((j / GroupNnz) * GroupSize + 32'(slots_q[j*SlotBits +: IdxW])) * 8 +: 8];
      pact = act & {8{pos[j]}};
      nact = act & {8{neg[j]}};
      pop[j*SumW +: SumW] = SumW'(pact);
      nop[j*SumW +: SumW] = SumW'(nact);
      nnz = nnz + NnzW'(pos[j] || neg[j]);
    end
  end
  logic [SumW-1:0] ps_s, ps_c, ns_s, ns_c;
  csa_tree #(.N(Slots), .W(SumW)) u_ptree (.in_i(pop), .sum_o(ps_s), .carry_o(ps_c));
  csa_tree #(.N(Slots), .W(SumW)) u_ntree (.in_i(nop), .sum_o(ns_s), .carry_o(ns_c));

  // Stage 2 -> 3: the trees' two rows each, registered. Datapath, no reset; the step's valid /
  // last bits are control.
  logic [SumW-1:0] ps_s_q, ps_c_q, ns_s_q, ns_c_q;
  always_ff @(posedge clk_i) begin
    ps_s_q <= ps_s;
    ps_c_q <= ps_c;
    ns_s_q <= ns_s;
    ns_c_q <= ns_c;
  end

  // Stage 3, accumulators: datapath, no reset; cleared at the start of a run and after each round.
  // acc + the step's two rows: one 3:2 level and one carry-propagate addition.
  logic [AccW-1:0] acc_p_q, acc_n_q, pa_s, pa_c, na_s, na_c;
  csa_tree #(.N(3), .W(AccW)) u_pacc (
    .in_i ({acc_p_q, AccW'(ps_c_q), AccW'(ps_s_q)}), .sum_o (pa_s), .carry_o (pa_c)
  );
  csa_tree #(.N(3), .W(AccW)) u_nacc (
    .in_i ({acc_n_q, AccW'(ns_c_q), AccW'(ns_s_q)}), .sum_o (na_s), .carry_o (na_c)
  );
  assign p_o = pa_s + pa_c;
  assign n_o = na_s + na_c;
  always_ff @(posedge clk_i) begin
    if (clear_i || (vld3_i && last3_i)) begin
      acc_p_q <= '0;
      acc_n_q <= '0;
    end else if (vld3_i) begin
      acc_p_q <= p_o;
      acc_n_q <= n_o;
    end
  end
  // The step's used-slot count for PERF_NNZ, registered (stage 3) so that the array-wide sum is
  // the next cycle's only logic: the count lags the step by a cycle, long before DONE.
  logic [NnzW-1:0] nnz_q;
  always_ff @(posedge clk_i) nnz_q <= vld_i ? nnz : '0;
  assign nnz_o = nnz_q;
endmodule
