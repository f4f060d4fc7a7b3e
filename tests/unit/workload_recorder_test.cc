// WorkloadRecorder over the memory model's event stream in simulated time: the rows it
// records are the workload the model was given (submit times from the Job events, batch run
// times, services until the end or their stop, one row per system group), whatever drains
// moved; and allocs_csv writes them in the format the simulator reads.
#include "agent/record/workload_recorder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/memory/nomad_memory_api.h"
#include "sim/simulated_loop.h"
#include "sim/trace.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(WorkloadRecorderTest, RecordsTheWorkloadTheClusterWasGiven) {
  SimulatedLoop loop;
  NomadModel model{loop};
  NomadMemoryApi api{loop, model, Latency::constant(20ms)};
  WorkloadRecorder recorder;
  auto stream = api.stream_events(
      {"Job", "Allocation"}, 0, [&](const NomadEventFrame& f) { recorder.on_frame(f); },
      [](Result<Unit>) { FAIL() << "the stream ended"; });
  std::vector<std::string> nodes;
  for (const char* name : {"n1", "n2", "n3"}) {
    nodes.push_back(model.register_node({name, "web", "dc1", "default", 4000, 8192, {}}));
  }
  ASSERT_TRUE(model.register_job({"agent", "system", {{"a", 1, 100, 64, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 10s);
  ASSERT_TRUE(model.register_job({"b", "batch", {{"g", 3, 500, 256, 120s}}}).ok());
  loop.run_until(loop.now() + 50s);  // t = 60 s
  ASSERT_TRUE(model.register_job({"s", "service", {{"w", 2, 1000, 512, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 40s);  // t = 100 s: a drain moves what runs on n1
  ASSERT_TRUE(model.drain_node(nodes[0], NomadDrainSpec{-1ns, false, {}}, false).ok());
  loop.run_until(loop.now() + 100s);  // t = 200 s: one service allocation stops
  ASSERT_TRUE(model.scale_job("s", "w", 1).ok());
  loop.run_until(loop.now() + 400s);  // t = 600 s

  auto rows = recorder.rows(Time(0), loop.now());
  std::string csv = allocs_csv(rows);
  ASSERT_EQ(rows.size(), 4u) << csv;
  EXPECT_EQ(rows[0].job, "agent");
  EXPECT_EQ(rows[0].type, "system");
  EXPECT_EQ(rows[0].count, 1) << "one row per system group, not one per node";
  EXPECT_FALSE(rows[0].duration);
  EXPECT_EQ(rows[1].job, "b");
  EXPECT_EQ(rows[1].submit, 10s);
  EXPECT_EQ(rows[1].count, 3) << "moved batch work is still three allocations: " << csv;
  EXPECT_EQ(rows[1].cpu_mhz, 500);
  EXPECT_EQ(rows[1].memory_mb, 256);
  ASSERT_TRUE(rows[1].duration);
  EXPECT_EQ(*rows[1].duration, 120s);
  // The services: one ran until the end, one from its placement to the scale-in.
  EXPECT_EQ(rows[2].job, "s");
  EXPECT_EQ(rows[3].job, "s");
  EXPECT_EQ(rows[2].submit, 60s);
  EXPECT_EQ(rows[3].submit, 60s);
  int until_end = 0, stopped = 0;
  for (const RecordedRow& r : {rows[2], rows[3]}) {
    EXPECT_EQ(r.count, 1);
    if (!r.duration) ++until_end;
    if (r.duration && *r.duration > 130s && *r.duration < 141s) ++stopped;
  }
  EXPECT_EQ(until_end, 1) << csv;
  EXPECT_EQ(stopped, 1) << csv;
  auto counts = recorder.counts(Time(0));
  EXPECT_GT(counts.replacements, 0) << "the drain moved nothing";
  EXPECT_EQ(counts.cut_short, 0);
  EXPECT_EQ(counts.jobs, 3);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s");
  EXPECT_NE(csv.find("\n10,b,g,batch,3,500,256,120\n"), std::string::npos) << csv;
  // The simulator reads it back as it is.
  std::string path = ::testing::TempDir() + "recorded.allocs.csv";
  std::ofstream(path) << csv;
  auto read = read_allocs_csv(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), rows.size());
  EXPECT_EQ((*read)[1].count, 3);
  EXPECT_EQ((*read)[1].duration, std::optional<Duration>(120s));

  // Saved and loaded, as a resumed recording is: the same rows and counts, and a
  // replacement placed after the load still continues its chain.
  WorkloadRecorder again;
  ASSERT_TRUE(again.load(nlohmann::json::parse(recorder.save().dump())).ok());
  EXPECT_EQ(allocs_csv(again.rows(Time(0), loop.now())), csv);
  EXPECT_EQ(again.counts(Time(0)).replacements, counts.replacements);
  EXPECT_EQ(again.counts(Time(0)).jobs, counts.jobs);
  EXPECT_EQ(again.save(), recorder.save());
  EXPECT_EQ(again.recorded(), recorder.recorded());
  auto resumed = api.stream_events(
      {"Job", "Allocation"}, 0, [&](const NomadEventFrame& f) { again.on_frame(f); },
      [](Result<Unit>) {});
  ASSERT_TRUE(model.drain_node(nodes[1], NomadDrainSpec{-1ns, false, {}}, false).ok());
  loop.run_until(loop.now() + 60s);
  EXPECT_GT(again.counts(Time(0)).replacements, counts.replacements);
  EXPECT_EQ(again.recorded(), recorder.recorded()) << "the moved work is no new work";
  // A broken state is refused, naming the field, and the recorder keeps what it had.
  auto bad = again.load(nlohmann::json{{"chains", {{{"job", 3}}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("workload.chains[0]: ", 0), 0u) << bad.error().message;
  EXPECT_EQ(again.recorded(), recorder.recorded());
}

TEST(WorkloadRecorderTest, BatchWorkStillRunningIsCutShortAndNamesLoseTheirCommas) {
  WorkloadRecorder recorder;
  NomadAllocationStub a{"a1", "x,y", "g", "batch", "n1", "running", "run", 100, 64, "node"};
  a.create_time = Time(5s);
  recorder.on_list({a});
  auto rows = recorder.rows(Time(0), Time(65s));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].duration, 60s);
  EXPECT_EQ(recorder.counts(Time(0)).cut_short, 1);
  EXPECT_NE(allocs_csv(rows).find("\n5,x_y,g,batch,1,100,64,60\n"), std::string::npos)
      << allocs_csv(rows);
}

// Work a job asked for and that never ran: batch work gets its group's median run time, or,
// with none (a job of its own, as each job of an HPC trace is), that of all batch work.
TEST(WorkloadRecorderTest, WorkNeverPlacedGetsTheGroupsOrTheClustersMedianRunTime) {
  WorkloadRecorder recorder;
  auto ended = [](const std::string& id, Duration from, Duration to) {
    NomadAllocationStub a{id, "a", "g", "batch", "n1", "complete", "run", 100, 64, "node"};
    a.create_time = Time(from);
    a.modify_time = Time(to);
    return a;
  };
  recorder.on_job({"a", "default", "batch", "dead", {{"g", 3, 100, 64}}, Time(5s), 0, 1});
  recorder.on_job({"b", "default", "batch", "pending", {{"h", 2, 200, 128}}, Time(20s), 0, 2});
  recorder.on_list({ended("a1", 10s, 40s), ended("a2", 10s, 60s)});
  std::string csv = allocs_csv(recorder.rows(Time(0), Time(100s)));
  // a: 30 s and 50 s recorded, and one more piece at the group's median, 50 s.
  EXPECT_NE(csv.find("\n5,a,g,batch,1,100,64,30\n5,a,g,batch,2,100,64,50\n"), std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\n20,b,h,batch,2,200,128,50\n"), std::string::npos) << csv;
  auto counts = recorder.counts(Time(0));
  EXPECT_EQ(counts.never_placed, 3);
  EXPECT_EQ(counts.cluster_run_time, 2);
  EXPECT_EQ(counts.unknown_run_time, 0);
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// Two jobs of one ID in two namespaces are two jobs: the trace names the other namespace's
// NAMESPACE/ID, and each job's own versions give its submit time.
TEST(WorkloadRecorderTest, JobsOfOneIdInTwoNamespacesStayApart) {
  WorkloadRecorder recorder;
  NomadEventFrame frame;
  frame.index = 5;
  auto job = [](const std::string& ns, std::int64_t submit_s) {
    NomadEvent e;
    e.topic = "Job";
    e.job = std::make_shared<NomadJob>(
        NomadJob{"web", ns, "batch", "running", {{"g", 1, 100, 64}}, seconds(submit_s), 0, 1});
    return e;
  };
  auto alloc = [](const std::string& id, const std::string& ns, std::int64_t placed_s) {
    NomadEvent e;
    e.topic = "Allocation";
    NomadAllocationStub a{id, "web", "g", "batch", "n1", "complete", "run", 100, 64};
    a.create_time = seconds(placed_s);
    a.modify_time = seconds(placed_s + 30);
    a.namespace_ = ns;
    e.allocation = std::make_shared<NomadAllocationStub>(a);
    return e;
  };
  frame.events = {job("default", 10), job("shop", 20), alloc("a1", "", 12),
                  alloc("a2", "shop", 25)};
  recorder.on_frame(frame);
  EXPECT_TRUE(recorder.knows_job("web"));
  EXPECT_TRUE(recorder.knows_job("shop/web"));
  auto rows = recorder.rows(Time(0), seconds(100));
  ASSERT_EQ(rows.size(), 2u) << allocs_csv(rows);
  EXPECT_EQ(rows[0].job, "web");
  EXPECT_EQ(rows[0].submit, 10s);
  EXPECT_EQ(rows[1].job, "shop/web");
  EXPECT_EQ(rows[1].submit, 20s);
  EXPECT_EQ(*rows[1].duration, 30s);
}

}  // namespace
}  // namespace ha
