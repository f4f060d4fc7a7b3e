#include "sim/scenario.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "sim/trace.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

struct ScenarioTest : ::testing::Test {
  fs::path dir =
      fs::temp_directory_path() /
      ("ha-scenario-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override {
    fs::create_directories(dir / "traces");
    write("traces/jobs.csv",
          "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n"
          "0,web,frontend,service,3,500,256,\n"
          "30.5,etl,step,batch,2,2000,1024,600\n");
    write("policy.json", "{}");
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  }
  json scenario() {
    return json::parse(R"({
      "name": "tiny", "seed": 7, "duration": "1d",
      "cluster": { "initial_nodes": 2, "node": {"cpu_mhz": 8000, "memory_mb": 16384},
                   "node_class": "hashistack", "max_vms": 50,
                   "vm_boot": {"dist": "lognormal", "median": "90s", "p95": "180s"},
                   "nomad_join": "15s" },
      "workload": [ {"format": "allocs-csv", "path": "traces/jobs.csv"} ],
      "policies": [ "policy.json" ] })");
  }
  Diagnostics diagnose(const json& doc) {
    Diagnostics diags;
    parse_scenario(doc.dump(), (dir / "s.json").string(), diags);
    return diags;
  }
  void expect_one(const json& doc, const std::string& pointer, const std::string& reason) {
    auto diags = diagnose(doc);
    ASSERT_EQ(diags.size(), 1u) << (diags.empty() ? "none" : diags[0].to_string());
    EXPECT_EQ(diags[0].where, pointer) << diags[0].to_string();
    EXPECT_NE(diags[0].reason.find(reason), std::string::npos) << diags[0].to_string();
  }
};

TEST_F(ScenarioTest, ReadsEveryRequiredKey) {
  Diagnostics diags;
  Scenario s = parse_scenario(scenario().dump(), (dir / "s.json").string(), diags);
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.duration, 24h);
  EXPECT_EQ(s.cluster.initial_nodes, 2);
  EXPECT_EQ(s.cluster.cpu_mhz, 8000);
  EXPECT_EQ(s.cluster.vm_boot.median(), 90s);
  EXPECT_EQ(s.cluster.vm_boot.p95(), 180s);
  EXPECT_TRUE(s.cluster.nomad_join.is_constant());
  ASSERT_EQ(s.workload.size(), 1u);
  EXPECT_EQ(s.workload[0].path, (dir / "traces/jobs.csv").string());
  EXPECT_EQ(s.policies[0], (dir / "policy.json").string());
  EXPECT_EQ(s.cluster_state, "watch");  // the agent's default
  json doc = scenario();
  doc["agent"] = {{"cluster_state", "list"}};
  EXPECT_EQ(parse_scenario(doc.dump(), (dir / "s.json").string(), diags).cluster_state, "list");
  EXPECT_TRUE(diags.empty());
  // The warm pool's start latency and the two prices, with their defaults.
  EXPECT_EQ(s.cluster.vm_start.median(), 30s);
  EXPECT_EQ(s.cluster.price_node_hour, 1.0);
  EXPECT_EQ(s.cluster.price_stopped_vm_hour, 0.05);
  doc["cluster"]["vm_start"] = "45s";
  doc["cluster"]["price"] = {{"node_hour", 0.4}, {"stopped_vm_hour", 0}};
  Scenario priced = parse_scenario(doc.dump(), (dir / "s.json").string(), diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(priced.cluster.vm_start.median(), 45s);
  EXPECT_EQ(priced.cluster.price_node_hour, 0.4);
  EXPECT_EQ(priced.cluster.price_stopped_vm_hour, 0.0);
}

TEST_F(ScenarioTest, EachMistakeIsNamed) {
  json doc = scenario();
  doc.erase("duration");
  expect_one(doc, "/", "missing required key \"duration\"");
  doc = scenario();
  doc["duration"] = "a week";
  expect_one(doc, "/duration", "invalid duration");
  doc = scenario();
  doc["cluster"]["node"]["cpu_mhz"] = -5;
  expect_one(doc, "/cluster/node/cpu_mhz", "expected a whole number >= 1");
  doc = scenario();
  doc["cluster"]["vm_boot"]["p95"] = "10s";
  expect_one(doc, "/cluster/vm_boot/p95", "must not be less than the median");
  doc = scenario();
  doc["cluster"]["vm_boot"] = {{"dist", "weibull"}};
  expect_one(doc, "/cluster/vm_boot/dist", "unknown distribution");
  doc = scenario();
  doc["workload"][0]["format"] = "parquet";
  expect_one(doc, "/workload/0/format", "unknown format \"parquet\"");
  doc = scenario();
  doc["workload"][0]["path"] = "traces/missing.csv";
  expect_one(doc, "/workload/0/path", "file not found");
  doc = scenario();
  doc["workload"][0]["cpu_mhz_per_proc"] = 100;  // an swf key on a csv entry
  expect_one(doc, "/workload/0/cpu_mhz_per_proc", "unknown key");
  doc = scenario();
  doc["cluster"]["initial_nodes"] = 60;
  expect_one(doc, "/cluster/initial_nodes", "greater than max_vms");
  doc = scenario();
  doc["cluster"]["price"] = {{"stopped_vm_hour", -1}};
  expect_one(doc, "/cluster/price/stopped_vm_hour", "expected a number, zero or more");
  doc = scenario();
  doc["cluster"]["price"] = {{"node_hours", 1}};
  expect_one(doc, "/cluster/price/node_hours", "unknown key");
  doc = scenario();
  doc["cluster"]["price"] = 3;
  expect_one(doc, "/cluster/price", "expected");
  doc = scenario();
  doc["policies"] = json::array();
  expect_one(doc, "/policies", "at least one");
  doc = scenario();
  doc["agent"] = {{"cluster_state", "poll"}};
  expect_one(doc, "/agent/cluster_state", "unknown value \"poll\"; known: watch, list");
  doc = scenario();
  doc["agent"] = {{"cache", "watch"}};
  expect_one(doc, "/agent/cache", "unknown key");
  Diagnostics diags;
  parse_scenario("{\"name\": ", "bad.json", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 1);
  EXPECT_EQ(diags[0].column, 10);
}

TEST_F(ScenarioTest, ReadsAllocsCsvPlainAndGzipped) {
  auto tasks = read_allocs_csv((dir / "traces/jobs.csv").string());
  ASSERT_TRUE(tasks.ok()) << tasks.error().message;
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].type, "service");
  EXPECT_FALSE((*tasks)[0].duration);
  EXPECT_EQ((*tasks)[1].submit, 30500ms);
  EXPECT_EQ((*tasks)[1].duration, Duration(600s));
  EXPECT_EQ((*tasks)[1].count, 2);

  std::string gz = (dir / "jobs.csv.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  std::string text =
      "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n1,a,b,batch,1,100,64,5\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  auto zipped = read_allocs_csv(gz);
  ASSERT_TRUE(zipped.ok()) << zipped.error().message;
  EXPECT_EQ(zipped->at(0).job, "a");
}

TEST_F(ScenarioTest, AllocsCsvErrorsNameFileAndLine) {
  struct Case {
    const char* body;
    const char* error;
  } cases[] = {
      {"0,web,g,service,1,100,64\n", "jobs2.csv:2: expected 8 columns, found 7"},
      {"0,web,g,service,-1,100,64,\n", "jobs2.csv:2: count: \"-1\" is not a whole number >= 0"},
      {"0,web,g,cron,1,100,64,\n", "jobs2.csv:2: type: \"cron\""},
      {"x,web,g,service,1,100,64,\n", "jobs2.csv:2: submit_s: \"x\" is not a number"},
      {"0,web,g,batch,1,100,64,\n", "jobs2.csv:2: duration_s: batch rows need a duration"},
      {"0,web,g,service,1,100,64,\n5,a,b,batch,1,1,1,-3\n",
       "jobs2.csv:3: duration_s: must not be negative"},
  };
  for (const Case& c : cases) {
    write("jobs2.csv",
          std::string("submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n") + c.body);
    auto r = read_allocs_csv((dir / "jobs2.csv").string());
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.error().message.find(c.error), std::string::npos) << r.error().message;
  }
  write("jobs3.csv", "time,what\n");
  auto header = read_allocs_csv((dir / "jobs3.csv").string());
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message.find("jobs3.csv:1: expected the header"), std::string::npos);
  auto missing = read_allocs_csv((dir / "nope.csv").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
  write("jobs4.csv",
        "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s,kill_timeout_s\n"
        "0,web,g,service,1,100,64,,x\n");
  auto kill = read_allocs_csv((dir / "jobs4.csv").string());
  ASSERT_FALSE(kill.ok());
  EXPECT_NE(kill.error().message.find("jobs4.csv:2: kill_timeout_s: \"x\" is not a number"),
            std::string::npos)
      << kill.error().message;
}

TEST_F(ScenarioTest, AllocsCsvMayGiveKillTimeoutsAndNamespaces) {
  write("jobs5.csv",
        "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s,kill_timeout_s,namespace\n"
        "0,web,g,service,1,100,64,,30,shop\n"
        "5,etl,s,batch,2,100,64,60,,\n");
  auto tasks = read_allocs_csv((dir / "jobs5.csv").string());
  ASSERT_TRUE(tasks.ok()) << tasks.error().message;
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ(tasks->at(0).kill_timeout, std::chrono::seconds(30));
  EXPECT_EQ(tasks->at(0).namespace_, "shop");
  EXPECT_FALSE(tasks->at(1).kill_timeout);  // Nomad's default
  EXPECT_EQ(tasks->at(1).namespace_, "default");
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

TEST(SwfTrace, ReadsTheNasaIpscTrace) {
  std::string path = std::string(HA_SOURCE_DIR) + "/scenarios/traces/NASA-iPSC-1993-3.1-cln.swf.gz";
  auto trace = read_swf(path, 1000, 1024);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  // 18,239 jobs in the archive; those without a run time or processors cannot be replayed.
  EXPECT_EQ(static_cast<std::int64_t>(trace->tasks.size()) + trace->unusable + trace->cancelled,
            18239);
  EXPECT_EQ(trace->cancelled, 0);
  const TraceTask& first = trace->tasks.front();
  EXPECT_EQ(first.job, "swf-1");
  EXPECT_EQ(first.count, 128);
  EXPECT_EQ(first.cpu_mhz, 1000);
  EXPECT_EQ(first.memory_mb, 1024);  // no memory in this log: the default
  EXPECT_EQ(first.duration, Duration(std::chrono::seconds(1451)));
  EXPECT_EQ(trace->tasks[1].submit, Time(std::chrono::seconds(1460)));
}

TEST(SwfTrace, CancelledSkippedMalformedNamed) {
  auto dir = std::filesystem::temp_directory_path() / "ha-swf-test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "ok.swf") << "; comment\n"
                                     "1 0 -1 100 4 -1 -1 4 200 2048 1 1 1 -1 -1 -1 -1 -1\n"
                                     "2 10 -1 100 4 -1 -1 4 200 -1 5 1 1 -1 -1 -1 -1 -1\n"
                                     "3 20 -1 -1 -1 -1 -1 2 300 -1 0 1 1 -1 -1 -1 -1 -1\n";
    std::ofstream(dir / "bad.swf") << "; comment\n1 0 -1 100 4\n";
  }
  auto ok = read_swf((dir / "ok.swf").string(), 500, 256);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->cancelled, 1);
  ASSERT_EQ(ok->tasks.size(), 2u);
  EXPECT_EQ(ok->tasks[0].memory_mb, 2);                                   // 2048 KB per processor
  EXPECT_EQ(ok->tasks[1].count, 2);                                       // requested processors
  EXPECT_EQ(ok->tasks[1].duration, Duration(std::chrono::seconds(300)));  // requested time
  auto bad = read_swf((dir / "bad.swf").string(), 500, 256);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.swf:2: expected 18 columns, found 5"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Numbers too large for loop time are errors naming the line (they used to overflow when
// converted to nanoseconds: a fuzzing finding).
TEST(TraceNumbers, TooLargeTimesAreErrorsInEveryFormat) {
  auto dir = std::filesystem::temp_directory_path() / "ha-trace-range-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.csv") << "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n"
                                  "1e19,j,g,batch,1,100,64,10\n";
  std::ofstream(dir / "b.swf") << "1 0 -1 1e13 4 -1 -1 4 200 2048 1 1 1 -1 -1 -1 -1 -1\n";
  std::ofstream(dir / "c.csv") << "time_s,value\n0,1\n1e12,2\n";
  auto a = read_allocs_csv((dir / "a.csv").string());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("a.csv:2: submit_s: too large"), std::string::npos)
      << a.error().message;
  auto b = read_swf((dir / "b.swf").string(), 500, 256);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("b.swf:1: column 4"), std::string::npos) << b.error().message;
  auto c = read_rate_csv((dir / "c.csv").string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("c.csv:3: time_s"), std::string::npos) << c.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ha
