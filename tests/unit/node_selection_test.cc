#include "engine/harvester/node_selection.h"

#include <gtest/gtest.h>

#include "engine/harvester/harvester_target.h"

namespace ha {
namespace {

NodeCandidate node(const std::string& id, std::uint64_t create_index,
                   std::vector<std::pair<std::string, std::int64_t>> allocs) {
  NodeCandidate c;
  c.node.id = id;
  c.node.create_index = create_index;
  c.node.cpu_mhz = 4000;
  c.node.memory_mb = 8192;
  for (const auto& [type, cpu] : allocs) {
    c.allocations.push_back({"a", "j", "g", type, id, "running", "run", cpu, 1024});
  }
  return c;
}

std::vector<std::string> ids(const std::vector<const NodeCandidate*>& chosen) {
  std::vector<std::string> out;
  for (const auto* c : chosen) out.push_back(c->node.id);
  return out;
}

TEST(NodeSelection, LeastBusyPrefersTheEmptiest) {
  std::vector<NodeCandidate> nodes = {node("busy", 1, {{"service", 3000}}), node("idle", 2, {}),
                                      node("some", 3, {{"service", 1000}})};
  EXPECT_EQ(ids(select_nodes(nodes, "least_busy", 2)), (std::vector<std::string>{"idle", "some"}));
}

TEST(NodeSelection, CreateIndexOrders) {
  std::vector<NodeCandidate> nodes = {node("b", 2, {}), node("c", 3, {}), node("a", 1, {})};
  EXPECT_EQ(ids(select_nodes(nodes, "newest_create_index", 2)),
            (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(ids(select_nodes(nodes, "oldest_create_index", 2)),
            (std::vector<std::string>{"a", "b"}));
}

TEST(NodeSelection, EmptySelectorsAndSystemJobs) {
  std::vector<NodeCandidate> nodes = {node("sys", 1, {{"system", 100}}),
                                      node("svc", 2, {{"service", 100}}), node("none", 3, {})};
  EXPECT_EQ(ids(select_nodes(nodes, "empty", 3)), (std::vector<std::string>{"none"}));
  EXPECT_EQ(ids(select_nodes(nodes, "empty_ignore_system", 3)),
            (std::vector<std::string>{"sys", "none"}));
  NodeCandidate stopped = node("stopped", 4, {{"service", 100}});
  stopped.allocations[0].client_status = "complete";
  nodes.push_back(stopped);
  EXPECT_EQ(ids(select_nodes(nodes, "empty", 3)), (std::vector<std::string>{"none", "stopped"}));
}

TEST(NodeSelection, FitCheckUsesCpuAndMemoryAndSkipsSystemWork) {
  NodeCandidate leaving = node("l", 1, {{"service", 2000}, {"system", 3000}});
  NodeCandidate roomy = node("r", 2, {{"service", 1500}});
  NodeCandidate full = node("f", 3, {{"service", 3500}});
  EXPECT_TRUE(work_fits_elsewhere({&leaving}, {&roomy, &full}));
  EXPECT_FALSE(work_fits_elsewhere({&leaving}, {&full}));
  roomy.node.memory_mb = 1500;  // cpu room but 1024 MB already used: 476 MB left
  EXPECT_FALSE(work_fits_elsewhere({&leaving}, {&roomy, &full}));
  EXPECT_TRUE(work_fits_elsewhere({}, {}));
}

TEST(HarvesterConnection, EnvironmentTakesPrecedenceAndIsRequiredOutsideSimulation) {
  auto env = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "HARVESTER_URL") return "https://harvester.example:6443";
    return std::nullopt;
  };
  PluginConfig config = HarvesterTarget::with_env_overrides(
      {{"harvester_url", "https://old"}, {"auth_token", "t"}}, env);
  EXPECT_EQ(config.at("harvester_url"), "https://harvester.example:6443");
  EXPECT_EQ(config.at("auth_token"), "t");
}

}  // namespace
}  // namespace ha
