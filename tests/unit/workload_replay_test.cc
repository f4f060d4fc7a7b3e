// rate-csv and alibaba-batch: the readers (with their errors) and the replays in a
// simulation (two-level scaling; DAG ordering in simulated time).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/policy/policy_parser.h"
#include "sim/dag_replay.h"
#include "sim/service_replay.h"
#include "sim/simulated_loop.h"
#include "sim/simulation.h"
#include "sim/trace.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct TraceFiles : ::testing::Test {
  fs::path dir = fs::temp_directory_path() /
                 ("ha-workload-" +
                  std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

TEST_F(TraceFiles, RateCsvReadsAStepFunction) {
  auto points = read_rate_csv(write("r.csv", "time_s,value\n0,10\n300,12.5\n\n600,0\n"));
  ASSERT_TRUE(points.ok()) << points.error().message;
  ASSERT_EQ(points->size(), 3u);
  EXPECT_EQ((*points)[1].time, Time(300s));
  EXPECT_DOUBLE_EQ((*points)[1].value, 12.5);
}

TEST_F(TraceFiles, RateCsvErrorsNameFileAndLine) {
  auto header = read_rate_csv(write("h.csv", "t,v\n0,1\n"));
  EXPECT_NE(header.error().message.find("h.csv:1: expected the header time_s,value"),
            std::string::npos);
  auto back = read_rate_csv(write("b.csv", "time_s,value\n10,1\n5,1\n"));
  EXPECT_NE(back.error().message.find("b.csv:3: time_s goes back"), std::string::npos);
  auto negative = read_rate_csv(write("n.csv", "time_s,value\n0,-1\n"));
  EXPECT_NE(negative.error().message.find("n.csv:2: value: \"-1\" is not a number >= 0"),
            std::string::npos);
  auto columns = read_rate_csv(write("c.csv", "time_s,value\n0,1,2\n"));
  EXPECT_NE(columns.error().message.find("c.csv:2: expected 2 columns, found 3"),
            std::string::npos);
  EXPECT_FALSE(read_rate_csv(write("e.csv", "time_s,value\n")).ok());
}

TEST_F(TraceFiles, PlanetLabReferenceTraceReads) {
  auto points = read_rate_csv(std::string(HA_SOURCE_DIR) +
                              "/scenarios/traces/planetlab-20110303-busy-cores.csv");
  ASSERT_TRUE(points.ok()) << points.error().message;
  EXPECT_EQ(points->size(), 288u);  // every 5 minutes for one day
  EXPECT_DOUBLE_EQ(points->front().value, 124.08);
}

TEST_F(TraceFiles, AlibabaBuildsDagsInDependencyOrder) {
  // Rows out of order on purpose; J3_1_2 joins M1 and M2, R4_3 follows it.
  auto trace = read_alibaba_batch(write("b.csv",
                                        "R4_3,1,j_1,1,Terminated,400,500,100,1\n"
                                        "J3_1_2,2,j_1,1,Terminated,300,360,200,2\n"
                                        "M1,4,j_1,1,Terminated,100,200,50,0.5\n"
                                        "M2,1,j_1,1,Terminated,120,220,100,1\n"
                                        "task_abc,3,j_2,1,Terminated,150,250,100,1\n"
                                        "M1,1,j_3,1,Waiting,,,100,1\n"),
                                  1000, 100000);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->skipped_jobs, 1);  // j_3 never ran
  ASSERT_EQ(trace->jobs.size(), 2u);
  const DagJob& j1 = trace->jobs[0];
  ASSERT_EQ(j1.tasks.size(), 4u);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < j1.tasks.size(); ++i) at[j1.tasks[i].name] = i;
  EXPECT_LT(at["M1"], at["J3_1_2"]);
  EXPECT_LT(at["M2"], at["J3_1_2"]);
  EXPECT_LT(at["J3_1_2"], at["R4_3"]);
  const DagTask& join = j1.tasks[at["J3_1_2"]];
  EXPECT_EQ(join.preds.size(), 2u);
  EXPECT_EQ(join.instances, 2);
  EXPECT_EQ(join.cpu_mhz, 2000);    // plan_cpu 200 = two cores of 1000 MHz
  EXPECT_EQ(join.memory_mb, 2000);  // 2% of 100000 MB
  EXPECT_EQ(join.duration, 60s);
  EXPECT_EQ(j1.tasks[at["M1"]].start, Time(0s));  // relative to the earliest start
  EXPECT_EQ(trace->jobs[1].tasks[0].preds.size(), 0u);
}

TEST_F(TraceFiles, AlibabaRejectsDanglingDependenciesAndCycles) {
  auto dangling = read_alibaba_batch(write("d.csv",
                                           "M1,1,j_9,1,Terminated,1,2,100,1\n"
                                           "R2_7,1,j_9,1,Terminated,3,4,100,1\n"),
                                     1000, 1000);
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find(
                "d.csv:2: job j_9: task R2_7 depends on task 7, which the job does not have"),
            std::string::npos)
      << dangling.error().message;
  auto cycle = read_alibaba_batch(write("c.csv",
                                        "M1_2,1,j_5,1,Terminated,1,2,100,1\n"
                                        "R2_1,1,j_5,1,Terminated,3,4,100,1\n"),
                                  1000, 1000);
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message.find("job j_5: its task dependencies form a cycle"),
            std::string::npos);
  auto columns = read_alibaba_batch(write("w.csv", "M1,1,j_1,1,Terminated,1,2\n"), 1000, 1000);
  EXPECT_NE(columns.error().message.find("w.csv:1: expected 9 columns"), std::string::npos);
}

// DAG replay on a fixed cluster: a successor starts only when all its predecessors ended.
TEST(DagReplayTest, SuccessorsWaitForAllPredecessors) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  nomad.register_node({"n1", "c", "dc1", "default", 8000, 16384, {}});
  DagJob job{"j", {}};
  job.tasks.push_back({"M1", 2, 1000, 100, 100s, Time(10s), {}, {2}});
  job.tasks.push_back({"M2", 1, 1000, 100, 300s, Time(20s), {}, {2}});
  job.tasks.push_back({"J3_1_2", 1, 1000, 100, 50s, Time(0s), {0, 1}, {}});
  std::vector<DagJob> jobs{job};
  DagReplay dags(loop, nomad, jobs, 8000, 16384);
  std::map<std::string, Time> placed;
  nomad.on_alloc_event = [&](const NomadAllocEvent& e) {
    if (e.kind == NomadAllocEvent::Kind::kPlaced) placed.try_emplace(e.job_id, loop.now());
    dags.on_alloc_event(e);
  };
  dags.start(Time(1h));
  loop.run();
  EXPECT_EQ(placed.at("j/M1"), Time(10s));
  EXPECT_EQ(placed.at("j/J3_1_2"), Time(320s));  // after M2 (20 s + 300 s), not M1
  ASSERT_EQ(dags.makespans().size(), 1u);
  EXPECT_DOUBLE_EQ(dags.makespans()[0], 360.0);  // 10 s .. 370 s
  EXPECT_EQ(dags.allocations_submitted(), 4);
}

TEST(DagReplayTest, TaskLargerThanANodeIsNeverPlaceableAndBlocksItsJob) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  nomad.register_node({"n1", "c", "dc1", "default", 8000, 16384, {}});
  DagJob job{"j", {}};
  job.tasks.push_back({"M1", 3, 9000, 100, 10s, Time(0s), {}, {1}});
  job.tasks.push_back({"R2_1", 1, 1000, 100, 10s, Time(0s), {0}, {}});
  std::vector<DagJob> jobs{job};
  DagReplay dags(loop, nomad, jobs, 8000, 16384);
  nomad.on_alloc_event = [&](const NomadAllocEvent& e) { dags.on_alloc_event(e); };
  dags.start(Time(1h));
  loop.run();
  EXPECT_EQ(dags.never_placeable(), 3);
  EXPECT_TRUE(dags.makespans().empty());
}

TEST(ServiceReplayTest, AnswersLoadPerRunningAllocation) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  nomad.register_node({"n1", "c", "dc1", "default", 8000, 16384, {}});
  RateDrivenService svc{"web", "g", 10, 1000, 512, {{Time(0s), 35}, {Time(60s), 80}}, "s"};
  ServiceReplay replay(loop, nomad, svc, 10s);
  ASSERT_TRUE(replay.start(1, 20, Time(120s)).ok());
  loop.run_until(Time(65s));
  EXPECT_EQ(nomad.job_scale_status("web")->task_groups.at("g").desired, 4);  // ceil(35 / 10)
  std::optional<Result<TimeSeries>> got;
  replay.query("load_per_alloc", {Time(50s), Time(60s)}, [&](Result<TimeSeries> r) { got = r; });
  loop.run_until(Time(66s));
  ASSERT_TRUE(got && got->ok());
  ASSERT_EQ((*got)->size(), 2u);
  EXPECT_DOUBLE_EQ((**got)[0].value, 35.0 / 4);
  EXPECT_DOUBLE_EQ((**got)[1].value, 80.0 / 4);
  replay.query("nope", {Time(0s), Time(60s)}, [&](Result<TimeSeries> r) { got = r; });
  loop.run_until(Time(67s));
  EXPECT_FALSE(got->ok());
  loop.run();
  // Overloaded: the sample at 0 s (nothing placed yet) and 80 > 4 x 10 from 60 s to 120 s
  // (7 samples), 10 s each.
  EXPECT_DOUBLE_EQ(replay.report()["overloaded_seconds"].get<double>(), 80.0);
}

// Two levels: load rises, the task-group policy adds allocations, the pending ones make the
// cluster policy add nodes; load falls and both come back down.
TEST(ServiceReplayTest, TwoLevelScalingFollowsTheLoad) {
  Diagnostics diags;
  auto parse = [&](const std::string& text) { return parse_policies(text, "p.json", diags).at(0); };
  Policy cluster = parse(R"({"scaling": {"c": {"enabled": true, "min": 1, "max": 20, "policy": {
      "cooldown": "1m", "evaluation_interval": "20s",
      "check": {
        "pending": {"query": "pending_allocations", "group": "p",
                    "strategy": {"threshold": {"lower_bound": 1, "delta": 2, "within_bounds_trigger": 1}}},
        "idle": {"query": "percentage-allocated_cpu", "group": "p",
                 "strategy": {"threshold": {"upper_bound": 30, "delta": -1, "within_bounds_trigger": 1}}}},
      "target": {"harvester": {"node_group_name": "g", "node_class": "g", "node_purge": "true"}}}}}})");
  Policy tg = parse(R"({"scaling": {"t": {"enabled": true, "min": 1, "max": 40, "policy": {
      "cooldown": "30s", "evaluation_interval": "15s",
      "check": {"lpa": {"source": "sim", "query": "load_per_alloc",
                        "strategy": {"target-value": {"target": 8}}}},
      "target": {"nomad-target": {"Job": "web", "Group": "fe"}}}}}})");
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  Scenario s;
  s.name = "two-level";
  s.duration = 6h;
  s.cluster.initial_nodes = 1;
  s.cluster.cpu_mhz = 4000;
  s.cluster.memory_mb = 8192;
  s.cluster.node_class.assign("c");
  s.cluster.max_vms = 20;
  Workload w;
  w.services.push_back(
      {"web", "fe", 10, 1000, 512, {{Time(0s), 20}, {Time(1h), 200}, {Time(3h), 20}}, "s"});
  auto out = run_simulation(s, {cluster, tg}, w);
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto& r = out->report;
  const auto& svc = r["services"].at(0);
  EXPECT_GE(svc["running_max"].get<int>(), 20);  // 200 / 8 per alloc = 25 wanted
  EXPECT_GT(r["actions"]["scale_out"].get<int>(), 0);
  EXPECT_GT(r["actions"]["scale_in"].get<int>(), 0);
  EXPECT_LT(svc["unserved_load_fraction"].get<double>(), 0.1);
  EXPECT_EQ(r["invariant_violations"]["count"].get<int>(), 0);
  // At the end (load 20 again for 3 h) the cluster has shrunk back.
  EXPECT_LE(r["final_nodes"].get<int>(), 3);
}

}  // namespace
}  // namespace ha
