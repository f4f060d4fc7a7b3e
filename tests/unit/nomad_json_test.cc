// Nomad's wire format as the readers and writers of backends/wire/nomad_json see it,
// against the reference payloads: fields read, units kept, errors naming the field.
#include "backends/wire/nomad_json.h"

#include <gtest/gtest.h>

#include "nomad_reference.h"

namespace ha {
namespace {

using nlohmann::json;
using testing::nomad_reference;
using namespace std::chrono_literals;

// LastDrain as Nomad lists it (the reference example): who drained the node, and how it went;
// a malformed one is an error naming the field.
TEST(NomadJson, ReadsLastDrainFromTheNodeList) {
  json listed = nomad_reference("node-list.json");
  auto stub = nomad_json::read_node_stub(listed[1]);
  ASSERT_TRUE(stub.ok()) << stub.error().message;
  EXPECT_EQ(stub->last_drain_status, "draining");
  EXPECT_EQ(stub->last_drain_meta.at("message"), "scale-in by autoscaler");
  json bad = listed[1];
  bad["LastDrain"]["Meta"] = 5;
  auto r = nomad_json::read_node_stub(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("LastDrain.Meta"), std::string::npos) << r.error().message;
}

TEST(NomadJson, DrainStrategyDeadlineIsInNanoseconds) {
  NomadNode n;
  n.id = "id";
  n.drain = true;
  n.drain_strategy = NomadDrainSpec{std::chrono::minutes(5), true};
  json j = nomad_json::node(n);
  EXPECT_EQ(j["DrainStrategy"]["Deadline"].get<std::int64_t>(), 300'000'000'000);
  EXPECT_EQ(j["DrainStrategy"]["IgnoreSystemJobs"], true);
  EXPECT_EQ(j["Drain"], true);
  auto back = nomad_json::read_node(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->drain_strategy->deadline, std::chrono::minutes(5));
  EXPECT_EQ(
      nomad_json::drain_request("id", NomadDrainSpec{-1ns, false}, false)["DrainSpec"]["Deadline"],
      -1);
}

TEST(NomadJson, ReadersNameTheMissingField) {
  auto stub = nomad_json::read_node_stub({{"ID", "x"}, {"Name", "n"}, {"Status", 3}});
  ASSERT_FALSE(stub.ok());
  EXPECT_EQ(stub.error().message, "node.Status: unexpected type number");
  auto node = nomad_json::read_node(nomad_reference("node.json"));
  ASSERT_TRUE(node.ok()) << node.error().message;
  // Allocatable, as upstream's nomad-apm counts it: NodeResources less ReservedResources.
  EXPECT_EQ(node->cpu_mhz, 8000 - 200);
  EXPECT_EQ(node->memory_mb, 15990 - 512);
  auto listed = nomad_json::read_node_stub(nomad_reference("node-list.json")[1]);  // resources=true
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(listed->cpu_mhz, 8000 - 200);
  EXPECT_EQ(nomad_json::read_node_stub(nomad_reference("node-list.json")[0])->cpu_mhz, 0);
  json no_resources = nomad_reference("node.json");
  no_resources.erase("NodeResources");
  EXPECT_EQ(nomad_json::read_node(no_resources).error().message, "node.NodeResources: missing");
  auto status = nomad_json::read_job_scale_status(nomad_reference("job-scale-status.json"));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->task_groups.at("frontend").running, 3);
  for (const auto& a : nomad_reference("allocations.json")) {
    EXPECT_TRUE(nomad_json::read_allocation(a).ok());
  }
  // A list stub with resources=true: AllocatedResources summed over its tasks.
  json stub_with = nomad_reference("allocation-stubs.json")[0];
  stub_with["AllocatedResources"] = nomad_reference("allocations.json")[0]["AllocatedResources"];
  stub_with["AllocatedResources"]["Tasks"]["sidecar"] = {{"Cpu", {{"CpuShares", 100}}},
                                                         {"Memory", {{"MemoryMB", 64}}}};
  auto read = nomad_json::read_allocation(stub_with);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->cpu_mhz, 500 + 100);
  EXPECT_EQ(read->memory_mb, 256 + 64);
  EXPECT_EQ(read->job_type, "service");  // JobType: a stub has no Job
  stub_with["AllocatedResources"]["Tasks"]["sidecar"]["Cpu"]["CpuShares"] = "lots";
  EXPECT_NE(nomad_json::read_allocation(stub_with).error().message.find("sidecar"),
            std::string::npos);
}

}  // namespace
}  // namespace ha
