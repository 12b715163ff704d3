// Weight (program) stream parser (format: docs/REGISTERS.md). A STEPS section writes each step's
// slot words, one 32-bit column of the weight memory per word, then its descriptor; a PARAMS
// section writes the three words of each output's parameter entry. Accepts words only while the
// array is not running; a malformed section raises an error and is skipped up to tlast. Every
// load replaces the whole program: a section counts as loaded (nsteps_o / nparams_o) once its
// last word has arrived, and a load that raised an error leaves no runnable program.
module ttq_wload
#(
  parameter int unsigned SlotW   = 256,   // slot bits of one step (all PEs)
  parameter int unsigned WDepth  = 512,
  parameter int unsigned MaxOuts = 64,
  localparam int unsigned SlotCols = (SlotW + 31) / 32,
  localparam int unsigned WAddrW   = $clog2(WDepth),
  localparam int unsigned PAddrW   = MaxOuts > 1 ? $clog2(MaxOuts) : 1,
  localparam int unsigned AddrW    = WAddrW > PAddrW ? WAddrW : PAddrW,
  localparam int unsigned ColW     = $clog2(SlotCols + 1)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                run_i,
  input  logic [31:0]         s_axis_w_tdata_i,
  input  logic                s_axis_w_tvalid_i,
  output logic                s_axis_w_tready_o,
  input  logic                s_axis_w_tlast_i,
  // weight memory: slot columns and the descriptor
  output logic                slot_we_o,
  output logic [SlotCols-1:0] slot_wmask_o,
  output logic                desc_we_o,
  output logic [WAddrW-1:0]   w_waddr_o,
  output logic [31:0]         w_wdata_o,
  // parameter memory: 3 columns
  output logic                par_we_o,
  output logic [2:0]          par_wmask_o,
  output logic [PAddrW-1:0]   par_waddr_o,
  output logic [15:0]         nsteps_o,
  output logic [15:0]         nparams_o,
  output logic                err_o,       // pulse
  output logic [3:0]          err_code_o,
  output logic                first_o,     // first word of a load
  output logic                beat_o,      // a word accepted
  output logic                active_o     // a load is in progress (between first and tlast)
);
  if (WDepth < 2 || WDepth > 65535) begin : gen_chk_depth
    $error("ttq_wload: WDepth must be 2..65535, got %0d", WDepth);
  end

  typedef enum logic [1:0] {StHdr, StSteps, StPars, StSkip} state_e;
  state_e state_q;

  logic [19:0]     cnt_q, idx_q;
  logic [ColW-1:0] col_q;
  logic            active_q;
  logic [15:0]     nsteps_q, nparams_q;
  logic            err_seen_q;  // this load raised an error
  // The macros' write address: a copy of idx_q's low bits that drives only the SRAM macros'
  // address pins (a load synthesis does not see, so it must not slow idx_q's own logic).
  logic [AddrW-1:0] addr_q;
  logic            beat;

  assign s_axis_w_tready_o = !run_i;
  assign beat = s_axis_w_tvalid_i && s_axis_w_tready_o;

  logic [3:0]  hdr_type;
  logic [19:0] hdr_cnt;
  assign hdr_type = s_axis_w_tdata_i[31:28];
  assign hdr_cnt  = s_axis_w_tdata_i[19:0];

  // Last word of the section's current item (step or entry) / of the whole section.
  logic item_end, sect_end;
  assign item_end = (state_q == StSteps) ? 32'(col_q) == SlotCols : col_q == ColW'(2);
  assign sect_end = item_end && idx_q + 1'b1 == cnt_q;

  always_comb begin
    slot_we_o    = beat && state_q == StSteps && 32'(col_q) < SlotCols;
    slot_wmask_o = SlotCols'(1) << col_q;
    desc_we_o    = beat && state_q == StSteps && 32'(col_q) == SlotCols;
    w_waddr_o    = addr_q[WAddrW-1:0];
    w_wdata_o    = s_axis_w_tdata_i;
    par_we_o     = beat && state_q == StPars;
    par_wmask_o  = 3'(1) << col_q;
    par_waddr_o  = addr_q[PAddrW-1:0];
  end

  // Format errors, detected on the accepted word.
  logic       err_d;
  logic [3:0] code_d;
  always_comb begin
    err_d  = 1'b0;
    code_d = ttq_pkg::ErrNone;
    if (beat) begin
      unique case (state_q)
        StHdr: begin
          if (hdr_type != ttq_pkg::SecSteps && hdr_type != ttq_pkg::SecParams) begin
            err_d  = 1'b1;
            code_d = ttq_pkg::ErrSection;
          end else if (hdr_type == ttq_pkg::SecSteps && (hdr_cnt == '0 || 32'(hdr_cnt) > WDepth)) begin
            err_d  = 1'b1;
            code_d = ttq_pkg::ErrStepCount;
          end else if (hdr_type == ttq_pkg::SecParams && (hdr_cnt == '0 || 32'(hdr_cnt) > MaxOuts)) begin
            err_d  = 1'b1;
            code_d = ttq_pkg::ErrParamCount;
          end else if (s_axis_w_tlast_i) begin
            err_d  = 1'b1;
            code_d = ttq_pkg::ErrWTlast;
          end
        end
        StSteps, StPars: begin
          if (s_axis_w_tlast_i && !sect_end) begin
            err_d  = 1'b1;
            code_d = ttq_pkg::ErrWTlast;
          end
        end
        default: ;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q    <= StHdr;
      cnt_q      <= '0;
      idx_q      <= '0;
      addr_q     <= '0;
      col_q      <= '0;
      active_q   <= 1'b0;
      nsteps_q   <= '0;
      nparams_q  <= '0;
      err_seen_q <= 1'b0;
      err_o      <= 1'b0;
      err_code_o <= '0;
    end else begin
      err_o <= err_d;
      if (err_d) err_code_o <= code_d;
      if (beat) active_q <= !s_axis_w_tlast_i;
      // Every load replaces the whole program; one that raises an error leaves none.
      if (beat && !active_q) err_seen_q <= err_d;
      else if (err_d) err_seen_q <= 1'b1;
      // A new load, or the error registered last cycle (err_o: the load stays active in that
      // cycle, so no START can use the counts before they are cleared).
      if ((beat && !active_q) || err_o) begin
        nsteps_q  <= '0;
        nparams_q <= '0;
      end
      if (beat) begin
        unique case (state_q)
          StHdr: begin
            idx_q  <= '0;
            addr_q <= '0;
            col_q  <= '0;
            cnt_q <= hdr_cnt;
            if (err_d) begin
              if (!s_axis_w_tlast_i) state_q <= StSkip;
            end else if (hdr_type == ttq_pkg::SecSteps) begin
              state_q  <= StSteps;
              nsteps_q <= '0;
            end else begin
              state_q   <= StPars;
              nparams_q <= '0;
            end
          end
          StSteps, StPars: begin
            if (item_end) begin
              col_q  <= '0;
              idx_q  <= idx_q + 1'b1;
              addr_q <= addr_q + 1'b1;
            end else begin
              col_q <= col_q + 1'b1;
            end
            // (err_d here is tlast before sect_end: never with sect_end)
            if (sect_end && !err_seen_q) begin
              if (state_q == StSteps) nsteps_q <= cnt_q[15:0];
              else nparams_q <= cnt_q[15:0];
            end
            if (sect_end || s_axis_w_tlast_i) state_q <= StHdr;
          end
          StSkip: begin
            if (s_axis_w_tlast_i) state_q <= StHdr;
          end
        endcase
      end
    end
  end

  assign nsteps_o  = nsteps_q;
  assign nparams_o = nparams_q;
  assign first_o   = beat && !active_q;
  assign beat_o    = beat;
  // WLOAD stays set in the cycle the error of a stream's last word is registered, so a host that
  // waits for WLOAD = 0 and then reads ERR never sees a finished load with its error still in flight.
  assign active_o  = active_q || err_o;
`ifdef TTQ_COVER
  `include "ttq_wload_cover.svh"  // named cover points: rtl/formal/, make coverage
`endif
`ifdef FORMAL
  `include "ttq_wload_props.svh"  // properties: rtl/formal/, make formal
`endif
endmodule
