// One processing element: the output it owns in the current round accumulates, per step, the
// window bytes its slots select. Slot j reads group j / GroupNnz of the broadcast window and picks
// byte `idx` of the group's GroupSize activations; code +1 adds it to the P tree, -1 to the N
// tree, 0 (empty) and 3 (zero weight of the dense schedule) add nothing. At the last step of a
// round the sums go to the record chain (p_o / n_o, valid in that cycle) and the accumulators
// restart at zero. The slot select works on the SRAM words of the step (the weight and activation
// macros' outputs, which arrive after the falling clock edge): each slot's byte and code are
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
  localparam int unsigned IdxW     = GroupSize > 1 ? $clog2(GroupSize) : 1,
  localparam int unsigned SlotBits = 2 + IdxW,
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
  output logic [NnzW-1:0]             nnz_o     // nonzero slots of this step (0 if !vld_i)
);
  localparam int unsigned SumW = 8 + $clog2(Slots + 1);

  // Stage 1 -> 2: each slot's selected byte and its code, registered. Datapath, no reset.
  logic [Slots*8-1:0] act_q;
  logic [Slots*2-1:0] code_q;
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < Slots; j++) begin
      act_q[j*8 +: 8]  <= win_i[((j / GroupNnz) * GroupSize +
                                 32'(slots_i[j*SlotBits +: IdxW])) * 8 +: 8];
      code_q[j*2 +: 2] <= slots_i[j*SlotBits + IdxW +: 2];
    end
  end

  // Stage 2: each byte masked by its code, then summed as one expression per tree (no muxes
  // between the additions), so that synthesis builds carry-save trees with the accumulator add.
  logic [Slots*SumW-1:0] pop, nop;
  logic [NnzW-1:0] nnz;
  always_comb begin
    nnz = '0;
    for (int j = 0; j < Slots; j++) begin
      logic [1:0] code;
      logic [7:0] pact, nact;
      code   = code_q[j*2 +: 2];
      pact   = act_q[j*8 +: 8] & {8{code == ttq_pkg::SlotPos}};
      nact   = act_q[j*8 +: 8] & {8{code == ttq_pkg::SlotNeg}};
      pop[j*SumW +: SumW] = SumW'(pact);
      nop[j*SumW +: SumW] = SumW'(nact);
      nnz    = nnz + NnzW'(code == ttq_pkg::SlotPos || code == ttq_pkg::SlotNeg);
    end
  end
  logic [SumW-1:0] psum, nsum;
  always_comb begin
    psum = '0;
    nsum = '0;
    for (int j = 0; j < Slots; j++) begin
      psum = psum + pop[j*SumW +: SumW];
      nsum = nsum + nop[j*SumW +: SumW];
    end
  end

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
  assign nnz_o = vld_i ? nnz : '0;
endmodule
