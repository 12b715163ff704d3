// One OpenRAM sky130 SRAM macro (../shared/pdk/sram, README there), used as a simple dual-port
// memory: port 0 writes, port 1 reads.
//
//   Width 32, Depth  256: sky130_sram_1kbyte_1rw1r_32x256_8
//   Width 32, Depth  512: sky130_sram_2kbyte_1rw1r_32x512_8
//   Width  8, Depth 1024: sky130_sram_1kbyte_1rw1r_8x1024_8
//
// Timing contract (the macro's and this model's): a write with we_i high at a rising edge lands at
// that edge (byte lanes enabled by wmask_i); a read with re_i high at a rising edge gives
// mem[raddr_i] on rdata_o during the next cycle only. In a cycle that follows no read, rdata_o is
// undefined ('x in the model: Verilator's --x-assign randomizes it; never rely on it holding).
// A write and a read of the same address at one edge is undefined in the macro; the model flags it
// under TTQ_ASSERT.
//
// With SYNTHESIS defined the macro cell is instantiated (a timed blackbox from its liberty);
// otherwise the cycle-equivalent behavioural model below is used. tests/mem checks the model
// against OpenRAM's own behavioural Verilog.
module sram_macro #(
  parameter int Width = 32,
  parameter int Depth = 512,
  localparam int AddrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int MaskW = (Width >= 8) ? Width / 8 : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [MaskW-1:0] wmask_i,
  input  logic [AddrW-1:0] waddr_i,
  input  logic [Width-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AddrW-1:0] raddr_i,
  output logic [Width-1:0] rdata_o
);
`ifndef __ICARUS__  // Icarus 11 (tests/mem's simulator) has no elaboration-time $error
  if (!((Width == 32 && (Depth == 256 || Depth == 512)) || (Width == 8 && Depth == 1024)))
  begin : gen_chk_shape
    $error("sram_macro: no sky130 macro is %0d bits x %0d words (32x256, 32x512, 8x1024)",
           Width, Depth);
  end
`endif

`ifdef SYNTHESIS
  logic [Width-1:0] dout0_unused;
  if (Width == 32 && Depth == 256) begin : gen_32x256
    sky130_sram_1kbyte_1rw1r_32x256_8 u_macro (
      .clk0(clk_i), .csb0(~we_i), .web0(1'b0), .wmask0(wmask_i), .addr0(waddr_i),
      .din0(wdata_i), .dout0(dout0_unused),
      .clk1(clk_i), .csb1(~re_i), .addr1(raddr_i), .dout1(rdata_o)
    );
  end else if (Width == 32) begin : gen_32x512
    sky130_sram_2kbyte_1rw1r_32x512_8 u_macro (
      .clk0(clk_i), .csb0(~we_i), .web0(1'b0), .wmask0(wmask_i), .addr0(waddr_i),
      .din0(wdata_i), .dout0(dout0_unused),
      .clk1(clk_i), .csb1(~re_i), .addr1(raddr_i), .dout1(rdata_o)
    );
  end else begin : gen_8x1024
    sky130_sram_1kbyte_1rw1r_8x1024_8 u_macro (
      .clk0(clk_i), .csb0(~we_i), .web0(1'b0), .wmask0(wmask_i), .addr0(waddr_i),
      .din0(wdata_i), .dout0(dout0_unused),
      .clk1(clk_i), .csb1(~re_i), .addr1(raddr_i), .dout1(rdata_o)
    );
  end
`else
  logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rdata_q;
  logic             rvalid_q;

  // Storage and read register: no reset (an SRAM has none).
  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int b = 0; b < MaskW; b++) begin
        if (wmask_i[b]) mem_q[waddr_i][b*8 +: 8] <= wdata_i[b*8 +: 8];
      end
    end
  end
  always_ff @(posedge clk_i) begin
    rvalid_q <= re_i;
    if (re_i) rdata_q <= mem_q[raddr_i];
  end
  // The output is defined only in the cycle after a read.
  assign rdata_o = rvalid_q ? rdata_q : 'x;

`ifdef TTQ_ASSERT
  always_ff @(posedge clk_i) begin
    if (we_i && re_i && waddr_i == raddr_i) begin
      $error("sram_macro: write and read of address %0d in one cycle (undefined in the macro)",
             waddr_i);
    end
  end
`endif
`endif
endmodule
