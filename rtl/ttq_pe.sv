// One processing element: walks its op list (the nonzero weights of its output pieces, sorted by
// input index, Lanes per op), picks each lane's activation from a WinRows-row window of the shared
// sweep buffer by a short relative index, and accumulates P (+1 weights) and N (-1 weights)
// separately. An op flagged `last` ends the piece and moves P, N into the record register for the
// collector.
//
// Pipeline (timing: every stage starts at flip-flops, docs/ARCHITECTURE.md):
//   fetch   the op memory (registered read port) holds the op AFTER the current one;
//   decode  when the current op fires (or once after start, to fill), the next op is decoded from
//           the memory output into the current-op registers: its window position h + adv, the
//           sweep-buffer slot of each window row, the row the issue check needs, lane fields;
//   A       the op fires if its rows are written; the row muxes (driven by the slot registers)
//           and the lane byte muxes select each lane's activation into a register;
//   B       P and N accumulate the selected bytes (one 5-operand adder each).
// One cycle after start the PE fills its decode registers; it can fire from the second cycle on.
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
  // status, one cycle after the op fired (registered, for the performance counters)
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
  localparam int unsigned WinBytes = WinRows * RowBytes;

  // ---------------- fetch: the op memory holds the next op ----------------
  logic [OpW-1:0]      op_m;        // memory output: the op after the current one
  logic [OpAddrW-1:0]  pc_f_q, rd_addr;
  logic [RoundW-1:0]   rc_f_q;      // round of the op in op_m
  logic                rd_en, fire, adv_op, cur_vld_q;

  logic [1:0]          m_code [Lanes];
  logic [IdxW-1:0]     m_idx  [Lanes];
  logic [AdvBits-1:0]  m_adv;
  logic                m_last, m_wrap;
  logic [NeedW-1:0]    m_need;
  logic [CntW-1:0]     m_nnz;

  always_comb begin
    m_need = '0;
    m_nnz  = '0;
    for (int j = 0; j < Lanes; j++) begin
      m_code[j] = op_m[j*LaneW +: 2];
      m_idx[j]  = op_m[j*LaneW + 2 +: IdxW];
      if (m_code[j] != 2'b00 && NeedW'(m_idx[j] >> RowShift) + 1'b1 > m_need) begin
        m_need = NeedW'(m_idx[j] >> RowShift) + 1'b1;
      end
      if (m_code[j] == 2'b01 || m_code[j] == 2'b10) m_nnz = m_nnz + 1'b1;
    end
    m_adv  = op_m[Lanes*LaneW +: AdvBits];
    m_last = op_m[Lanes*LaneW + AdvBits];
  end
  // The op in op_m is the last one of the last round: the list starts over after it.
  logic rlast_f_q;  // rc_f_q == rounds_i - 1
  assign m_wrap = m_last && rlast_f_q;

  // The decode registers take op_m (and the memory reads the op after it) when the current op
  // fires, and once after start (fill).
  assign adv_op  = fire || (active_q && !cur_vld_q);
  logic [RoundW-1:0] rc_f_next;
  assign rc_f_next = m_wrap ? '0 : rc_f_q + RoundW'(m_last);
  assign rd_en   = start_i || adv_op;
  assign rd_addr = (start_i || m_wrap) ? '0 : pc_f_q + 1'b1;

  ttq_ram_1r1w #(.Width(OpW), .Depth(OpDepth)) u_op_mem (
    .clk_i,
    .we_i    (op_we_i),
    .waddr_i (op_waddr_i),
    .wdata_i (op_wdata_i),
    .re_i    (rd_en),
    .raddr_i (rd_addr),
    .rdata_o (op_m)
  );

  // ---------------- decode: current-op registers ----------------
  logic [1:0]          code_q [Lanes];
  logic [IdxW-1:0]     idx_q  [Lanes];
  logic                last_q, wrap_q;
  logic [CntW-1:0]     nnz_q;
  logic [PosW-1:0]     h_q;         // position after the last fired op (pos_o)
  logic [PosW-1:0]     hn_q;        // window row of the current op: h_q + adv
  logic [PosW-1:0]     tgt_q;       // hn_q + need: rows that must be written to fire
  logic                need0_q;     // the current op reads no row
  logic [SlotW-1:0]    slot_q [WinRows];  // sweep-buffer slot of each window row
  logic [PosW-1:0]     nbase_q;     // first row of the next round
  logic [VecW-1:0]     vc_q;
  logic                active_q;

  logic [PosW-1:0]     h_after, hn_next;
  // Position after the current op (what h_q becomes when it fires); at fill hn_q = 0, last_q = 0.
  assign h_after = last_q ? nbase_q : hn_q;
  assign hn_next = h_after + PosW'(m_adv);

  // ---------------- issue condition ----------------
  logic rows_ok, rec_ok;
  logic sb_vld_q, sb_last_q, rec_vld_q;
  logic [PosW-1:0] avail_ahead;
  assign avail_ahead = rows_avail_i - tgt_q;
  assign rows_ok = need0_q || !avail_ahead[PosW-1];
  assign rec_ok  = !last_q || (!rec_vld_q && !(sb_vld_q && sb_last_q));
  assign fire    = active_q && cur_vld_q && rows_ok && rec_ok;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pc_f_q    <= '0;
      rc_f_q    <= '0;
      rlast_f_q <= 1'b0;
      cur_vld_q <= 1'b0;
      last_q    <= 1'b0;
      wrap_q    <= 1'b0;
      hn_q      <= '0;
      h_q       <= '0;
      nbase_q   <= '0;
      vc_q      <= '0;
      active_q  <= 1'b0;
      sb_vld_q  <= 1'b0;
      sb_last_q <= 1'b0;
      rec_vld_q <= 1'b0;
    end else if (start_i) begin
      pc_f_q    <= '0;
      rc_f_q    <= '0;
      rlast_f_q <= rounds_i == RoundW'(1);
      cur_vld_q <= 1'b0;
      last_q    <= 1'b0;
      wrap_q    <= 1'b0;
      hn_q      <= '0;
      h_q       <= '0;
      nbase_q   <= round_rows_i;
      vc_q      <= '0;
      active_q  <= nvec_i != '0;
      sb_vld_q  <= 1'b0;
      sb_last_q <= 1'b0;
      rec_vld_q <= 1'b0;
    end else begin
      sb_vld_q  <= fire;
      sb_last_q <= fire && last_q;
      if (sb_vld_q && sb_last_q) rec_vld_q <= 1'b1;
      else if (rec_take_i)       rec_vld_q <= 1'b0;
      if (adv_op) begin
        // fetch side: the op after op_m
        pc_f_q    <= rd_addr;
        rc_f_q    <= rc_f_next;
        rlast_f_q <= rc_f_next + 1'b1 == rounds_i;
        cur_vld_q <= 1'b1;
        // decode op_m
        last_q    <= m_last;
        wrap_q    <= m_wrap;
        hn_q      <= hn_next;
      end
      if (fire) begin
        h_q <= h_after;
        if (last_q) begin
          nbase_q <= nbase_q + round_rows_i;
          if (wrap_q) begin
            vc_q <= vc_q + 1'b1;
            if (vc_q + 1'b1 == nvec_i) active_q <= 1'b0;
          end
        end
      end
    end
  end

  // Decode datapath registers (no reset: qualified by cur_vld_q).
  always_ff @(posedge clk_i) begin
    if (adv_op) begin
      for (int j = 0; j < Lanes; j++) begin
        code_q[j] <= m_code[j];
        idx_q[j]  <= m_idx[j];
      end
      nnz_q   <= m_nnz;
      need0_q <= m_need == '0;
      tgt_q   <= hn_next + PosW'(m_need);
      for (int r = 0; r < WinRows; r++) slot_q[r] <= SlotW'(hn_next + PosW'(r));
    end
  end

  // ---------------- stage A: window and lane selection into registers ----------------
  logic [RowW-1:0] win_row [WinRows];
  logic [7:0]      win [WinBytes];
  always_comb begin
    for (int r = 0; r < WinRows; r++) begin
      win_row[r] = sweep_rows_i[slot_q[r] * RowW +: RowW];
      for (int b = 0; b < RowBytes; b++) win[r*RowBytes + b] = win_row[r][b*8 +: 8];
    end
  end

  // Each lane's byte (0 for an empty or zero-weight lane) and whether it goes to N.
  logic [7:0] x_q   [Lanes];
  logic       neg_q [Lanes];
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < Lanes; j++) begin
      x_q[j]   <= ((code_q[j] == 2'b01 || code_q[j] == 2'b10) && 32'(idx_q[j]) < WinBytes)
                  ? win[idx_q[j]] : 8'h00;
      neg_q[j] <= code_q[j] == 2'b10;
    end
  end

  // ---------------- stage B: accumulate (datapath, initialised by start) ----------------
  // One sum of the accumulator and all lanes (Yosys maps it to a carry-save tree + one adder).
  logic [7:0]      xp [Lanes];
  logic [7:0]      xn [Lanes];
  logic [AccW-1:0] sum_p, sum_n;
  logic [AccW-1:0] acc_p_q, acc_n_q, rec_p_q, rec_n_q;
  always_comb begin
    sum_p = acc_p_q;
    sum_n = acc_n_q;
    for (int j = 0; j < Lanes; j++) begin
      xp[j] = x_q[j] & {8{!neg_q[j]}};
      xn[j] = x_q[j] & {8{neg_q[j]}};
      sum_p = sum_p + AccW'(xp[j]);
      sum_n = sum_n + AccW'(xn[j]);
    end
  end
  always_ff @(posedge clk_i) begin
    if (start_i) begin
      acc_p_q <= '0;
      acc_n_q <= '0;
    end else if (sb_vld_q) begin
      if (sb_last_q) begin
        rec_p_q <= sum_p;
        rec_n_q <= sum_n;
        acc_p_q <= '0;
        acc_n_q <= '0;
      end else begin
        acc_p_q <= sum_p;
        acc_n_q <= sum_n;
      end
    end
  end

  assign pos_o     = h_q;
  assign rec_vld_o = rec_vld_q;
  assign rec_p_o   = rec_p_q;
  assign rec_n_o   = rec_n_q;
  logic [CntW-1:0] nnz_d_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) nnz_d_q <= '0;
    else                    nnz_d_q <= fire ? nnz_q : '0;
  end
  assign fire_o    = sb_vld_q;
  assign nnz_o     = nnz_d_q;

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
