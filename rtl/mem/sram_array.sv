// A Width x Depth simple dual-port memory built from sky130 SRAM macros (sram_macro): one write
// port, one read port, both synchronous on clk_i.
//
// Macros: Width <= 8 -> 8 x 1024 macros; otherwise 32-bit macros, 256 words deep if
// Depth <= 256, else 512. Cols = ceil(Width / MacroW) columns x Rows = ceil(Depth / MacroD) rows;
// the last column is partly used when Width is not a multiple of MacroW.
//
// Timing: a write (we_i high at a rising edge) stores wdata_i at waddr_i in every column c with
// wmask_i[c] set (column c holds bits [c*MacroW +: MacroW]). A read (re_i high at a rising edge)
// gives mem[raddr_i] on rdata_o during the next cycle only; after a cycle with no read rdata_o is
// undefined. Writing and reading one address in the same cycle is undefined (flagged under
// TTQ_ASSERT). Addresses must be < Depth.
module sram_array #(
  parameter int Width = 32,
  parameter int Depth = 512,
  localparam int MacroW = (Width <= 8) ? 8 : 32,
  localparam int MacroD = (Width <= 8) ? 1024 : ((Depth <= 256) ? 256 : 512),
  localparam int Cols = (Width + MacroW - 1) / MacroW,
  localparam int Rows = (Depth + MacroD - 1) / MacroD,
  localparam int AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [Cols-1:0]  wmask_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);
  localparam int MacroAw = $clog2(MacroD);
  localparam int MaskW = MacroW / 8;
  localparam int RowW = (Rows > 1) ? $clog2(Rows) : 1;

`ifndef __ICARUS__  // Icarus 11 (tests/mem's simulator) has no elaboration-time $error
  if (Width < 1) begin : gen_chk_width
    $error("sram_array: Width must be >= 1, got %0d", Width);
  end
  if (Depth < 2) begin : gen_chk_depth
    $error("sram_array: Depth must be >= 2, got %0d", Depth);
  end
`endif

  // Macro address and row of each port. With one row the whole address goes to the macros.
  logic [MacroAw-1:0] m_waddr, m_raddr;
  logic [RowW-1:0]    wrow, rrow;
  if (Rows > 1) begin : gen_rows
    assign m_waddr = waddr_i[MacroAw-1:0];
    assign m_raddr = raddr_i[MacroAw-1:0];
    assign wrow    = RowW'(waddr_i >> MacroAw);
    assign rrow    = RowW'(raddr_i >> MacroAw);
  end else begin : gen_one_row
    assign m_waddr = MacroAw'(waddr_i);
    assign m_raddr = MacroAw'(raddr_i);
    assign wrow    = '0;
    assign rrow    = '0;
  end

  // Write data padded to whole columns.
  logic [Cols*MacroW-1:0] wdata_pad;
  assign wdata_pad = (Cols * MacroW)'(wdata_i);

  localparam int RowBits = Cols * MacroW;
  logic [Rows*RowBits-1:0] row_rdata;  // row r at [r*RowBits +: RowBits]
  for (genvar r = 0; r < Rows; r++) begin : gen_row
    for (genvar c = 0; c < Cols; c++) begin : gen_col
      sram_macro #(
        .Width(MacroW),
        .Depth(MacroD)
      ) u_macro (
        .clk_i  (clk_i),
        .we_i   (we_i && wmask_i[c] && wrow == RowW'(r)),
        .wmask_i({MaskW{1'b1}}),
        .waddr_i(m_waddr),
        .wdata_i(wdata_pad[c*MacroW +: MacroW]),
        .re_i   (re_i && rrow == RowW'(r)),
        .raddr_i(m_raddr),
        .rdata_o(row_rdata[r*RowBits + c*MacroW +: MacroW])
      );
    end
  end

  // Read row select, registered with the read (the macros answer one cycle later).
  if (Rows > 1) begin : gen_rsel
    logic [RowW-1:0] rrow_q;
    always_ff @(posedge clk_i) begin
      if (re_i) rrow_q <= rrow;
    end
    assign rdata_o = row_rdata[rrow_q*RowBits +: Width];
  end else begin : gen_rsel_one
    assign rdata_o = row_rdata[Width-1:0];
    if (RowBits > Width) begin : gen_unused_pad
      logic unused_pad;  // the unused part of the last column
      assign unused_pad = ^row_rdata[RowBits-1:Width];
    end
  end

`ifdef TTQ_ASSERT
  always_ff @(posedge clk_i) begin
    if (we_i && 32'(waddr_i) >= Depth) $error("sram_array: write address %0d >= Depth %0d",
                                              waddr_i, Depth);
    if (re_i && 32'(raddr_i) >= Depth) $error("sram_array: read address %0d >= Depth %0d",
                                              raddr_i, Depth);
  end
`endif
endmodule
