// The agent config suites' fixture: files written to a directory of the test's own, and an
// environment the loader reads instead of the process's.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "agent/agent_config.h"

namespace ha::testing {

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("agent-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
           "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  Result<AgentConfig> load(const std::optional<std::string>& file, AgentFlags flags = {}) {
    return load_agent_config(file, flags, [this](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
  std::filesystem::path dir;
  std::map<std::string, std::string> env;
};

}  // namespace ha::testing
