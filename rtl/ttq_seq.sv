// Step sequencer: issues the program's steps to the PE array, one per cycle at most, in order,
// for every round of every vector. Each step's descriptor (window advance, last-of-round) is
// prefetched from the descriptor memory into a two-entry queue, so the issue decision depends only
// on flip-flops. Issuing step s reads its slot word (weight memory, address s) and its window
// (activation memory) in the same cycle; both arrive one cycle later and are registered by the
// top level, and the PEs sum a step's slots one cycle after that (stage 2) and accumulate the sums
// in the next (stage 3). The two memories read in every cycle a step could issue (words_re_o: a
// descriptor queued, its vector's bank full), not only when it does: the addresses depend on
// flip-flops only and a read that was not issued is never consumed, so the macros' read enables
// (16 macro pins at 16 PEs, a load synthesis does not buffer) stay off the issue decision's path
// through the record chain's check.
//
// A step issues when: a descriptor is queued, vectors remain, the current vector's bank is full,
// and, for the last step of a round, the record chain is sure to be empty when the step's records
// load three cycles later (ttq_drain's rec_drains) and no other last step is in flight (the
// records it writes must not overwrite unread ones).
module ttq_seq
#(
  parameter int unsigned WDepth = 512,
  parameter int unsigned WinW   = 8,
  localparam int unsigned WAddrW = $clog2(WDepth),
  localparam int unsigned AdvW   = ttq_pkg::DescAdvW
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              start_i,
  input  logic              run_i,
  input  logic [15:0]       nsteps_i,
  input  logic [7:0]        rounds_i,
  input  logic [31:0]       nvec_i,
  input  logic [1:0]        full_i,       // activation banks holding a whole vector
  input  logic              rec_drains_i, // record chain empty by the time this step loads it
  // descriptor memory
  output logic              d_re_o,
  output logic [WAddrW-1:0] d_raddr_o,
  input  logic [7:0]        d_rdata_i,
  // slot word and window reads of the issued step
  output logic              issue_o,
  output logic              words_re_o,   // read enable of both memories (a superset of issue_o)
  output logic [WAddrW-1:0] w_raddr_o,
  output logic [WinW:0]     a_raddr_o,    // {bank, window}
  output logic              release_o,    // the vector's bank is no longer needed
  output logic              rel_bank_o,
  // stage 2 (PE trees): the step issued two cycles ago
  output logic              s2_vld_o,
  // stage 3 (PE accumulators, records): the step issued three cycles ago
  output logic              s3_vld_o,
  output logic              s3_last_o,
  output logic [7:0]        s3_round_o,
  output logic              s3_final_o,   // last round of its vector
  output logic              wait_act_o    // a step is ready but its vector has not arrived
);
  // ---------------- descriptor prefetch ----------------
  logic [WAddrW-1:0] pf_addr_q;
  logic              infl_q;
  logic [6:0]        q_q [2];
  logic [1:0]        q_cnt_q;
  logic              q_head_q;
  logic              pop, push, rd;

  logic [AdvW-1:0] head_adv;
  logic            head_last;
  assign head_adv  = q_q[q_head_q][ttq_pkg::DescAdvLsb +: AdvW];
  assign head_last = q_q[q_head_q][ttq_pkg::DescLastLsb];

  // ---------------- issue ----------------
  logic [WAddrW-1:0] s_q;
  logic [WinW-1:0]   ptr_q, win;
  logic [7:0]        round_q;
  logic [31:0]       v_q;
  logic              s1_vld_q, s1_last_q, s1_final_q, s2_vld_q, s2_last_q, s2_final_q;
  logic              s3_vld_q, s3_last_q, s3_final_q;
  logic [7:0]        s1_round_q, s2_round_q, s3_round_q;
  logic              ready, bank_full, final_round;

  assign final_round = round_q == rounds_i - 1'b1;
  assign ready  = run_i && q_cnt_q != '0 && v_q != nvec_i;
  assign bank_full = full_i[v_q[0]];
  assign pop    = ready && bank_full &&
                  (!head_last || (rec_drains_i && !(s1_vld_q && s1_last_q) &&
                                  !(s2_vld_q && s2_last_q) && !(s3_vld_q && s3_last_q)));
  assign win    = ptr_q + WinW'(head_adv);
  assign push   = infl_q;
  // Keep queued + in flight <= 2 after this cycle.
  assign rd     = run_i && (32'(q_cnt_q) + 32'(infl_q) - 32'(pop) <= 1);

  assign d_re_o     = rd;
  assign d_raddr_o  = pf_addr_q;
  assign issue_o    = pop;
  assign words_re_o = ready && bank_full;
  assign w_raddr_o  = s_q;
  assign a_raddr_o  = {v_q[0], win};
  assign release_o  = pop && head_last && final_round;
  assign rel_bank_o = v_q[0];
  assign wait_act_o = ready && !bank_full;

  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      pf_addr_q <= '0;
      infl_q    <= 1'b0;
      q_cnt_q   <= '0;
      q_head_q  <= 1'b0;
      s_q       <= '0;
      ptr_q     <= '0;
      round_q   <= '0;
      v_q       <= '0;
      s1_vld_q  <= 1'b0;
      s2_vld_q  <= 1'b0;
      s3_vld_q  <= 1'b0;
    end else begin
      infl_q <= rd;
      if (rd) pf_addr_q <= (32'(pf_addr_q) == 32'(nsteps_i) - 1) ? '0 : pf_addr_q + 1'b1;
      if (push) q_q[q_head_q ^ q_cnt_q[0]] <= d_rdata_i[6:0];  // tail, also when popping
      q_cnt_q <= q_cnt_q + 2'(push) - 2'(pop);
      if (pop) begin
        q_head_q <= !q_head_q;
        s_q      <= (32'(s_q) == 32'(nsteps_i) - 1) ? '0 : s_q + 1'b1;
        if (head_last) begin
          ptr_q <= '0;
          if (final_round) begin
            round_q <= '0;
            v_q     <= v_q + 1'b1;
          end else begin
            round_q <= round_q + 1'b1;
          end
        end else begin
          ptr_q <= win;
        end
      end
      s1_vld_q <= pop;
      s2_vld_q <= s1_vld_q;
      s3_vld_q <= s2_vld_q;
    end
  end

  // Pipeline payload: no reset (qualified by the valid bits).
  always_ff @(posedge clk_i) begin
    s1_last_q  <= head_last;
    s1_round_q <= round_q;
    s1_final_q <= final_round;
    s2_last_q  <= s1_last_q;
    s2_round_q <= s1_round_q;
    s2_final_q <= s1_final_q;
    s3_last_q  <= s2_last_q;
    s3_round_q <= s2_round_q;
    s3_final_q <= s2_final_q;
  end

  assign s2_vld_o   = s2_vld_q;
  assign s3_vld_o   = s3_vld_q;
  assign s3_last_o  = s3_last_q;
  assign s3_round_o = s3_round_q;
  assign s3_final_o = s3_final_q;
`ifdef FORMAL
  `include "ttq_seq_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
