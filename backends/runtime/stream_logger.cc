#include "backends/runtime/stream_logger.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ha {
namespace {

// Unix times as UTC dates with `digits` (3 or 6) of the second.
std::string timestamp(Time when, bool unix_time, int digits) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(when).count();
  char buf[64];
  if (!unix_time) {
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(us / 1000) / 1000.0);
    return buf;
  }
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (digits == 6) {
    std::snprintf(buf + n, sizeof buf - n, ".%06dZ", static_cast<int>(us % 1000000));
  } else {
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(us % 1000000 / 1000));
  }
  return buf;
}

// Text values with spaces or quotes are quoted, so lines stay splittable.
std::string text_value(const std::string& v) {
  bool plain = !v.empty() && std::none_of(v.begin(), v.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '=';
  });
  return plain ? v : nlohmann::json(v).dump();
}

}  // namespace

StreamLogger::StreamLogger(std::ostream& out, Options options) : out_(out), options_(options) {}

void StreamLogger::log(LogLevel level, Time when, std::string_view message,
                       std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line;
  // JSON: hclog's layout (2006-01-02T15:04:05.000000Z07:00), which go-plugin parses when
  // it relays a plugin's stderr.
  std::string ts = timestamp(when, options_.unix_time, options_.json ? 6 : 3);
  if (options_.json) {
    nlohmann::ordered_json j;
    j["@timestamp"] = ts;
    j["@level"] = std::string(to_string(level));
    j["@message"] = std::string(message);
    for (const auto& [key, value] : fields) j[std::string(key)] = value;
    // Invalid UTF-8 from a server's message is replaced, never thrown.
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts;
    line += ' ';
    line += to_string(level);
    line += ' ';
    line += message;
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      line += text_value(value);
    }
  }
  line += '\n';
  std::lock_guard lock(mu_);
  out_ << line << std::flush;
}

Result<LogLevel> parse_log_level(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "trace") return LogLevel::kTrace;
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warn" || t == "warning") return LogLevel::kWarn;
  if (t == "error") return LogLevel::kError;
  return make_error("unknown log level \"" + t + "\" (trace, debug, info, warn, error)",
                    ErrorKind::kInvalid);
}

}  // namespace ha
