// A one-line progress bar on stderr, redrawn in place, shown only when stderr is a terminal
// (silent in pipes, files and CI). Thread-safe: sweep workers report concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>

namespace ha::cli {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op.
  ProgressBar(std::ostream& err, bool enabled);
  ~ProgressBar();
  // Whether stderr is a terminal.
  static bool stderr_is_terminal();

  // fraction in [0, 1]; `detail` follows the bar ("12.0/48.0 h simulated, 3.1M events/s").
  void update(double fraction, const std::string& detail);
  // Clears the line.
  void finish();

 private:
  std::ostream& err_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::mutex mu_;
};

}  // namespace ha::cli
