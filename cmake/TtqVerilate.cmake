# ttq_verilate(TARGET ...): Verilator's verilate() (same arguments) and, under TTQ_SANITIZE, the
# generated model sources built without sanitizer instrumentation.
#
# make test-sanitize (docs/RELIABILITY.md, "Sanitizers"): with ASan/UBSan on them, the Verilated
# models (hundreds of thousands of lines of generated C++ per model) took over 35 minutes to
# compile on the shared 2 cores and were stopped. What stays instrumented is all of our code that
# a Verilated model is linked into (AccelSim, the driver, the e2e and SystemC platforms, the tests,
# golden, common) and Verilator's runtime library (verilated.cpp, verilated_threads.cpp, the FST
# writer, verilated_cov.cpp: ${PREFIX}_GLOBAL). What is not: the files Verilator generates from
# the RTL, ${PREFIX}_CLASSES_FAST/SLOW and ${PREFIX}_SUPPORT_FAST/SLOW (V<prefix>*.cpp: the model's
# eval, its Syms and its trace code). Those are a translation of our RTL by Verilator, not code
# we wrote; an out-of-bounds index in the RTL is caught there by the checked build's assertions
# and --x-assign unique, not by ASan.
function(ttq_verilate TARGET)
  verilate(${TARGET} ${ARGN})
  if(NOT TTQ_SANITIZE)
    return()
  endif()
  cmake_parse_arguments(V "" "PREFIX;DIRECTORY" "" ${ARGN})
  if(NOT V_PREFIX)
    message(FATAL_ERROR "ttq_verilate(${TARGET}): give PREFIX")
  endif()
  get_target_property(bin_dir ${TARGET} BINARY_DIR)
  set(vdir "${bin_dir}/CMakeFiles/${TARGET}.dir/${V_PREFIX}.dir")
  if(V_DIRECTORY)
    set(vdir "${V_DIRECTORY}")
  endif()
  # The file lists verilate() read (function scope: it sets ${V_PREFIX}_CLASSES_FAST etc. here).
  include("${vdir}/${V_PREFIX}_copy.cmake")
  set(generated ${${V_PREFIX}_CLASSES_FAST} ${${V_PREFIX}_CLASSES_SLOW}
                ${${V_PREFIX}_SUPPORT_FAST} ${${V_PREFIX}_SUPPORT_SLOW})
  if(NOT generated)
    message(FATAL_ERROR "ttq_verilate(${TARGET}): no generated sources listed in ${vdir}")
  endif()
  # After the target's -fsanitize=... on the command line, so it wins for these files only; no
  # debug info either (-g0: it is most of their compile time, and sanitizer reports come from our
  # code).
  set_property(SOURCE ${generated} APPEND PROPERTY COMPILE_OPTIONS -fno-sanitize=all -g0)
endfunction()
