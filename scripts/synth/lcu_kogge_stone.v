// Techmap for Yosys's $lcu (the carry chain of every $alu: adders, subtractors, comparators,
// multiplier final adders): a Kogge-Stone parallel prefix, log2(WIDTH) levels, instead of the
// ripple chain of Yosys's default techmap (+/techmap.v, _90_lcu). Its name sorts before _90_lcu
// so techmap picks it. A timing-driven commercial flow would choose a fast adder the same way.
(* techmap_celltype = "$lcu" *)
module _80_lcu_kogge_stone (P, G, CI, CO);
  parameter WIDTH = 2;

  (* force_downto *) input  [WIDTH-1:0] P, G;
  input CI;
  (* force_downto *) output [WIDTH-1:0] CO;

  integer i, stride;
  (* force_downto *) reg [WIDTH-1:0] p, g;

  always @* begin
    p = P;
    g = G;
    g[0] = g[0] | (p[0] & CI);
    // Level by level; going down in i reads g/p[i - stride] before this level updates them.
    for (stride = 1; stride < WIDTH; stride = stride * 2) begin
      for (i = WIDTH - 1; i >= stride; i = i - 1) begin
        g[i] = g[i] | (p[i] & g[i - stride]);
        p[i] = p[i] & p[i - stride];
      end
    end
  end

  assign CO = g;
endmodule
