// StreamLogger: writes the engine's log records as lines to a stream (stderr for the agent),
// one line per record, either as text
//   2026-11-25T10:00:00.000Z info policy evaluated policy_id=cluster outcome=scaled ...
// or, with json set, as one JSON object per line:
//   {"@timestamp":"2026-11-25T10:00:00.000000Z","@level":"info","@message":"policy evaluated",...}
// (hclog's JSON: the Nomad Autoscaler's own, and what go-plugin relays from a plugin).
// Loop times are printed as UTC dates when the loop's epoch is the Unix epoch (the agent's
// loop), else as seconds since the start. Thread-safe; never throws.
#pragma once

#include <mutex>
#include <ostream>

#include "base/log.h"
#include "base/result.h"

namespace ha {

class StreamLogger final : public Logger {
 public:
  struct Options {
    LogLevel level = LogLevel::kInfo;
    bool json = false;
    bool unix_time = true;  // loop time is Unix time: print dates
  };
  StreamLogger(std::ostream& out, Options options);

  void log(LogLevel level, Time when, std::string_view message,
           std::initializer_list<LogField> fields) override;
  bool enabled(LogLevel level) const override { return level >= options_.level; }

 private:
  std::ostream& out_;
  Options options_;
  std::mutex mu_;
};

// "trace", "debug", "info", "warn" (or "warning"), "error"; case-insensitive.
Result<LogLevel> parse_log_level(std::string_view text);

}  // namespace ha
