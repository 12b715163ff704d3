// sram_array (behavioural macros) against a plain register-array scoreboard in Icarus Verilog:
// random writes with random column masks and random reads over the whole depth, every read result
// compared in the cycle after the read. Parameters choose the macro tiling (rows, columns, a
// partly used last column). Run by tests/mem/sram_equiv.sh.
module sram_array_tb #(
  parameter int Width = 40,
  parameter int Depth = 600,
  parameter int Cycles = 20000
);
  localparam int MacroW = (Width <= 8) ? 8 : 32;
  localparam int Cols = (Width + MacroW - 1) / MacroW;
  localparam int AddrW = $clog2(Depth);

  logic clk = 1'b0;
  always #10 clk = ~clk;

  logic             we = 1'b0, re = 1'b0;
  logic [Cols-1:0]  wmask = '0;
  logic [AddrW-1:0] waddr = '0, raddr = '0;
  logic [Width-1:0] wdata = '0, rdata;
  sram_array #(.Width(Width), .Depth(Depth)) u_dut (
    .clk_i(clk), .we_i(we), .wmask_i(wmask), .waddr_i(waddr), .wdata_i(wdata),
    .re_i(re), .raddr_i(raddr), .rdata_o(rdata)
  );

  logic [Width-1:0] ref_mem [Depth];
  logic [Width-1:0] expect_q;
  logic             read_prev = 1'b0;
  int unsigned reads = 0, errors = 0;
  always @(posedge clk) begin
    if (read_prev) begin
      reads++;
      if (rdata !== expect_q) begin
        errors++;
        if (errors <= 10) $display("sram_array: MISMATCH read %0d: got %h, want %h", reads, rdata,
                                   expect_q);
      end
    end
    read_prev <= re;
    if (re) expect_q <= ref_mem[raddr];
    if (we) begin
      for (int c = 0; c < Cols; c++) begin
        for (int b = c * MacroW; b < (c + 1) * MacroW && b < Width; b++) begin
          if (wmask[c]) ref_mem[waddr][b] <= wdata[b];
        end
      end
    end
  end

  int unsigned a;
  initial begin
    for (a = 0; a < Depth; a++) begin
      @(posedge clk); #2;
      we = 1'b1; wmask = '1; waddr = a; wdata = {$urandom, $urandom, $urandom, $urandom};
      re = 1'b0;
    end
    repeat (Cycles) begin
      @(posedge clk); #2;
      we = $urandom % 2; wmask = $urandom; waddr = $urandom % Depth;
      wdata = {$urandom, $urandom, $urandom, $urandom};
      re = ($urandom % 5) < 3; raddr = $urandom % Depth;
      if (we && re && waddr == raddr) re = 1'b0;
    end
    @(posedge clk); #2;
    we = 1'b0; re = 1'b0;
    repeat (3) @(posedge clk);
    if (errors == 0 && reads > Cycles / 2)
      $display("sram_array: PASS %0dx%0d: %0d reads compared", Width, Depth, reads);
    else
      $display("sram_array: FAIL %0dx%0d: %0d mismatches in %0d reads", Width, Depth, errors, reads);
    $finish;
  end
endmodule
