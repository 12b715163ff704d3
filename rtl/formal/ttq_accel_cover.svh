// Named cover points of ttq_accel (make coverage, included under TTQ_COVER): back-pressure on each
// stream while busy, errors raised by the register block and the feeder, rounds with fewer outputs
// than PEs, several rounds (a pass split over PEs and rounds), empty steps, soft reset mid-run.
c_bp_act:        cover property (@(posedge clk_i) run_q && s_axis_a_tvalid_i && !s_axis_a_tready_o);
c_bp_res:        cover property (@(posedge clk_i) run_q && m_axis_r_tvalid_o && !m_axis_r_tready_i);
c_bp_w:          cover property (@(posedge clk_i) run_q && s_axis_w_tvalid_i && !s_axis_w_tready_o);
c_err_act_tlast: cover property (@(posedge clk_i) rst_ni && act_err);
c_err_busy:      cover property (@(posedge clk_i) rst_ni && u_regs.err_set && u_regs.err_set_code == ttq_pkg::ErrBusy);
c_err_config:    cover property (@(posedge clk_i) rst_ni && u_regs.err_set && u_regs.err_set_code == ttq_pkg::ErrConfig);
c_last_outs_lt:  cover property (@(posedge clk_i) start && 32'(last_outs) < NumPes);
c_multi_round:   cover property (@(posedge clk_i) start && rounds > 8'd1);
c_empty_step:    cover property (@(posedge clk_i) s3_vld && nnz_ops == '0);  // a step with no nonzero slot
c_rec_wait:      cover property (@(posedge clk_i) run_q && u_seq.ready && u_seq.head_last && !rec_drains);
c_srst_run:      cover property (@(posedge clk_i) srst && run_q);
c_srst_wload:    cover property (@(posedge clk_i) srst && wl_active);
c_zero_vectors:  cover property (@(posedge clk_i) run_q && nvec == '0);
c_slverr:        cover property (@(posedge clk_i) s_axil_bvalid_o && s_axil_bresp_o == ttq_pkg::RespSlverr);
