// hcl_json::Reader's typed attribute reads (declared in hcl_json.h).
#include <cmath>
#include <cstdint>

#include "base/duration.h"
#include "engine/policy/hcl_json.h"

namespace ha::hcl_json {

using nlohmann::json;

bool Reader::present(const json& obj, const std::string& pointer, const char* key, bool required) {
  if (obj.contains(key)) return true;
  if (required) {
    error(pointer.empty() ? "/" : pointer, std::string("missing required key \"") + key + "\"");
  }
  return false;
}

std::optional<std::string> Reader::text(const json& obj, const std::string& pointer,
                                        const char* key, bool required) {
  if (!present(obj, pointer, key, required)) return std::nullopt;
  const json& v = obj[key];
  if (!v.is_string() || v.get<std::string>().empty()) {
    error(child(pointer, key), "expected a non-empty string");
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::optional<bool> Reader::boolean(const json& obj, const std::string& pointer, const char* key,
                                    bool required) {
  if (!present(obj, pointer, key, required)) return std::nullopt;
  const json& v = obj[key];
  if (!v.is_boolean()) {
    error(child(pointer, key), "expected true or false");
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<std::int64_t> Reader::whole_number(const json& obj, const std::string& pointer,
                                                 const char* key, bool required, std::int64_t min) {
  if (!present(obj, pointer, key, required)) return std::nullopt;
  const json& v = obj[key];
  std::string at = child(pointer, key);
  std::string expected = "expected a whole number";
  if (min != 0) expected += " >= " + std::to_string(min);
  bool integral = v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                            v.get<double>() == std::floor(v.get<double>()));
  if (!integral) {
    error(at, expected);
    return std::nullopt;
  }
  // 2^63 and above do not fit (converting them would be undefined: found by fuzzing).
  double d = v.get<double>();
  if (d >= 9.2e18 || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX)) {
    error(at, "is too large");
    return std::nullopt;
  }
  std::int64_t n = v.is_number_integer() ? v.get<std::int64_t>() : static_cast<std::int64_t>(d);
  if (n < min) {
    error(at, min == 0 ? "must not be negative" : expected);
    return std::nullopt;
  }
  return n;
}

std::optional<Duration> Reader::duration(const json& obj, const std::string& pointer,
                                         const char* key, bool required, DurationRules rules) {
  if (!present(obj, pointer, key, required)) return std::nullopt;
  const json& v = obj[key];
  std::string at = child(pointer, key);
  if (!v.is_string()) {
    error(at, rules.allow_days ? "expected a duration string such as \"90s\" or \"7d\""
                               : "expected a duration string such as \"30s\" or \"1h30m\"");
    return std::nullopt;
  }
  auto d = parse_duration(v.get<std::string>(), {.allow_days = rules.allow_days});
  if (!d) {
    error(at, d.error().message);
    return std::nullopt;
  }
  if (rules.positive && d->count() == 0) {
    error(at, "must be greater than zero");
    return std::nullopt;
  }
  return *d;
}

}  // namespace ha::hcl_json
