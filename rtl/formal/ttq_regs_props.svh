// Formal invariants of ttq_regs (included under FORMAL; `make formal`).
logic f_up_regs = 1'b0;
always @(posedge clk_i) f_up_regs <= 1'b1;
// Counters never decrease within a run: each cycle a counter keeps its value or adds exactly its
// event, unless cleared by CLR_PERF or the cycle after an accepted START (start_q).
always @(posedge clk_i) begin
  if (f_up_regs && $past(rst_ni) && rst_ni && !$past(clr_perf) && !$past(start_q)) begin
    assert (perf_total_q == $past(perf_total_q) + 32'($past(run_i)));
    assert (perf_busy_q == $past(perf_busy_q) + 32'($past(busy_inc_i)));
    assert (perf_stall_q == $past(perf_stall_q) + 32'($past(stall_inc_i)));
    assert (perf_nnz_q == $past(perf_nnz_q) + 32'($past(nnz_inc_i)));
    assert (perf_results_q == $past(perf_results_q) + 32'($past(results_inc_i)));
  end
  // The run's configuration is what the accepted START saw, and holds for the whole run.
  if (f_up_regs && $past(rst_ni) && rst_ni && start_q)
    assert (cfg_rounds_q == $past(k) && cfg_last_outs_q == $past(last_outs) &&
            cfg_nvec_q == $past(nvec_q) && cfg_relu_q == $past(layer_q[ttq_pkg::LayerReluLsb]) &&
            cfg_wins_q == $past((WinW+1)'((32'(fan_in) + WinBytes - 1) / WinBytes)));
  if (f_up_regs && $past(rst_ni) && rst_ni && $past(run_i || start_q))
    assert (cfg_rounds_q == $past(cfg_rounds_q) && cfg_last_outs_q == $past(cfg_last_outs_q) &&
            cfg_nvec_q == $past(cfg_nvec_q) && cfg_relu_q == $past(cfg_relu_q) &&
            cfg_wins_q == $past(cfg_wins_q));
  // The interrupt is the enabled status of the previous cycle: never one that is not enabled.
  if (f_up_regs && $past(rst_ni) && rst_ni) assert (irq_q == |($past(irq_st_q) & $past(irq_en_q[1:0])));
end
always @(*) begin
  if (f_up_regs && rst_ni) begin
    assert (!(start_q && srst_q));          // a soft reset never starts a run
    assert (!(start_q && run_i));           // START only from idle
    // The registered output count is current whenever a write (START included) can be accepted.
    assert (bvalid_q || outs_q == outs);
    assert (!wr_fire || outs_q == outs);
  end
end
