// DumpRecording over a dump written in Nomad's format (the writers the mock servers use): the
// work from the allocations (a replacement named by its predecessor's NextAllocation is the
// same work), submit times from the jobs, the span from the oldest ended allocation to the
// dump's time, the nodes of the class, what the dump cannot know; and errors that name the
// file and the element.
#include "agent/record/dump_recording.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct DumpRecordingTest : ::testing::Test {
  // One directory per test: ctest runs this fixture's tests at once.
  std::string dir = ::testing::TempDir() + "dump-recording-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
  json allocations = json::array(), nodes = json::array(), jobs = json::array();

  DumpRecordingTest() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const char* id : {"n1", "n2"}) {
      nodes.push_back(nomad_json::node_stub(
          {id, id, "web", "dc1", "default", "ready", "eligible", false, "", {}, 1, 1, 4000, 8192},
          true));
    }
    nodes.push_back(nomad_json::node_stub({"g1",
                                           "g1",
                                           "gpu",
                                           "dc1",
                                           "default",
                                           "ready",
                                           "eligible",
                                           false,
                                           "",
                                           {},
                                           1,
                                           1,
                                           16000,
                                           65536},
                                          true));
    // Batch job b: a1 ran 100-160 s and completed; a2 was lost at 200 s on n1, replaced by a3
    // (200-260 s on n2); g: one allocation on the gpu node. s: a service since 50 s.
    add("a1", "b", "batch", "n1", "complete", 100s, 160s);
    add("a2", "b", "batch", "n1", "lost", 150s, 200s, "a3");
    add("a3", "b", "batch", "n2", "complete", 200s, 260s);
    add("a4", "g", "batch", "g1", "running", 120s, 120s);
    add("a5", "s", "service", "n2", "running", 50s, 50s);
    NomadJobSummary b{"b", "default", "batch", "dead", {{"g", {0, 0, 0, 4, 0, 1}}}, Time(90s)};
    NomadJobSummary s{"s", "default", "service", "running", {{"g", {0, 0, 1, 0, 0, 0}}}, Time(40s)};
    jobs.push_back(nomad_json::job_list_stub(b, 9));
    jobs.push_back(nomad_json::job_list_stub(s, 9));
  }
  void add(const std::string& id, const std::string& job, const std::string& type,
           const std::string& node, const std::string& status, Duration created, Duration modified,
           const std::string& next = "") {
    NomadAllocationStub a{id, job, "g", type, node, status, "run", 500, 256, node};
    a.create_time = Time(created);
    a.modify_time = Time(modified);
    a.next_allocation = next;
    allocations.push_back(nomad_json::allocation_stub(a, node, true));
  }
  void save() {
    std::ofstream(dir + "/allocations.json") << allocations.dump();
    std::ofstream(dir + "/nodes.json") << nodes.dump();
    std::ofstream(dir + "/jobs.json") << jobs.dump();
  }
};

TEST_F(DumpRecordingTest, RecordsTheWorkOfTheNodeClassFromTheSavedAnswers) {
  save();
  auto dump = DumpRecording::read(dir, "web", "", Time(400s));
  ASSERT_TRUE(dump.ok()) << dump.error().message;
  Recording r = dump->recording();
  EXPECT_EQ(r.start, Time(100s)) << "the oldest ended allocation's CreateTime";
  EXPECT_EQ(r.end, Time(400s));
  EXPECT_EQ(r.nodes.initial_nodes, 2);
  EXPECT_EQ(r.nodes.cpu_mhz, 4000);
  std::string csv = allocs_csv(r.workload->rows(r.start, r.end, r.scope));
  // s: running since before the span: at 0 until the end. b: submitted at 90 s (before the
  // span: 0); a1 60 s; a2 and a3 one piece of work that ran (again) 200-260 s. g: on gpu.
  EXPECT_EQ(csv,
            "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n"
            "0,b,g,batch,2,500,256,60\n"
            "0,s,g,service,1,500,256,\n")
      << csv;
  auto counts = r.workload->counts(r.start, r.scope);
  EXPECT_EQ(counts.replacements, 1);
  EXPECT_EQ(counts.other_nodes, 1);
  EXPECT_EQ(r.seen["ends_at"], "--dump-time");
  // The summaries count 5 + 1 allocations for b and s; the dump holds 5 (g's job is not
  // listed): 1 gone.
  EXPECT_EQ(r.seen["not_in_dump"][0].get<std::string>().rfind("1 allocations garbage-collected", 0),
            0u)
      << r.seen.dump();
}

TEST_F(DumpRecordingTest, ErrorsNameTheFileAndTheElement) {
  allocations[2]["CreateTime"] = "yesterday";
  save();
  auto bad = DumpRecording::read(dir, "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind(dir + "/allocations.json[2]: ", 0), 0u)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("CreateTime"), std::string::npos) << bad.error().message;

  allocations[2]["CreateTime"] = 200'000'000'000;
  std::ofstream(dir + "/allocations.json") << "{\"not\": \"a list\"}";
  EXPECT_EQ(DumpRecording::read(dir, "", "").error().message,
            dir + "/allocations.json: expected an array (the answer of the list endpoint)");
  save();
  std::filesystem::remove(dir + "/nodes.json");
  EXPECT_NE(DumpRecording::read(dir, "", "").error().message.find(dir + "/nodes.json"),
            std::string::npos);
  save();
  EXPECT_EQ(DumpRecording::read(dir, "arm", "").error().message,
            dir +
                "/nodes.json: no node of the class and pool asked for with its resources "
                "(save GET /v1/nodes?resources=true)");
  EXPECT_NE(DumpRecording::read(dir, "", "", Time(10s)).error().message.find("--dump-time"),
            std::string::npos);
}

}  // namespace
}  // namespace ha
