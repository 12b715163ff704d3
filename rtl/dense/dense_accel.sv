// Dense INT8 baseline for the synthesis comparison (docs/SYNTHESIS.md): NumPes x Lanes
// multiply-accumulate units that process every weight, zero or not. Signed 8-bit weights times
// unsigned 8-bit activations, accumulated exactly (no overflow for any fan-in up to MaxFanIn),
// then the output step of the arithmetic contract with N = 0 (golden ttq::int8_matvec).
//
// Memories are sky130 SRAM macros (rtl/mem/sram_array): the weights of one pass, WgtDepth beats of
// NumPes x Lanes bytes; the per-channel output parameters (MaxOutCh x 53 bits); the activations,
// two banks of ceil(MaxFanIn / Lanes) beats of Lanes bytes (one vector computes while the next
// loads).
//
// A run (one pass): CTRL.start checks the shape (FAN_IN 1..MaxFanIn, OUT_CH 1..MaxOutCh, VECTORS
// >= 1, ceil(OUT_CH / NumPes) x ceil(FAN_IN / Lanes) <= WgtDepth weight beats; else STATUS.error),
// loads the pass's weights from s_wgt and its parameters from s_par into the SRAMs (skipped with
// CTRL.keep: the previous run's stay), then streams VECTORS activation vectors through them.
// Outputs are computed in groups of NumPes: a group takes ceil(FAN_IN / Lanes) beats, one per
// cycle, each Lanes weights for each of the NumPes outputs. Finished sums drain through one shared
// output stage (dense_drain, one result per cycle) while the next group accumulates. Layers with
// more weights than one pass holds are run by the host as several passes over output channels.
//
// Stream formats (AXI4-Stream valid/ready, no data change while stalled):
//   s_wgt  32-bit words, Words = ceil(NumPes*Lanes/4) per weight beat, beats in the order
//          a = g * ceil(FAN_IN/Lanes) + k; word w of a beat holds its bytes 4w..4w+3, byte
//          p*Lanes + l = weight of output g*NumPes + p, input k*Lanes + l (any value past the
//          layer's edges)
//   s_par  tdata[15:0] Mp, [47:16] B, [52:48] S; one beat per output channel, in order
//   s_act  tdata[8*l +: 8]  activation k*Lanes + l of beat k (lanes past FAN_IN ignored);
//          ceil(FAN_IN / Lanes) beats per vector, VECTORS vectors
//   m_res  tdata[7:0] one output per beat, channel order, tlast on each vector's last output
// Registers: see dense_regs. irq_o is STATUS.done and CTRL.irq_en.
module dense_accel #(
  parameter int NumPes = 8,
  parameter int Lanes = 4,
  parameter int MaxFanIn = 1024,
  parameter int MaxOutCh = 64,
  parameter int WgtDepth = 512,
  localparam int SumW = 17 + $clog2(Lanes),
  // |sum| <= MaxFanIn * 128 * 255 < 2^(15 + clog2(MaxFanIn)), plus a sign bit
  localparam int AccW = 16 + $clog2(MaxFanIn),
  localparam int MaxKw = (MaxFanIn + Lanes - 1) / Lanes,    // weight beats per output group
  localparam int KwW = $clog2(MaxKw + 1),
  localparam int ActAw = MaxKw > 1 ? $clog2(MaxKw) : 1,       // beat within an activation bank
  localparam int MaxGroups = (MaxOutCh + NumPes - 1) / NumPes,
  localparam int GrpW = $clog2(MaxGroups + 1),
  localparam int FanW = $clog2(MaxFanIn + 1),
  localparam int OutW = $clog2(MaxOutCh + 1),
  localparam int ChW = MaxOutCh > 1 ? $clog2(MaxOutCh) : 1,
  localparam int WgtW = NumPes * Lanes * 8,
  localparam int WgtAw = $clog2(WgtDepth),
  localparam int Words = (WgtW + 31) / 32,                    // 32-bit stream words per beat
  localparam int WordW = Words > 1 ? $clog2(Words) : 1,
  localparam int CountW = NumPes > 1 ? $clog2(NumPes) + 1 : 2,
  localparam int PeLatency = Lanes > 4 ? 3 : 2,                 // dense_pe's sum latency
  localparam int Stages = 2 + PeLatency                         // beat issue -> accumulators
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
  input  logic [31:0]                  s_wgt_tdata_i,
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

  if (MaxOutCh < 2 || MaxOutCh > 65535) begin : gen_bad_out_ch
    $error("dense_accel: MaxOutCh must be in 2..65535");
  end
  if (WgtDepth < 2) begin : gen_bad_wgt_depth
    $error("dense_accel: WgtDepth must be >= 2");
  end

  // ---------------------------------------------------------------------------------------------
  // Registers
  logic        start, relu, irq_en, keep, done, busy, done_set, error_set;
  logic [15:0] fan_in, out_ch, vectors;
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
    .keep_o        (keep),
    .fan_in_o      (fan_in),
    .out_ch_o      (out_ch),
    .vectors_o     (vectors),
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
  // Controller: check, load weights, load parameters, run the vectors, wait for the last result.
  typedef enum logic [2:0] {
    StIdle    = 3'd0,
    StCheck   = 3'd1,
    StLoadWgt = 3'd2,
    StLoadPar = 3'd3,
    StRun     = 3'd4,
    StDrain   = 3'd5
  } state_e;

  state_e             state_q, state_d;
  logic [KwW-1:0]     kw_q;            // beats per group, ceil(fan_in / Lanes)
  logic [GrpW-1:0]    groups_q;        // groups per vector, ceil(out_ch / NumPes)
  logic [WgtAw:0]     wtotal_q;        // weight beats of the pass
  logic               shape_ok;
  logic [WgtAw-1:0]   wa_q, wa_d;      // weight beat: written while loading, read while running
  logic [WgtAw-1:0]   wa_mem_q;        // its copy that drives the weight SRAM's address pins
  logic [WordW-1:0]   word_q;          // stream word within the weight beat being loaded
  logic [ChW-1:0]     pa_q;            // parameter entry being loaded
  logic [KwW-1:0]     k_q;             // beat within the group being computed
  logic [OutW-1:0]    rem_q;           // outputs of the vector not yet started, this group's incl.
  logic [15:0]        vec_q;           // vector being computed
  logic [15:0]        res_vec_q;       // vector whose results are being sent
  logic               beat_last, group_last, vec_last, config_ok;
  logic [CountW-1:0]  group_count;
  logic               wgt_fire, par_fire, issue, last_blocked, res_fire;
  logic               hold_full;
  logic [1:0]         act_full_q;      // activation bank holds a whole vector
  logic               rbank_q;         // bank being computed

  assign config_ok   = fan_in != 16'd0 && 32'(fan_in) <= MaxFanIn && out_ch != 16'd0 &&
                       32'(out_ch) <= MaxOutCh && vectors != 16'd0;
  assign shape_ok    = 32'(groups_q) * 32'(kw_q) <= WgtDepth;
  assign beat_last   = k_q == kw_q - KwW'(1);
  assign group_last  = 32'(rem_q) <= NumPes;
  assign vec_last    = vec_q == vectors - 16'd1;
  assign group_count = group_last ? CountW'(rem_q) : CountW'(NumPes);
  assign busy        = state_q != StIdle;
  assign res_fire    = m_res_tvalid_o && m_res_tready_i;

  assign s_wgt_tready_o = state_q == StLoadWgt;
  assign wgt_fire       = s_wgt_tvalid_i && s_wgt_tready_o;
  assign s_par_tready_o = state_q == StLoadPar;
  assign par_fire       = s_par_tvalid_i && s_par_tready_o;

  // Compute beats. The last beat of a group may issue only when the hold bank is empty and no
  // other last beat is in flight, so finished sums are never overwritten. A beat's flags travel
  // beside it (stage 0: the SRAMs answer, 1: their words registered, Stages-1: the PEs' sums).
  logic [Stages-1:0]        p_valid_q, p_first_q, p_last_q;
  logic [Stages*CountW-1:0] p_count_q;             // stage s at [s*CountW +: CountW]
  assign last_blocked = beat_last && (hold_full || |(p_valid_q & p_last_q));
  assign issue        = state_q == StRun && act_full_q[rbank_q] && !last_blocked;

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:    if (start && config_ok) state_d = StCheck;
      StCheck:   state_d = !shape_ok ? StIdle : (keep ? StRun : StLoadWgt);
      StLoadWgt: if (wgt_fire && word_q == WordW'(Words - 1) &&
                     {1'b0, wa_q} == wtotal_q - (WgtAw + 1)'(1)) state_d = StLoadPar;
      StLoadPar: if (par_fire && 16'(pa_q) == out_ch - 16'd1) state_d = StRun;
      StRun:     if (issue && beat_last && group_last && vec_last) state_d = StDrain;
      StDrain:   if (res_fire && m_res_tlast_o && res_vec_q == vectors - 16'd1) state_d = StIdle;
      default:   state_d = StIdle;
    endcase
  end

  assign done_set  = state_q == StDrain && state_d == StIdle;
  assign error_set = (state_q == StIdle && start && !config_ok) ||
                     (state_q == StCheck && !shape_ok);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= StIdle;
      kw_q       <= '0;
      groups_q   <= '0;
      wtotal_q   <= '0;
      word_q     <= '0;
      pa_q       <= '0;
      k_q        <= '0;
      rem_q      <= '0;
      vec_q      <= 16'd0;
      res_vec_q  <= 16'd0;
    end else begin
      state_q <= state_d;
      if (state_q == StIdle) begin
        // The shape, from registers that do not change while busy (checked in StCheck).
        kw_q      <= KwW'((FanW'(fan_in) + FanW'(Lanes - 1)) / FanW'(Lanes));
        groups_q  <= GrpW'((OutW'(out_ch) + OutW'(NumPes - 1)) / OutW'(NumPes));
        word_q    <= '0;
        pa_q      <= '0;
        k_q       <= '0;
        rem_q     <= OutW'(out_ch);
        vec_q     <= 16'd0;
        res_vec_q <= 16'd0;
      end
      if (state_q == StCheck) begin
        wtotal_q <= (WgtAw + 1)'(groups_q) * (WgtAw + 1)'(kw_q);
      end
      if (wgt_fire) begin
        word_q <= word_q == WordW'(Words - 1) ? '0 : word_q + WordW'(1);
      end
      if (par_fire) begin
        pa_q <= pa_q + ChW'(1);
      end
      if (issue) begin
        k_q <= beat_last ? '0 : k_q + KwW'(1);
        if (beat_last && group_last) begin
          rem_q <= OutW'(out_ch);
          vec_q <= vec_q + 16'd1;
        end else if (beat_last) begin
          rem_q <= rem_q - OutW'(NumPes);
        end
      end
      if (res_fire && m_res_tlast_o) begin
        res_vec_q <= res_vec_q + 16'd1;
      end
    end
  end

  // Weight beat address: 0 when idle; +1 per loaded beat (wrapping to 0 after the pass's last)
  // and per computed beat (0 after a vector's last). The macros' address pins (two per bit per
  // macro column) get a copy without reset, so that the counter's own increment does not drive
  // that fanout (Yosys keeps both: one has a reset, the other not).
  always_comb begin
    wa_d = wa_q;
    if (state_q == StIdle) begin
      wa_d = '0;
    end else if (wgt_fire && word_q == WordW'(Words - 1)) begin
      wa_d = {1'b0, wa_q} == wtotal_q - (WgtAw + 1)'(1) ? '0 : wa_q + WgtAw'(1);
    end else if (issue) begin
      wa_d = beat_last && group_last ? '0 : wa_q + WgtAw'(1);
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) wa_q <= '0;
    else         wa_q <= wa_d;
  end
  always_ff @(posedge clk_i) begin
    wa_mem_q <= wa_d;
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
      if (issue) mac_beats_q <= mac_beats_q + 32'd1;
      if (state_q == StRun && !issue) stall_cycles_q <= stall_cycles_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Activation loader: fills the free bank with the next vector while the other one computes.
  logic             act_fire, act_beat_last, act_en, wbank_q;
  logic [ActAw-1:0] lk_q;              // beat within the vector being loaded
  logic [FanW-1:0]  lelem_q;           // its first activation index
  logic [15:0]      lvec_q;            // vectors loaded

  assign act_en         = (state_q == StLoadWgt || state_q == StLoadPar || state_q == StRun) &&
                          lvec_q != vectors;
  assign s_act_tready_o = act_en && !act_full_q[wbank_q];
  assign act_fire       = s_act_tvalid_i && s_act_tready_o;
  assign act_beat_last  = 32'(lelem_q) + Lanes >= 32'(fan_in);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_full_q <= 2'b00;
      wbank_q    <= 1'b0;
      rbank_q    <= 1'b0;
      lk_q       <= '0;
      lelem_q    <= '0;
      lvec_q     <= 16'd0;
    end else if (state_q == StIdle) begin
      {act_full_q, wbank_q, rbank_q, lk_q, lelem_q, lvec_q} <= '0;  // as after reset
    end else begin
      if (act_fire) begin
        lk_q    <= act_beat_last ? '0 : lk_q + ActAw'(1);
        lelem_q <= act_beat_last ? '0 : lelem_q + FanW'(Lanes);
        if (act_beat_last) begin
          wbank_q <= !wbank_q;
          lvec_q  <= lvec_q + 16'd1;
        end
      end
      // A bank fills with its last beat and empties with the last read of its vector.
      for (int b = 0; b < 2; b++) begin
        if (act_fire && act_beat_last && wbank_q == b[0]) begin
          act_full_q[b] <= 1'b1;
        end else if (issue && beat_last && group_last && rbank_q == b[0]) begin
          act_full_q[b] <= 1'b0;
        end
      end
      if (issue && beat_last && group_last) rbank_q <= !rbank_q;
    end
  end

  logic [Lanes*8-1:0] act_wdata;
  always_comb begin
    for (int l = 0; l < Lanes; l++) begin
      act_wdata[8*l +: 8] = 32'(lelem_q) + l < 32'(fan_in) ? s_act_tdata_i[8*l +: 8] : 8'd0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Memories
  localparam int ActCols = Lanes * 8 <= 8 ? 1 : (Lanes * 8 + 31) / 32;
  logic [Lanes*8-1:0] act_rdata;
  sram_array #(
    .Width(Lanes * 8),
    .Depth(2 << ActAw)
  ) u_act_mem (
    .clk_i,
    .we_i   (act_fire),
    .wmask_i({ActCols{1'b1}}),
    .waddr_i({wbank_q, lk_q}),
    .wdata_i(act_wdata),
    .re_i   (issue),
    .raddr_i({rbank_q, ActAw'(k_q)}),
    .rdata_o(act_rdata)
  );

  // The weight SRAM reads in every running cycle, issued beat or not (no write then; an idle read
  // costs the macro nothing more: its liberty charges every clock edge alike), so its read enable
  // comes from the state register instead of the issue logic, which would have to drive a pin of
  // every weight macro (16 x 8: 180 MHz).
  logic wgt_re;
  assign wgt_re = state_q == StRun;

  // Word w of a weight beat goes to SRAM column w (32 bits each).
  logic [WgtW-1:0] wgt_rdata;
  logic [Words-1:0] wgt_wmask;
  always_comb begin
    wgt_wmask = '0;
    wgt_wmask[word_q] = 1'b1;
  end
  sram_array #(
    .Width(WgtW),
    .Depth(WgtDepth)
  ) u_wgt_mem (
    .clk_i,
    .we_i   (wgt_fire),
    .wmask_i(wgt_wmask),
    .waddr_i(wa_mem_q),
    .wdata_i(WgtW'({Words{s_wgt_tdata_i}})),
    .re_i   (wgt_re),
    .raddr_i(wa_mem_q),
    .rdata_o(wgt_rdata)
  );

  logic          par_re;
  logic [ChW-1:0] par_raddr;
  logic [52:0]   par_rdata;
  sram_array #(
    .Width(53),
    .Depth(MaxOutCh)
  ) u_par_mem (
    .clk_i,
    .we_i   (par_fire),
    .wmask_i(2'b11),
    .waddr_i(pa_q),
    .wdata_i(s_par_tdata_i[52:0]),
    .re_i   (par_re),
    .raddr_i(par_raddr),
    .rdata_o(par_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // MAC pipeline: stage 0 = the SRAMs answer, 1 = their words registered (the macros' outputs
  // come from the falling clock edge, half a cycle for any logic), then the PEs (product halves,
  // [group sums,] lane sum); the accumulators add the last stage.
  logic [WgtW-1:0]    wgt_q;
  logic [Lanes*8-1:0] act_q;
  always_ff @(posedge clk_i) begin
    wgt_q <= wgt_rdata;
    act_q <= act_rdata;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      {p_valid_q, p_first_q, p_last_q, p_count_q} <= '0;
    end else begin
      p_valid_q <= {p_valid_q[Stages-2:0], issue};
      p_first_q <= {p_first_q[Stages-2:0], k_q == '0};
      p_last_q  <= {p_last_q[Stages-2:0], beat_last};
      p_count_q <= {p_count_q[(Stages-1)*CountW-1:0], group_count};
    end
  end

  logic [NumPes-1:0]      pe_sum_valid;
  logic [NumPes*SumW-1:0] pe_sum;

  for (genvar p = 0; p < NumPes; p++) begin : gen_pe
    dense_pe #(
      .Lanes(Lanes)
    ) u_pe (
      .clk_i,
      .rst_ni,
      .valid_i    (p_valid_q[1]),
      .weight_i   (wgt_q[p*Lanes*8 +: Lanes*8]),
      .act_i      (act_q),
      .sum_valid_o(pe_sum_valid[p]),
      .sum_o      (pe_sum[p*SumW +: SumW])
    );
  end

  // ---------------------------------------------------------------------------------------------
  // Accumulators and hold bank, then the drain through the output stage.
  logic                   hold_valid, hold_ready;
  logic signed [AccW-1:0] hold_acc;

  dense_acc_bank #(
    .NumPes(NumPes),
    .SumW  (SumW),
    .AccW  (AccW)
  ) u_acc_bank (
    .clk_i,
    .rst_ni,
    .sum_valid_i(pe_sum_valid[0] && p_valid_q[Stages-1]),
    .first_i    (p_first_q[Stages-1]),
    .last_i     (p_last_q[Stages-1]),
    .count_i    (p_count_q[(Stages-1)*CountW +: CountW]),
    .sum_i      (pe_sum),
    .hold_full_o(hold_full),
    .out_valid_o(hold_valid),
    .out_acc_o  (hold_acc),
    .out_ready_i(hold_ready)
  );

  dense_drain #(
    .AccW    (AccW),
    .MaxOutCh(MaxOutCh)
  ) u_drain (
    .clk_i,
    .rst_ni,
    .start_i       (state_q == StIdle),
    .relu_i        (relu),
    .out_ch_i      (out_ch),
    .hold_valid_i  (hold_valid),
    .hold_acc_i    (hold_acc),
    .hold_ready_o  (hold_ready),
    .par_re_o      (par_re),
    .par_raddr_o   (par_raddr),
    .par_rdata_i   (par_rdata),
    .m_res_tvalid_o,
    .m_res_tready_i,
    .m_res_tdata_o,
    .m_res_tlast_o
  );

endmodule
