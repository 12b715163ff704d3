// The one place a command-line tool turns an error into its message and exit code: errors are
// exceptions naming the file, argument or value, thrown anywhere and caught once here, printed as
// "TOOL: error: WHAT" on stderr.
#pragma once

#include <cstdio>
#include <exception>

namespace ttq {

// Calls run(argc, argv) and returns its result; an exception gives `error_code`.
inline int tool_main(const char* tool, int (*run)(int, char**), int argc, char** argv,
                     int error_code = 1) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
    return error_code;
  }
}

}  // namespace ttq
