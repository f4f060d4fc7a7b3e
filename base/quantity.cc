#include "base/quantity.h"

#include <cmath>
#include <string>

namespace ha {
namespace {

struct Suffix {
  std::string_view name;
  double factor;
};

constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0},
    {"Mi", 1048576.0},
    {"Gi", 1073741824.0},
    {"Ti", 1099511627776.0},
    {"Pi", 1125899906842624.0},
    {"Ei", 1152921504606846976.0},
    {"n", 1e-9},
    {"u", 1e-6},
    {"m", 1e-3},
    {"", 1.0},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"E", 1e18},
};

Error bad_quantity(std::string_view text, std::string_view why) {
  return make_error("invalid quantity \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Result<double> parse_quantity(std::string_view text) {
  std::string_view s = text;
  if (s.empty()) return bad_quantity(text, "empty");
  double sign = 1;
  if (s[0] == '+' || s[0] == '-') {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  }
  if (!digits) return bad_quantity(text, "expected a number");
  double number = std::stod(std::string(s.substr(0, i)));
  std::string_view rest = s.substr(i);

  // Decimal exponent form: 1e3, 2E-2.
  if (!rest.empty() && (rest[0] == 'e' || rest[0] == 'E') && rest.size() > 1) {
    std::string_view exp = rest.substr(1);
    std::size_t k = (exp[0] == '+' || exp[0] == '-') ? 1 : 0;
    bool exp_digits = k < exp.size();
    for (std::size_t j = k; j < exp.size(); ++j) {
      if (!std::isdigit(static_cast<unsigned char>(exp[j]))) exp_digits = false;
    }
    if (exp_digits) return sign * number * std::pow(10.0, std::stod(std::string(exp)));
  }
  for (const Suffix& suffix : kSuffixes) {
    if (suffix.name == rest) return sign * number * suffix.factor;
  }
  return bad_quantity(text, "unknown suffix \"" + std::string(rest) +
                                "\" (use Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E)");
}

}  // namespace ha
