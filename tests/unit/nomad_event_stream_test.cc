// The event stream's contract (NomadApi::stream_events), over the memory API and over HTTP
// to the mock server: a heartbeat first, then allocation, node and job events as the model
// makes them, in index order, with Nomad's topics, types and payloads; resumption from an index;
// topic and key filters; a bad topic refused.
#include <gtest/gtest.h>

#include <set>

#include "nomad_contract_fixture.h"

namespace ha::testing {
namespace {

// A stream, recorded.
struct StreamRecord {
  std::vector<NomadEventFrame> frames;
  std::optional<Result<Unit>> end;
  std::unique_ptr<WatchHandle> handle;
  std::size_t heartbeats() const {
    return static_cast<std::size_t>(
        std::count_if(frames.begin(), frames.end(), [](const auto& f) { return f.heartbeat(); }));
  }
  std::vector<NomadEvent> events() const {
    std::vector<NomadEvent> out;
    for (const auto& f : frames) out.insert(out.end(), f.events.begin(), f.events.end());
    return out;
  }
};

class NomadEventContract : public NomadContract {
 protected:
  void open(StreamRecord& s, std::vector<std::string> topics, std::uint64_t index = 0) {
    backend->loop().post([&, topics] {
      s.handle = backend->api().stream_events(
          topics, index, [&s](const NomadEventFrame& f) { s.frames.push_back(f); },
          [&s](Result<Unit> r) { s.end = std::move(r); });
    });
    run_until([&] { return !s.frames.empty() || s.end.has_value(); });
  }
  void scale(std::int64_t count) {
    auto r = sync<Unit>([count](NomadApi& api, Done<Unit> d) {
      api.scale_job("api", "g", count, "test", "default", d);
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void close(StreamRecord& s) {
    backend->loop().post([&s] { s.handle.reset(); });
    run_until([] { return true; });
  }
};

TEST_P(NomadEventContract, StreamsAllocationEventsAsTheyHappen) {
  StreamRecord s;
  open(s, {"Allocation"});
  ASSERT_FALSE(s.end.has_value());
  ASSERT_EQ(s.frames.size(), 1u);
  EXPECT_TRUE(s.frames[0].heartbeat()) << "the first line is a heartbeat";
  scale(3);
  run_until([&] { return s.events().size() >= 1; });
  auto events = s.events();
  ASSERT_EQ(events.size(), 1u);
  const NomadEvent& placed = events[0];
  EXPECT_EQ(placed.topic, "Allocation");
  EXPECT_EQ(placed.type, "PlanResult");
  ASSERT_TRUE(placed.allocation);
  EXPECT_EQ(placed.key, placed.allocation->id);
  EXPECT_EQ(placed.allocation->job_id, "api");
  EXPECT_EQ(placed.allocation->task_group, "g");
  EXPECT_EQ(placed.allocation->cpu_mhz, 500);
  EXPECT_EQ(placed.allocation->memory_mb, 256);
  EXPECT_FALSE(is_terminal(*placed.allocation));
  EXPECT_TRUE(placed.allocation->node_id == c->a || placed.allocation->node_id == c->b);
  EXPECT_FALSE(placed.allocation->node_name.empty());
  scale(1);  // two allocations stop
  run_until([&] { return s.events().size() >= 3; });
  events = s.events();
  ASSERT_EQ(events.size(), 3u);
  std::uint64_t last = 0;
  for (const NomadEventFrame& f : s.frames) {
    if (f.heartbeat()) continue;
    EXPECT_GT(f.index, last) << "frames come in index order";
    last = f.index;
    for (const NomadEvent& e : f.events) EXPECT_EQ(e.index, f.index);
  }
  for (std::size_t i = 1; i < 3; ++i) {
    ASSERT_TRUE(events[i].allocation);
    EXPECT_TRUE(is_terminal(*events[i].allocation));
    EXPECT_EQ(events[i].allocation->desired_status, "stop");
  }
  EXPECT_FALSE(s.end.has_value()) << "a stream runs until it is closed";
  close(s);
}

TEST_P(NomadEventContract, ResumesFromAnIndexAndFiltersByTopicAndKey) {
  StreamRecord all;
  open(all, {"Allocation"});
  scale(4);
  run_until([&] { return all.events().size() >= 2; });
  ASSERT_EQ(all.events().size(), 2u);
  std::uint64_t second = all.events()[1].index;
  // From an index: the retained frames at or after it, then the new ones.
  StreamRecord resumed;
  open(resumed, {"Allocation"}, second);
  run_until([&] { return !resumed.events().empty(); });
  ASSERT_EQ(resumed.events().size(), 1u);
  EXPECT_EQ(resumed.events()[0].index, second);
  // Another topic sees none of them; the job's ID as the key sees them all.
  StreamRecord nodes, by_job, other_job;
  open(nodes, {"Node"}, 1);
  open(by_job, {"Allocation:api"}, 1);
  open(other_job, {"Allocation:web"}, 1);
  scale(5);
  run_until([&] { return all.events().size() >= 3 && by_job.events().size() >= 3; });
  EXPECT_EQ(by_job.events().size(), 3u);
  EXPECT_TRUE(nodes.events().empty());
  EXPECT_TRUE(other_job.events().empty());
  for (StreamRecord* s : {&all, &resumed, &nodes, &by_job, &other_job}) close(*s);
}

TEST_P(NomadEventContract, StreamsNodeAndJobEvents) {
  StreamRecord s;
  open(s, {"Node", "Job"});
  auto ineligible =
      sync<Unit>([this](NomadApi& api, Done<Unit> d) { api.set_eligibility(c->gpu, false, d); });
  ASSERT_TRUE(ineligible.ok()) << ineligible.error().message;
  scale(3);
  run_until([&] { return s.events().size() >= 2; });
  auto events = s.events();
  ASSERT_EQ(events.size(), 2u) << "no allocation events on these topics";
  EXPECT_EQ(events[0].topic, "Node");
  EXPECT_EQ(events[0].type, "NodeEligibility");
  EXPECT_EQ(events[0].key, c->gpu);
  ASSERT_TRUE(events[0].node);
  EXPECT_EQ(events[0].node->scheduling_eligibility, "ineligible");
  EXPECT_EQ(events[0].node->node_class, "gpu");
  EXPECT_EQ(events[1].topic, "Job");
  EXPECT_EQ(events[1].type, "JobRegistered");
  ASSERT_TRUE(events[1].job);
  EXPECT_EQ(events[1].job->id, "api");
  ASSERT_EQ(events[1].job->task_groups.size(), 1u);
  EXPECT_EQ(events[1].job->task_groups[0].count, 3);
  EXPECT_EQ(events[1].job->task_groups[0].cpu_mhz, 500);
  close(s);
}

// A drain stops a node's service allocations and places replacements: each replacement's
// event names the allocation it replaces, and carries when it was placed.
TEST_P(NomadEventContract, AReplacementNamesTheAllocationItReplaces) {
  StreamRecord s;
  open(s, {"Allocation"});
  auto drained = sync<Unit>([this](NomadApi& api, Done<Unit> d) {
    api.drain_node(c->a, NomadDrainSpec{std::chrono::minutes(1), false, {}}, false, d);
  });
  ASSERT_TRUE(drained.ok()) << drained.error().message;
  std::set<std::string> stopped, replaced;
  run_until([&] {
    stopped.clear();
    replaced.clear();
    for (const NomadEvent& e : s.events()) {
      if (is_terminal(*e.allocation)) stopped.insert(e.allocation->id);
      if (!e.allocation->previous_allocation.empty()) {
        replaced.insert(e.allocation->previous_allocation);
      }
    }
    return !stopped.empty() && replaced == stopped;
  });
  ASSERT_FALSE(stopped.empty()) << "the drain stopped nothing";
  EXPECT_EQ(replaced, stopped);
  for (const NomadEvent& e : s.events()) {
    EXPECT_LE(e.allocation->create_time, e.allocation->modify_time) << e.allocation->id;
  }
  close(s);
}

TEST_P(NomadEventContract, ABadTopicIsRefused) {
  StreamRecord s;
  open(s, {"Allocation:a:b"});
  run_until([&] { return s.end.has_value(); });
  ASSERT_TRUE(s.end.has_value());
  ASSERT_FALSE(s.end->ok());
  EXPECT_EQ(s.end->error().kind, ErrorKind::kInvalid);
  EXPECT_NE(s.end->error().message.find("Invalid topic query"), std::string::npos)
      << s.end->error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadEventContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha::testing
