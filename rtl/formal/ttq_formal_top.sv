// Formal harness of ttq_accel (`make formal`, scripts/formal): a small configuration of the same
// RTL (2 PEs, 2:1 groups, 4 outputs, 4 steps) with the memories abstracted (sram_macro_abstract.sv).
// Assumptions: the environment obeys AXI4-Lite and AXI4-Stream (a master holds valid and payload
// until ready); reset is asserted in the first cycle. Assertions on every interface of the top
// level (docs/RELIABILITY.md "Hardware"); the internal invariants are in ttq_*_props.svh, included
// by the modules under FORMAL.
module ttq_formal_top (
  input logic        clk_i,
  input logic        rst_ni,
  input logic [11:0] s_axil_awaddr_i,
  input logic        s_axil_awvalid_i,
  input logic [31:0] s_axil_wdata_i,
  input logic [3:0]  s_axil_wstrb_i,
  input logic        s_axil_wvalid_i,
  input logic        s_axil_bready_i,
  input logic [11:0] s_axil_araddr_i,
  input logic        s_axil_arvalid_i,
  input logic        s_axil_rready_i,
  input logic [31:0] s_axis_w_tdata_i,
  input logic        s_axis_w_tvalid_i,
  input logic        s_axis_w_tlast_i,
  input logic [15:0] s_axis_a_tdata_i,
  input logic        s_axis_a_tvalid_i,
  input logic        s_axis_a_tlast_i,
  input logic        m_axis_r_tready_i
);
  logic        awready, wready, bvalid, arready, rvalid, w_tready, a_tready, r_tvalid, r_tlast, irq;
  logic [1:0]  bresp, rresp;
  logic [31:0] rdata;
  logic [15:0] r_tdata;

  ttq_accel #(
    .NumPes(2), .GroupSize(2), .GroupNnz(1), .Groups(1), .MaxFanIn(4), .MaxOuts(4), .WDepth(4)
  ) u_dut (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o(awready), .s_axil_wdata_i,
    .s_axil_wstrb_i, .s_axil_wvalid_i, .s_axil_wready_o(wready), .s_axil_bresp_o(bresp),
    .s_axil_bvalid_o(bvalid), .s_axil_bready_i, .s_axil_araddr_i, .s_axil_arvalid_i,
    .s_axil_arready_o(arready), .s_axil_rdata_o(rdata), .s_axil_rresp_o(rresp),
    .s_axil_rvalid_o(rvalid), .s_axil_rready_i,
    .s_axis_w_tdata_i, .s_axis_w_tvalid_i, .s_axis_w_tready_o(w_tready), .s_axis_w_tlast_i,
    .s_axis_a_tdata_i, .s_axis_a_tvalid_i, .s_axis_a_tready_o(a_tready), .s_axis_a_tlast_i,
    .m_axis_r_tdata_o(r_tdata), .m_axis_r_tvalid_o(r_tvalid), .m_axis_r_tready_i,
    .m_axis_r_tlast_o(r_tlast), .irq_o(irq)
  );

  // ---------------- reset and soft reset ----------------
  logic f_past = 1'b0;
  always @(posedge clk_i) f_past <= 1'b1;
  always @(*) if (!f_past) assume (!rst_ni);

  // A write of CTRL.SOFT_RESET accepted at one edge resets the core at the next (f_srst_q high).
  logic aw_hs, ar_hs, b_hs, r_hs, f_srst_q = 1'b0;
  assign aw_hs = s_axil_awvalid_i && awready;
  assign ar_hs = s_axil_arvalid_i && arready;
  assign b_hs  = bvalid && s_axil_bready_i;
  assign r_hs  = rvalid && s_axil_rready_i;
  always @(posedge clk_i)
    f_srst_q <= rst_ni && aw_hs && s_axil_awaddr_i[11:2] == ttq_pkg::RegCtrl[11:2] &&
                s_axil_wstrb_i[0] && s_axil_wdata_i[ttq_pkg::CtrlSoftResetLsb];
  // The core left reset in the previous cycle too: stream state may be compared across the edge.
  logic f_core_ok = 1'b0;
  always @(posedge clk_i) f_core_ok <= rst_ni && !f_srst_q;

  // ---------------- environment: AXI4-Lite and AXI4-Stream masters ----------------
  always @(posedge clk_i) begin
    if (f_past && $past(rst_ni) && rst_ni) begin
      if ($past(s_axil_awvalid_i && !awready)) begin
        assume (s_axil_awvalid_i && s_axil_wvalid_i);
        assume ($stable(s_axil_awaddr_i) && $stable(s_axil_wdata_i) && $stable(s_axil_wstrb_i));
      end
      if ($past(s_axil_arvalid_i && !arready)) assume (s_axil_arvalid_i && $stable(s_axil_araddr_i));
      if ($past(s_axis_w_tvalid_i && !w_tready))
        assume (s_axis_w_tvalid_i && $stable(s_axis_w_tdata_i) && $stable(s_axis_w_tlast_i));
      if ($past(s_axis_a_tvalid_i && !a_tready))
        assume (s_axis_a_tvalid_i && $stable(s_axis_a_tdata_i) && $stable(s_axis_a_tlast_i));
    end
  end
  // This slave accepts a write when address and data are both valid: the master offers them together.
  always @(*) assume (s_axil_awvalid_i == s_axil_wvalid_i);

  // ---------------- AXI4-Lite slave: one response per request, held until accepted ----------------
  logic [1:0] f_wr_out = '0, f_rd_out = '0;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      f_wr_out <= '0;
      f_rd_out <= '0;
    end else begin
      f_wr_out <= f_wr_out + 2'(aw_hs) - 2'(b_hs);
      f_rd_out <= f_rd_out + 2'(ar_hs) - 2'(r_hs);
    end
  end
  always @(*) begin
    if (f_past && rst_ni) begin
      assert (awready == wready);
      assert (f_wr_out <= 2'd1 && f_rd_out <= 2'd1);  // one outstanding request each
      assert (bvalid == (f_wr_out == 2'd1));           // a response only for a request
      assert (rvalid == (f_rd_out == 2'd1));
      assert (!aw_hs || f_wr_out == 2'd0);  // no second request before the response
      assert (bresp == ttq_pkg::RespOkay || bresp == ttq_pkg::RespSlverr);
      assert (rresp == ttq_pkg::RespOkay || rresp == ttq_pkg::RespSlverr);
    end
  end
  always @(posedge clk_i) begin
    if (f_past && $past(rst_ni) && rst_ni) begin
      if ($past(bvalid && !s_axil_bready_i)) assert (bvalid && $stable(bresp));
      if ($past(rvalid && !s_axil_rready_i)) assert (rvalid && $stable(rdata) && $stable(rresp));
    end
  end

  // ---------------- result stream: held until accepted, only after input ----------------
  // f_act_seen: an activation beat has been accepted since the last (soft) reset.
  logic f_act_seen = 1'b0;
  always @(posedge clk_i) begin
    if (!rst_ni || f_srst_q) f_act_seen <= 1'b0;
    else if (s_axis_a_tvalid_i && a_tready) f_act_seen <= 1'b1;
  end
  always @(posedge clk_i) begin
    if (rst_ni && f_core_ok && $past(r_tvalid && !m_axis_r_tready_i))
      assert (r_tvalid && $stable(r_tdata) && $stable(r_tlast));
  end
  always @(*) begin
    if (f_past && rst_ni) begin
      assert (!r_tvalid || f_act_seen);  // no result without input
      assert (r_tvalid || (r_tdata == '0 && !r_tlast));  // no stale payload
      assert (!(w_tready && a_tready));  // program words only while not running, activations only while running
    end
  end

`ifdef FORMAL_BROKEN
  // Deliberately false (scripts/formal --broken must fail on it): "every write answers OKAY"
  // no longer holds since unmapped addresses answer SLVERR.
  always @(*) if (f_past && rst_ni && bvalid) assert (bresp == ttq_pkg::RespOkay);
`endif
endmodule
