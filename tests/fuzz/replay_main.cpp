// Replays files through a ttq_fuzz_one target built with the normal compiler flags: every file
// must be read without a crash; with --expect-reject every file must also be rejected with a
// clean error (the crash regressions in tests/fuzz/regressions/). Prints one line per file.
#include <filesystem>
#include <iostream>
#include <vector>

#include "fuzz_target.hpp"
#include "ttq/fileio.hpp"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  bool expect_reject = false;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--expect-reject") {
      expect_reject = true;
    } else if (fs::is_directory(a)) {
      for (const auto& e : fs::directory_iterator(a))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) {
    std::cerr << argv[0] << ": no input files\n";
    return 2;
  }
  int bad = 0;
  for (const auto& f : files) {
    const auto bytes = ttq::read_file(f);
    const bool accepted = ttq_fuzz_one(bytes);
    std::cout << f.string() << ": " << (accepted ? "accepted" : "rejected") << "\n";
    if (accepted && expect_reject) ++bad;
  }
  std::cout << files.size() << " files, " << bad << " accepted that must be rejected\n";
  return bad ? 1 : 0;
}
