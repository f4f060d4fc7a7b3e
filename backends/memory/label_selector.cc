#include "backends/memory/label_selector.h"

namespace ha {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(' ');
  auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector selector;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string term = trim(text.substr(start, comma == std::string::npos ? comma : comma - start));
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (term.empty()) {
      if (text.empty()) break;
      return make_error("invalid label selector \"" + text + "\": empty requirement");
    }
    if (term.find(" in ") != std::string::npos || term.find(" notin ") != std::string::npos ||
        term.find('(') != std::string::npos) {
      return make_error("unsupported set-based label selector \"" + term + "\"");
    }
    Requirement r;
    if (auto ne = term.find("!="); ne != std::string::npos) {
      r = {trim(term.substr(0, ne)), Op::kNotEquals, trim(term.substr(ne + 2))};
    } else if (auto eqeq = term.find("=="); eqeq != std::string::npos) {
      r = {trim(term.substr(0, eqeq)), Op::kEquals, trim(term.substr(eqeq + 2))};
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      r = {trim(term.substr(0, eq)), Op::kEquals, trim(term.substr(eq + 1))};
    } else if (term[0] == '!') {
      r = {trim(term.substr(1)), Op::kNotExists, ""};
    } else {
      r = {term, Op::kExists, ""};
    }
    if (r.key.empty()) return make_error("invalid label selector \"" + text + "\": empty key");
    selector.requirements_.push_back(std::move(r));
  }
  return selector;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const Requirement& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    switch (r.op) {
      case Op::kEquals:
        if (!has || it->second != r.value) return false;
        break;
      case Op::kNotEquals:
        if (has && it->second == r.value) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kNotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

}  // namespace ha
