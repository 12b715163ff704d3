# The dense INT8 baseline's RTL, one path per line from the repository root, in compile order.
# Read by scripts/synth/run.py, scripts/lint and tests/synth/CMakeLists.txt.
rtl/lib/csa_tree.sv
rtl/lib/booth_enc.sv
rtl/lib/booth_rows.sv
rtl/lib/round_const.sv
rtl/mem/sram_macro.sv
rtl/mem/sram_array.sv
rtl/dense/dense_regs.sv
rtl/dense/dense_pe.sv
rtl/dense/dense_acc_bank.sv
rtl/dense/dense_out_stage.sv
rtl/dense/dense_drain.sv
rtl/dense/dense_accel.sv
