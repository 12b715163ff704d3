// One processing element: the output it owns in the current round accumulates, per step, the
// window bytes its slots select. Slot j reads group j / GroupNnz of the broadcast window and picks
// byte `idx` of the group's GroupSize activations; a used slot adds it to the P tree (+1) or the N
// tree (-1), an unused one adds nothing. Slot format (docs/ARCHITECTURE.md): N >= 2: {sign, idx}
// per slot, slot k >= 1 of a group used when its idx differs from slot 0's, slot 0 used unless
// slot 1 is {1, idx0}; N = 1: {code[1:0], idx}, code POS / NEG / EMPTY. At the last step of a
// round the sums go to the record chain (p_o / n_o, valid in that cycle) and the accumulators
// restart at zero. The slot select works on the SRAM words of the step (the weight and activation
// macros' outputs, which arrive after the falling clock edge): each slot's byte and enables are
// selected in that half cycle and registered; the masked bytes are summed into the P and N trees in
// the next cycle (stage 2, where vld_i is) and registered; the accumulators add the sums in stage 3
// (vld3_i / last3_i), and at a round's last step p_o / n_o go to the record chain.
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
  input  logic [Groups*GroupSize*8-1:0] win_i,    // activation SRAM word of the step (stage 1)
  input  logic [Slots*SlotBits-1:0]   slots_i,  // this PE's slots of the weight SRAM word
  output logic [AccW-1:0]             p_o,      // P, N including the step in stage 3
  output logic [AccW-1:0]             n_o,
  output logic [NnzW-1:0]             nnz_o     // used slots of the step in stage 3 (0 if none)
);
  localparam int unsigned SumW = 8 + $clog2(Slots + 1);

  // Slot decode: each slot's P (+1) and N (-1) enables.
  logic [Slots-1:0] pos, neg;
  for (genvar g = 0; g < Groups; g++) begin : gen_dec
    localparam int unsigned B0 = g * GroupNnz * SlotBits;  // slot 0 of group g
    if (GroupNnz == 1) begin : gen_code
      logic [1:0] code;
      assign code   = slots_i[B0 + IdxW +: 2];
      assign pos[g] = code == ttq_pkg::SlotPos;
      assign neg[g] = code == ttq_pkg::SlotNeg;
    end else begin : gen_rep
      logic [IdxW-1:0]     idx0;
      logic [GroupNnz-1:0] used;
      assign idx0 = slots_i[B0 +: IdxW];
      assign used[0] = !(slots_i[B0 + SlotBits + IdxW] &&
                         slots_i[B0 + SlotBits +: IdxW] == idx0);
      for (genvar k = 1; k < GroupNnz; k++) begin : gen_used
        assign used[k] = slots_i[B0 + k * SlotBits +: IdxW] != idx0;
      end
      for (genvar k = 0; k < GroupNnz; k++) begin : gen_en
        assign pos[g * GroupNnz + k] = used[k] && !slots_i[B0 + k * SlotBits + IdxW];
        assign neg[g * GroupNnz + k] = used[k] &&  slots_i[B0 + k * SlotBits + IdxW];
      end
    end
  end

  // Stage 1 -> 2: each slot's selected byte and its enables, registered. Datapath, no reset.
  logic [Slots*8-1:0] act_q;
  logic [Slots-1:0]   pos_q, neg_q;
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < Slots; j++) begin
      act_q[j*8 +: 8] <= win_i[((j / GroupNnz) * GroupSize +
                                32'(slots_i[j*SlotBits +: IdxW])) * 8 +: 8];
    end
    pos_q <= pos;
    neg_q <= neg;
  end

  // Stage 2: each byte masked by its enable, then summed by the P and N trees.
  logic [Slots*SumW-1:0] pop, nop;
  logic [NnzW-1:0] nnz;
  always_comb begin
    nnz = '0;
    for (int j = 0; j < Slots; j++) begin
      logic [7:0] pact, nact;
      pact = act_q[j*8 +: 8] & {8{pos_q[j]}};
      nact = act_q[j*8 +: 8] & {8{neg_q[j]}};
      pop[j*SumW +: SumW] = SumW'(pact);
      nop[j*SumW +: SumW] = SumW'(nact);
      nnz = nnz + NnzW'(pos_q[j] || neg_q[j]);
    end
  end
  // Each tree: carry-save levels down to two rows, then one carry-propagate addition.
  logic [SumW-1:0] psum, nsum, ps_s, ps_c, ns_s, ns_c;
  csa_tree #(.N(Slots), .W(SumW)) u_ptree (.in_i(pop), .sum_o(ps_s), .carry_o(ps_c));
  csa_tree #(.N(Slots), .W(SumW)) u_ntree (.in_i(nop), .sum_o(ns_s), .carry_o(ns_c));
  assign psum = ps_s + ps_c;
  assign nsum = ns_s + ns_c;

  // Stage 2 -> 3: the tree sums, registered (the accumulate is the next cycle's only addition).
  // Datapath, no reset; the step's valid / last bits are control.
  logic [SumW-1:0] psum_q, nsum_q;
  always_ff @(posedge clk_i) begin
    psum_q <= psum;
    nsum_q <= nsum;
  end

  // Stage 3, accumulators: datapath, no reset; cleared at the start of a run and after each round.
  logic [AccW-1:0] acc_p_q, acc_n_q;
  assign p_o = acc_p_q + AccW'(psum_q);
  assign n_o = acc_n_q + AccW'(nsum_q);
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
