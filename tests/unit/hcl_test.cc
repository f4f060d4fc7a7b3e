// The HCL reader: every syntax feature the Nomad Autoscaler's files use, the JSON-syntax
// document it produces, and errors with line and column for everything else.
#include <gtest/gtest.h>

#include "engine/hcl/hcl.h"

namespace ha {
namespace {

using nlohmann::json;

json doc(const std::string& text) {
  auto r = hcl::parse(text);
  std::string errors;
  for (const auto& e : r.errors) {
    errors +=
        std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": " + e.reason + "\n";
  }
  EXPECT_TRUE(r.document.has_value()) << errors;
  return r.document ? r.document->value : json();
}

// "LINE:COL: reason" of every error.
std::vector<std::string> errors(const std::string& text) {
  auto r = hcl::parse(text);
  std::vector<std::string> out;
  for (const auto& e : r.errors) {
    out.push_back(std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": " + e.reason);
  }
  EXPECT_FALSE(r.document.has_value());
  return out;
}

bool has(const std::vector<std::string>& all, const std::string& prefix, const std::string& part) {
  for (const auto& e : all) {
    if (e.rfind(prefix, 0) == 0 && e.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(Hcl, TheUpstreamPolicyShape) {
  json d = doc(R"(scaling "cluster_policy" {
  enabled = true
  min     = 1 # min number of VMs
  max     = 2
  policy {
    cooldown = "2m"
    check "cpu" {
      source = "nomad-apm"
      query  = "percentage-allocated_cpu"
      strategy "target-value" { target = 70 }
    }
    target "harvester" {
      node_class      = "linux"
      memory_request  = "4Gi"
    }
  }
}
)");
  json want = {{"scaling",
                {{"cluster_policy",
                  {{"enabled", true},
                   {"min", 1},
                   {"max", 2},
                   {"policy",
                    {{"cooldown", "2m"},
                     {"check",
                      {{"cpu",
                        {{"source", "nomad-apm"},
                         {"query", "percentage-allocated_cpu"},
                         {"strategy", {{"target-value", {{"target", 70}}}}}}}}},
                     {"target",
                      {{"harvester", {{"node_class", "linux"}, {"memory_request", "4Gi"}}}}}}}}}}}};
  EXPECT_EQ(d, want) << d.dump(2);
}

TEST(Hcl, RepeatedBlocksAndLabels) {
  json d = doc(R"(
check "a" {}
check "b" {
}
policy {}
policy {
  x = 1
}
pair "x" "y" {}
pair "x" "z" {}
bare label {}
same "l" {}
same "l" {}
)");
  EXPECT_EQ(d["check"], json({{"a", json::object()}, {"b", json::object()}}));
  EXPECT_EQ(d["policy"], json::array({json::object(), {{"x", 1}}}));
  EXPECT_EQ(d["pair"], json({{"x", {{"y", json::object()}, {"z", json::object()}}}}));
  EXPECT_EQ(d["bare"], json({{"label", json::object()}}));
  EXPECT_EQ(d["same"], json({{"l", json::array({json::object(), json::object()})}}));
}

TEST(Hcl, Comments) {
  json d =
      doc("# hash\n// slashes\na = 1 // after\n/* block\n spanning */ b = 2\nc = /* in */ 3\n");
  EXPECT_EQ(d, json({{"a", 1}, {"b", 2}, {"c", 3}}));
}

TEST(Hcl, StringsAndEscapes) {
  json d = doc(R"(a = "tab\there \"q\" back\\slash\nline"
u = "\u00e9\U0001F600"
t = "$${not} %%{a template}"
e = ""
)");
  EXPECT_EQ(d["a"], "tab\there \"q\" back\\slash\nline");
  EXPECT_EQ(d["u"], "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(d["t"], "${not} %{a template}");
  EXPECT_EQ(d["e"], "");
}

TEST(Hcl, Heredocs) {
  json d =
      doc("a = <<EOF\nline one\n  line two\nEOF\nb = <<-EOT\n    indented\n      more\n    EOT\nc "
          "= 1\n");
  EXPECT_EQ(d["a"], "line one\n  line two\n");
  EXPECT_EQ(d["b"], "indented\n  more\n");
  EXPECT_EQ(d["c"], 1);
}

TEST(Hcl, NumbersKeywordsTuplesObjects) {
  json d = doc(R"(i = 42
f = 1.5
e = 1e3
n = -2
z = 0755
t = true
no = false
nothing = null
list = [1, "two",
  3,
]
obj = {
  a = 1, b: "x"
  "quoted key" = [true]
}
inline = { c = 1 }
)");
  EXPECT_EQ(d["i"], 42);
  EXPECT_TRUE(d["i"].is_number_integer());
  EXPECT_EQ(d["f"], 1.5);
  EXPECT_EQ(d["e"], 1000.0);
  EXPECT_EQ(d["n"], -2);
  EXPECT_EQ(d["z"], 755);
  EXPECT_EQ(d["t"], true);
  EXPECT_EQ(d["no"], false);
  EXPECT_TRUE(d["nothing"].is_null());
  EXPECT_EQ(d["list"], json({1, "two", 3}));
  EXPECT_EQ(d["obj"], json({{"a", 1}, {"b", "x"}, {"quoted key", {true}}}));
  EXPECT_EQ(d["inline"], json({{"c", 1}}));
}

TEST(Hcl, PositionsAndPaths) {
  auto r = hcl::parse(
      "scaling \"web\" {\n  policy {\n    check \"cpu\" {\n      query = 1\n    }\n  }\n}\n");
  ASSERT_TRUE(r.document);
  const hcl::Document& d = *r.document;
  auto at = d.position_of("/scaling/web/policy/check/cpu/query");
  EXPECT_EQ(at.line, 4);
  EXPECT_EQ(at.column, 7);
  at = d.position_of("/scaling/web/policy/check/cpu/strategy");  // absent: its block
  EXPECT_EQ(at.line, 3);
  EXPECT_EQ(at.column, 5);
  EXPECT_EQ(d.path_of("/scaling/web/policy/check/cpu/strategy"),
            "scaling.web.policy.check.cpu.strategy");
  auto twice = hcl::parse("policy {}\npolicy {\n  a = 1\n}\n");
  ASSERT_TRUE(twice.document);
  EXPECT_EQ(twice.document->path_of("/policy/1/a"), "policy[1].a");
  EXPECT_EQ(twice.document->position_of("/policy/1/a").line, 3);
  EXPECT_EQ(twice.document->position_of("/policy/0").line, 1);
}

TEST(Hcl, ExpressionsAreErrorsWithTheirPlace) {
  EXPECT_TRUE(has(errors("a = \"x ${var.y}\"\n"), "1:8: ", "expressions are not supported"));
  EXPECT_TRUE(has(errors("a = max(1, 2)\n"), "1:5: ", "function max"));
  EXPECT_TRUE(has(errors("a = foo\n"), "1:5: ", "foo is a variable"));
  EXPECT_TRUE(has(errors("a = 1 + 2\n"), "1:7: ", "expressions are not supported"));
  EXPECT_TRUE(has(errors("a = <<EOF\nok\n%{ if x }\nEOF\n"), "3:1: ", "template"));
  EXPECT_TRUE(has(errors("a = [for x in y: x]\n"), "1:6: ", "expressions are not supported"));
}

TEST(Hcl, SyntaxErrors) {
  EXPECT_TRUE(has(errors("a = 1\na = 2\n"), "2:1: ", "set twice (first at 1:1)"));
  EXPECT_TRUE(has(errors("a = \"open\nb = 1\n"), "1:5: ", "unterminated string"));
  EXPECT_TRUE(has(errors("block {\n  a = 1\n"), "1:7: ", "never closed"));
  EXPECT_TRUE(has(errors("x = 1\nx {}\n"), "2:1: ", "already an attribute"));
  EXPECT_TRUE(has(errors("b { a = 1 c = 2 }\n"), "1:11: ", "single-line block"));
  EXPECT_TRUE(has(errors("a = \"\\q\"\n"), "1:6: ", "invalid escape"));
  EXPECT_TRUE(has(errors("a = <<EOF\nnever closed\n"), "1:5: ", "unterminated heredoc"));
  EXPECT_TRUE(has(errors("/* open\n"), "1:1: ", "unterminated comment"));
  EXPECT_TRUE(has(errors("}\n"), "1:1: ", "unexpected }"));
  EXPECT_TRUE(has(errors("a = {b = 1, b = 2}\n"), "1:13: ", "set twice in this object"));
  EXPECT_TRUE(has(errors("k \"l\" {}\nk {}\n"), "2:1: ", "0 labels here and 1"));
}

TEST(Hcl, EveryBrokenLineIsReported) {
  auto all = errors("a = foo\nb = 1\nc = bar()\nd {\n  e = 1 +\n}\n");
  EXPECT_EQ(all.size(), 3u);
  EXPECT_TRUE(has(all, "1:5: ", "variable"));
  EXPECT_TRUE(has(all, "3:5: ", "function bar"));
  EXPECT_TRUE(has(all, "5:9: ", "expressions"));
  // A broken single-line block recovers at its own closing brace: the braces after it still
  // match (before, this also reported "unexpected }" at 6:1).
  all = errors("p {\n  s \"t\" { target = var.t }\n  q = 1\n}\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(has(all, "2:20: ", "variable"));
  all = errors("p {\n  s { a = 1 b = 2 }\n}\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(has(all, "2:13: ", "single-line block"));
}

TEST(Hcl, HostileInputDoesNotCrash) {
  EXPECT_FALSE(errors(std::string(100000, '[')).empty());
  std::string deep = "a = ";
  deep.append(100000, '[');
  EXPECT_FALSE(errors(deep).empty());
  std::string blocks;
  for (int i = 0; i < 1000; ++i) blocks += "b {\n";
  EXPECT_FALSE(errors(blocks).empty());
  EXPECT_FALSE(errors(std::string("a = \"\\U0011FFFF\"\n")).empty());
  EXPECT_FALSE(errors(std::string("\x01\x02\xff", 3)).empty());
  // Invalid UTF-8 in a string (fuzzing finding: writing it out as JSON threw).
  EXPECT_TRUE(has(errors("a = 1\nb = \"x\xC3\x28\"\n"), "2:7: ", "invalid UTF-8"));
  EXPECT_TRUE(has(errors("c = \"\xED\xA0\x80\"\n"), "1:6: ", "invalid UTF-8"));  // a surrogate
  // A byte order mark or no-break space inside the text is not part of a name (as in HCL;
  // found by comparing fuzzing inputs with HashiCorp's parser).
  EXPECT_TRUE(has(errors("p {\n  \xEF\xBB\xBF"
                         "check = 1\n}\n"),
                  "2:3: ", "invalid character"));
  EXPECT_TRUE(has(errors("a\xC2\xA0= 1\n"), "1:2: ", "invalid character"));
  EXPECT_EQ(doc("\xEF\xBB\xBF"
                "a = 1\n"),
            json({{"a", 1}}));  // a BOM at the start is fine
}

}  // namespace
}  // namespace ha
