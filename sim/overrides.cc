#include "sim/overrides.h"

#include <set>
#include <sstream>

namespace ha {
namespace {

using nlohmann::json;

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> out;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, '.');) out.push_back(part);
  return out;
}

json value_of(const std::string& text) {
  if (text == "true" || text == "false") return text == "true";
  try {
    json v = json::parse(text);
    // An object replaces a whole block: `policy.P.check={...}` swaps a policy's checks.
    if (v.is_number() || v.is_array() || v.is_object()) return v;
  } catch (const json::exception&) {  // not a JSON number, array or object: kept as text
  }
  return text;
}

// Sets `path` under `node`. After a "strategy" or "target" key the block's one label is
// stepped over, so that users name keys, not labels.
Result<void> set_path(json& node, const std::vector<std::string>& path, std::size_t from,
                      const json& value, const std::string& key) {
  json* at = &node;
  for (std::size_t i = from; i < path.size(); ++i) {
    if (!at->is_object())
      return make_error("--set " + key + ": \"" + path[i - 1] + "\" is not an object");
    bool last = i + 1 == path.size();
    if (last) {
      (*at)[path[i]] = value;
      return {};
    }
    if (!at->contains(path[i])) {
      return make_error("--set " + key + ": no \"" + path[i] + "\" to set a value under");
    }
    at = &(*at)[path[i]];
    if ((path[i] == "strategy" || path[i] == "target") && at->is_object() && at->size() == 1) {
      at = &at->begin().value();
    }
  }
  return {};
}

}  // namespace

Result<Override> parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return make_error("--set: expected KEY=VALUE, got \"" + text + "\"");
  }
  return Override{text.substr(0, eq), text.substr(eq + 1), false};
}

bool superseded(const std::vector<Override>& overrides, std::size_t i) {
  for (std::size_t j = i + 1; j < overrides.size(); ++j) {
    const Override& later = overrides[j];
    if (later.value != kAsGiven && overrides[i].key.rfind(later.key + ".", 0) == 0) return true;
  }
  return false;
}

Result<void> apply_scenario_overrides(json& scenario, std::vector<Override>& overrides) {
  for (Override& o : overrides) {
    if (o.key.rfind("policy.", 0) == 0) continue;
    if (o.value == kAsGiven) {
      o.used = true;
      continue;
    }
    auto path = split(o.key);
    // `agent` is optional in a scenario and all its keys have defaults: --set may start it.
    if (path.size() > 1 && path[0] == "agent" && scenario.is_object() &&
        !scenario.contains("agent")) {
      scenario["agent"] = json::object();
    }
    if (auto r = set_path(scenario, path, 0, value_of(o.value), o.key); !r) return r;
    o.used = true;
  }
  return {};
}

Result<void> apply_policy_overrides(json& file, std::vector<Override>& overrides) {
  static const std::set<std::string> kOuter = {"min", "max", "enabled", "type"};
  for (Override& o : overrides) {
    auto path = split(o.key);
    if (path.size() < 3 || path[0] != "policy") continue;
    if (!file.is_object() || !file.contains("scaling") || !file["scaling"].is_object() ||
        !file["scaling"].contains(path[1])) {
      continue;
    }
    json& block = file["scaling"][path[1]];
    Result<void> r;
    if (o.value == kAsGiven) {
      o.used = true;
      continue;
    }
    if (kOuter.count(path[2])) {
      r = set_path(block, path, 2, value_of(o.value), o.key);
    } else if (!block.contains("policy") || !block["policy"].is_object()) {
      r = make_error("--set " + o.key + ": policy " + path[1] + " has no policy block");
    } else {
      r = set_path(block["policy"], path, 2, value_of(o.value), o.key);
    }
    if (!r) return r;
    o.used = true;
  }
  return {};
}

Result<void> check_all_used(const std::vector<Override>& overrides) {
  for (const Override& o : overrides) {
    if (!o.used) return make_error("--set " + o.key + ": no policy or scenario key matches it");
  }
  return {};
}

}  // namespace ha
