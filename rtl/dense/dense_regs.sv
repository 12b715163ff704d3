// Dense INT8 baseline: AXI4-Lite register block (32-bit data, 8-bit address space).
//   0x00 CTRL    [0] start (write 1, self-clearing), [1] relu, [2] irq enable,
//                [3] keep: reuse the weights and parameters already on chip (no load phase)
//   0x04 STATUS  [0] busy, [1] done (write 1 to clear), [2] config error (write 1 to clear)
//   0x08 FAN_IN  [15:0] activations per output, 1..MaxFanIn
//   0x0C OUT_CH  [15:0] outputs of the pass, 1..MaxOutCh
//   0x10 CYCLES       cycles from start to the last result (read only)
//   0x14 MAC_BEATS    weight beats consumed (read only)
//   0x18 STALL_CYCLES compute cycles without a weight beat (read only)
//   0x1C ID      [7:0] NumPes, [15:8] Lanes, [31:16] MaxFanIn (read only)
//   0x20 VECTORS [15:0] activation vectors of the run, >= 1
// Unknown addresses read 0 and ignore writes; FAN_IN, OUT_CH, VECTORS ignore writes while busy;
// responses are always OKAY.
module dense_regs #(
  parameter int NumPes = 8,
  parameter int Lanes = 4,
  parameter int MaxFanIn = 1024
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // AXI4-Lite slave
  input  logic        s_axil_awvalid_i,
  output logic        s_axil_awready_o,
  input  logic [7:0]  s_axil_awaddr_i,
  input  logic        s_axil_wvalid_i,
  output logic        s_axil_wready_o,
  input  logic [31:0] s_axil_wdata_i,
  input  logic [3:0]  s_axil_wstrb_i,
  output logic        s_axil_bvalid_o,
  input  logic        s_axil_bready_i,
  output logic [1:0]  s_axil_bresp_o,
  input  logic        s_axil_arvalid_i,
  output logic        s_axil_arready_o,
  input  logic [7:0]  s_axil_araddr_i,
  output logic        s_axil_rvalid_o,
  input  logic        s_axil_rready_i,
  output logic [31:0] s_axil_rdata_o,
  output logic [1:0]  s_axil_rresp_o,
  // to the controller
  output logic        start_o,
  output logic        relu_o,
  output logic        irq_en_o,
  output logic        keep_o,
  output logic [15:0] fan_in_o,
  output logic [15:0] out_ch_o,
  output logic [15:0] vectors_o,
  input  logic        busy_i,
  input  logic        done_set_i,
  input  logic        error_set_i,
  input  logic [31:0] cycles_i,
  input  logic [31:0] mac_beats_i,
  input  logic [31:0] stall_cycles_i,
  output logic        done_o
);

  localparam logic [7:0] AddrCtrl   = 8'h00;
  localparam logic [7:0] AddrStatus = 8'h04;
  localparam logic [7:0] AddrFanIn  = 8'h08;
  localparam logic [7:0] AddrOutCh  = 8'h0C;
  localparam logic [7:0] AddrCycles = 8'h10;
  localparam logic [7:0] AddrBeats  = 8'h14;
  localparam logic [7:0] AddrStalls = 8'h18;
  localparam logic [7:0] AddrId     = 8'h1C;
  localparam logic [7:0] AddrVectors = 8'h20;
  localparam logic [31:0] IdValue = {16'(MaxFanIn), 8'(Lanes), 8'(NumPes)};

  logic        relu_q, irq_en_q, keep_q, done_q, error_q, start_q;
  logic [15:0] fan_in_q, out_ch_q, vectors_q;
  logic        bvalid_q, rvalid_q;
  logic [31:0] rdata_q;
  logic        wr_fire;

  // A write needs address and data together; one outstanding response at a time.
  assign wr_fire          = s_axil_awvalid_i && s_axil_wvalid_i && !bvalid_q;
  assign s_axil_awready_o = wr_fire;
  assign s_axil_wready_o  = wr_fire;
  assign s_axil_bvalid_o  = bvalid_q;
  assign s_axil_bresp_o   = 2'b00;
  assign s_axil_arready_o = !rvalid_q;
  assign s_axil_rvalid_o  = rvalid_q;
  assign s_axil_rdata_o   = rdata_q;
  assign s_axil_rresp_o   = 2'b00;

  logic wr_ctrl, wr_status, wr_fan_in, wr_out_ch, wr_vectors;
  assign wr_ctrl   = wr_fire && s_axil_awaddr_i == AddrCtrl   && s_axil_wstrb_i[0];
  assign wr_status = wr_fire && s_axil_awaddr_i == AddrStatus && s_axil_wstrb_i[0];
  // The layer shape is frozen while a layer runs.
  assign wr_fan_in = wr_fire && s_axil_awaddr_i == AddrFanIn && !busy_i;
  assign wr_out_ch = wr_fire && s_axil_awaddr_i == AddrOutCh && !busy_i;
  assign wr_vectors = wr_fire && s_axil_awaddr_i == AddrVectors && !busy_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      relu_q   <= 1'b0;
      irq_en_q <= 1'b0;
      keep_q   <= 1'b0;
      start_q  <= 1'b0;
      done_q   <= 1'b0;
      error_q  <= 1'b0;
      fan_in_q <= 16'd0;
      out_ch_q <= 16'd0;
      vectors_q <= 16'd1;
      bvalid_q <= 1'b0;
    end else begin
      start_q <= wr_ctrl && s_axil_wdata_i[0];
      if (wr_ctrl) begin
        relu_q   <= s_axil_wdata_i[1];
        irq_en_q <= s_axil_wdata_i[2];
        keep_q   <= s_axil_wdata_i[3];
      end
      if (wr_fan_in) begin
        if (s_axil_wstrb_i[0]) fan_in_q[7:0]  <= s_axil_wdata_i[7:0];
        if (s_axil_wstrb_i[1]) fan_in_q[15:8] <= s_axil_wdata_i[15:8];
      end
      if (wr_out_ch) begin
        if (s_axil_wstrb_i[0]) out_ch_q[7:0]  <= s_axil_wdata_i[7:0];
        if (s_axil_wstrb_i[1]) out_ch_q[15:8] <= s_axil_wdata_i[15:8];
      end
      if (wr_vectors) begin
        if (s_axil_wstrb_i[0]) vectors_q[7:0]  <= s_axil_wdata_i[7:0];
        if (s_axil_wstrb_i[1]) vectors_q[15:8] <= s_axil_wdata_i[15:8];
      end
      // Set wins over clear so an event in the same cycle as a clear is not lost.
      if (done_set_i) begin
        done_q <= 1'b1;
      end else if (wr_status && s_axil_wdata_i[1]) begin
        done_q <= 1'b0;
      end
      if (error_set_i) begin
        error_q <= 1'b1;
      end else if (wr_status && s_axil_wdata_i[2]) begin
        error_q <= 1'b0;
      end
      if (wr_fire) begin
        bvalid_q <= 1'b1;
      end else if (s_axil_bready_i) begin
        bvalid_q <= 1'b0;
      end
    end
  end

  logic [31:0] rdata_d;
  always_comb begin
    unique case (s_axil_araddr_i)
      AddrCtrl:   rdata_d = {28'd0, keep_q, irq_en_q, relu_q, 1'b0};
      AddrStatus: rdata_d = {29'd0, error_q, done_q, busy_i};
      AddrFanIn:  rdata_d = {16'd0, fan_in_q};
      AddrOutCh:  rdata_d = {16'd0, out_ch_q};
      AddrCycles: rdata_d = cycles_i;
      AddrBeats:  rdata_d = mac_beats_i;
      AddrStalls: rdata_d = stall_cycles_i;
      AddrId:     rdata_d = IdValue;
      AddrVectors: rdata_d = {16'd0, vectors_q};
      default:    rdata_d = 32'd0;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q <= 1'b0;
      rdata_q  <= 32'd0;
    end else if (s_axil_arvalid_i && !rvalid_q) begin
      rvalid_q <= 1'b1;
      rdata_q  <= rdata_d;
    end else if (s_axil_rready_i) begin
      rvalid_q <= 1'b0;
    end
  end

  assign start_o  = start_q;
  assign relu_o   = relu_q;
  assign irq_en_o = irq_en_q;
  assign keep_o   = keep_q;
  assign fan_in_o = fan_in_q;
  assign out_ch_o = out_ch_q;
  assign vectors_o = vectors_q;
  assign done_o   = done_q;

endmodule
