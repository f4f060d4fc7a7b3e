// Reading Nomad's JSON with errors that name the field (nomad_json*.cc only): field<T>
// and optional_field<T>, never an exception or an out-of-range conversion, and HA_READ to
// return the first error.
#pragma once

#include <limits>
#include <string>
#include <type_traits>

#include "backends/wire/nomad_json.h"

namespace ha::nomad_json::fields {

// Reads j[key] as T; the error names the field as a JSON path from `at`.
template <typename T>
Result<T> field(const json& j, const char* key, const std::string& at) {
  if (!j.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
  auto it = j.find(key);
  if (it == j.end()) return make_error(at + "." + key + ": missing", ErrorKind::kInvalid);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // A float or an unsigned value out of T's range would convert with undefined behaviour
    // (found by fuzzing): such a field is an error, as a wrong type is.
    bool fits = it->is_number_integer() && !(std::is_unsigned_v<T> && !it->is_number_unsigned()) &&
                !(it->is_number_unsigned() &&
                  it->template get<std::uint64_t>() >
                      static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    if (!fits) {
      return make_error(at + "." + key + ": expected a whole number in range, not " + it->dump(),
                        ErrorKind::kInvalid);
    }
  }
  try {
    return it->template get<T>();
  } catch (const json::exception&) {
    return make_error(at + "." + key + ": unexpected type " + it->type_name(), ErrorKind::kInvalid);
  }
}

// As field(), but a missing or null field gives `fallback` (Nomad omits zero values in some
// objects).
template <typename T>
Result<T> optional_field(const json& j, const char* key, const std::string& at, T fallback) {
  if (!j.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return field<T>(j, key, at);
}

}  // namespace ha::nomad_json::fields

#define HA_READ(var, expr)              \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(*var##_r)
