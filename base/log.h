// Logging seam: the engine writes structured lines through a Logger the caller provides
// (apps/ prints them as text or JSON). Contract: implementations never throw, and callers
// never pass secrets (tokens) as field values.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "base/time.h"

namespace ha {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

std::string_view to_string(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, Time when, std::string_view message,
                   std::initializer_list<LogField> fields) = 0;
  virtual bool enabled(LogLevel level) const = 0;
};

class NullLogger final : public Logger {
 public:
  void log(LogLevel, Time, std::string_view, std::initializer_list<LogField>) override {}
  bool enabled(LogLevel) const override { return false; }
};

}  // namespace ha
