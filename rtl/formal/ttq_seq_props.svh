// Formal invariants of ttq_seq (included under FORMAL; `make formal`): descriptor queue bounds.
logic f_up_seq = 1'b0;
always @(posedge clk_i) f_up_seq <= 1'b1;
always @(*) begin
  if (f_up_seq && rst_ni) begin
    assert (q_cnt_q <= 2'd2);
    assert (32'(q_cnt_q) + 32'(infl_q) <= 2);   // queued + in flight never exceed the two entries
    assert (!pop || q_cnt_q != '0);               // never issues from an empty queue
    // at most one round end in flight (stages 1-3)
    assert (32'(s1_vld_q && s1_last_q) + 32'(s2_vld_q && s2_last_q) + 32'(s3_vld_q && s3_last_q) <= 1);
    assert (!issue_o || run_i);
    assert (!issue_o || words_re_o);              // an issued step's words are read
  end
end
