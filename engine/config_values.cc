#include "engine/config_values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "base/duration.h"

namespace ha {

std::optional<double> parse_finite_double(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> parse_int64(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

bool ConfigReader::has(const std::string& key) const {
  auto it = config.find(key);
  return it != config.end() && !it->second.empty();
}

std::optional<double> ConfigReader::number(const std::string& key, bool allow_negative) {
  if (!has(key)) return std::nullopt;
  const std::string& text = config.at(key);
  auto v = parse_finite_double(text);
  if (!v) {
    fail(key, "invalid value \"" + text + "\": not a finite number");
  } else if (!allow_negative && *v < 0) {
    fail(key, "invalid value \"" + text + "\": must not be negative");
    v.reset();
  }
  return v;
}

std::optional<std::int64_t> ConfigReader::integer(const std::string& key, bool allow_negative) {
  if (!has(key)) return std::nullopt;
  const std::string& text = config.at(key);
  auto v = parse_int64(text);
  if (!v) {
    fail(key, "invalid value \"" + text + "\": not an integer");
  } else if (!allow_negative && *v < 0) {
    fail(key, "invalid value \"" + text + "\": must not be negative");
    v.reset();
  }
  return v;
}

std::optional<bool> ConfigReader::boolean(const std::string& key) {
  if (!has(key)) return std::nullopt;
  const std::string& text = config.at(key);
  if (text == "true") return true;
  if (text == "false") return false;
  fail(key, "invalid value \"" + text + "\": expected true or false");
  return std::nullopt;
}

std::optional<Duration> ConfigReader::duration(const std::string& key) {
  if (!has(key)) return std::nullopt;
  auto d = parse_duration(config.at(key));
  if (!d) {
    fail(key, d.error().message);
    return std::nullopt;
  }
  return *d;
}

}  // namespace ha
