#include "apps/progress.h"

#include <unistd.h>

#include <cstdio>

namespace ha::cli {

ProgressBar::ProgressBar(std::ostream& err, bool enabled) : err_(err), enabled_(enabled) {}

ProgressBar::~ProgressBar() {
  finish();
}

bool ProgressBar::stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void ProgressBar::update(double fraction, const std::string& detail) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  // At most ten redraws a second, and always the last one.
  if (fraction < 1 && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  double elapsed = std::chrono::duration<double>(now - start_).count();
  char eta[32] = "ETA --";
  if (fraction > 0.01) std::snprintf(eta, sizeof eta, "ETA %.0fs", elapsed * (1 / fraction - 1));
  char line[256];
  std::snprintf(line, sizeof line, "\r[%s] %3.0f%% %s, %s ", bar.c_str(), fraction * 100,
                detail.c_str(), eta);
  err_ << line << std::flush;
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (drawn_) err_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace ha::cli
