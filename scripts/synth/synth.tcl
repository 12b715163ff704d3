# Yosys (Debian 0.23) synthesis to sky130_fd_sc_hd, run by scripts/synth/run.py as
#   yosys -c scripts/synth/synth.tcl
# with its inputs in the environment:
#   SYN_TOP       top module              SYN_FILES   SystemVerilog files, in order
#   SYN_PARAMS    "Name=value ..."        SYN_LIBERTY uncompressed liberty file
#   SYN_CLOCK_NS  clock period for ABC    SYN_OUT     output directory
#   SYN_FLATTEN   1: flatten (netlist for timing/power), 0: keep the hierarchy (area per block)
#   SYN_MACRO_LIBS  liberty files of the SRAM macros (optional): read as blackboxes, so the RTL's
#                 macro instances (rtl/mem/sram_macro.sv under SYNTHESIS) stay cells in the
#                 netlist; ABC maps only the logic around them
# Fails (non-zero exit) on a parse or elaboration error, a latch, an undriven or multiply-driven
# net, a combinational loop, or a cell left unmapped.

proc env_or_die {name} {
  if {![info exists ::env($name)] || $::env($name) eq ""} {
    puts stderr "synth.tcl: environment variable $name is not set"
    exit 1
  }
  return $::env($name)
}

set top     [env_or_die SYN_TOP]
set files   [env_or_die SYN_FILES]
set lib     [env_or_die SYN_LIBERTY]
set clk_ns  [env_or_die SYN_CLOCK_NS]
set out     [env_or_die SYN_OUT]
set flatten [env_or_die SYN_FLATTEN]
set params  [expr {[info exists ::env(SYN_PARAMS)] ? $::env(SYN_PARAMS) : ""}]
set tag     [expr {$flatten ? "flat" : "hier"}]

# The cells as black boxes, so that `check` knows their port directions; the SRAM macros too.
yosys read_liberty -lib $lib
if {[info exists ::env(SYN_MACRO_LIBS)]} {
  foreach m $::env(SYN_MACRO_LIBS) {
    yosys read_liberty -lib $m
  }
}
yosys read_verilog -sv -DSYNTHESIS {*}$files

# Parameters: `chparam` on the top before `hierarchy` (Yosys 0.23's `hierarchy -chparam` hits an
# internal assertion on ttq_accel when a re-derived submodule makes it reprocess the top).
# hierarchy may still leave the top as $paramod$<hash>\<top>; `rename -top` restores the name.
set sets {}
foreach p $params {
  set kv [split $p =]
  lappend sets -set [lindex $kv 0] [lindex $kv 1]
}
if {[llength $sets] > 0} {
  yosys chparam {*}$sets $top
}
yosys hierarchy -check -top $top
yosys tee -q -o $out/modules_$tag.txt select -list A:top
set fh [open $out/modules_$tag.txt r]
set top_now ""
foreach line [split [read $fh] "\n"] {
  set line [string trim $line]
  if {$line ne "" && [string first "/" $line] < 0} {
    set top_now $line
    break
  }
}
close $fh
if {$top_now ne $top} {
  yosys rename -top $top
}
# Undriven and multiply-driven nets and combinational loops, checked on the elaborated RTL before
# any optimization can hide them (setundef / opt_clean would).
yosys proc
yosys check -assert

# Yosys's `synth` script, with the fine stage spelled out to map carry chains to Kogge-Stone.
set flat_opt [expr {$flatten ? "-flatten" : ""}]
yosys synth {*}$flat_opt -top $top -run coarse:fine
yosys opt -fast -full
yosys memory_map
yosys opt -full
yosys techmap -autoproc -map +/techmap.v -map [file dirname [info script]]/lcu_kogge_stone.v
yosys opt -fast
yosys abc -fast
yosys opt -fast
yosys synth {*}$flat_opt -top $top -run check:

# No latch may survive: proc_dlatch reports them and they would be $dlatch cells here.
yosys select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr t:\$_DLATCH_* t:\$_DLATCHSR_*

yosys dfflibmap -liberty $lib
# ABC: a delay-oriented mapping script (SOP balancing, &if -g, and structural choices, &synch2,
# twice) instead of Yosys's area-oriented default, which rewrites every fast adder back into a
# ripple chain; then fanout buffering (inputs, i.e. flip-flop outputs, included: -p; at most 4
# fanouts per buffer: with ABC's default of 10, high-fanout nets become chains of weak buffers,
# 3.2 ns of a 1024-word memory's read path, 2.6 ns of the collector's pair select) and gate
# sizing against the clock target, standing in for the buffering a placer would do.
set delay_ps [expr {int($clk_ns * 1000)}]
set abc_script $out/abc_$tag.script
set fh [open $abc_script w]
puts $fh "strash; &get -n; &st; &if -g -K 6; &synch2; &if -g -K 6; &synch2;"
puts $fh "&nf -D $delay_ps; &put; buffer -p -N 4; upsize -D $delay_ps; dnsize -D $delay_ps; stime -p"
close $fh
# ABC's inputs are mostly flip-flop outputs: tell it they are driven by a weak (inv_1-sized) gate
# and its outputs load ~10 fF, so it buffers high-fanout flip-flop outputs too.
set abc_constr $out/abc_$tag.constr
set fh [open $abc_constr w]
puts $fh "set_driving_cell sky130_fd_sc_hd__inv_1"
puts $fh "set_load 10.0"
close $fh
yosys abc -liberty $lib -D $delay_ps -constr $abc_constr -script $abc_script
yosys opt_clean -purge
# Constant outputs through tie cells and port-to-port connections through buffers, so that the
# netlist is plain cell instances that OpenSTA reads without assign statements.
yosys setundef -zero
yosys hilomap -singleton -hicell sky130_fd_sc_hd__conb_1 HI -locell sky130_fd_sc_hd__conb_1 LO
yosys splitnets -ports
yosys insbuf -buf sky130_fd_sc_hd__buf_2 A X
yosys opt_clean

# Sky130 latch cells (dlxtp, dlxtn, dlxbn, dlrtp, ...) must not appear either.
yosys select -assert-none t:sky130_fd_sc_hd__dlx* t:sky130_fd_sc_hd__dlr*
yosys check -assert -mapped
# Name cells after the signals they drive, so that critical paths read as RTL names.
yosys autoname

yosys tee -o $out/stat_$tag.json stat -json -liberty $lib -top $top
yosys tee -o $out/stat_$tag.txt stat -liberty $lib -top $top
if {$flatten} {
  yosys write_verilog -noattr -noexpr -nohex -nodec $out/netlist.v
}
