#include "engine/policy/policy_parser.h"

#include <algorithm>
#include <set>

#include "base/duration.h"
#include "engine/nomad/nomad_apm.h"
#include "engine/policy/hcl_json.h"
#include "engine/policy/plugin_catalog.h"
#include "engine/strategy.h"

namespace ha {
namespace {

using hcl_json::child;
using nlohmann::json;

class PolicyReader {
 public:
  PolicyReader(const std::string& file, Diagnostics& diags, const PolicyDefaults& defaults)
      : r_(file, diags), defaults_(defaults) {}

  std::vector<Policy> read(const json& doc) {
    std::vector<Policy> out;
    if (!doc.is_object()) {
      r_.error("/", "expected an object with a \"scaling\" block");
      return out;
    }
    r_.reject_unknown_keys(doc, "", {"scaling"});
    if (!doc.contains("scaling")) {
      r_.error("/", "no \"scaling\" block: nothing to read");
      return out;
    }
    for (const auto& block : r_.labelled_blocks(doc["scaling"], "/scaling")) {
      out.push_back(read_policy(block));
    }
    return out;
  }

 private:
  Policy read_policy(const hcl_json::Block& block) {
    Policy p;
    p.cooldown = p.cooldown_on_scale_up = defaults_.cooldown;
    p.evaluation_interval = defaults_.evaluation_interval;
    p.id = block.label;
    p.file = r_.file();
    const json& body = *block.body;
    const std::string& at = block.pointer;
    r_.reject_unknown_keys(body, at, {"enabled", "type", "min", "max", "policy"});
    if (body.contains("enabled")) {
      if (body["enabled"].is_boolean()) {
        p.enabled = body["enabled"].get<bool>();
      } else {
        r_.error(child(at, "enabled"), "expected true or false");
      }
    }
    if (body.contains("type")) {
      const json& t = body["type"];
      if (!t.is_string() || (t != "cluster" && t != "horizontal")) {
        r_.error(child(at, "type"), "expected \"cluster\" or \"horizontal\"");
      } else {
        p.type = t.get<std::string>();
      }
    }
    bool limits_ok = read_count(body, at, "min", p.min, false);
    limits_ok = read_count(body, at, "max", p.max, true) && limits_ok;
    if (limits_ok && p.min > p.max) {
      r_.error(child(at, "min"), "min (" + std::to_string(p.min) + ") is greater than max (" +
                                     std::to_string(p.max) + ")");
    }
    if (!body.contains("policy")) {
      r_.error(at, "missing required block \"policy\"");
    } else if (const json* doc = r_.single_block(body["policy"], child(at, "policy"))) {
      read_doc(*doc, child(at, "policy"), p);
    }
    return p;
  }

  bool read_count(const json& body, const std::string& at, const char* key, std::int64_t& out,
                  bool required) {
    if (!r_.present(body, at, key, required)) return !required;
    auto n = r_.whole_number(body, at, key, true);
    if (n) out = *n;
    return n.has_value();
  }

  void read_duration(const json& body, const std::string& at, const char* key, Duration& out,
                     bool positive) {
    if (auto d = r_.duration(body, at, key, false, {.positive = positive})) out = *d;
  }

  bool read_on_error(const json& body, const std::string& at, const char* key, OnError& out) {
    if (!body.contains(key)) return false;
    const json& v = body[key];
    if (v == "ignore") {
      out = OnError::kIgnore;
    } else if (v == "fail") {
      out = OnError::kFail;
    } else {
      r_.error(child(at, key), "expected \"ignore\" or \"fail\"");
      return false;
    }
    return true;
  }

  // nodes_needed takes a new node's size from the pool's nodes unless the query gives it:
  // with min 0 the pool can empty, and the policy could then never scale out again.
  void check_scales_from_zero(const Policy& p, const CheckSpec& c, const std::string& at) {
    if (p.min > 0 || c.source != "nomad-apm" || c.query.rfind("nodes_needed", 0) != 0) return;
    auto slash = c.query.find('/');
    std::string params = slash == std::string::npos ? "" : "," + c.query.substr(slash + 1) + ",";
    if (params.find(",node_cpu=") != std::string::npos &&
        params.find(",node_memory=") != std::string::npos) {
      return;
    }
    r_.error(child(at, "query"),
             "with min 0 the pool can empty, and nodes_needed then has no node to take a new "
             "node's size from: the policy could never scale out again; add "
             "node_cpu=MHZ,node_memory=MB to the query, or set min to 1 or more");
  }

  void read_doc(const json& doc, const std::string& at, Policy& p) {
    r_.reject_unknown_keys(doc, at,
                           {"cooldown", "cooldown_on_scale_up", "evaluation_interval",
                            "on_check_error", "check", "target"});
    read_duration(doc, at, "cooldown", p.cooldown, false);
    p.cooldown_on_scale_up = p.cooldown;
    read_duration(doc, at, "cooldown_on_scale_up", p.cooldown_on_scale_up, false);
    read_duration(doc, at, "evaluation_interval", p.evaluation_interval, true);
    read_on_error(doc, at, "on_check_error", p.on_check_error);

    if (!doc.contains("check")) {
      r_.error(at, "missing required block \"check\": a policy needs at least one check");
    } else {
      std::set<std::string> names;
      checks_at.clear();
      auto checks = r_.labelled_blocks(doc["check"], child(at, "check"));
      if (checks.empty() && doc["check"].is_object()) {
        r_.error(child(at, "check"), "a policy needs at least one check");
      }
      for (const auto& block : checks) {
        if (!names.insert(block.label).second) {
          r_.error(block.pointer, "duplicate check name \"" + block.label + "\"");
        }
        p.checks.push_back(read_check(block, p.on_check_error));
        checks_at.push_back(block.pointer);
      }
    }
    if (!doc.contains("target")) {
      r_.error(at, "missing required block \"target\"");
    } else {
      auto targets = r_.labelled_blocks(doc["target"], child(at, "target"));
      if (targets.size() > 1) {
        r_.error(child(at, "target"), "only one target block is allowed");
      } else if (targets.empty() && doc["target"].is_object()) {
        r_.error(child(at, "target"), "needs one target block, named by its label");
      } else if (targets.size() == 1) {
        p.target = read_target(targets[0]);
      }
    }
    for (std::size_t i = 0; i < p.checks.size() && i < checks_at.size(); ++i) {
      complete_query(p, p.checks[i], checks_at[i]);
      check_scales_from_zero(p, p.checks[i], checks_at[i]);
    }
  }

  // A nomad-apm query in upstream's short form is made whole for the target's pool (as
  // upstream's CanonicalizeAPMQuery), then read: a query it cannot run is an error now,
  // naming the check's query, rather than at every evaluation.
  void complete_query(const Policy& p, CheckSpec& c, const std::string& at) {
    if (c.source != "nomad-apm" || c.query.empty()) return;
    if (p.target.name != "harvester" && p.target.name != "nomad") return;
    c.query = expand_short_query(c.query, p.target.name, p.target.config);
    if (auto q = parse_apm_query(c.query); !q) r_.error(child(at, "query"), q.error().message);
  }
  std::vector<std::string> checks_at;  // each check's place in the document

  CheckSpec read_check(const hcl_json::Block& block, OnError policy_on_error) {
    CheckSpec c;
    c.name = block.label;
    const json& body = *block.body;
    const std::string& at = block.pointer;
    r_.reject_unknown_keys(body, at,
                           {"group", "source", "query", "query_window", "query_window_offset",
                            "on_error", "strategy"});
    for (auto [key, field] : {std::pair{"group", &c.group}, std::pair{"source", &c.source},
                              std::pair{"query", &c.query}}) {
      if (!body.contains(key)) continue;
      if (body[key].is_string()) {
        *field = body[key].get<std::string>();
      } else {
        r_.error(child(at, key), "expected a string");
      }
    }
    if (body.contains("query_window") && body["query_window"] == "instant") {
      c.query_instant = true;
    } else {
      read_duration(body, at, "query_window", c.query_window, true);
    }
    read_duration(body, at, "query_window_offset", c.query_window_offset, false);
    c.on_error = policy_on_error;
    read_on_error(body, at, "on_error", c.on_error);

    if (!body.contains("strategy")) {
      r_.error(at, "missing required block \"strategy\"");
      return c;
    }
    auto blocks = r_.labelled_blocks(body["strategy"], child(at, "strategy"));
    if (blocks.size() != 1) {
      // (an empty block used to pass silently: found by fuzzing)
      r_.error(child(at, "strategy"), blocks.empty()
                                          ? "needs one strategy block, named by its label (e.g. "
                                            "{\"target-value\": {...}})"
                                          : "only one strategy block is allowed");
      return c;
    }
    c.strategy.name = blocks[0].label;
    c.strategy.config = r_.string_map(*blocks[0].body, blocks[0].pointer);
    const StrategyPlugin* plugin = find_strategy(c.strategy.name);
    if (plugin == nullptr) {
      r_.error(
          blocks[0].pointer,
          "unknown strategy \"" + c.strategy.name + "\"; known: " + join_names(strategy_names()),
          true);
      return c;
    }
    auto keys = plugin->known_keys();
    std::vector<std::string> known(keys.begin(), keys.end());
    ConfigIssues issues;
    for (const auto& [key, value] : c.strategy.config) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        issues.push_back({key, "unknown key (a typo?); known keys: " + join_names(known)});
      }
    }
    plugin->compile(c.strategy.config, issues);
    report(issues, blocks[0].pointer);

    if (plugin->needs_metrics()) {
      if (c.source.empty()) c.source = kDefaultSource;
      if (!is_known_source(c.source)) {
        r_.error(child(at, "source"),
                 "unknown source \"" + c.source + "\"; known: " + join_names(source_names()), true);
      }
      if (c.query.empty()) {
        r_.error(at,
                 "missing required key \"query\" (strategy " + c.strategy.name + " reads metrics)");
      }
    }
    return c;
  }

  TargetSpec read_target(const hcl_json::Block& block) {
    TargetSpec t;
    t.name = block.label;
    t.config = r_.string_map(*block.body, block.pointer);
    const TargetKind* kind = find_target_kind(t.name);
    if (kind == nullptr) {
      r_.error(block.pointer,
               "unknown target \"" + t.name + "\"; known: " + join_names(target_names()), true);
      return t;
    }
    ConfigIssues issues;
    kind->validate(t.config, issues);
    report(issues, block.pointer);
    return t;
  }

  void report(const ConfigIssues& issues, const std::string& at) {
    for (const ConfigIssue& issue : issues) {
      r_.error(issue.key.empty() ? at : child(at, issue.key), issue.reason);
    }
  }

  hcl_json::Reader r_;
  PolicyDefaults defaults_;
};

}  // namespace

std::vector<Policy> parse_policies(std::string_view text, const std::string& file,
                                   Diagnostics& diags, const PolicyDefaults& defaults) {
  auto doc = ConfigFile::read(text, file, diags);
  if (!doc) return {};
  return read_policies(*doc, file, diags, defaults);
}

std::vector<Policy> read_policies(const ConfigFile& doc, const std::string& file,
                                  Diagnostics& diags, const PolicyDefaults& defaults) {
  std::size_t from = diags.size();
  auto policies = read_policy_document(doc.value(), file, diags, defaults);
  doc.locate(diags, from);
  return policies;
}

std::vector<Policy> read_policy_document(const nlohmann::json& doc, const std::string& file,
                                         Diagnostics& diags, const PolicyDefaults& defaults) {
  return PolicyReader(file, diags, defaults).read(doc);
}

void check_unique_ids(const std::vector<Policy>& policies, Diagnostics& diags) {
  std::map<std::string, std::string> seen;
  for (const Policy& p : policies) {
    auto [it, inserted] = seen.emplace(p.id, p.file);
    if (!inserted) {
      diags.push_back({p.file, "/scaling/" + pointer_token(p.id),
                       "duplicate policy name \"" + p.id + "\" (also in " + it->second + ")"});
    }
  }
}

}  // namespace ha
