// Progress bar formatting (the output itself goes to stderr).
#include <catch2/catch.hpp>

#include "ttq/progress.hpp"

TEST_CASE("progress durations format as s, m, h", "[progress]") {
  CHECK(ttq::Progress::format_duration(0) == "0s");
  CHECK(ttq::Progress::format_duration(42.4) == "42s");
  CHECK(ttq::Progress::format_duration(185) == "3m05s");
  CHECK(ttq::Progress::format_duration(3720) == "1h02m");
  CHECK(ttq::Progress::format_duration(-5) == "0s");
}

TEST_CASE("progress line shows percent, count, ETA and metrics", "[progress]") {
  ttq::Progress p("eval", 10);
  const std::string half = p.line(5, "acc 91.0%");
  CHECK(half.rfind("eval [", 0) == 0);
  CHECK(half.find("############............") != std::string::npos);
  CHECK(half.find(" 50% 5/10 ETA ") != std::string::npos);
  CHECK(half.find("acc 91.0%") != std::string::npos);
  CHECK(p.line(0, "").find("ETA ?") != std::string::npos);
  const std::string done = p.line(99, "", true);  // clamped to total
  CHECK(done.find("100% 10/10 in ") != std::string::npos);
  for (size_t i = 0; i <= 10; ++i) p.update(i, "x");
  p.finish();
}
