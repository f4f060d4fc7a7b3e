// Nomad's wire format as the readers and writers of backends/wire/nomad_json see it,
// against the reference payloads: fields read, units kept, errors naming the field.
#include "backends/wire/nomad_json.h"

#include <gtest/gtest.h>

#include <fstream>

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

// The event stream's lines: the reference's (a Node topic, whose payload is skipped), and
// an Allocation event written as the mock writes it and read back; a bad line names where.
TEST(NomadJson, EventFramesRoundTripAndNameTheirErrors) {
  std::ifstream f(std::string(HA_SOURCE_DIR) +
                  "/third_party/nomad/examples/event-stream-node.ndjson");
  std::vector<NomadEventFrame> frames;
  for (std::string line; std::getline(f, line);) {
    auto frame = nomad_json::read_event_frame(json::parse(line));
    ASSERT_TRUE(frame.ok()) << frame.error().message;
    frames.push_back(*frame);
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_TRUE(frames[0].heartbeat());
  ASSERT_EQ(frames[1].events.size(), 1u);
  EXPECT_EQ(frames[1].index, 160u);
  EXPECT_EQ(frames[1].events[0].topic, "Node");
  EXPECT_EQ(frames[1].events[0].type, "NodeDrain");
  EXPECT_FALSE(frames[1].events[0].allocation);
  ASSERT_TRUE(frames[1].events[0].node);
  EXPECT_EQ(frames[1].events[0].node->name, "worker-2");
  EXPECT_FALSE(frames[1].events[0].node->drain);  // the drain completed
  EXPECT_EQ(frames[1].events[0].node->last_drain_status, "complete");
  EXPECT_TRUE(frames[2].heartbeat());

  auto stub = std::make_shared<const NomadAllocationStub>(NomadAllocationStub{
      "a1", "web", "g", "service", "n1", "complete", "stop", 700, 512, "worker-1"});
  NomadEventFrame out{42, {{"Allocation", "PlanResult", "a1", "default", 42, stub}}};
  json line = nomad_json::event_frame(out);
  EXPECT_TRUE(line["Events"][0]["Payload"]["Allocation"]["Job"].is_null());
  EXPECT_EQ(line["Events"][0]["FilterKeys"][0], "web");
  auto back = nomad_json::read_event_frame(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->events.size(), 1u);
  const NomadEvent& e = back->events[0];
  EXPECT_EQ(back->index, 42u);
  EXPECT_EQ(e.type, "PlanResult");
  ASSERT_TRUE(e.allocation);
  EXPECT_EQ(e.allocation->node_name, "worker-1");
  EXPECT_EQ(e.allocation->cpu_mhz, 700);
  EXPECT_TRUE(is_terminal(*e.allocation));
  EXPECT_TRUE(nomad_json::read_event_frame(json::object())->heartbeat());
  NomadJob job{"web", "default", "batch", "running", {{"g", 3, 700, 512}}, Time(5), 2, 9};
  auto job_back = nomad_json::read_job(nomad_json::job(job));
  ASSERT_TRUE(job_back.ok()) << job_back.error().message;
  EXPECT_EQ(job_back->type, "batch");
  EXPECT_EQ(job_back->submit_time, Time(5));
  EXPECT_EQ(job_back->version, 2u);
  ASSERT_EQ(job_back->task_groups.size(), 1u);
  EXPECT_EQ(job_back->task_groups[0].count, 3);
  EXPECT_EQ(job_back->task_groups[0].memory_mb, 512);
  json bad_job = nomad_json::job(job);
  bad_job["TaskGroups"][0]["Tasks"][0]["Resources"]["CPU"] = "lots";
  EXPECT_EQ(
      nomad_json::read_job(bad_job).error().message,
      "job.TaskGroups[0].Tasks[0].Resources.CPU: expected a whole number in range, not \"lots\"");

  // An event that cannot be read is skipped, named by its frame's index; the others stay.
  line["Events"].push_back(line["Events"][0]);
  line["Events"][0]["Payload"]["Allocation"].erase("JobID");
  auto partly = nomad_json::read_event_frame(line);
  ASSERT_TRUE(partly.ok()) << partly.error().message;
  EXPECT_EQ(partly->events.size(), 1u);
  ASSERT_EQ(partly->skipped.size(), 1u);
  EXPECT_EQ(partly->skipped[0], "event frame 42.Events[0].Payload.allocation.JobID: missing");
  EXPECT_FALSE(partly->heartbeat());
  // A line that is not a frame reads as one skipped entry, after the last index read.
  auto broken = nomad_json::read_event_line("{\"Index\": 43, \"Even", 42, "GET /v1/event/stream");
  EXPECT_EQ(broken.index, 0u);
  EXPECT_TRUE(broken.events.empty());
  ASSERT_EQ(broken.skipped.size(), 1u);
  EXPECT_EQ(broken.skipped[0].rfind("GET /v1/event/stream: after index 42: not JSON: ", 0), 0u)
      << broken.skipped[0];
  EXPECT_FALSE(broken.heartbeat());
  EXPECT_EQ(nomad_json::read_event_line("[1]", 42, "S").skipped.at(0),
            "S: after index 42: event frame: expected an object");
  EXPECT_TRUE(nomad_json::read_event_line("{}", 42, "S").heartbeat());
  EXPECT_EQ(nomad_json::read_event_line(line.dump(), 41, "S").skipped.at(0),
            "S: event frame 42.Events[0].Payload.allocation.JobID: missing");
  EXPECT_EQ(
      nomad_json::read_event_frame({{"Index", -1}, {"Events", json::array()}}).error().message,
      "event frame.Index: expected a whole number in range, not -1");
  EXPECT_EQ(nomad_json::read_event_frame({{"Index", 3u}, {"Events", 3}}).error().message,
            "event frame.Events: expected an array");
  EXPECT_FALSE(nomad_json::read_event_frame(json::array()).ok());
}

}  // namespace
}  // namespace ha
