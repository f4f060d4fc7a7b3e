#include "engine/policy/policy_parser.h"

#include <gtest/gtest.h>

#include "backends/runtime/text_file.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A minimal valid cluster policy; tests patch it to break one thing at a time.
json base_policy() {
  return json::parse(R"({
    "scaling": { "p": {
      "enabled": true, "min": 1, "max": 10,
      "policy": {
        "check": { "cpu": {
          "query": "percentage-allocated_cpu",
          "strategy": { "target-value": { "target": 70 } } } },
        "target": { "harvester": { "node_group_name": "g", "node_class": "g" } } } } } })");
}

Diagnostics diagnose(const json& doc) {
  Diagnostics diags;
  parse_policies(doc.dump(), "p.json", diags);
  return diags;
}

// Asserts exactly one diagnostic at `pointer` whose reason contains `reason`.
void expect_one(const json& doc, const std::string& pointer, const std::string& reason,
                bool unknown_name = false) {
  auto diags = diagnose(doc);
  ASSERT_EQ(diags.size(), 1u) << (diags.empty() ? "none" : diags[0].to_string());
  EXPECT_EQ(diags[0].file, "p.json");
  EXPECT_EQ(diags[0].where, pointer) << diags[0].to_string();
  EXPECT_NE(diags[0].reason.find(reason), std::string::npos) << diags[0].to_string();
  EXPECT_EQ(diags[0].unknown_name, unknown_name);
}

TEST(PolicyParser, AppliesUpstreamDefaults) {
  Diagnostics diags;
  auto policies = parse_policies(base_policy().dump(), "p.json", diags);
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  ASSERT_EQ(policies.size(), 1u);
  const Policy& p = policies[0];
  EXPECT_EQ(p.id, "p");
  EXPECT_EQ(p.type, "cluster");
  EXPECT_EQ(p.cooldown, 5min);
  EXPECT_EQ(p.cooldown_on_scale_up, 5min);
  EXPECT_EQ(p.evaluation_interval, 10s);
  EXPECT_EQ(p.on_check_error, OnError::kIgnore);
  ASSERT_EQ(p.checks.size(), 1u);
  EXPECT_EQ(p.checks[0].source, "nomad-apm");
  EXPECT_EQ(p.checks[0].query_window, 1min);
  EXPECT_EQ(p.checks[0].strategy.config.at("target"), "70");
  EXPECT_EQ(p.target.config.at("node_drain_deadline"), "15m");
  EXPECT_EQ(p.target.config.at("node_selector_strategy"), "least_busy");
  EXPECT_FALSE(p.dry_run());
}

TEST(PolicyParser, DisabledUnlessEnabledAsUpstreamFiles) {
  json doc = base_policy();
  doc["scaling"]["p"].erase("enabled");
  Diagnostics diags;
  auto policies = parse_policies(doc.dump(), "p.json", diags);
  ASSERT_TRUE(diags.empty());
  EXPECT_FALSE(policies[0].enabled);
}

TEST(PolicyParser, CooldownOnScaleUpDefaultsToCooldown) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["cooldown"] = "3m";
  Diagnostics diags;
  auto p = parse_policies(doc.dump(), "p.json", diags)[0];
  EXPECT_EQ(p.cooldown_on_scale_up, 3min);
  doc["scaling"]["p"]["policy"]["cooldown_on_scale_up"] = "30s";
  p = parse_policies(doc.dump(), "p.json", diags)[0];
  EXPECT_EQ(p.cooldown, 3min);
  EXPECT_EQ(p.cooldown_on_scale_up, 30s);
}

TEST(PolicyParser, ReadsArrayFormsOfBlocks) {
  json doc = json::parse(R"({
    "scaling": [ { "a": { "max": 3, "policy": [ {
        "check": [ { "one": { "query": "q", "group": "g",
                              "strategy": [ { "pass-through": {} } ] } },
                   { "two": { "strategy": { "fixed-value": { "value": 2 } } } } ],
        "target": [ { "nomad-target": { "Job": "j", "Group": "g" } } ] } ] } },
               { "b": [ { "max": 1, "policy": { "check": { "c": { "query": "q",
                   "query_window": "instant",
                   "strategy": { "threshold": { "upper_bound": 1, "delta": -1 } } } },
                 "target": { "nomad-target": { "Job": "j", "Group": "h" } } } } ] } ] })");
  Diagnostics diags;
  auto policies = parse_policies(doc.dump(), "p.json", diags);
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].checks.size(), 2u);
  EXPECT_EQ(policies[0].checks[0].group, "g");
  EXPECT_TRUE(policies[0].checks[1].source.empty());  // fixed-value reads no metrics
  EXPECT_TRUE(policies[1].checks[0].query_instant);
  EXPECT_EQ(policies[1].target.config.at("Namespace"), "default");
}

TEST(PolicyParser, NormalizedFormReadsBackTheSame) {
  for (const char* file : {"harvester-cluster.json", "web-task-group.json"}) {
    std::string path = std::string(HA_SOURCE_DIR) + "/scenarios/policies/" + file;
    auto text = read_text_file(path);
    ASSERT_TRUE(text.ok()) << text.error().message;
    Diagnostics diags;
    auto policies = parse_policies(*text, path, diags);
    ASSERT_TRUE(diags.empty()) << diags[0].to_string();
    json normalized = to_hcl_json(policies);
    auto again = parse_policies(normalized.dump(), path, diags);
    ASSERT_TRUE(diags.empty()) << diags[0].to_string();
    EXPECT_EQ(to_hcl_json(again), normalized) << file;
  }
}

TEST(PolicyParser, InvalidJsonNamesLineAndColumn) {
  Diagnostics diags;
  parse_policies("{\n  \"scaling\": {\n    \"p\": ,\n", "bad.json", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 3);
  EXPECT_EQ(diags[0].column, 10);
  EXPECT_EQ(diags[0].to_string().rfind("bad.json:3:10: invalid JSON", 0), 0u)
      << diags[0].to_string();
}

TEST(PolicyParser, LimitErrors) {
  json doc = base_policy();
  doc["scaling"]["p"]["min"] = 11;
  expect_one(doc, "/scaling/p/min", "min (11) is greater than max (10)");
  doc = base_policy();
  doc["scaling"]["p"]["min"] = -1;
  expect_one(doc, "/scaling/p/min", "must not be negative");
  doc = base_policy();
  doc["scaling"]["p"]["max"] = "ten";
  expect_one(doc, "/scaling/p/max", "expected a whole number");
  doc = base_policy();
  doc["scaling"]["p"].erase("max");
  expect_one(doc, "/scaling/p", "missing required key \"max\"");
  doc = base_policy();
  doc["scaling"]["p"]["type"] = "vertical_cpu";
  expect_one(doc, "/scaling/p/type", "expected \"cluster\" or \"horizontal\"");
}

TEST(PolicyParser, NodesNeededWithMinZeroMustKnowANewNodesSize) {
  auto with = [](std::int64_t min, const char* query) {
    json doc = base_policy();
    doc["scaling"]["p"]["min"] = min;
    auto& check = doc["scaling"]["p"]["policy"]["check"]["cpu"];
    check["source"] = "nomad-apm";
    check["query"] = query;
    check["strategy"] = {{"pass-through", json::object()}};
    return doc;
  };
  // An empty pool has no node to measure: the policy could never leave zero.
  expect_one(with(0, "nodes_needed/node_class=x,headroom=8"), "/scaling/p/policy/check/cpu/query",
             "could never scale out again");
  expect_one(with(0, "nodes_needed/node_cpu=8000"), "/scaling/p/policy/check/cpu/query",
             "add node_cpu=MHZ,node_memory=MB");
  EXPECT_TRUE(diagnose(with(0, "nodes_needed/node_cpu=8000,node_memory=16384")).empty());
  EXPECT_TRUE(diagnose(with(1, "nodes_needed/node_class=x")).empty());
  // Another source's query of the same name is not nomad-apm's.
  json other = with(0, "nodes_needed");
  other["scaling"]["p"]["policy"]["check"]["cpu"]["source"] = "prometheus";
  EXPECT_TRUE(diagnose(other).empty());
}

TEST(PolicyParser, DurationErrors) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["cooldown"] = "5 minutes";
  expect_one(doc, "/scaling/p/policy/cooldown", "invalid duration \"5 minutes\"");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["evaluation_interval"] = "0s";
  expect_one(doc, "/scaling/p/policy/evaluation_interval", "greater than zero");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["query_window"] = 60;
  expect_one(doc, "/scaling/p/policy/check/cpu/query_window", "expected a duration string");
}

TEST(PolicyParser, UnknownKeysAreLikelyTypos) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["cooldwn"] = "1m";
  expect_one(doc, "/scaling/p/policy/cooldwn", "unknown key");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["strategy"]["target-value"]["targt"] = 1;
  expect_one(doc, "/scaling/p/policy/check/cpu/strategy/target-value/targt", "unknown key");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["memory_requst"] = "4Gi";
  expect_one(doc, "/scaling/p/policy/target/harvester/memory_requst", "unknown key");
}

TEST(PolicyParser, UnknownPluginNamesAreFlagged) {
  json doc = base_policy();
  auto& check = doc["scaling"]["p"]["policy"]["check"]["cpu"];
  check["strategy"] = {{"target-valu", {{"target", 1}}}};
  expect_one(doc, "/scaling/p/policy/check/cpu/strategy/target-valu",
             "unknown strategy \"target-valu\"; known: target-value, threshold, fixed-value, "
             "pass-through",
             true);
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["source"] = "datadog";
  expect_one(doc, "/scaling/p/policy/check/cpu/source",
             "unknown source \"datadog\"; known: nomad-apm, prometheus, sim", true);
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"] = {{"aws-asg", json::object()}};
  expect_one(doc, "/scaling/p/policy/target/aws-asg",
             "unknown target \"aws-asg\"; known: harvester, nomad-target", true);
}

TEST(PolicyParser, StrategyAndTargetConfigErrorsPointAtTheKey) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["strategy"]["target-value"]["target"] = "high";
  expect_one(doc, "/scaling/p/policy/check/cpu/strategy/target-value/target", "invalid value");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["memory_request"] = "4Gq";
  expect_one(doc, "/scaling/p/policy/target/harvester/memory_request", "invalid quantity \"4Gq\"");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["node_selector_strategy"] = "random";
  expect_one(doc, "/scaling/p/policy/target/harvester/node_selector_strategy",
             "unknown node selector");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["node_purge"] = "yes";
  expect_one(doc, "/scaling/p/policy/target/harvester/node_purge", "expected true or false");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"].erase("node_group_name");
  expect_one(doc, "/scaling/p/policy/target/harvester/node_group_name", "missing required");
  // As upstream's cluster targets: a pool is named by node_class, datacenter or node_pool.
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"].erase("node_class");
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["query"] = "percentage-allocated_cpu/datacenter=x";
  expect_one(doc, "/scaling/p/policy/target/harvester/node_class",
             "node pool identification method required");
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["node_pool"] = "batch";
  EXPECT_TRUE(diagnose(doc).empty());
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["node_drain_deadline"] = "soon";
  expect_one(doc, "/scaling/p/policy/target/harvester/node_drain_deadline", "invalid duration");
}

TEST(PolicyParser, StructuralErrors) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"].erase("query");
  expect_one(doc, "/scaling/p/policy/check/cpu", "missing required key \"query\"");
  doc = base_policy();
  doc["scaling"]["p"]["policy"].erase("target");
  expect_one(doc, "/scaling/p/policy", "missing required block \"target\"");
  doc = base_policy();
  doc["scaling"]["p"]["policy"].erase("check");
  expect_one(doc, "/scaling/p/policy", "at least one check");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["strategy"]["fixed-value"] = {{"value", 1}};
  expect_one(doc, "/scaling/p/policy/check/cpu/strategy", "only one strategy block");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["on_error"] = "panic";
  expect_one(doc, "/scaling/p/policy/check/cpu/on_error", "expected \"ignore\" or \"fail\"");
  expect_one(json::array(), "/", "expected an object");
  expect_one(json::object(), "/", "no \"scaling\" block");
}

TEST(PolicyParser, ReportsEveryProblemAtOnce) {
  json doc = base_policy();
  doc["scaling"]["p"]["min"] = 20;
  doc["scaling"]["p"]["policy"]["cooldown"] = "x";
  doc["scaling"]["p"]["policy"]["target"]["harvester"]["cpu_request"] = "-2";
  EXPECT_EQ(diagnose(doc).size(), 3u);
}

TEST(PolicyParser, PolicyNamesMustBeUniqueAcrossFiles) {
  Diagnostics diags;
  auto a = parse_policies(base_policy().dump(), "a.json", diags);
  auto b = parse_policies(base_policy().dump(), "b.json", diags);
  a.insert(a.end(), b.begin(), b.end());
  check_unique_ids(a, diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].file, "b.json");
  EXPECT_NE(diags[0].reason.find("also in a.json"), std::string::npos);
}

// Empty blocks were accepted silently (a fuzzing finding): each is now an error.
TEST(PolicyParser, EmptyStrategyCheckAndTargetBlocksAreErrors) {
  json doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"]["cpu"]["strategy"] = json::object();
  expect_one(doc, "/scaling/p/policy/check/cpu/strategy", "needs one strategy block");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["check"] = json::object();
  expect_one(doc, "/scaling/p/policy/check", "at least one check");
  doc = base_policy();
  doc["scaling"]["p"]["policy"]["target"] = json::object();
  expect_one(doc, "/scaling/p/policy/target", "needs one target block");
}

// A number too large for any type is not a syntax error to the JSON library; it used to
// escape as an exception and abort `validate` (a fuzzing finding).
TEST(PolicyParser, NumbersOutOfRangeAreDiagnosticsNotCrashes) {
  Diagnostics diags;
  parse_policies(R"({"scaling": {"p": {"min": 3e999}}})", "p.json", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].reason.find("invalid JSON"), std::string::npos) << diags[0].to_string();
}

}  // namespace
}  // namespace ha
