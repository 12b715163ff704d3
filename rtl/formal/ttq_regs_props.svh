// Formal invariants of ttq_regs (included under FORMAL; `make formal`).
logic f_up_regs = 1'b0;
always @(posedge clk_i) f_up_regs <= 1'b1;
// Counters never decrease within a run: each cycle a counter keeps its value or adds exactly its
// event, unless cleared by START or CLR_PERF.
always @(posedge clk_i) begin
  if (f_up_regs && $past(rst_ni) && rst_ni && !$past(clr_perf) && !$past(start_req && start_ok)) begin
    assert (perf_total_q == $past(perf_total_q) + 32'($past(run_i)));
    assert (perf_busy_q == $past(perf_busy_q) + 32'($past(busy_inc_i)));
    assert (perf_stall_q == $past(perf_stall_q) + 32'($past(stall_inc_i)));
    assert (perf_nnz_q == $past(perf_nnz_q) + 32'($past(nnz_inc_i)));
    assert (perf_results_q == $past(perf_results_q) + 32'($past(results_inc_i)));
  end
  // The interrupt is the enabled status of the previous cycle: never one that is not enabled.
  if (f_up_regs && $past(rst_ni) && rst_ni) assert (irq_q == |($past(irq_st_q) & $past(irq_en_q[1:0])));
end
always @(*) begin
  if (f_up_regs && rst_ni) begin
    assert (!(start_q && srst_q));          // a soft reset never starts a run
    assert (!(start_q && run_i));           // START only from idle
  end
end
