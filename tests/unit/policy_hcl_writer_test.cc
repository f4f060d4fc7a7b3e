// The HCL writer: every example policy, written out and read back, is the same policy.
#include "engine/policy/policy_hcl_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "backends/runtime/text_file.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

nlohmann::json read_back(const std::string& text, const std::string& file) {
  Diagnostics diags;
  auto policies = parse_policies(text, file, diags);
  std::string problems;
  for (const auto& d : diags) problems += d.to_string() + "\n";
  EXPECT_TRUE(diags.empty()) << problems << text;
  return to_hcl_json(policies);
}

TEST(PolicyHclWriter, ExamplePoliciesReadBackTheSame) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(HA_SOURCE_DIR) + "/scenarios/policies")) {
    if (entry.path().extension() != ".hcl") continue;
    auto text = read_text_file(entry.path().string());
    ASSERT_TRUE(text.ok());
    nlohmann::json original = read_back(*text, entry.path().string());
    std::string written = write_policies_hcl(original, "a header\nover two lines");
    EXPECT_EQ(written.rfind("# a header\n# over two lines\n", 0), 0u);
    EXPECT_EQ(read_back(written, "written.hcl"), original) << written;
    ++files;
  }
  EXPECT_GE(files, 6);
}

TEST(PolicyHclWriter, QuotesWhatHclWouldReadOtherwise) {
  const std::string kQuery = R"(sum(rate(x{job="a\b"}[1m])) ${not_a_template} %{nor})";
  nlohmann::json doc = {
      {"scaling",
       {{"p",
         {{"enabled", true},
          {"min", 1},
          {"max", 3},
          {"policy",
           {{"check",
             {{"q",
               {{"source", "prometheus"},
                {"query", kQuery},
                {"strategy", {{"target-value", {{"target", 1.5}}}}}}}}},
            {"target", {{"nomad-target", {{"Job", "web"}, {"Group", "g"}}}}}}}}}}}};
  std::string text = write_policies_hcl(doc);
  EXPECT_NE(text.find(R"(query = "sum(rate(x{job=\"a\\b\"}[1m])) $${not_a_template} %%{nor}")"),
            std::string::npos)
      << text;
  Diagnostics diags;
  auto back = parse_policies(text, "q.hcl", diags);
  ASSERT_TRUE(diags.empty()) << diags.front().to_string() << "\n" << text;
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].checks[0].query, kQuery);
}

}  // namespace
}  // namespace ha
