// A problem found in an input file, located by a JSON pointer (or a line).
#pragma once

#include <string>
#include <vector>

namespace ha {

struct Diagnostic {
  std::string file;
  // A JSON pointer such as /scaling/web/policy/cooldown ("/" for the document itself),
  // "LINE:COL" for syntax errors, or empty for problems with the file as a whole.
  std::string where;
  std::string reason;
  bool unknown_name = false;  // an unknown strategy, target or source name (exit 2)

  std::string to_string() const {
    return file + ": " + (where.empty() ? "" : where + ": ") + reason;
  }
};

using Diagnostics = std::vector<Diagnostic>;

// JSON pointer escaping of one reference token (RFC 6901).
inline std::string pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ha
