// Formal invariants of ttq_drain (included under FORMAL; `make formal`): the record chain is never
// overwritten, the result FIFO never overflows.
logic f_up_dr = 1'b0;
always @(posedge clk_i) f_up_dr <= 1'b1;
always @(*) begin
  if (f_up_dr && rst_ni) begin
    assert (!rec_load_i || rec_cnt_q == '0);               // records never overwritten
    assert (32'(rec_cnt_q) <= NumPes);
    assert (32'(fifo_cnt_q) <= Depth);
    assert (32'(fifo_cnt_q) + 32'(infl_q) <= Depth);      // room for every result in flight
    assert (!(ou_vld && 32'(fifo_cnt_q) == Depth && !pop)); // never written when full
  end
end
