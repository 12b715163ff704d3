// AXI4-Lite register block (map: rtl/contract/ttq_contract.json, docs/REGISTERS.md): layer
// configuration latched at START, status, interrupt enable/status and the performance counters.
// One outstanding read and one outstanding write. A mapped access answers OKAY; an unmapped
// address, or a write to a read-only register, answers SLVERR and changes nothing (docs/REGISTERS.md).
// CTRL.SOFT_RESET resets the rest of the accelerator (srst_o) and clears the status; this block's
// bus state, the configuration registers, IRQ_EN and the counters keep their values.
module ttq_regs
#(
  parameter int unsigned NumPes    = ttq_pkg::DefNumPes,
  parameter int unsigned GroupSize = ttq_pkg::DefGroupSize,
  parameter int unsigned GroupNnz  = ttq_pkg::DefGroupNnz,
  parameter int unsigned Groups    = ttq_pkg::DefGroups,
  parameter int unsigned MaxFanIn  = ttq_pkg::DefMaxFanIn,
  parameter int unsigned MaxOuts   = ttq_pkg::DefMaxOuts,
  parameter int unsigned WDepth    = ttq_pkg::DefWDepth,
  parameter int unsigned WinW      = 8,    // bits of a window index (vectors have <= 2^WinW)
  parameter int unsigned NnzW      = 8,
  localparam int unsigned MaxRounds = (MaxOuts + NumPes - 1) / NumPes,
  localparam int unsigned WinBytes  = Groups * GroupSize
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // AXI4-Lite slave
  input  logic [11:0]       s_axil_awaddr_i,
  input  logic              s_axil_awvalid_i,
  output logic              s_axil_awready_o,
  input  logic [31:0]       s_axil_wdata_i,
  input  logic [3:0]        s_axil_wstrb_i,
  input  logic              s_axil_wvalid_i,
  output logic              s_axil_wready_o,
  output logic [1:0]        s_axil_bresp_o,
  output logic              s_axil_bvalid_o,
  input  logic              s_axil_bready_i,
  input  logic [11:0]       s_axil_araddr_i,
  input  logic              s_axil_arvalid_i,
  output logic              s_axil_arready_o,
  output logic [31:0]       s_axil_rdata_o,
  output logic [1:0]        s_axil_rresp_o,
  output logic              s_axil_rvalid_o,
  input  logic              s_axil_rready_i,
  // program state from the weight loader
  input  logic [15:0]       nsteps_i,      // steps loaded (0: none)
  input  logic [15:0]       nparams_i,     // output parameter entries loaded
  // run control
  output logic              start_o,       // pulse, the cycle after an accepted START
  output logic              srst_o,        // pulse, the cycle after a write of CTRL.SOFT_RESET
  input  logic              run_i,
  input  logic              done_i,        // pulse: last result accepted
  output logic [WinW:0]     wins_o,        // windows (activation beats) per vector
  output logic [7:0]        rounds_o,
  output logic [7:0]        last_outs_o,
  output logic [31:0]       nvec_o,
  output logic              relu_o,
  // events
  input  logic              busy_inc_i,
  input  logic              stall_inc_i,
  input  logic [NnzW-1:0]   nnz_inc_i,
  input  logic              results_inc_i,
  input  logic              err_i,         // pulse
  input  logic [3:0]        err_code_i,
  input  logic              wl_first_i,
  input  logic              wl_beat_i,
  input  logic              wl_active_i,
  output logic              irq_o
);
  // ---------------- AXI4-Lite handshakes ----------------
  logic wr_fire, rd_fire;
  logic bvalid_q, rvalid_q;
  logic [1:0]  bresp_q, rresp_q;
  logic [31:0] rdata_q;
  assign s_axil_awready_o = s_axil_awvalid_i && s_axil_wvalid_i && !bvalid_q;
  assign s_axil_wready_o  = s_axil_awready_o;
  assign wr_fire          = s_axil_awready_o;
  assign s_axil_arready_o = !rvalid_q;
  assign rd_fire          = s_axil_arvalid_i && s_axil_arready_o;
  assign s_axil_bvalid_o  = bvalid_q;
  assign s_axil_bresp_o   = bresp_q;
  assign s_axil_rvalid_o  = rvalid_q;
  assign s_axil_rresp_o   = rresp_q;
  assign s_axil_rdata_o   = rdata_q;

  logic [11:0] waddr, raddr;
  assign waddr = {s_axil_awaddr_i[11:2], 2'b00};
  assign raddr = {s_axil_araddr_i[11:2], 2'b00};

  logic [31:0] wmask, wd;
  assign wmask = {{8{s_axil_wstrb_i[3]}}, {8{s_axil_wstrb_i[2]}}, {8{s_axil_wstrb_i[1]}},
                  {8{s_axil_wstrb_i[0]}}};
  assign wd    = s_axil_wdata_i;

  // ---------------- registers ----------------
  logic [31:0] fan_in_q, rounds_q, nvec_q, layer_q, irq_en_q;
  logic [1:0]  irq_st_q;
  logic        done_q, err_q, start_q, irq_q;
  logic [3:0]  err_code_q;
  logic [WinW:0]   cfg_wins_q;
  logic [7:0]  cfg_rounds_q, cfg_last_outs_q;
  logic [31:0] cfg_nvec_q;
  logic        cfg_relu_q;
  logic [31:0] perf_total_q, perf_busy_q, perf_stall_q, perf_nnz_q, perf_results_q;
  logic [31:0] perf_wl_cyc_q, perf_wl_words_q;

  logic [15:0] fan_in;
  logic [7:0]  k, last_outs;
  assign fan_in    = fan_in_q[ttq_pkg::FanInFanInLsb +: ttq_pkg::FanInFanInW];
  assign k         = rounds_q[ttq_pkg::RoundsRoundsLsb +: ttq_pkg::RoundsRoundsW];
  assign last_outs = rounds_q[ttq_pkg::RoundsLastOutsLsb +: ttq_pkg::RoundsLastOutsW];

  // Writable registers answer OKAY; anything else (read-only or unmapped) SLVERR.
  logic wr_ok;
  always_comb begin
    unique case (waddr)
      ttq_pkg::RegCtrl, ttq_pkg::RegIrqEn, ttq_pkg::RegIrqStatus, ttq_pkg::RegFanIn,
      ttq_pkg::RegRounds, ttq_pkg::RegNvec, ttq_pkg::RegLayer: wr_ok = 1'b1;
      default: wr_ok = 1'b0;
    endcase
  end

  logic start_req, clr_perf, start_ok, srst_req, srst_q;
  assign srst_req  = wr_fire && waddr == ttq_pkg::RegCtrl && s_axil_wstrb_i[0] &&
                     wd[ttq_pkg::CtrlSoftResetLsb];
  assign start_req = wr_fire && waddr == ttq_pkg::RegCtrl && s_axil_wstrb_i[0] &&
                     wd[ttq_pkg::CtrlStartLsb] && !srst_req;
  assign clr_perf  = wr_fire && waddr == ttq_pkg::RegCtrl && s_axil_wstrb_i[0] && wd[ttq_pkg::CtrlClrPerfLsb];
  // Outputs of the pass: (K-1)*NumPes + LAST_OUTS; every one needs a parameter entry. The count
  // is registered (off the START check's path): ROUNDS changes only by a register write, and the
  // next write, START included, is accepted two cycles later at the earliest (after the response
  // of this one), when outs_q already holds the new count (formal: outs_q == outs at every write).
  logic [15:0] outs, outs_q;
  assign outs     = 16'((32'(k) - 32'd1) * NumPes) + 16'(last_outs);
  assign start_ok = !run_i && !start_q && fan_in != '0 && 32'(fan_in) <= MaxFanIn &&
                    k != '0 && 32'(k) <= MaxRounds && last_outs != '0 &&
                    32'(last_outs) <= NumPes && nsteps_i != '0 && outs_q <= nparams_i &&
                    !wl_active_i;

  logic       err_set;
  logic [3:0] err_set_code;
  always_comb begin
    err_set      = err_i;
    err_set_code = err_code_i;
    if (start_req && (run_i || start_q)) begin
      err_set      = 1'b1;
      err_set_code = ttq_pkg::ErrBusy;
    end else if (start_req && !start_ok) begin
      err_set      = 1'b1;
      err_set_code = ttq_pkg::ErrConfig;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      bvalid_q        <= 1'b0;
      rvalid_q        <= 1'b0;
      bresp_q         <= ttq_pkg::RespOkay;
      rresp_q         <= ttq_pkg::RespOkay;
      srst_q          <= 1'b0;
      rdata_q         <= '0;
      fan_in_q        <= '0;
      rounds_q        <= '0;
      nvec_q          <= '0;
      layer_q         <= '0;
      irq_en_q        <= '0;
      irq_st_q        <= '0;
      done_q          <= 1'b0;
      err_q           <= 1'b0;
      err_code_q      <= '0;
      start_q         <= 1'b0;
      irq_q           <= 1'b0;
      cfg_wins_q      <= '0;
      cfg_rounds_q    <= '0;
      cfg_last_outs_q <= '0;
      cfg_nvec_q      <= '0;
      cfg_relu_q      <= 1'b0;
      outs_q          <= 16'(32'd0 - 32'(NumPes));  // outs of ROUNDS = 0
    end else begin
      outs_q <= outs;
      if (wr_fire) bresp_q <= wr_ok ? ttq_pkg::RespOkay : ttq_pkg::RespSlverr;
      srst_q <= srst_req;
      if (wr_fire) bvalid_q <= 1'b1;
      else if (s_axil_bready_i) bvalid_q <= 1'b0;
      if (rd_fire) rvalid_q <= 1'b1;
      else if (s_axil_rready_i) rvalid_q <= 1'b0;
      if (wr_fire) begin
        unique case (waddr)
          // only the fields are stored (the mask): the other flops are constant 0 and go away
          ttq_pkg::RegIrqEn:  irq_en_q <= ((irq_en_q & ~wmask) | (wd & wmask)) & ttq_pkg::IrqEnMask;
          ttq_pkg::RegFanIn:  fan_in_q <= ((fan_in_q & ~wmask) | (wd & wmask)) & ttq_pkg::FanInMask;
          ttq_pkg::RegRounds: rounds_q <= ((rounds_q & ~wmask) | (wd & wmask)) & ttq_pkg::RoundsMask;
          ttq_pkg::RegNvec:   nvec_q   <= ((nvec_q & ~wmask) | (wd & wmask)) & ttq_pkg::NvecMask;
          ttq_pkg::RegLayer:  layer_q  <= ((layer_q & ~wmask) | (wd & wmask)) & ttq_pkg::LayerMask;
          default: ;
        endcase
      end
      start_q <= start_req && start_ok;
      // The run's configuration follows the registers while no run is in progress or starting,
      // so it holds the values START saw without waiting for the START checks (start_ok's
      // logic drives only start_q and the status): the run starts after start_q, and ends
      // (run_i falls) with its last result accepted.
      if (!run_i && !start_q) begin
        cfg_wins_q      <= (WinW+1)'((32'(fan_in) + WinBytes - 1) / WinBytes);
        cfg_rounds_q    <= k;
        cfg_last_outs_q <= last_outs;
        cfg_nvec_q      <= nvec_q;
        cfg_relu_q      <= layer_q[ttq_pkg::LayerReluLsb];
      end
      if (start_req && start_ok) begin
        done_q          <= 1'b0;
        err_q           <= 1'b0;
        err_code_q      <= '0;
      end
      if (done_i) done_q <= 1'b1;
      if (wl_first_i) begin  // a new program load starts with a clean error state
        err_q      <= 1'b0;
        err_code_q <= '0;
      end
      if (err_set) begin
        err_q      <= 1'b1;
        err_code_q <= err_set_code;
      end
      if (wr_fire && waddr == ttq_pkg::RegIrqStatus && s_axil_wstrb_i[0]) irq_st_q <= irq_st_q & ~wd[1:0];
      if (done_i)  irq_st_q[ttq_pkg::IrqStatusDoneLsb] <= 1'b1;
      if (err_set) irq_st_q[ttq_pkg::IrqStatusErrLsb] <= 1'b1;
      // Soft reset: the status is cleared in the cycle the rest of the accelerator is reset, so
      // no event of the run it ends survives it.
      if (srst_q) begin
        start_q    <= 1'b0;
        done_q     <= 1'b0;
        err_q      <= 1'b0;
        err_code_q <= '0;
        irq_st_q   <= '0;
      end
      irq_q <= |(irq_st_q & irq_en_q[1:0]);
      if (rd_fire) begin
        rresp_q <= ttq_pkg::RespOkay;
        unique case (raddr)
          ttq_pkg::RegId:              rdata_q <= ttq_pkg::TtqId;
          ttq_pkg::RegHwcfg0:          rdata_q <= (32'(NumPes) << ttq_pkg::Hwcfg0NumPesLsb) |
                                         (32'(GroupSize) << ttq_pkg::Hwcfg0GroupSizeLsb) |
                                         (32'(GroupNnz) << ttq_pkg::Hwcfg0GroupNnzLsb) |
                                         (32'(Groups) << ttq_pkg::Hwcfg0GroupsLsb);
          ttq_pkg::RegHwcfg1:          rdata_q <= (32'(MaxFanIn) << ttq_pkg::Hwcfg1MaxFanInLsb) |
                                         (32'(MaxOuts) << ttq_pkg::Hwcfg1MaxOutsLsb);
          ttq_pkg::RegHwcfg2:          rdata_q <= 32'(WDepth) << ttq_pkg::Hwcfg2WdepthLsb;
          ttq_pkg::RegStatus:          rdata_q <= (32'(run_i) << ttq_pkg::StatusBusyLsb) |
                                         (32'(done_q) << ttq_pkg::StatusDoneLsb) |
                                         (32'(err_q) << ttq_pkg::StatusErrLsb) |
                                         (32'(wl_active_i) << ttq_pkg::StatusWloadLsb);
          ttq_pkg::RegIrqEn:           rdata_q <= irq_en_q;
          ttq_pkg::RegIrqStatus:       rdata_q <= 32'(irq_st_q);
          ttq_pkg::RegFanIn:           rdata_q <= fan_in_q;
          ttq_pkg::RegRounds:          rdata_q <= rounds_q;
          ttq_pkg::RegNvec:            rdata_q <= nvec_q;
          ttq_pkg::RegLayer:           rdata_q <= layer_q;
          ttq_pkg::RegErrCode:         rdata_q <= 32'(err_code_q);
          ttq_pkg::RegPerfTotal:       rdata_q <= perf_total_q;
          ttq_pkg::RegPerfBusy:        rdata_q <= perf_busy_q;
          ttq_pkg::RegPerfStall:       rdata_q <= perf_stall_q;
          ttq_pkg::RegPerfNnz:         rdata_q <= perf_nnz_q;
          ttq_pkg::RegPerfWloadCyc:    rdata_q <= perf_wl_cyc_q;
          ttq_pkg::RegPerfWloadWords:  rdata_q <= perf_wl_words_q;
          ttq_pkg::RegPerfResults:     rdata_q <= perf_results_q;
          ttq_pkg::RegCtrl:            rdata_q <= '0;
          default: begin
            rdata_q <= '0;
            rresp_q <= ttq_pkg::RespSlverr;
          end
        endcase
      end
    end
  end

  // ---------------- performance counters (control: reset) ----------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      perf_total_q    <= '0;
      perf_busy_q     <= '0;
      perf_stall_q    <= '0;
      perf_nnz_q      <= '0;
      perf_results_q  <= '0;
      perf_wl_cyc_q   <= '0;
      perf_wl_words_q <= '0;
    end else begin
      // Cleared the cycle after START is accepted (start_q), before the run's first count.
      if (clr_perf || start_q) begin
        perf_total_q   <= '0;
        perf_busy_q    <= '0;
        perf_stall_q   <= '0;
        perf_nnz_q     <= '0;
        perf_results_q <= '0;
      end else begin
        if (run_i) perf_total_q <= perf_total_q + 1'b1;
        if (busy_inc_i) perf_busy_q <= perf_busy_q + 1'b1;
        if (stall_inc_i) perf_stall_q <= perf_stall_q + 1'b1;
        perf_nnz_q <= perf_nnz_q + 32'(nnz_inc_i);
        if (results_inc_i) perf_results_q <= perf_results_q + 1'b1;
      end
      if (clr_perf) begin
        perf_wl_cyc_q   <= '0;
        perf_wl_words_q <= '0;
      end else if (wl_first_i) begin
        perf_wl_cyc_q   <= 32'd1;
        perf_wl_words_q <= 32'd1;
      end else begin
        if (wl_active_i) perf_wl_cyc_q <= perf_wl_cyc_q + 1'b1;
        if (wl_beat_i) perf_wl_words_q <= perf_wl_words_q + 1'b1;
      end
    end
  end

  assign start_o     = start_q;
  assign srst_o      = srst_q;
  assign wins_o      = cfg_wins_q;
  assign rounds_o    = cfg_rounds_q;
  assign last_outs_o = cfg_last_outs_q;
  assign nvec_o      = cfg_nvec_q;
  assign relu_o      = cfg_relu_q;
  assign irq_o       = irq_q;

`ifdef TTQ_ASSERT
  // AXI4-Lite: a response is held until accepted.
  logic bvalid_d1_q, rvalid_d1_q;
  always_ff @(posedge clk_i) begin
    bvalid_d1_q <= bvalid_q && !s_axil_bready_i;
    rvalid_d1_q <= rvalid_q && !s_axil_rready_i;
    if (rst_ni && bvalid_d1_q && !bvalid_q) $error("ttq_regs: bvalid dropped before bready");
    if (rst_ni && rvalid_d1_q && !rvalid_q) $error("ttq_regs: rvalid dropped before rready");
  end
`endif
`ifdef FORMAL
  `include "ttq_regs_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
