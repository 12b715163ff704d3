// Terminal progress for long jobs (training, evaluation, simulation): a bar with ETA and free-form
// metrics on stderr, redrawn in place on a TTY, one line per ~10% when stderr is a file or pipe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace ttq {

class Progress {
 public:
  // label: what is being counted ("train epoch 3"); total: number of steps (> 0).
  Progress(std::string label, size_t total);
  ~Progress();  // calls finish() if it was not called (unless an exception is unwinding)
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Reports `done` steps out of total, with optional metrics text ("loss 0.31 acc 91.2%").
  void update(size_t done, std::string_view metrics = {});
  // Prints the final state (100%, elapsed time) and ends the line.
  void finish(std::string_view metrics = {});

  // The text drawn for `done` steps: label, bar, percent, count, ETA (or total time if final).
  std::string line(size_t done, std::string_view metrics, bool final = false) const;

  // Formats seconds as "42s", "3m05s" or "1h02m".
  static std::string format_duration(double seconds);

 private:
  std::string label_;
  size_t total_;
  bool tty_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ttq
