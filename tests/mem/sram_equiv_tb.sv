// Side-by-side simulation (Icarus Verilog) of rtl/mem/sram_macro.sv's behavioural model and the
// OpenRAM behavioural Verilog of the same sky130 macro (../shared/pdk/sram/<macro>.v, with its #
// delays and negedge memory access), driven by the same random write/read sequence. At every rising
// edge the two read outputs must be identical, 4-state (a defined value after a read, X after a
// cycle with no read). Run by tests/mem/sram_equiv.sh.
//   +seed=N       random seed (default 1)
//   +conflict     instead: write and read one address in one cycle (the model must flag it when
//                 compiled with TTQ_ASSERT)
module sram_equiv_tb #(
  parameter int Width = 32,
  parameter int Depth = 256,
  parameter int Cycles = 20000
);
  localparam int AddrW = $clog2(Depth);
  localparam int MaskW = Width / 8;

  logic clk = 1'b0;
  always #10 clk = ~clk;  // 20 time units per cycle; OpenRAM's model uses DELAY 3, T_HOLD 1

  logic             we = 1'b0, re = 1'b0;
  logic [MaskW-1:0] wmask = '0;
  logic [AddrW-1:0] waddr = '0, raddr = '0;
  logic [Width-1:0] wdata = '0;
  logic [Width-1:0] model_q, ref_q, ref_dout0;

  sram_macro #(.Width(Width), .Depth(Depth)) u_model (
    .clk_i(clk), .we_i(we), .wmask_i(wmask), .waddr_i(waddr), .wdata_i(wdata),
    .re_i(re), .raddr_i(raddr), .rdata_o(model_q)
  );

  // The macro as sram_macro connects it under SYNTHESIS: port 0 writes, port 1 reads.
  if (Width == 32 && Depth == 256) begin : gen_32x256
    sky130_sram_1kbyte_1rw1r_32x256_8 #(.VERBOSE(0)) u_ref (
      .clk0(clk), .csb0(~we), .web0(1'b0), .wmask0(wmask), .addr0(waddr), .din0(wdata),
      .dout0(ref_dout0), .clk1(clk), .csb1(~re), .addr1(raddr), .dout1(ref_q));
  end else if (Width == 32 && Depth == 512) begin : gen_32x512
    sky130_sram_2kbyte_1rw1r_32x512_8 #(.VERBOSE(0)) u_ref (
      .clk0(clk), .csb0(~we), .web0(1'b0), .wmask0(wmask), .addr0(waddr), .din0(wdata),
      .dout0(ref_dout0), .clk1(clk), .csb1(~re), .addr1(raddr), .dout1(ref_q));
  end else begin : gen_8x1024
    sky130_sram_1kbyte_1rw1r_8x1024_8 #(.VERBOSE(0)) u_ref (
      .clk0(clk), .csb0(~we), .web0(1'b0), .wmask0(wmask), .addr0(waddr), .din0(wdata),
      .dout0(ref_dout0), .clk1(clk), .csb1(~re), .addr1(raddr), .dout1(ref_q));
  end

  // Check at every rising edge, before either output moves (the model's at the edge's NBA update,
  // OpenRAM's T_HOLD after the edge).
  int unsigned cycle = 0, reads = 0, known = 0, errors = 0;
  logic read_prev = 1'b0;
  always @(posedge clk) begin
    if (cycle > 1 && model_q !== ref_q) begin
      errors++;
      if (errors <= 10)
        $display("sram_equiv: MISMATCH cycle %0d (read issued last cycle: %0d): model %h, OpenRAM %h",
                 cycle, read_prev, model_q, ref_q);
    end
    if (read_prev) begin
      reads++;
      if (^ref_q !== 1'bx) known++;
    end
    read_prev <= re;
    cycle++;
  end

  // Addresses: half from a few hot ones (read right after write, rewrites), half uniform.
  function automatic logic [AddrW-1:0] pick_addr();
    logic [AddrW-1:0] addr;
    int unsigned r = $urandom;
    if (r[0]) addr = r[8:1] % 4;
    else addr = $urandom % Depth;
    return addr;
  endfunction

  int seed = 1;
  int unsigned a;
  initial begin
    if ($value$plusargs("seed=%d", seed)) $display("sram_equiv: seed %0d", seed);
    a = $urandom(seed);
    if ($test$plusargs("conflict")) begin
      @(posedge clk); #2;
      we = 1'b1; wmask = '1; waddr = 5; wdata = '1; re = 1'b1; raddr = 5;
      @(posedge clk); #2;
      we = 1'b0; re = 1'b0;
      repeat (2) @(posedge clk);
      $display("sram_equiv: conflict cycle done");
      $finish;
    end
    // Phase 1: write every word once (full mask), reading back words already written.
    for (a = 0; a < Depth; a++) begin
      @(posedge clk); #2;
      we = 1'b1; wmask = '1; waddr = a; wdata = $urandom;
      re = (a > 0) && $urandom % 2; raddr = $urandom % (a > 0 ? a : 1);
    end
    // Phase 2: random writes (random byte masks) and reads, never one address both in a cycle.
    repeat (Cycles) begin
      @(posedge clk); #2;
      we = $urandom % 2; wmask = $urandom; waddr = pick_addr(); wdata = $urandom;
      re = ($urandom % 5) < 3; raddr = pick_addr();
      if (we && re && waddr == raddr) raddr = raddr ^ 1'b1;
    end
    @(posedge clk); #2;
    we = 1'b0; re = 1'b0;
    repeat (3) @(posedge clk);
    if (errors == 0 && known == reads && reads > Cycles / 2)
      $display("sram_equiv: PASS %0dx%0d: %0d cycles, %0d reads compared, all defined",
               Width, Depth, cycle, reads);
    else
      $display("sram_equiv: FAIL %0dx%0d: %0d mismatches, %0d of %0d reads defined", Width, Depth,
               errors, known, reads);
    $finish;
  end
endmodule
