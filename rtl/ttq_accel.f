# ttq_accel's hand-written RTL, one path per line relative to the repository root, in
# compilation order. Every consumer (CMake/Verilator, make lint, the synthesis flow) reads this
# list and puts the generated contract package (scripts/gen_contract.py --sv) first.
rtl/lib/csa_tree.sv
rtl/lib/booth_enc.sv
rtl/lib/booth_rows.sv
rtl/lib/round_const.sv
rtl/mem/sram_macro.sv
rtl/mem/sram_array.sv
rtl/ttq_regs.sv
rtl/ttq_wload.sv
rtl/ttq_feeder.sv
rtl/ttq_seq.sv
rtl/ttq_pe.sv
rtl/ttq_out_unit.sv
rtl/ttq_drain.sv
rtl/ttq_accel.sv
