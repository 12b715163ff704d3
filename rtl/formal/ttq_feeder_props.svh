// Formal invariants of ttq_feeder (included under FORMAL; `make formal`).
logic f_up_fd = 1'b0;
always @(posedge clk_i) f_up_fd <= 1'b1;
always @(*) begin
  if (f_up_fd && rst_ni) begin
    assert (!release_i || full_q[rel_bank_i]);  // only a full bank is released
    assert (!we_o || !full_q[wb_q]);            // a full bank is never written
    assert (!s_axis_a_tready_o || run_i);       // activations only while running
  end
end
