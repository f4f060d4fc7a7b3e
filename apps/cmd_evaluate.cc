// `evaluate`: one strategy or one policy decision, printed as one JSON object. A contract
// that other tools call; see `evaluate --help` and docs/cli.md.
#include <cmath>
#include <iostream>
#include <map>
#include <optional>

#include "apps/cli.h"
#include "apps/options.h"
#include "backends/runtime/text_file.h"
#include "engine/config_values.h"
#include "engine/policy/plugin_catalog.h"
#include "engine/policy/policy_parser.h"
#include "engine/policy_decision.h"
#include "engine/strategy.h"

namespace ha::cli {
namespace {

using nlohmann::json;

constexpr const char* kEvaluateHelp =
    "Usage: harvester-autoscaler evaluate --strategy NAME [--config KEY=VALUE]... --current N\n"
    "                                     [--metric V[,V...]] [--min A] [--max B]\n"
    "       harvester-autoscaler evaluate --policy FILE [--name POLICY] --current N\n"
    "                                     [--check NAME=V[,V...]]...\n\n"
    "Runs one strategy (or every check of one policy, combined and capped to its min/max)\n"
    "and prints {\"strategy\"|\"policy\":..., \"current\":N, \"count\":M, "
    "\"direction\":\"up|down|none\", \"reason\":...}.\n"
    "Metric values are a check's data points, oldest first. count is the count after the\n"
    "strategy and capping (the current count when nothing is to be done); direction is the\n"
    "sign of count - current. Without --min/--max a single strategy is not capped.\n\n";

// "1,2.5,3" -> points one second apart, oldest first.
TimeSeries parse_points(const std::string& flag, const std::string& text) {
  TimeSeries points;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto v = parse_finite_double(item);
    if (!v) throw InputError{flag + ": \"" + item + "\" is not a finite number"};
    points.push_back({Time(0), *v});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].time = std::chrono::seconds(static_cast<std::int64_t>(i));
  }
  return points;
}

std::pair<std::string, std::string> split_pair(const std::string& flag, const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError{flag + ": expected KEY=VALUE, got \"" + text + "\""};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::int64_t non_negative(const po::variables_map& vm, const char* flag) {
  auto v = vm[flag].as<std::int64_t>();
  if (v < 0) throw UsageError{std::string("--") + flag + " must not be negative"};
  return v;
}

nlohmann::ordered_json result_json(const char* kind, const std::string& name, std::int64_t current,
                                   std::int64_t count, const std::string& reason) {
  Direction d = count > current   ? Direction::kUp
                : count < current ? Direction::kDown
                                  : Direction::kNone;
  return nlohmann::ordered_json{{kind, name},
                                {"current", current},
                                {"count", count},
                                {"direction", std::string(to_string(d))},
                                {"reason", reason}};
}

int evaluate_strategy(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  std::string name = vm["strategy"].as<std::string>();
  const StrategyPlugin* plugin = find_strategy(name);
  if (plugin == nullptr) {
    err << "evaluate: unknown strategy \"" << name << "\"; known: " << join_names(strategy_names())
        << "\n";
    return kExitUsage;
  }
  PluginConfig config;
  if (vm.count("config")) {
    for (const std::string& kv : vm["config"].as<std::vector<std::string>>()) {
      config.insert(split_pair("--config", kv));
    }
  }
  ConfigIssues issues;
  auto keys = plugin->known_keys();
  for (const auto& [key, value] : config) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      issues.push_back({key, "unknown key (a typo?)"});
    }
  }
  auto strategy = plugin->compile(config, issues);
  if (!issues.empty()) {
    for (const ConfigIssue& i : issues) {
      err << "evaluate: --config " << (i.key.empty() ? name : i.key) << ": " << i.reason << "\n";
    }
    return kExitInvalid;
  }
  std::int64_t current = non_negative(vm, "current");
  TimeSeries metrics;
  if (vm.count("metric")) metrics = parse_points("--metric", vm["metric"].as<std::string>());

  auto run = strategy->run(metrics, current);
  if (!run) {
    err << "evaluate: --metric: " << run.error().message << "\n";
    return kExitInvalid;
  }
  std::int64_t count = current;
  std::string reason = "no metrics: the strategy made no decision";
  if (run->has_value()) {
    ScalingAction action = std::move(**run);
    reason = action.reason.empty() ? "no change needed" : action.reason;
    if (action.direction != Direction::kNone) {
      std::int64_t min = vm.count("min") ? non_negative(vm, "min") : INT64_MIN;
      std::int64_t max = vm.count("max") ? non_negative(vm, "max") : INT64_MAX;
      if (min > max) throw UsageError{"--min is greater than --max"};
      action.cap_count(min, max);
      count = action.count;
      reason = action.reason;
    }
  }
  out << result_json("strategy", name, current, count, reason).dump() << "\n";
  return kExitOk;
}

int evaluate_policy(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  std::string file = vm["policy"].as<std::string>();
  auto text = read_text_file(file);
  if (!text) {
    err << text.error().message << "\n";
    return kExitInvalid;
  }
  Diagnostics diags;
  auto policies = parse_policies(*text, file, diags);
  if (!diags.empty()) return report(diags, err);
  const Policy* chosen = nullptr;
  std::string wanted = vm.count("name") ? vm["name"].as<std::string>() : "";
  for (const Policy& p : policies) {
    if (wanted.empty() ? policies.size() == 1 : p.id == wanted) chosen = &p;
  }
  if (chosen == nullptr) {
    std::string names;
    for (const Policy& p : policies) names += (names.empty() ? "" : ", ") + p.id;
    throw UsageError{(wanted.empty() ? "the file holds several policies; pick one with --name"
                                     : "no policy named \"" + wanted + "\"") +
                     " (policies: " + names + ")"};
  }
  std::map<std::string, TimeSeries> given;
  if (vm.count("check")) {
    for (const std::string& kv : vm["check"].as<std::vector<std::string>>()) {
      auto [check, values] = split_pair("--check", kv);
      given[check] = parse_points("--check " + check, values);
    }
  }
  std::vector<Result<TimeSeries>> metrics;
  for (const CheckSpec& c : chosen->checks) {
    auto it = given.find(c.name);
    metrics.emplace_back(it == given.end() ? TimeSeries{} : std::move(it->second));
    if (it != given.end()) given.erase(it);
  }
  if (!given.empty()) {
    std::string names;
    for (const CheckSpec& c : chosen->checks) names += (names.empty() ? "" : ", ") + c.name;
    throw UsageError{"--check " + given.begin()->first +
                     ": the policy has no such check (checks: " + names + ")"};
  }
  auto compiled = CompiledPolicy::compile(*chosen);
  if (!compiled) {
    err << file << ": " << compiled.error().message << "\n";
    return kExitInvalid;
  }
  std::int64_t current = non_negative(vm, "current");
  auto decision = decide(**compiled, current, metrics);
  if (!decision) {
    err << "evaluate: policy " << chosen->id << ": " << decision.error().message << "\n";
    return kExitInvalid;
  }
  std::int64_t count = decision->needed ? decision->action.count : current;
  std::string reason =
      decision->action.reason.empty() ? "no change needed" : decision->action.reason;
  auto result = result_json("policy", chosen->id, current, count, reason);
  result["check"] = decision->winning_check;
  auto checks = nlohmann::ordered_json::array();
  for (const CheckOutcome& c : decision->checks) {
    nlohmann::ordered_json j{{"name", c.check},
                             {"direction", std::string(to_string(c.action.direction))},
                             {"reason", c.action.reason}};
    if (c.action.direction != Direction::kNone) j["count"] = c.action.count;
    if (!c.error.empty()) j["error"] = c.error;
    checks.push_back(j);
  }
  result["checks"] = checks;
  out << result.dump() << "\n";
  return kExitOk;
}

}  // namespace

int run_evaluate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                //
      ("strategy", po::value<std::string>(), "strategy name (target-value, threshold, ...)")  //
      ("config", po::value<std::vector<std::string>>(),
       "strategy config KEY=VALUE (repeatable)")                                               //
      ("metric", po::value<std::string>(), "data points V[,V...], oldest first")               //
      ("policy", po::value<std::string>(), "policy file to evaluate instead of one strategy")  //
      ("name", po::value<std::string>(), "which policy of the file (when it holds several)")   //
      ("check", po::value<std::vector<std::string>>(),
       "check data points NAME=V[,V...] (repeatable)")                         //
      ("current", po::value<std::int64_t>(), "the target's current count")     //
      ("min", po::value<std::int64_t>(), "cap: lowest count (strategy mode)")  //
      ("max", po::value<std::int64_t>(), "cap: highest count (strategy mode)");
  auto vm = parse_options(args, options);
  if (vm.count("help")) {
    out << kEvaluateHelp << options;
    return kExitOk;
  }
  if (vm.count("strategy") == vm.count("policy")) {
    throw UsageError{"give exactly one of --strategy or --policy"};
  }
  if (!vm.count("current")) throw UsageError{"--current is required"};
  if (vm.count("strategy")) {
    for (const char* flag : {"check", "name"}) {
      if (vm.count(flag)) throw UsageError{std::string("--") + flag + " goes with --policy"};
    }
    return evaluate_strategy(vm, out, err);
  }
  for (const char* flag : {"config", "metric", "min", "max"}) {
    if (vm.count(flag)) throw UsageError{std::string("--") + flag + " goes with --strategy"};
  }
  return evaluate_policy(vm, out, err);
}

}  // namespace ha::cli
