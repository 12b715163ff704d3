# OpenSTA (Debian `sta`) timing and power of a synthesized netlist, run by scripts/synth/run.py as
#   sta -no_splash -exit scripts/synth/sta.tcl
# with its inputs in the environment:
#   STA_LIBERTY  liberty file        STA_NETLIST  gate-level Verilog      STA_TOP  top module
#   STA_CLOCK_NS clock period (ns)   STA_ACTIVITY switching activity (transitions per clock period)
#   STA_CLOCK_PORT clock input port
#   STA_MACRO_LIBS liberty files of the SRAM macros in the netlist (optional): their timing arcs
#                (output data from the falling clock edge, setup/hold of the inputs) and power
#                (clock-pin internal power per access, leakage) are part of the reports
# Constraints (pre-placement, ideal clock, no wire load): inputs arrive and outputs are required
# 20% of the period after/before the edge, driven by a sky130 buf_2 and loading 4 buf_2 inputs
# (about 0.009 pF); the asynchronous reset is a false path (it is synchronised outside).
# The lines starting "RESULT" are parsed by run.py.

proc env_or_die {name} {
  if {![info exists ::env($name)] || $::env($name) eq ""} {
    puts stderr "sta.tcl: environment variable $name is not set"
    exit 1
  }
  return $::env($name)
}

set lib      [env_or_die STA_LIBERTY]
set netlist  [env_or_die STA_NETLIST]
set top      [env_or_die STA_TOP]
set period   [env_or_die STA_CLOCK_NS]
set activity [env_or_die STA_ACTIVITY]
set clk_port [env_or_die STA_CLOCK_PORT]

read_liberty $lib
if {[info exists ::env(STA_MACRO_LIBS)]} {
  foreach m $::env(STA_MACRO_LIBS) {
    read_liberty $m
  }
}
read_verilog $netlist
link_design $top

create_clock -name clk -period $period [get_ports $clk_port]
set io_delay [expr {0.2 * $period}]
set data_inputs [lsearch -all -inline -not -exact [all_inputs] [get_ports $clk_port]]
set_input_delay $io_delay -clock clk $data_inputs
set_output_delay $io_delay -clock clk [all_outputs]
set_driving_cell -lib_cell sky130_fd_sc_hd__buf_2 -pin X $data_inputs
# The standard-cell library is the first one read ("*/cell/pin" fails once the macro libraries,
# which lack the cell, are loaded).
set std_lib [get_name [lindex [get_libs *] 0]]
set pin_cap [get_property [get_lib_pins $std_lib/sky130_fd_sc_hd__buf_2/A] capacitance]
set_load [expr {4.0 * $pin_cap}] [all_outputs]
foreach rst {rst_ni rst_n} {
  if {[llength [get_ports -quiet $rst]] > 0} {
    set_false_path -from [get_ports $rst]
  }
}

puts "RESULT unconstrained_endpoints_check"
check_setup -unconstrained_endpoints

report_checks -path_delay max -fields {slew cap fanout} -digits 3
report_checks -path_delay min -digits 3
puts "RESULT worst_slack_max [sta::worst_slack -max]"
puts "RESULT worst_slack_min [sta::worst_slack -min]"
puts "RESULT tns [sta::total_negative_slack -max]"
# The worst endpoints (one path each), for run.py's worst slack per block.
puts "RESULT endpoints_begin"
report_checks -path_delay max -group_count 3000 -endpoint_count 1 -format end -digits 3
puts "RESULT endpoints_end"

set_power_activity -global -activity $activity -duty 0.5
report_power -digits 6
# The SRAM macros' share (OpenSTA counts them as combinational cells): one line per instance.
set macro_cells [get_cells -hierarchical -filter "ref_name =~ sky130_sram_*" *]
puts "RESULT macro_instances [llength $macro_cells]"
puts "RESULT macro_power_begin"
if {[llength $macro_cells] > 0} {
  report_power -instances $macro_cells -digits 6
}
puts "RESULT macro_power_end"
