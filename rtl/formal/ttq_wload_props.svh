// Formal invariants of ttq_wload (included under FORMAL; `make formal`).
logic f_up_wl = 1'b0;
always @(posedge clk_i) f_up_wl <= 1'b1;
always @(*) begin
  if (f_up_wl && rst_ni) begin
    assert (active_q || state_q == StHdr);   // between loads the parser waits for a header
    assert (!(s_axis_w_tready_o && run_i));  // program words never while running
    assert (state_q != StSteps || 32'(col_q) <= SlotCols);
    assert (state_q != StPars || col_q <= ColW'(2));
    assert (state_q == StHdr || state_q == StSkip || idx_q < cnt_q);  // writes stay in the section
    assert (32'(nsteps_q) <= WDepth && 32'(nparams_q) <= MaxOuts);
    assert (addr_q == idx_q[AddrW-1:0]);     // the macros' address copy follows idx_q
  end
end
// A load that raised an error leaves no program: the counts are zero from the cycle after the
// error is registered (err_o), and WLOAD (active_o) covers the cycle in between.
always @(posedge clk_i) begin
  if (f_up_wl && $past(rst_ni) && rst_ni && $past(err_o)) assert (nsteps_q == '0 && nparams_q == '0);
end
always @(*) begin
  if (f_up_wl && rst_ni && err_o) assert (active_o);
end
