#include "base/duration.h"

#include <cstdint>
#include <limits>

namespace ha {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanos;
};

// Longest names first so that "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60LL * 1'000'000'000},
    {"h", 3600LL * 1'000'000'000},
    {"d", 86400LL * 1'000'000'000},
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

Error bad_duration(std::string_view text, std::string_view why) {
  return make_error("invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Result<Duration> parse_duration(std::string_view text, DurationSyntax syntax) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return bad_duration(text, "empty");
  if (negative && !syntax.allow_negative) return bad_duration(text, "must not be negative");

  // Accumulate in long double to detect overflow without UB; precision is ample for ns.
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double whole = 0;
    bool digits = false;
    while (i < s.size() && is_digit(s[i])) {
      whole = whole * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    long double frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) {
        frac = frac * 10 + (s[i] - '0');
        scale *= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad_duration(text, "expected a number");
    std::size_t j = i;
    while (j < s.size() && !is_digit(s[j]) && s[j] != '.') ++j;
    std::string_view unit_name = s.substr(i, j - i);
    if (unit_name.empty()) return bad_duration(text, "missing unit (ns, us, ms, s, m, h)");
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr || (unit->name == "d" && !syntax.allow_days)) {
      return bad_duration(text, "unknown unit \"" + std::string(unit_name) +
                                    "\" (use ns, us, ms, s, m, h" +
                                    (syntax.allow_days ? ", d)" : ")"));
    }
    total += (whole + frac / scale) * static_cast<long double>(unit->nanos);
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
      return bad_duration(text, "out of range");
    }
    s.remove_prefix(j);
  }
  auto nanos = static_cast<std::int64_t>(total);
  return Duration(negative ? -nanos : nanos);
}

namespace {

// Appends value/unit_nanos with up to `digits` decimals, trailing zeros trimmed.
void append_fixed(std::string& out, std::uint64_t value, std::uint64_t unit_nanos) {
  out += std::to_string(value / unit_nanos);
  std::uint64_t rem = value % unit_nanos;
  if (rem == 0) return;
  std::string frac;
  for (std::uint64_t scale = unit_nanos / 10; scale > 0; scale /= 10) {
    frac += static_cast<char>('0' + (rem / scale) % 10);
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  out += "." + frac;
}

}  // namespace

std::string format_duration(Duration d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out;
  std::uint64_t u = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  if (n < 0) out += "-";
  if (u < 1'000) return out + std::to_string(u) + "ns";
  if (u < 1'000'000) {
    append_fixed(out, u, 1'000);
    return out + "\xC2\xB5s";
  }
  if (u < 1'000'000'000) {
    append_fixed(out, u, 1'000'000);
    return out + "ms";
  }
  constexpr std::uint64_t kSec = 1'000'000'000;
  std::uint64_t hours = u / (3600 * kSec);
  std::uint64_t minutes = (u / (60 * kSec)) % 60;
  std::uint64_t rest = u % (60 * kSec);
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  append_fixed(out, rest, kSec);
  return out + "s";
}

}  // namespace ha
