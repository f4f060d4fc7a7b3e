// A problem found in an input file: located by a JSON pointer (JSON files), by an HCL path
// with a line and column (HCL files), by a line and column alone (syntax errors), or not at
// all (the file as a whole).
#pragma once

#include <string>
#include <vector>

#include "base/json_pointer.h"

namespace ha {

struct Diagnostic {
  std::string file;
  // A JSON pointer such as /scaling/web/policy/cooldown ("/" for the document itself), an
  // HCL path such as scaling.web.policy.cooldown, or empty.
  std::string where;
  std::string reason;
  bool unknown_name = false;  // an unknown strategy, target or source name (exit 2)
  int line = 0, column = 0;   // 1-based; 0: not known

  // FILE:LINE:COL: WHERE: reason, leaving out what is not known.
  // (append, not +: GCC 12 warns falsely about + chains it inlines)
  std::string to_string() const {
    std::string out = file;
    if (line > 0) {
      out.append(":").append(std::to_string(line)).append(":").append(std::to_string(column));
    }
    out.append(": ");
    if (!where.empty()) out.append(where).append(": ");
    return out.append(reason);
  }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace ha
