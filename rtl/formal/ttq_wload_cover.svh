// Named cover points of ttq_wload (make coverage, included under TTQ_COVER): every state and
// transition of the weight-stream parser and each error code it raises.
state_e f_prev_q;
always_ff @(posedge clk_i) f_prev_q <= state_q;
c_wl_hdr_steps:   cover property (@(posedge clk_i) rst_ni && f_prev_q == StHdr && state_q == StSteps);
c_wl_hdr_pars:    cover property (@(posedge clk_i) rst_ni && f_prev_q == StHdr && state_q == StPars);
c_wl_hdr_skip:    cover property (@(posedge clk_i) rst_ni && f_prev_q == StHdr && state_q == StSkip);
c_wl_hdr_err_end: cover property (@(posedge clk_i) rst_ni && state_q == StHdr && beat && err_d && s_axis_w_tlast_i);
c_wl_steps_stay:  cover property (@(posedge clk_i) rst_ni && f_prev_q == StSteps && state_q == StSteps);
c_wl_steps_hdr:   cover property (@(posedge clk_i) rst_ni && f_prev_q == StSteps && state_q == StHdr);
c_wl_steps_early: cover property (@(posedge clk_i) rst_ni && state_q == StSteps && beat && err_d);
c_wl_pars_stay:   cover property (@(posedge clk_i) rst_ni && f_prev_q == StPars && state_q == StPars);
c_wl_pars_hdr:    cover property (@(posedge clk_i) rst_ni && f_prev_q == StPars && state_q == StHdr);
c_wl_pars_early:  cover property (@(posedge clk_i) rst_ni && state_q == StPars && beat && err_d);
c_wl_skip_stay:   cover property (@(posedge clk_i) rst_ni && f_prev_q == StSkip && state_q == StSkip);
c_wl_skip_hdr:    cover property (@(posedge clk_i) rst_ni && f_prev_q == StSkip && state_q == StHdr);
c_wl_err_section: cover property (@(posedge clk_i) rst_ni && err_d && code_d == ttq_pkg::ErrSection);
c_wl_err_steps:   cover property (@(posedge clk_i) rst_ni && err_d && code_d == ttq_pkg::ErrStepCount);
c_wl_err_params:  cover property (@(posedge clk_i) rst_ni && err_d && code_d == ttq_pkg::ErrParamCount);
c_wl_err_tlast:   cover property (@(posedge clk_i) rst_ni && err_d && code_d == ttq_pkg::ErrWTlast);
c_wl_soft_reset:  cover property (@(posedge clk_i) !rst_ni && active_q);
