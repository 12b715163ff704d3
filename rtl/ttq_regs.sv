// AXI4-Lite register block (map in docs/REGISTERS.md): layer configuration latched at START,
// status, interrupt enable/status and the performance counters. One outstanding read and one
// outstanding write; responses are always OKAY.
module ttq_regs #(
  parameter int unsigned NumPes    = 16,
  parameter int unsigned Lanes     = 4,
  parameter int unsigned RowBytes  = 8,
  parameter int unsigned WinRows   = 3,
  parameter int unsigned SweepRows = 16,
  parameter int unsigned AdvBits   = 3,
  parameter int unsigned MaxFanIn  = 2048,
  parameter int unsigned MaxOuts   = 64,
  parameter int unsigned OpDepth   = 1024,
  parameter int unsigned MaxRounds = 4,
  parameter int unsigned PosW      = 16,
  parameter int unsigned RoundW    = 8,
  parameter int unsigned VecW      = 32,
  parameter int unsigned NnzW      = 7,
  localparam int unsigned PairCntW = $clog2((MaxFanIn + 2 * RowBytes - 1) / (2 * RowBytes) + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // AXI4-Lite slave
  input  logic [11:0]          s_axil_awaddr_i,
  input  logic                 s_axil_awvalid_i,
  output logic                 s_axil_awready_o,
  input  logic [31:0]          s_axil_wdata_i,
  input  logic [3:0]           s_axil_wstrb_i,
  input  logic                 s_axil_wvalid_i,
  output logic                 s_axil_wready_o,
  output logic [1:0]           s_axil_bresp_o,
  output logic                 s_axil_bvalid_o,
  input  logic                 s_axil_bready_i,
  input  logic [11:0]          s_axil_araddr_i,
  input  logic                 s_axil_arvalid_i,
  output logic                 s_axil_arready_o,
  output logic [31:0]          s_axil_rdata_o,
  output logic [1:0]           s_axil_rresp_o,
  output logic                 s_axil_rvalid_o,
  input  logic                 s_axil_rready_i,
  // run control
  output logic                 start_o,
  input  logic                 run_i,
  input  logic                 done_i,        // pulse: last result accepted
  output logic [15:0]          fan_in_o,
  output logic [RoundW-1:0]    rounds_o,
  output logic [VecW-1:0]      nvec_o,
  output logic                 relu_o,
  output logic [PairCntW-1:0]  row_pairs_o,
  output logic [PosW-1:0]      round_rows_o,
  // events
  input  logic                 busy_inc_i,
  input  logic                 stall_inc_i,
  input  logic [NnzW-1:0]      nnz_inc_i,
  input  logic [1:0]           results_inc_i,
  input  logic                 err_i,         // pulse
  input  logic [3:0]           err_code_i,
  input  logic                 wl_first_i,
  input  logic                 wl_beat_i,
  input  logic                 wl_active_i,
  output logic                 irq_o
);
  localparam int unsigned BeatBytes = 2 * RowBytes;

  // ---------------- AXI4-Lite handshakes ----------------
  logic wr_fire, rd_fire;
  logic bvalid_q, rvalid_q;
  logic [31:0] rdata_q;
  assign s_axil_awready_o = s_axil_awvalid_i && s_axil_wvalid_i && !bvalid_q;
  assign s_axil_wready_o  = s_axil_awready_o;
  assign wr_fire          = s_axil_awready_o;
  assign s_axil_arready_o = !rvalid_q;
  assign rd_fire          = s_axil_arvalid_i && s_axil_arready_o;
  assign s_axil_bvalid_o  = bvalid_q;
  assign s_axil_bresp_o   = 2'b00;
  assign s_axil_rvalid_o  = rvalid_q;
  assign s_axil_rresp_o   = 2'b00;
  assign s_axil_rdata_o   = rdata_q;

  logic [9:0] waddr, raddr;
  assign waddr = s_axil_awaddr_i[11:2];
  assign raddr = s_axil_araddr_i[11:2];

  // Byte-strobe mask of a register write.
  logic [31:0] wmask;
  assign wmask = {{8{s_axil_wstrb_i[3]}}, {8{s_axil_wstrb_i[2]}}, {8{s_axil_wstrb_i[1]}},
                  {8{s_axil_wstrb_i[0]}}};

  // ---------------- registers ----------------
  logic [31:0] fan_in_q, rounds_q, nvec_q, layer_q, irq_en_q;
  logic [1:0]  irq_st_q;
  logic        done_q, err_q, start_q, irq_q;
  logic [3:0]  err_code_q;
  logic [15:0] cfg_fan_in_q;
  logic [PairCntW-1:0] cfg_row_pairs_q;  // derived at START (registered: off the feeder's paths)
  logic [RoundW-1:0] cfg_rounds_q;
  logic [VecW-1:0] cfg_nvec_q;
  logic        cfg_relu_q;
  logic [31:0] perf_total_q, perf_busy_q, perf_stall_q, perf_nnz_q, perf_results_q;
  logic [31:0] perf_wl_cyc_q, perf_wl_words_q;

  logic start_req, clr_perf, start_ok;
  logic [31:0] wd;
  assign wd        = s_axil_wdata_i;
  assign start_req = wr_fire && waddr == 10'h004 && s_axil_wstrb_i[0] && wd[0];
  assign clr_perf  = wr_fire && waddr == 10'h004 && s_axil_wstrb_i[0] && wd[1];
  assign start_ok  = !run_i && !start_q && fan_in_q != '0 && fan_in_q <= MaxFanIn &&
                     rounds_q != '0 && rounds_q <= MaxRounds;

  logic       err_set;
  logic [3:0] err_set_code;
  always_comb begin
    err_set      = err_i;
    err_set_code = err_code_i;
    if (start_req && (run_i || start_q)) begin
      err_set      = 1'b1;
      err_set_code = 4'd7;
    end else if (start_req && !start_ok) begin
      err_set      = 1'b1;
      err_set_code = 4'd6;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      bvalid_q     <= 1'b0;
      rvalid_q     <= 1'b0;
      rdata_q      <= '0;
      fan_in_q     <= '0;
      rounds_q     <= '0;
      nvec_q       <= '0;
      layer_q      <= '0;
      irq_en_q     <= '0;
      irq_st_q     <= '0;
      done_q       <= 1'b0;
      err_q        <= 1'b0;
      err_code_q   <= '0;
      start_q      <= 1'b0;
      irq_q        <= 1'b0;
      cfg_fan_in_q <= '0;
      cfg_row_pairs_q  <= '0;
      cfg_rounds_q <= '0;
      cfg_nvec_q   <= '0;
      cfg_relu_q   <= 1'b0;
    end else begin
      // responses
      if (wr_fire) bvalid_q <= 1'b1;
      else if (s_axil_bready_i) bvalid_q <= 1'b0;
      if (rd_fire) rvalid_q <= 1'b1;
      else if (s_axil_rready_i) rvalid_q <= 1'b0;
      // writes
      if (wr_fire) begin
        unique case (waddr)
          10'h006: irq_en_q <= (irq_en_q & ~wmask) | (wd & wmask);
          10'h008: fan_in_q <= (fan_in_q & ~wmask) | (wd & wmask);
          10'h009: rounds_q <= (rounds_q & ~wmask) | (wd & wmask);
          10'h00A: nvec_q   <= (nvec_q & ~wmask) | (wd & wmask);
          10'h00B: layer_q  <= (layer_q & ~wmask) | (wd & wmask);
          default: ;
        endcase
      end
      // run control
      start_q <= start_req && start_ok;
      if (start_req && start_ok) begin
        cfg_fan_in_q <= fan_in_q[15:0];
        cfg_row_pairs_q  <= PairCntW'((32'(fan_in_q[15:0]) + BeatBytes - 1) / BeatBytes);
        cfg_rounds_q <= rounds_q[RoundW-1:0];
        cfg_nvec_q   <= nvec_q[VecW-1:0];
        cfg_relu_q   <= layer_q[0];
        done_q       <= 1'b0;
        err_q        <= 1'b0;
        err_code_q   <= '0;
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
      // interrupt status: set by events, write-one-to-clear
      if (wr_fire && waddr == 10'h007 && s_axil_wstrb_i[0]) irq_st_q <= irq_st_q & ~wd[1:0];
      if (done_i)  irq_st_q[0] <= 1'b1;
      if (err_set) irq_st_q[1] <= 1'b1;
      irq_q <= |(irq_st_q & irq_en_q[1:0]);
      // reads
      if (rd_fire) begin
        unique case (raddr)
          10'h000: rdata_q <= 32'h5454_5133;
          10'h001: rdata_q <= {8'(SweepRows), 8'(RowBytes), 8'(Lanes), 8'(NumPes)};
          10'h002: rdata_q <= {16'(MaxOuts), 16'(MaxFanIn)};
          10'h003: rdata_q <= {8'(AdvBits), 8'(WinRows), 16'(OpDepth)};
          10'h005: rdata_q <= {28'd0, wl_active_i, err_q, done_q, run_i};
          10'h006: rdata_q <= irq_en_q;
          10'h007: rdata_q <= {30'd0, irq_st_q};
          10'h008: rdata_q <= fan_in_q;
          10'h009: rdata_q <= rounds_q;
          10'h00A: rdata_q <= nvec_q;
          10'h00B: rdata_q <= layer_q;
          10'h00C: rdata_q <= {28'd0, err_code_q};
          10'h010: rdata_q <= perf_total_q;
          10'h011: rdata_q <= perf_busy_q;
          10'h012: rdata_q <= perf_stall_q;
          10'h013: rdata_q <= perf_nnz_q;
          10'h014: rdata_q <= perf_wl_cyc_q;
          10'h015: rdata_q <= perf_wl_words_q;
          10'h016: rdata_q <= perf_results_q;
          default: rdata_q <= '0;
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
      if (clr_perf || (start_req && start_ok)) begin
        perf_total_q   <= '0;
        perf_busy_q    <= '0;
        perf_stall_q   <= '0;
        perf_nnz_q     <= '0;
        perf_results_q <= '0;
      end else begin
        if (run_i) perf_total_q <= perf_total_q + 1'b1;
        if (busy_inc_i) perf_busy_q <= perf_busy_q + 1'b1;
        if (stall_inc_i) perf_stall_q <= perf_stall_q + 1'b1;
        perf_nnz_q     <= perf_nnz_q + 32'(nnz_inc_i);
        perf_results_q <= perf_results_q + 32'(results_inc_i);
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

  assign start_o      = start_q;
  assign fan_in_o     = cfg_fan_in_q;
  assign rounds_o     = cfg_rounds_q;
  assign nvec_o       = cfg_nvec_q;
  assign relu_o       = cfg_relu_q;
  assign row_pairs_o  = cfg_row_pairs_q;
  assign round_rows_o = PosW'(cfg_row_pairs_q) << 1;  // two sweep rows per pair: wiring only
  assign irq_o        = irq_q;

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
endmodule
