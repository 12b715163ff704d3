// Dense INT8 baseline: the NumPes accumulators and the hold bank that hands finished sums to the
// shared output stage one at a time, so the next output group accumulates while the previous one
// drains. A beat flagged first_i restarts the accumulators; a beat flagged last_i copies the final
// sums into the hold bank (the controller guarantees the bank is empty then).
module dense_acc_bank #(
  parameter int NumPes = 8,
  parameter int SumW = 19,
  parameter int AccW = 26,
  localparam int IdxW = NumPes > 1 ? $clog2(NumPes) : 1
) (
  input  logic                            clk_i,
  input  logic                            rst_ni,
  // one sum per PE per beat
  input  logic                            sum_valid_i,
  input  logic                            first_i,
  input  logic                            last_i,
  input  logic [IdxW:0]                   count_i,      // valid outputs in this group, 1..NumPes
  input  logic [NumPes*SumW-1:0]          sum_i,        // PE p at [p*SumW +: SumW]
  // hold bank state, for the controller
  output logic                            hold_full_o,
  // serial output towards the output stage
  output logic                            out_valid_o,
  output logic signed [AccW-1:0]          out_acc_o,
  input  logic                            out_ready_i
);

  if (NumPes < 1) begin : gen_bad_pes
    $error("dense_acc_bank: NumPes must be >= 1");
  end
  if (AccW < SumW) begin : gen_bad_accw
    $error("dense_acc_bank: AccW must be >= SumW");
  end

  logic signed [AccW-1:0] acc_q  [NumPes];
  logic signed [AccW-1:0] hold_q [NumPes];
  logic signed [AccW-1:0] acc_next [NumPes];

  always_comb begin
    for (int p = 0; p < NumPes; p++) begin
      acc_next[p] = (first_i ? AccW'(0) : acc_q[p]) + AccW'($signed(sum_i[p*SumW +: SumW]));
    end
  end

  // Datapath: no reset.
  always_ff @(posedge clk_i) begin
    if (sum_valid_i) begin
      for (int p = 0; p < NumPes; p++) begin
        acc_q[p] <= acc_next[p];
        if (last_i) begin
          hold_q[p] <= acc_next[p];
        end
      end
    end
  end

  // Control: which hold entry is next and how many are valid.
  logic            hold_full_q;
  logic [IdxW:0]   hold_count_q;
  logic [IdxW-1:0] hold_idx_q;
  logic            drain_last;

  assign drain_last = (IdxW + 1)'(hold_idx_q) == hold_count_q - (IdxW + 1)'(1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hold_full_q  <= 1'b0;
      hold_count_q <= '0;
      hold_idx_q   <= '0;
    end else if (sum_valid_i && last_i) begin
      hold_full_q  <= 1'b1;
      hold_count_q <= count_i;
      hold_idx_q   <= '0;
    end else if (out_valid_o && out_ready_i) begin
      hold_full_q <= !drain_last;
      hold_idx_q  <= hold_idx_q + IdxW'(1);
    end
  end

  assign hold_full_o = hold_full_q;
  assign out_valid_o = hold_full_q;
  assign out_acc_o   = hold_q[hold_idx_q];

  // The controller never fills the bank while it is draining.
`ifdef ASSERT_ON
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (rst_ni && sum_valid_i && last_i) begin
      assert (!hold_full_q) else $error("dense_acc_bank: hold bank overwritten while full");
    end
  end
`endif

endmodule
