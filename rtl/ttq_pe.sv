// One processing element: walks its op list (the nonzero weights of its output pieces, sorted by
// input index, Lanes per op), picks each lane's activation from a WinRows-row window of the shared
// sweep buffer by a short relative index, and accumulates P (+1 weights) and N (-1 weights)
// separately. Stage A selects and pre-adds the lanes, stage B accumulates; an op flagged `last`
// ends the piece and moves P, N into the record register for the collector.
module ttq_pe #(
  parameter int unsigned Lanes     = 4,
  parameter int unsigned RowBytes  = 8,
  parameter int unsigned WinRows   = 3,
  parameter int unsigned SweepRows = 16,
  parameter int unsigned AdvBits   = 3,
  parameter int unsigned AccW      = 20,
  parameter int unsigned OpDepth   = 1024,
  parameter int unsigned PosW      = 16,
  parameter int unsigned RoundW    = 8,
  parameter int unsigned VecW      = 32,
  localparam int unsigned IdxW     = $clog2(WinRows * RowBytes),
  localparam int unsigned LaneW    = 2 + IdxW,
  localparam int unsigned OpW      = Lanes * LaneW + AdvBits + 1,
  localparam int unsigned OpAddrW  = $clog2(OpDepth),
  localparam int unsigned RowW     = RowBytes * 8,
  localparam int unsigned SumW     = 8 + $clog2(Lanes + 1),
  localparam int unsigned CntW     = $clog2(Lanes + 1)
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic                       start_i,       // start cycle: init, fetch op 0
  input  logic [RoundW-1:0]          rounds_i,      // pieces per vector
  input  logic [VecW-1:0]            nvec_i,
  input  logic [PosW-1:0]            round_rows_i,  // sweep rows per round
  // op memory write port (weight loader)
  input  logic                       op_we_i,
  input  logic [OpAddrW-1:0]         op_waddr_i,
  input  logic [OpW-1:0]             op_wdata_i,
  // sweep buffer
  input  logic [SweepRows*RowW-1:0]  sweep_rows_i,
  input  logic [PosW-1:0]            rows_avail_i,  // rows [0, rows_avail_i) have been written
  output logic [PosW-1:0]            pos_o,         // first row this PE may still read
  // record to the collector
  output logic                       rec_vld_o,
  output logic [AccW-1:0]            rec_p_o,
  output logic [AccW-1:0]            rec_n_o,
  input  logic                       rec_take_i,
  // status
  output logic                       fire_o,
  output logic [CntW-1:0]            nnz_o
);
  if (Lanes < 1) begin : gen_chk_lanes
    $error("ttq_pe: Lanes must be >= 1, got %0d", Lanes);
  end
  if (WinRows < 1 || WinRows + 2 > SweepRows) begin : gen_chk_win
    $error("ttq_pe: need 1 <= WinRows <= SweepRows - 2, got WinRows %0d", WinRows);
  end
  if ((RowBytes & (RowBytes - 1)) != 0) begin : gen_chk_row
    $error("ttq_pe: RowBytes must be a power of 2, got %0d", RowBytes);
  end
  if (AccW < SumW + 1) begin : gen_chk_acc
    $error("ttq_pe: AccW %0d too narrow for %0d lanes", AccW, Lanes);
  end

  localparam int unsigned SlotW = $clog2(SweepRows);
  localparam int unsigned NeedW = $clog2(WinRows + 1);
  localparam int unsigned RowShift = $clog2(RowBytes);

  // ---------------- op fetch ----------------
  logic [OpW-1:0]      op;
  logic [OpAddrW-1:0]  pc_q, rd_addr;
  logic                rd_en, fire;
  logic [RoundW-1:0]   rc_q;
  logic [VecW-1:0]     vc_q;
  logic                active_q;
  logic [PosW-1:0]     h_q, base_q;

  logic [1:0]          code [Lanes];
  logic [IdxW-1:0]     idx  [Lanes];
  logic [AdvBits-1:0]  adv;
  logic                last;

  always_comb begin
    for (int j = 0; j < Lanes; j++) begin
      code[j] = op[j*LaneW +: 2];
      idx[j]  = op[j*LaneW + 2 +: IdxW];
    end
    adv  = op[Lanes*LaneW +: AdvBits];
    last = op[Lanes*LaneW + AdvBits];
  end

  logic round_end, vec_end;
  assign round_end = rc_q == rounds_i - 1'b1;
  assign vec_end   = vc_q + 1'b1 == nvec_i;

  always_comb begin
    rd_en   = start_i | fire;
    rd_addr = pc_q + 1'b1;
    if (start_i || (last && round_end)) rd_addr = '0;
  end

  ttq_ram_1r1w #(.Width(OpW), .Depth(OpDepth)) u_op_mem (
    .clk_i,
    .we_i    (op_we_i),
    .waddr_i (op_waddr_i),
    .wdata_i (op_wdata_i),
    .re_i    (rd_en),
    .raddr_i (rd_addr),
    .rdata_o (op)
  );

  // ---------------- issue condition ----------------
  logic [PosW-1:0] h_new;
  logic [NeedW-1:0] need;
  logic rows_ok, rec_ok;
  logic sb_vld_q, sb_last_q, rec_vld_q;

  assign h_new = h_q + PosW'(adv);

  always_comb begin
    need = '0;
    for (int j = 0; j < Lanes; j++) begin
      if (code[j] != 2'b00 && NeedW'(idx[j] >> RowShift) + 1'b1 > need) begin
        need = NeedW'(idx[j] >> RowShift) + 1'b1;
      end
    end
  end

  logic [PosW-1:0] avail_ahead;
  assign avail_ahead = rows_avail_i - h_new;
  assign rows_ok = (need == '0) || ($signed(avail_ahead) >= $signed(PosW'(need)));
  assign rec_ok  = !last || (!rec_vld_q && !(sb_vld_q && sb_last_q));
  assign fire    = active_q && rows_ok && rec_ok;

  // ---------------- stage A: window and lane selection ----------------
  logic [RowW-1:0] win_row [WinRows];
  logic [7:0]      win [WinRows*RowBytes];
  always_comb begin
    for (int r = 0; r < WinRows; r++) begin
      win_row[r] = sweep_rows_i[SlotW'(h_new + PosW'(r)) * RowW +: RowW];
      for (int b = 0; b < RowBytes; b++) win[r*RowBytes + b] = win_row[r][b*8 +: 8];
    end
  end

  logic [7:0] lane_x [Lanes];
  always_comb begin
    for (int j = 0; j < Lanes; j++) begin
      lane_x[j] = (32'(idx[j]) < WinRows * RowBytes) ? win[idx[j]] : 8'h00;
    end
  end

  logic [SumW-1:0] sum_p, sum_n;
  logic [CntW-1:0] nnz;
  always_comb begin
    sum_p = '0;
    sum_n = '0;
    nnz   = '0;
    for (int j = 0; j < Lanes; j++) begin
      unique case (code[j])
        2'b01: begin
          sum_p = sum_p + SumW'(lane_x[j]);
          nnz   = nnz + 1'b1;
        end
        2'b10: begin
          sum_n = sum_n + SumW'(lane_x[j]);
          nnz   = nnz + 1'b1;
        end
        default: ;  // empty lane or zero weight (dense schedule): no-op
      endcase
    end
  end

  // ---------------- control registers ----------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pc_q      <= '0;
      rc_q      <= '0;
      vc_q      <= '0;
      h_q       <= '0;
      base_q    <= '0;
      active_q  <= 1'b0;
      sb_vld_q  <= 1'b0;
      sb_last_q <= 1'b0;
      rec_vld_q <= 1'b0;
    end else if (start_i) begin
      pc_q      <= '0;
      rc_q      <= '0;
      vc_q      <= '0;
      h_q       <= '0;
      base_q    <= '0;
      active_q  <= nvec_i != '0;
      sb_vld_q  <= 1'b0;
      sb_last_q <= 1'b0;
      rec_vld_q <= 1'b0;
    end else begin
      sb_vld_q  <= fire;
      sb_last_q <= fire && last;
      if (sb_vld_q && sb_last_q) rec_vld_q <= 1'b1;
      else if (rec_take_i)       rec_vld_q <= 1'b0;
      if (fire) begin
        pc_q <= rd_addr;
        if (last) begin
          base_q <= base_q + round_rows_i;
          h_q    <= base_q + round_rows_i;
          if (round_end) begin
            rc_q <= '0;
            vc_q <= vc_q + 1'b1;
            if (vec_end) active_q <= 1'b0;
          end else begin
            rc_q <= rc_q + 1'b1;
          end
        end else begin
          h_q <= h_new;
        end
      end
    end
  end

  // ---------------- stage B: accumulate (datapath, initialised by start) ----------------
  logic [SumW-1:0] sb_p_q, sb_n_q;
  logic [AccW-1:0] acc_p_q, acc_n_q, rec_p_q, rec_n_q;
  always_ff @(posedge clk_i) begin
    if (fire) begin
      sb_p_q <= sum_p;
      sb_n_q <= sum_n;
    end
  end
  always_ff @(posedge clk_i) begin
    if (start_i) begin
      acc_p_q <= '0;
      acc_n_q <= '0;
    end else if (sb_vld_q) begin
      if (sb_last_q) begin
        rec_p_q <= acc_p_q + AccW'(sb_p_q);
        rec_n_q <= acc_n_q + AccW'(sb_n_q);
        acc_p_q <= '0;
        acc_n_q <= '0;
      end else begin
        acc_p_q <= acc_p_q + AccW'(sb_p_q);
        acc_n_q <= acc_n_q + AccW'(sb_n_q);
      end
    end
  end

  assign pos_o     = h_q;
  assign rec_vld_o = rec_vld_q;
  assign rec_p_o   = rec_p_q;
  assign rec_n_o   = rec_n_q;
  assign fire_o    = fire;
  assign nnz_o     = fire ? nnz : '0;

`ifdef TTQ_ASSERT
  // The collector only takes a record that is there; a record is never overwritten.
  always_ff @(posedge clk_i) begin
    if (rst_ni && !start_i) begin
      if (rec_take_i && !rec_vld_q) $error("ttq_pe: record taken while empty");
      if (sb_vld_q && sb_last_q && rec_vld_q) $error("ttq_pe: record overwritten");
    end
  end
`endif
endmodule
