// Typed reads of string plugin-config values, with the reason a value is rejected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/time.h"
#include "engine/plugin_config.h"

namespace ha {

// Each reader returns nullopt when the key is absent (or empty, as upstream treats it), and
// appends an issue and returns nullopt when the value is invalid. `ok` is cleared on error.
struct ConfigReader {
  const PluginConfig& config;
  ConfigIssues& issues;

  bool has(const std::string& key) const;
  std::optional<double> number(const std::string& key, bool allow_negative = true);
  std::optional<std::int64_t> integer(const std::string& key, bool allow_negative = true);
  std::optional<bool> boolean(const std::string& key);
  std::optional<Duration> duration(const std::string& key);
  void fail(const std::string& key, std::string reason) {
    issues.push_back({key, std::move(reason)});
  }
};

// Strict parses: the whole text must be consumed; NaN and infinities are rejected.
std::optional<double> parse_finite_double(const std::string& text);
std::optional<std::int64_t> parse_int64(const std::string& text);

}  // namespace ha
