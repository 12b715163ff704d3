#!/usr/bin/env bash
# Runs one tests/mem Icarus Verilog testbench and fails unless it reports PASS.
#   sram_equiv.sh macro WIDTH DEPTH      rtl/mem/sram_macro.sv's model == OpenRAM's Verilog
#   sram_equiv.sh conflict               the model flags a same-address write + read (TTQ_ASSERT)
#   sram_equiv.sh array WIDTH DEPTH      rtl/mem/sram_array.sv == a register-array scoreboard
# The OpenRAM files come from scripts/find-sram (SRAM_DIR or ../shared/pdk/sram).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?usage: sram_equiv.sh macro|conflict|array [WIDTH DEPTH]}
width=${2:-32}
depth=${3:-256}
case "$width x $depth" in
  "32 x 256") macro=sky130_sram_1kbyte_1rw1r_32x256_8 ;;
  "32 x 512") macro=sky130_sram_2kbyte_1rw1r_32x512_8 ;;
  "8 x 1024") macro=sky130_sram_1kbyte_1rw1r_8x1024_8 ;;
  *) macro="" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
iv=(iverilog -g2012 -DTTQ_ASSERT -o "$tmp/sim.vvp")
case "$mode" in
  macro|conflict)
    [[ -n "$macro" ]] || { echo "sram_equiv: no sky130 macro is ${width}x${depth}" >&2; exit 2; }
    sram=$("$root/scripts/find-sram")
    "${iv[@]}" -s sram_equiv_tb -Psram_equiv_tb.Width="$width" -Psram_equiv_tb.Depth="$depth" \
      "$root/tests/mem/sram_equiv_tb.sv" "$root/rtl/mem/sram_macro.sv" "$sram/$macro.v" \
      2>"$tmp/iverilog.log" || { cat "$tmp/iverilog.log" >&2; exit 1; }
    ;;
  array)
    "${iv[@]}" -s sram_array_tb -Psram_array_tb.Width="$width" -Psram_array_tb.Depth="$depth" \
      "$root/tests/mem/sram_array_tb.sv" "$root/rtl/mem/sram_macro.sv" \
      "$root/rtl/mem/sram_array.sv" 2>"$tmp/iverilog.log" || { cat "$tmp/iverilog.log" >&2; exit 1; }
    ;;
  *) echo "sram_equiv: unknown mode '$mode' (macro, conflict, array)" >&2; exit 2 ;;
esac
if [[ "$mode" == conflict ]]; then
  vvp -n "$tmp/sim.vvp" +conflict | tee "$tmp/out.log"
  grep -q "sram_macro: write and read of address 5 in one cycle" "$tmp/out.log" ||
    { echo "sram_equiv: the model did not flag the same-address write and read" >&2; exit 1; }
  exit 0
fi
vvp -n "$tmp/sim.vvp" | tee "$tmp/out.log"
grep -q ": PASS " "$tmp/out.log"
