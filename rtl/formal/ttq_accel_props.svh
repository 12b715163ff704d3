// Formal invariants of ttq_accel (included under FORMAL; `make formal`).
logic f_up_acc = 1'b0;
always @(posedge clk_i) f_up_acc <= 1'b1;
always @(*) begin
  if (f_up_acc && rst_ni) begin
    assert (!m_axis_r_tvalid_o || run_q);  // results only within a run
    assert (!(start && run_q));            // START only from idle
    assert (!issue || run_q);
  end
end
