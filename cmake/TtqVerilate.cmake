# ttq_verilate(TARGET ...): Verilator's verilate() (same arguments) and, under TTQ_SANITIZE, the
# generated model sources built without sanitizer instrumentation.
#
# make test-sanitize (docs/RELIABILITY.md, "Sanitizers"): with ASan/UBSan on them, the Verilated
# models (7,000 to 16,000 lines of generated C++ each, up to 1.5 MB, mostly long straight-line
# eval functions) took over 35 minutes to compile on the shared 2 cores and were stopped.
# Instrumented: all of our code a Verilated model is linked into (AccelSim, the driver, the e2e and
# SystemC platforms, the tests, golden, common) and Verilator's runtime library (verilated.cpp,
# verilated_threads.cpp, verilated_fst_c.cpp, verilated_cov.cpp: ${PREFIX}_GLOBAL; the FST code
# without UBSan's alignment check, below). Not instrumented: the files Verilator generates from the
# RTL, ${PREFIX}_CLASSES_FAST/SLOW and ${PREFIX}_SUPPORT_FAST/SLOW (V<prefix>*.cpp: the model's
# eval, its Syms and its trace code). They are Verilator's translation of our RTL, not code we
# wrote; an out-of-range index in the RTL is caught there by the checked build's assertions and
# --x-assign unique, not by ASan.
#
# Every hand-written RTL source is also a configure dependency: Verilator names its generated files
# after hashes of their contents (V<prefix>___024root__DepSet_h<hash>__0.cpp) and verilate() reads
# their list when CMake configures, so after an RTL change an incremental build would link the
# previous list (undefined references) until CMake re-configures; this makes it re-configure.
# Generated sources (the contract package, under the build tree) are left out: configure
# rewrites them.
function(ttq_verilate TARGET)
  verilate(${TARGET} ${ARGN})
  cmake_parse_arguments(VS "" "" "SOURCES" ${ARGN})
  foreach(src ${VS_SOURCES})
    cmake_path(IS_PREFIX CMAKE_BINARY_DIR "${src}" NORMALIZE in_build)
    if(NOT in_build)
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${src}")
    endif()
  endforeach()
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
  # The FST writer/reader Verilator ships (gtkwave's fstapi.c, compiled inside verilated_fst_c.cpp)
  # stores and loads 32-bit words at unaligned addresses on purpose on x86 (FST_DO_MISALIGNED_OPS,
  # fstapi.c:134): UBSan's alignment check is off for that one file, every other check stays on.
  foreach(src ${${V_PREFIX}_GLOBAL})
    if(src MATCHES "verilated_fst_c\\.cpp$")
      get_property(opts SOURCE ${src} PROPERTY COMPILE_OPTIONS)
      if(NOT "-fno-sanitize=alignment" IN_LIST opts)
        set_property(SOURCE ${src} APPEND PROPERTY COMPILE_OPTIONS -fno-sanitize=alignment)
      endif()
    endif()
  endforeach()
endfunction()
