// Kubernetes label selectors in their string form ("a=b,c!=d,e,!f"; "==" as "="), as sent in
// the `labelSelector` query parameter. Set-based forms (`in`, `notin`) are not supported and
// are reported as errors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace ha {

class LabelSelector {
 public:
  static Result<LabelSelector> parse(const std::string& text);
  bool matches(const std::map<std::string, std::string>& labels) const;

 private:
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace ha
