// Dense INT8 baseline for the synthesis comparison (docs/SYNTHESIS.md): NumPes x Lanes
// multiply-accumulate units that process every weight, zero or not. Signed 8-bit weights times
// unsigned 8-bit activations, accumulated exactly (no overflow for any fan-in up to MaxFanIn),
// then the output step of the arithmetic contract with N = 0 (golden ttq::int8_matvec).
//
// Dataflow: the layer's activations are loaded once into the activation buffer (s_act, Lanes
// bytes per beat). Outputs are computed in groups of NumPes; a group takes ceil(fan_in / Lanes)
// weight beats on s_wgt, each carrying Lanes weights for each of the NumPes outputs, so a layer
// needs ceil(out_ch / NumPes) * ceil(fan_in / Lanes) compute cycles. Finished sums drain through
// one shared output stage (one result per cycle on m_res, with its channel's Mp / B / S taken
// from s_par) while the next group accumulates.
//
// Stream formats (AXI4-Stream valid/ready, no data change while stalled):
//   s_act  tdata[8*l +: 8]          activation k*Lanes + l of beat k (lanes past fan_in ignored)
//   s_wgt  tdata[8*(p*Lanes+l) +: 8] weight of output g*NumPes + p, input k*Lanes + l (pad 0)
//   s_par  tdata[15:0] Mp, [47:16] B, [52:48] S; one beat per output channel, in order
//   m_res  tdata[7:0] one output per beat, in order, tlast on the layer's last output
// Registers: see dense_regs. irq_o is STATUS.done and CTRL.irq_en.
module dense_accel #(
  parameter int NumPes = 8,
  parameter int Lanes = 4,
  parameter int MaxFanIn = 1024,
  localparam int SumW = 17 + $clog2(Lanes),
  // |sum| <= MaxFanIn * 128 * 255 < 2^(15 + clog2(MaxFanIn)), plus a sign bit
  localparam int AccW = 16 + $clog2(MaxFanIn),
  localparam int ActDepth = (MaxFanIn + Lanes - 1) / Lanes,
  localparam int ActAddrW = ActDepth > 1 ? $clog2(ActDepth) : 1,
  localparam int CountW = NumPes > 1 ? $clog2(NumPes) + 1 : 2
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // AXI4-Lite register slave
  input  logic                         s_axil_awvalid_i,
  output logic                         s_axil_awready_o,
  input  logic [7:0]                   s_axil_awaddr_i,
  input  logic                         s_axil_wvalid_i,
  output logic                         s_axil_wready_o,
  input  logic [31:0]                  s_axil_wdata_i,
  input  logic [3:0]                   s_axil_wstrb_i,
  output logic                         s_axil_bvalid_o,
  input  logic                         s_axil_bready_i,
  output logic [1:0]                   s_axil_bresp_o,
  input  logic                         s_axil_arvalid_i,
  output logic                         s_axil_arready_o,
  input  logic [7:0]                   s_axil_araddr_i,
  output logic                         s_axil_rvalid_o,
  input  logic                         s_axil_rready_i,
  output logic [31:0]                  s_axil_rdata_o,
  output logic [1:0]                   s_axil_rresp_o,
  // activations
  input  logic                         s_act_tvalid_i,
  output logic                         s_act_tready_o,
  input  logic [Lanes*8-1:0]           s_act_tdata_i,
  // weights
  input  logic                         s_wgt_tvalid_i,
  output logic                         s_wgt_tready_o,
  input  logic [NumPes*Lanes*8-1:0]    s_wgt_tdata_i,
  // per-channel output parameters
  input  logic                         s_par_tvalid_i,
  output logic                         s_par_tready_o,
  input  logic [63:0]                  s_par_tdata_i,
  // results
  output logic                         m_res_tvalid_o,
  input  logic                         m_res_tready_i,
  output logic [7:0]                   m_res_tdata_o,
  output logic                         m_res_tlast_o,
  output logic                         irq_o
);

  if (NumPes < 1 || NumPes > 255) begin : gen_bad_pes
    $error("dense_accel: NumPes must be in 1..255");
  end
  if (Lanes < 1 || Lanes > 255) begin : gen_bad_lanes
    $error("dense_accel: Lanes must be in 1..255");
  end
  if (MaxFanIn < 2 || MaxFanIn > 65535) begin : gen_bad_fan_in
    $error("dense_accel: MaxFanIn must be in 2..65535");
  end

  // ---------------------------------------------------------------------------------------------
  // Registers
  logic        start, relu, irq_en, done, busy, done_set, error_set;
  logic [15:0] fan_in, out_ch;
  logic [31:0] cycles_q, mac_beats_q, stall_cycles_q;

  dense_regs #(
    .NumPes  (NumPes),
    .Lanes   (Lanes),
    .MaxFanIn(MaxFanIn)
  ) u_regs (
    .clk_i,
    .rst_ni,
    .s_axil_awvalid_i,
    .s_axil_awready_o,
    .s_axil_awaddr_i,
    .s_axil_wvalid_i,
    .s_axil_wready_o,
    .s_axil_wdata_i,
    .s_axil_wstrb_i,
    .s_axil_bvalid_o,
    .s_axil_bready_i,
    .s_axil_bresp_o,
    .s_axil_arvalid_i,
    .s_axil_arready_o,
    .s_axil_araddr_i,
    .s_axil_rvalid_o,
    .s_axil_rready_i,
    .s_axil_rdata_o,
    .s_axil_rresp_o,
    .start_o       (start),
    .relu_o        (relu),
    .irq_en_o      (irq_en),
    .fan_in_o      (fan_in),
    .out_ch_o      (out_ch),
    .busy_i        (busy),
    .done_set_i    (done_set),
    .error_set_i   (error_set),
    .cycles_i      (cycles_q),
    .mac_beats_i   (mac_beats_q),
    .stall_cycles_i(stall_cycles_q),
    .done_o        (done)
  );

  assign irq_o = irq_en && done;

  // ---------------------------------------------------------------------------------------------
  // Controller
  typedef enum logic [1:0] {
    StIdle    = 2'd0,
    StLoadAct = 2'd1,
    StCompute = 2'd2,
    StDrain   = 2'd3
  } state_e;

  state_e             state_q, state_d;
  logic [16:0]        elem_q;          // first activation index of the current beat
  logic [ActAddrW-1:0] beat_q;         // activation buffer word of the current beat
  logic [15:0]        rem_q;           // outputs not yet started
  logic [15:0]        res_count_q;     // outputs handed to the output stage
  logic               beat_last;       // the current beat is the last of the fan-in
  logic [CountW-1:0]  group_count;     // outputs in the current group
  logic               config_ok;

  assign config_ok   = fan_in != 16'd0 && 32'(fan_in) <= MaxFanIn && out_ch != 16'd0;
  assign beat_last   = elem_q + 17'(Lanes) >= {1'b0, fan_in};
  assign group_count = 32'(rem_q) >= NumPes ? CountW'(NumPes) : CountW'(rem_q);
  assign busy        = state_q != StIdle;

  // Activation load.
  logic act_fire;
  assign s_act_tready_o = state_q == StLoadAct;
  assign act_fire       = s_act_tvalid_i && s_act_tready_o;

  logic [Lanes*8-1:0] act_wdata;
  always_comb begin
    for (int l = 0; l < Lanes; l++) begin
      act_wdata[8*l +: 8] = elem_q + 17'(l) < {1'b0, fan_in} ? s_act_tdata_i[8*l +: 8] : 8'd0;
    end
  end

  // Weight beats. The last beat of a group may enter only when the hold bank is empty and no
  // other last beat is in flight, so finished sums are never overwritten.
  logic hold_full, s1_valid_q, s1_first_q, s1_last_q, s2_valid_q, s2_first_q, s2_last_q;
  logic s3_valid_q, s3_first_q, s3_last_q;
  logic [CountW-1:0] s1_count_q, s2_count_q, s3_count_q;
  logic wgt_fire, last_blocked;

  assign last_blocked   = beat_last && (hold_full || (s1_valid_q && s1_last_q) ||
                                         (s2_valid_q && s2_last_q) || (s3_valid_q && s3_last_q));
  assign s_wgt_tready_o = state_q == StCompute && !last_blocked;
  assign wgt_fire       = s_wgt_tvalid_i && s_wgt_tready_o;

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:    if (start && config_ok) state_d = StLoadAct;
      StLoadAct: if (act_fire && beat_last) state_d = StCompute;
      StCompute: if (wgt_fire && beat_last && 32'(rem_q) <= NumPes) state_d = StDrain;
      StDrain:   if (m_res_tvalid_o && m_res_tready_i && m_res_tlast_o) state_d = StIdle;
      default:   state_d = StIdle;
    endcase
  end

  assign done_set  = state_q == StDrain && state_d == StIdle;
  assign error_set = state_q == StIdle && start && !config_ok;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      elem_q  <= 17'd0;
      beat_q  <= '0;
      rem_q   <= 16'd0;
    end else begin
      state_q <= state_d;
      if (state_q == StIdle) begin
        elem_q <= 17'd0;
        beat_q <= '0;
        rem_q  <= out_ch;
      end else if (act_fire || wgt_fire) begin
        if (beat_last) begin
          elem_q <= 17'd0;
          beat_q <= '0;
        end else begin
          elem_q <= elem_q + 17'(Lanes);
          beat_q <= beat_q + ActAddrW'(1);
        end
        if (wgt_fire && beat_last) begin
          rem_q <= rem_q - 16'(group_count);
        end
      end
    end
  end

  // Performance counters.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_q       <= 32'd0;
      mac_beats_q    <= 32'd0;
      stall_cycles_q <= 32'd0;
    end else if (state_q == StIdle) begin
      if (start && config_ok) begin
        cycles_q       <= 32'd0;
        mac_beats_q    <= 32'd0;
        stall_cycles_q <= 32'd0;
      end
    end else begin
      cycles_q <= cycles_q + 32'd1;
      if (wgt_fire) mac_beats_q <= mac_beats_q + 32'd1;
      if (state_q == StCompute && !wgt_fire) stall_cycles_q <= stall_cycles_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Activation buffer
  logic [Lanes*8-1:0] act_rdata;

  dense_act_buf #(
    .Lanes(Lanes),
    .Depth(ActDepth)
  ) u_act_buf (
    .clk_i,
    .we_i   (act_fire),
    .waddr_i(beat_q),
    .wdata_i(act_wdata),
    .re_i   (wgt_fire),
    .raddr_i(beat_q),
    .rdata_o(act_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // MAC pipeline: stage 1 holds the weight beat beside the activation word read from the buffer,
  // stage 2 the PEs' product halves, stage 3 the PEs' lane sums; the accumulators add stage 3.
  logic [NumPes*Lanes*8-1:0] wgt_q;

  always_ff @(posedge clk_i) begin
    if (wgt_fire) begin
      wgt_q <= s_wgt_tdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;
      s1_first_q <= 1'b0;
      s1_last_q  <= 1'b0;
      s1_count_q <= '0;
      s2_valid_q <= 1'b0;
      s2_first_q <= 1'b0;
      s2_last_q  <= 1'b0;
      s2_count_q <= '0;
      s3_valid_q <= 1'b0;
      s3_first_q <= 1'b0;
      s3_last_q  <= 1'b0;
      s3_count_q <= '0;
    end else begin
      s1_valid_q <= wgt_fire;
      s1_first_q <= elem_q == 17'd0;
      s1_last_q  <= beat_last;
      s1_count_q <= group_count;
      s2_valid_q <= s1_valid_q;
      s2_first_q <= s1_first_q;
      s2_last_q  <= s1_last_q;
      s2_count_q <= s1_count_q;
      s3_valid_q <= s2_valid_q;
      s3_first_q <= s2_first_q;
      s3_last_q  <= s2_last_q;
      s3_count_q <= s2_count_q;
    end
  end

  logic [NumPes-1:0]           pe_sum_valid;
  logic [NumPes*SumW-1:0]      pe_sum;

  for (genvar p = 0; p < NumPes; p++) begin : gen_pe
    dense_pe #(
      .Lanes(Lanes)
    ) u_pe (
      .clk_i,
      .rst_ni,
      .valid_i    (s1_valid_q),
      .weight_i   (wgt_q[p*Lanes*8 +: Lanes*8]),
      .act_i      (act_rdata),
      .sum_valid_o(pe_sum_valid[p]),
      .sum_o      (pe_sum[p*SumW +: SumW])
    );
  end

  // ---------------------------------------------------------------------------------------------
  // Accumulators and hold bank
  logic                   hold_valid, hold_ready;
  logic signed [AccW-1:0] hold_acc;

  dense_acc_bank #(
    .NumPes(NumPes),
    .SumW  (SumW),
    .AccW  (AccW)
  ) u_acc_bank (
    .clk_i,
    .rst_ni,
    .sum_valid_i(pe_sum_valid[0] && s3_valid_q),
    .first_i    (s3_first_q),
    .last_i     (s3_last_q),
    .count_i    (s3_count_q),
    .sum_i      (pe_sum),
    .hold_full_o(hold_full),
    .out_valid_o(hold_valid),
    .out_acc_o  (hold_acc),
    .out_ready_i(hold_ready)
  );

  // ---------------------------------------------------------------------------------------------
  // Output stage, fed by the hold bank and the parameter stream together.
  logic os_in_ready, os_fire;

  assign os_fire        = hold_valid && s_par_tvalid_i && os_in_ready;
  assign hold_ready     = s_par_tvalid_i && os_in_ready;
  assign s_par_tready_o = hold_valid && os_in_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      res_count_q <= 16'd0;
    end else if (state_q == StIdle) begin
      res_count_q <= 16'd0;
    end else if (os_fire) begin
      res_count_q <= res_count_q + 16'd1;
    end
  end

  dense_out_stage #(
    .AccW(AccW)
  ) u_out_stage (
    .clk_i,
    .rst_ni,
    .relu_i     (relu),
    .in_valid_i (hold_valid && s_par_tvalid_i),
    .in_ready_o (os_in_ready),
    .acc_i      (hold_acc),
    .mp_i       (s_par_tdata_i[15:0]),
    .bias_i     (s_par_tdata_i[47:16]),
    .shift_i    (s_par_tdata_i[52:48]),
    .last_i     (res_count_q == out_ch - 16'd1),
    .out_valid_o(m_res_tvalid_o),
    .out_ready_i(m_res_tready_i),
    .out_data_o (m_res_tdata_o),
    .out_last_o (m_res_tlast_o)
  );

endmodule
