// Weight (program) stream parser: section headers route op words to one PE's op memory and entry
// words to the collector's entry table (format in docs/REGISTERS.md). Accepts words only while
// the array is not running; a malformed section raises an error and is skipped up to tlast.
module ttq_wload #(
  parameter int unsigned NumPes    = 16,
  parameter int unsigned OpW       = 32,
  parameter int unsigned OpDepth   = 1024,
  parameter int unsigned EntDepth  = 64,
  localparam int unsigned EntW     = 79,
  localparam int unsigned OpWords  = (OpW + 31) / 32,
  localparam int unsigned OpAddrW  = $clog2(OpDepth),
  localparam int unsigned EntAW    = $clog2(EntDepth),
  localparam int unsigned WordCntW = (OpWords > 1) ? $clog2(OpWords) : 1
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  run_i,
  input  logic [31:0]           s_axis_w_tdata_i,
  input  logic                  s_axis_w_tvalid_i,
  output logic                  s_axis_w_tready_o,
  input  logic                  s_axis_w_tlast_i,
  output logic [NumPes-1:0]     op_we_o,
  output logic [OpAddrW-1:0]    op_waddr_o,
  output logic [OpW-1:0]        op_wdata_o,
  output logic                  ent_we_o,
  output logic [EntAW-1:0]      ent_waddr_o,
  output logic [EntW-1:0]       ent_wdata_o,
  output logic                  err_o,       // pulse
  output logic [3:0]            err_code_o,
  output logic                  first_o,     // first word of a load
  output logic                  beat_o,      // a word accepted
  output logic                  active_o     // a load is in progress (between first and tlast)
);
  if (OpWords > 2) begin : gen_chk_opw
    $error("ttq_wload: ops wider than 64 bits are not supported (OpW %0d)", OpW);
  end

  typedef enum logic [1:0] {StHdr, StOps, StEnt, StSkip} state_e;
  state_e state_q;

  logic [7:0]          pe_q;
  logic [19:0]         cnt_q, idx_q;
  logic [WordCntW-1:0] word_q;
  logic [1:0]          ew_q;
  logic [63:0]         op_buf_q;
  logic [31:0]         ew0_q, ew1_q;
  logic                active_q;
  logic                beat;

  assign s_axis_w_tready_o = !run_i;
  assign beat = s_axis_w_tvalid_i && s_axis_w_tready_o;

  logic [3:0]  hdr_type;
  logic [7:0]  hdr_pe;
  logic [19:0] hdr_cnt;
  assign hdr_type = s_axis_w_tdata_i[31:28];
  assign hdr_pe   = s_axis_w_tdata_i[27:20];
  assign hdr_cnt  = s_axis_w_tdata_i[19:0];

  logic [63:0] op_word;
  always_comb begin
    op_word = op_buf_q;
    op_word[32*word_q +: 32] = s_axis_w_tdata_i;
  end

  always_comb begin
    op_we_o     = '0;
    op_waddr_o  = idx_q[OpAddrW-1:0];
    op_wdata_o  = op_word[OpW-1:0];
    ent_we_o    = 1'b0;
    ent_waddr_o = idx_q[EntAW-1:0];
    ent_wdata_o = {s_axis_w_tdata_i, ew1_q[31:16], ew1_q[15:0], ew0_q[20:16], ew0_q[9:0]};
    if (beat && state_q == StOps && 32'(word_q) == OpWords - 1) op_we_o[pe_q[$clog2(NumPes)-1:0]] = 1'b1;
    if (beat && state_q == StEnt && ew_q == 2'd2) ent_we_o = 1'b1;
  end

  logic       err_d;
  logic [3:0] code_d;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q    <= StHdr;
      pe_q       <= '0;
      cnt_q      <= '0;
      idx_q      <= '0;
      word_q     <= '0;
      ew_q       <= '0;
      active_q   <= 1'b0;
      err_o      <= 1'b0;
      err_code_o <= '0;
    end else begin
      err_o <= err_d;
      if (err_d) err_code_o <= code_d;
      if (beat) active_q <= !s_axis_w_tlast_i;
      if (beat) begin
        unique case (state_q)
          StHdr: begin
            idx_q  <= '0;
            word_q <= '0;
            ew_q   <= '0;
            pe_q   <= hdr_pe;
            cnt_q  <= hdr_cnt;
            if (!err_d && hdr_cnt != '0 && !s_axis_w_tlast_i) begin
              state_q <= (hdr_type == 4'd1) ? StOps : StEnt;
            end else if (err_d && !s_axis_w_tlast_i) begin
              state_q <= StSkip;
            end
          end
          StOps: begin
            if (32'(word_q) == OpWords - 1) begin
              word_q <= '0;
              idx_q  <= idx_q + 1'b1;
              if (idx_q + 1'b1 == cnt_q) state_q <= StHdr;
            end else begin
              word_q <= word_q + 1'b1;
            end
            if (s_axis_w_tlast_i) state_q <= StHdr;
          end
          StEnt: begin
            if (ew_q == 2'd0) ew0_q <= s_axis_w_tdata_i;
            if (ew_q == 2'd1) ew1_q <= s_axis_w_tdata_i;
            if (ew_q == 2'd2) begin
              ew_q  <= '0;
              idx_q <= idx_q + 1'b1;
              if (idx_q + 1'b1 == cnt_q) state_q <= StHdr;
            end else begin
              ew_q <= ew_q + 1'b1;
            end
            if (s_axis_w_tlast_i) state_q <= StHdr;
          end
          StSkip: begin
            if (s_axis_w_tlast_i) state_q <= StHdr;
          end
          default: state_q <= StHdr;
        endcase
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (beat && state_q == StOps) op_buf_q[32*word_q +: 32] <= s_axis_w_tdata_i;
  end

  // Format errors, detected on the accepted word.
  always_comb begin
    err_d  = 1'b0;
    code_d = 4'd0;
    if (beat) begin
      unique case (state_q)
        StHdr: begin
          if (hdr_type != 4'd1 && hdr_type != 4'd2) begin
            err_d  = 1'b1;
            code_d = 4'd1;
          end else if (hdr_type == 4'd1 && 32'(hdr_pe) >= NumPes) begin
            err_d  = 1'b1;
            code_d = 4'd2;
          end else if (hdr_type == 4'd1 && 32'(hdr_cnt) > OpDepth) begin
            err_d  = 1'b1;
            code_d = 4'd3;
          end else if (hdr_type == 4'd2 && 32'(hdr_cnt) > EntDepth) begin
            err_d  = 1'b1;
            code_d = 4'd4;
          end else if (s_axis_w_tlast_i && hdr_cnt != '0) begin
            err_d  = 1'b1;
            code_d = 4'd8;
          end
        end
        StOps: begin
          if (s_axis_w_tlast_i && !(32'(word_q) == OpWords - 1 && idx_q + 1'b1 == cnt_q)) begin
            err_d  = 1'b1;
            code_d = 4'd8;
          end
        end
        StEnt: begin
          if (s_axis_w_tlast_i && !(ew_q == 2'd2 && idx_q + 1'b1 == cnt_q)) begin
            err_d  = 1'b1;
            code_d = 4'd8;
          end
        end
        default: ;
      endcase
    end
  end

  assign first_o  = beat && !active_q;
  assign beat_o   = beat;
  // WLOAD stays set in the cycle the error of a stream's last word is registered, so a host that
  // waits for WLOAD = 0 and then reads ERR never sees a finished load with its error still in flight.
  assign active_o = active_q || err_o;
endmodule
