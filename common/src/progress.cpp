#include "ttq/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace ttq {

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)),
      total_(std::max<size_t>(total, 1)),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

Progress::~Progress() {
  if (finished_) return;
  if (std::uncaught_exceptions() == 0)
    finish();  // completed without an explicit finish()
  else if (tty_)
    std::fputc('\n', stderr);  // leave the partial bar on its own line
}

std::string Progress::format_duration(double s) {
  if (s < 0) s = 0;
  char buf[32];
  const long t = long(s + 0.5);
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

std::string Progress::line(size_t done, std::string_view metrics, bool final) const {
  done = std::min(done, total_);
  const double frac = double(done) / double(total_);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  constexpr int kWidth = 24;
  const int fill = int(frac * kWidth);
  std::string bar(size_t(fill), '#');
  bar.resize(kWidth, '.');
  char head[96];
  std::snprintf(head, sizeof head, " [%s] %3d%% %zu/%zu ", bar.c_str(), int(frac * 100), done,
                total_);
  std::string s = label_ + head;
  if (final)
    s += "in " + format_duration(elapsed);
  else if (done > 0)
    s += "ETA " + format_duration(elapsed / frac - elapsed);
  else
    s += "ETA ?";
  if (!metrics.empty()) s += "  " + std::string(metrics);
  return s;
}

void Progress::update(size_t done, std::string_view metrics) {
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    // Redraw at most 10 times a second.
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r\033[K%s", line(done, metrics, false).c_str());
    std::fflush(stderr);
  } else {
    if (done >= total_) return;  // finish() prints the final line
    const int decile = int(done * 10 / total_);
    if (decile <= last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s\n", line(done, metrics, false).c_str());
  }
}

void Progress::finish(std::string_view metrics) {
  if (finished_) return;
  finished_ = true;
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s\n", line(total_, metrics, true).c_str());
  else
    std::fprintf(stderr, "%s\n", line(total_, metrics, true).c_str());
  std::fflush(stderr);
}

}  // namespace ttq
