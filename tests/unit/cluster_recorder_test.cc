// ClusterRecorder over the memory API in simulated time: the first lists and the stream give
// the workload and the node figures; a dropped stream is a gap, reopened with the lists
// taken again, and the recording goes on; a refused stream at the start is fatal.
#include "agent/record/cluster_recorder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backends/memory/nomad_memory_api.h"
#include "forwarding_nomad_api.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct ClusterRecorderTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel model{loop};
  FaultInjector faults;
  NomadMemoryApi api{loop, model, Latency::constant(20ms), &faults};

  ClusterRecorderTest() {
    for (const char* name : {"w1", "w2", "w3"}) {
      model.register_node({name, "web", "dc1", "default", 4000, 8192, {}});
    }
    model.register_node({"g1", "gpu", "dc1", "default", 16000, 65536, {}});
  }
  void run_for(Duration d) { loop.run_until(loop.now() + d); }
};

TEST_F(ClusterRecorderTest, RecordsTheWorkloadAndTheNodesAcrossADroppedStream) {
  ASSERT_TRUE(model.register_job({"early", "service", {{"w", 2, 500, 256, std::nullopt}}}).ok());
  run_for(5s);  // running before the recording starts: submitted at 0
  ClusterRecorder recorder(loop, api, {"web"});
  faults.fail_next("stream_events", 1, "connection reset");  // the first stream drops
  recorder.start();
  run_for(1s);
  ASSERT_TRUE(recorder.started());
  run_for(9s);  // t = 15 s
  ASSERT_TRUE(model.register_job({"b", "batch", {{"g", 4, 700, 512, 100s}}}).ok());
  run_for(400s);  // the drop comes within 5 minutes; the recording goes on past it
  model.register_node({"w4", "web", "dc1", "default", 4000, 8192, {}});
  ASSERT_TRUE(model.register_job({"late", "batch", {{"g", 1, 100, 64, 30s}}}).ok());
  run_for(60s);

  ASSERT_FALSE(recorder.fatal());
  ASSERT_EQ(recorder.gaps().size(), 1u);
  EXPECT_EQ(recorder.gaps()[0].why, "stream_events: connection reset");
  EXPECT_GT(recorder.events(), 0u);
  EXPECT_EQ(recorder.jobs_read(), 1u) << "early, registered before the stream: read once";
  EXPECT_EQ(recorder.workload().counts(Time(0)).jobs, 3);
  auto nodes = recorder.nodes();
  EXPECT_EQ(nodes.initial_nodes, 3) << "web nodes ready at the start; gpu is another class";
  EXPECT_EQ(nodes.seen, 4) << "w4 joined later";
  EXPECT_EQ(nodes.cpu_mhz, 4000);
  EXPECT_EQ(nodes.memory_mb, 8192);
  auto rows = recorder.workload().rows(recorder.cluster_start(), recorder.cluster_time(loop.now()));
  std::string csv = allocs_csv(rows);
  // early (at 0, until the end), b (4 x 100 s at 5 s after the start), late (1 x 30 s).
  ASSERT_EQ(rows.size(), 3u) << csv;
  EXPECT_EQ(rows[0].job, "early");
  EXPECT_EQ(rows[0].submit, 0s);
  EXPECT_EQ(rows[0].count, 2);
  EXPECT_EQ(rows[1].job, "b");
  EXPECT_EQ(rows[1].count, 4) << csv;
  EXPECT_EQ(rows[1].submit, 10s);
  EXPECT_EQ(rows[2].job, "late");
  ASSERT_TRUE(rows[2].duration);
  EXPECT_EQ(*rows[2].duration, 30s);
}

// Jobs registered before the recording (no Job event) are read with GET /v1/job/:id, a few
// at a time, each once.
TEST_F(ClusterRecorderTest, JobsWithoutAJobEventAreReadAFewAtATime) {
  for (int i = 0; i < 12; ++i) {
    std::string id = "j";  // built by append: g++ 12 warns falsely on "j" + std::to_string(i)
    id += std::to_string(i);
    ASSERT_TRUE(model.register_job({id, "service", {{"g", 1, 100, 64, std::nullopt}}}).ok());
  }
  struct Counting : testing::ForwardingNomadApi {
    using ForwardingNomadApi::ForwardingNomadApi;
    int reads = 0, in_flight = 0, most = 0;
    void get_job(const std::string& id, const std::string& ns, Done<NomadJob> d) override {
      ++reads;
      most = std::max(most, ++in_flight);
      ForwardingNomadApi::get_job(id, ns, [this, d](Result<NomadJob> r) {
        --in_flight;
        d(std::move(r));
      });
    }
  } counting{api};
  ClusterRecorder recorder(loop, counting, {"web"});
  recorder.start();
  run_for(10s);
  EXPECT_EQ(recorder.jobs_read(), 12u);
  EXPECT_EQ(counting.reads, 12) << "each once";
  EXPECT_LE(counting.most, ClusterRecorder::kJobReadsAtOnce);
  EXPECT_GT(counting.most, 1);
}

// A recording of one node class holds the work placed on that class: a job that only the
// gpu node can fit is left out, and counted, and so is the rest of its work.
TEST_F(ClusterRecorderTest, TheWorkloadIsWhatRanOnTheNodeClass) {
  ClusterRecorder web(loop, api, {"web"});
  ClusterRecorder all(loop, api, {});
  web.start();
  all.start();
  run_for(1s);
  ASSERT_TRUE(model.register_job({"big", "batch", {{"g", 2, 10000, 1024, 60s}}}).ok());
  ASSERT_TRUE(model.register_job({"small", "batch", {{"g", 2, 1000, 1024, 60s}}}).ok());
  run_for(300s);
  Time start = web.recording_start(), end = web.cluster_time(loop.now());
  std::string csv = allocs_csv(web.workload().rows(start, end, web.scope()));
  EXPECT_EQ(csv.find(",big,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",small,g,batch,2,1000,1024,60\n"), std::string::npos) << csv;
  auto counts = web.workload().counts(start, web.scope());
  EXPECT_EQ(counts.other_nodes, 2) << "big's two pieces, one after the other on g1";
  EXPECT_EQ(counts.never_placed, 0);
  EXPECT_EQ(counts.allocations, 2);
  // Every node: both jobs.
  EXPECT_FALSE(all.scope());
  std::string everything = allocs_csv(all.workload().rows(start, end, all.scope()));
  EXPECT_NE(everything.find(",big,g,batch,2,10000,1024,60\n"), std::string::npos) << everything;
}

// An event that cannot be read is skipped and reported; the recording goes on, no gap.
TEST_F(ClusterRecorderTest, AnUnreadableEventIsSkippedAndReported) {
  struct Garbling : testing::ForwardingNomadApi {
    using ForwardingNomadApi::ForwardingNomadApi;
    int garble = 0;
    std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>& topics,
                                               std::uint64_t index,
                                               std::function<void(const NomadEventFrame&)> on_frame,
                                               Done<Unit> d) override {
      auto wrapped = [this, on_frame](const NomadEventFrame& f) {
        if (f.heartbeat() || garble == 0) return on_frame(f);
        --garble;
        NomadEventFrame bad = f;
        bad.skipped.push_back("event frame " + std::to_string(f.index) + ".Events[0]: bad");
        bad.events.erase(bad.events.begin());
        on_frame(bad);
      };
      return ForwardingNomadApi::stream_events(topics, index, wrapped, std::move(d));
    }
  } garbling{api};
  ClusterRecorder recorder(loop, garbling, {"web"});
  recorder.start();
  run_for(1s);
  ASSERT_TRUE(recorder.started());
  garbling.garble = 1;
  ASSERT_TRUE(model.register_job({"b", "batch", {{"g", 2, 700, 512, 100s}}}).ok());
  run_for(200s);
  ASSERT_TRUE(model.register_job({"c", "batch", {{"g", 1, 100, 64, 30s}}}).ok());
  run_for(60s);
  EXPECT_EQ(garbling.garble, 0);
  EXPECT_TRUE(recorder.gaps().empty()) << "skipped, not reopened";
  EXPECT_EQ(recorder.skipped_events(), 1u);
  ASSERT_EQ(recorder.skipped_messages().size(), 1u);
  EXPECT_NE(recorder.skipped_messages()[0].find("Events[0]: bad"), std::string::npos);
  auto rows = recorder.workload().rows(recorder.cluster_start(), recorder.cluster_time(loop.now()));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back().job, "c") << "events after the skipped one are recorded";
}

// A recording saved, stopped, and resumed later from its state: the stream continues after
// the saved index, so the resumed recording ends as one that never stopped; the time it was
// not running is a gap.
TEST_F(ClusterRecorderTest, AResumedRecordingEndsAsOneThatNeverStopped) {
  ClusterRecorder whole(loop, api, {"web"});
  ClusterRecorder first(loop, api, {"web"});
  whole.start();
  first.start();
  run_for(10s);
  ASSERT_TRUE(model.register_job({"b", "batch", {{"g", 4, 700, 512, 100s}}}).ok());
  run_for(60s);
  auto state = nlohmann::json::parse(first.save().dump());
  first.stop();
  run_for(20s);  // not recording: c is submitted, and b's work ends
  ASSERT_TRUE(model.register_job({"c", "batch", {{"g", 1, 100, 64, 30s}}}).ok());
  run_for(40s);
  ClusterRecorder second(loop, api, {"web"});
  ASSERT_TRUE(second.resume(state).ok());
  EXPECT_TRUE(second.resumed());
  second.start();
  run_for(200s);
  ASSERT_TRUE(second.started());
  EXPECT_EQ(second.recording_start(), whole.recording_start());
  std::string expected = allocs_csv(whole.workload().rows(whole.recording_start(), loop.now()));
  EXPECT_EQ(allocs_csv(second.workload().rows(second.recording_start(), loop.now())), expected);
  EXPECT_NE(expected.find(",c,g,batch,1,100,64,30\n"), std::string::npos) << expected;
  ASSERT_EQ(second.gaps().size(), 1u);
  EXPECT_EQ(second.gaps()[0].why, "the recorder was not running (resumed later)");
  EXPECT_EQ(second.nodes().initial_nodes, 3) << "kept from the first run";
  EXPECT_GE(second.events(), whole.events());

  ClusterRecorder broken(loop, api, {"web"});
  state["version"] = 2;
  EXPECT_EQ(broken.resume(state).error().message, "version: 2 is not 1");
  state["version"] = 1;
  state["recorder_start_typo"] = state["recording_start"];
  state.erase("recording_start");
  auto missing = broken.resume(state);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("state: ", 0), 0u) << missing.error().message;
  EXPECT_NE(missing.error().message.find("recording_start"), std::string::npos)
      << missing.error().message;
}

// Refuses what it is told to: the event stream, and with `lists` the lists too (a token
// without node:read, say).
struct Refusing : testing::ForwardingNomadApi {
  using ForwardingNomadApi::ForwardingNomadApi;
  EventLoop* loop = nullptr;
  int streams = 0;
  bool lists = false;
  std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>&, std::uint64_t,
                                             std::function<void(const NomadEventFrame&)>,
                                             Done<Unit> d) override {
    ++streams;
    loop->post(
        [d] { d(make_error("GET /v1/event/stream: Permission denied", ErrorKind::kInvalid)); });
    return nullptr;
  }
  void watch_nodes(const NomadNodeFilter& f, std::uint64_t index, Duration wait,
                   Done<NodeListAt> d) override {
    if (!lists) return ForwardingNomadApi::watch_nodes(f, index, wait, std::move(d));
    loop->post([d] { d(make_error("GET /v1/nodes: Permission denied", ErrorKind::kInvalid)); });
  }
};

// The stream refused before anything was recorded (an ACL token without the capability, a
// Nomad before 1.0): blocking queries on the lists instead, and the same workload recorded.
TEST_F(ClusterRecorderTest, ARefusedStreamFallsBackToBlockingQueries) {
  Refusing refusing{api};
  refusing.loop = &loop;
  ClusterRecorder recorder(loop, refusing, {"web"});
  recorder.start();
  run_for(1s);
  ASSERT_FALSE(recorder.fatal());
  ASSERT_TRUE(recorder.started());
  EXPECT_NE(recorder.stream_refusal().find("Permission denied"), std::string::npos);
  ASSERT_TRUE(model.register_job({"b", "batch", {{"g", 4, 700, 512, 100s}}}).ok());
  run_for(300s);
  model.register_node({"w4", "web", "dc1", "default", 4000, 8192, {}});
  ASSERT_TRUE(model.register_job({"s", "service", {{"w", 2, 500, 256, std::nullopt}}}).ok());
  run_for(60s);
  EXPECT_EQ(refusing.streams, 1) << "a refused stream is not asked for again";
  EXPECT_EQ(recorder.nodes().seen, 4);
  auto rows =
      recorder.workload().rows(recorder.recording_start(), recorder.cluster_time(loop.now()));
  std::string csv = allocs_csv(rows);
  ASSERT_EQ(rows.size(), 2u) << csv;
  EXPECT_EQ(rows[0].job, "b");
  EXPECT_EQ(rows[0].count, 4);
  ASSERT_TRUE(rows[0].duration) << csv;
  EXPECT_EQ(*rows[0].duration, 100s) << "its end, as the list showed it ended: " << csv;
  EXPECT_EQ(rows[1].job, "s");
  EXPECT_EQ(rows[1].count, 2);
  EXPECT_EQ(recorder.jobs_read(), 2u) << "no Job events: both jobs read";
}

// The lists refused too: nothing can be recorded; fatal, nothing more tried.
TEST_F(ClusterRecorderTest, RefusedListsAtTheStartAreFatal) {
  Refusing refusing{api};
  refusing.loop = &loop;
  refusing.lists = true;
  ClusterRecorder recorder(loop, refusing, {});
  recorder.start();
  run_for(5min);
  ASSERT_TRUE(recorder.fatal());
  EXPECT_EQ(recorder.fatal()->message, "GET /v1/nodes: Permission denied");
  EXPECT_FALSE(recorder.started());
  EXPECT_EQ(refusing.streams, 1);
}

}  // namespace
}  // namespace ha
