// AllocationCache over the memory API in simulated time: list once, then the event stream;
// nothing lost between the list and the stream; no list while the stream runs, but one per
// resync; a silent or dropped stream opened again with a list; a refused stream falls back
// to blocking queries; whatever happens, the view ends as the model is.
#include "engine/cache/allocation_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "backends/memory/nomad_memory_api.h"
#include "forwarding_nomad_api.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Counts the calls the cache makes; a stream can be made to say nothing, or be refused.
class CountingNomadApi : public testing::ForwardingNomadApi {
 public:
  using ForwardingNomadApi::ForwardingNomadApi;
  int lists = 0, streams = 0;
  bool mute = false;  // streams open but never send a frame
  int garble = 0;     // the next `garble` frames with events arrive unreadable (all skipped)
  std::optional<Error> refuse_streams;  // streams end at once with this
  EventLoop* loop = nullptr;

  Duration list_delay{0};  // a list's answer reaches the caller this much after it is taken

  void watch_allocations(std::uint64_t index, Duration wait, Done<AllocationListAt> d) override {
    ++lists;
    if (list_delay == Duration(0)) return ForwardingNomadApi::watch_allocations(index, wait, d);
    ForwardingNomadApi::watch_allocations(index, wait, [this, d](Result<AllocationListAt> r) {
      loop->after(list_delay, [d, r = std::move(r)] { d(r); });
    });
  }
  std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>& topics,
                                             std::uint64_t index,
                                             std::function<void(const NomadEventFrame&)> on_frame,
                                             Done<Unit> d) override {
    ++streams;
    if (refuse_streams) {
      loop->post([d = std::move(d), e = *refuse_streams] { d(e); });
      return nullptr;
    }
    if (mute) on_frame = [](const NomadEventFrame&) {};
    on_frame = [this, on_frame = std::move(on_frame)](const NomadEventFrame& f) {
      if (f.heartbeat() || garble == 0) return on_frame(f);
      --garble;
      NomadEventFrame unreadable{f.index, {}, {"event frame " + std::to_string(f.index) + ": bad"}};
      on_frame(unreadable);
    };
    return ForwardingNomadApi::stream_events(topics, index, std::move(on_frame), std::move(d));
  }
};

// The view holds exactly the model's running allocations, node by node.
void expect_as(const NomadModel& model, const std::vector<std::string>& nodes,
               const AllocationCache& cache, const std::string& why) {
  ASSERT_TRUE(cache.synced()) << why;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> truth;
  std::size_t count = 0;
  for (const auto& [alloc, node_name] : model.all_allocations()) {
    truth[alloc.node_id].first += alloc.cpu_mhz;
    truth[alloc.node_id].second += alloc.memory_mb;
    ++count;
  }
  EXPECT_EQ(cache.view()->allocations(), count) << why;
  for (const std::string& id : nodes) {
    AllocationView::Usage u = cache.view()->on_node(id);
    EXPECT_EQ(u.cpu_mhz, truth[id].first) << why << " node " << id;
    EXPECT_EQ(u.memory_mb, truth[id].second) << why << " node " << id;
  }
}

struct AllocationCacheTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel model{loop};
  FaultInjector faults;
  NomadMemoryApi memory{loop, model, Latency::constant(20ms), &faults};
  CountingNomadApi api{memory};
  std::vector<std::string> nodes;

  AllocationCacheTest() { api.loop = &loop; }
  void join() {
    std::string name = "n";
    name.append(std::to_string(nodes.size()));
    nodes.push_back(model.register_node({name, "web", "dc1", "default", 4000, 8192, {}}));
  }
  void run_for(Duration d) { loop.run_until(loop.now() + d); }
  void expect_as_the_model(const AllocationCache& cache, const std::string& why) {
    expect_as(model, nodes, cache, why);
  }
};

TEST_F(AllocationCacheTest, ListsOnceThenFollowsTheStream) {
  for (int i = 0; i < 3; ++i) join();
  ASSERT_TRUE(model.register_job({"svc", "service", {{"g", 4, 500, 256, std::nullopt}}}).ok());
  AllocationCache cache(loop, api, {});
  cache.start();
  run_for(1s);
  expect_as_the_model(cache, "after the list");
  EXPECT_EQ(api.lists, 1);
  for (int count : {9, 2, 6}) {
    ASSERT_TRUE(model.scale_job("svc", "g", count).ok());
    run_for(1s);
    expect_as_the_model(cache, "scaled to " + std::to_string(count));
  }
  ASSERT_TRUE(model.set_node_down(nodes[0]).ok());
  run_for(1s);
  expect_as_the_model(cache, "a node down");
  EXPECT_EQ(api.lists, 1) << "the stream carried every change";
  EXPECT_EQ(api.streams, 1);
  EXPECT_TRUE(cache.streaming());
  EXPECT_GE(cache.stats().changes, 4u);
  // Quiet for an hour: the heartbeats keep it current; one resync list each 30 minutes.
  run_for(61min);
  EXPECT_EQ(api.lists, 3);
  EXPECT_EQ(cache.stats().relists, 2u);
  ASSERT_TRUE(cache.staleness());
  EXPECT_LE(*cache.staleness(), 30s);
  expect_as_the_model(cache, "after the resyncs");
}

TEST_F(AllocationCacheTest, NothingFallsBetweenTheListAndTheStream) {
  for (int i = 0; i < 3; ++i) join();
  ASSERT_TRUE(model.register_job({"svc", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
  // The list is taken at once but reaches the cache 2 s later; the model changes meanwhile:
  // those changes are only in the stream.
  api.list_delay = 2s;
  AllocationCache cache(loop, api, {});
  cache.start();
  run_for(100ms);  // the list is taken, not yet delivered
  ASSERT_EQ(api.lists, 1);
  ASSERT_TRUE(model.scale_job("svc", "g", 7).ok());
  run_for(1s);
  EXPECT_FALSE(cache.synced());
  run_for(5s);
  expect_as_the_model(cache, "changes during the list");
  EXPECT_EQ(cache.view()->allocations(), 7u);
}

TEST_F(AllocationCacheTest, ASilentStreamIsOpenedAgainWithAList) {
  join();
  ASSERT_TRUE(model.register_job({"svc", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
  AllocationCache cache(loop, api, {});
  cache.start();
  run_for(1s);
  ASSERT_TRUE(cache.synced());
  api.mute = true;  // the next streams say nothing: not even their first heartbeat
  ASSERT_TRUE(model.scale_job("svc", "g", 3).ok());
  run_for(
      31min);  // the resync reopens, while the current stream still beats; the new one is silent
  int streams = api.streams;
  EXPECT_GE(streams, 2);
  run_for(3min);  // past the silence limit: opened again, after a backoff
  EXPECT_GT(api.streams, streams);
  EXPECT_GT(cache.stats().failures, 0u);
  api.mute = false;
  run_for(2min);
  expect_as_the_model(cache, "after the silence");
}

// A change it cannot read would be missing from the view: the cache lists again.
TEST_F(AllocationCacheTest, AnUnreadableEventMakesItListAgain) {
  join();
  ASSERT_TRUE(model.register_job({"svc", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
  AllocationCache cache(loop, api, {});
  cache.start();
  run_for(1s);
  ASSERT_EQ(api.lists, 1);
  api.garble = 1;
  ASSERT_TRUE(model.scale_job("svc", "g", 3).ok());
  run_for(10s);
  EXPECT_EQ(api.garble, 0);
  EXPECT_EQ(api.lists, 2) << "listed again after the unreadable event";
  EXPECT_TRUE(cache.streaming()) << "one unreadable event is no reason to give up the stream";
  expect_as_the_model(cache, "after an unreadable event");
  EXPECT_EQ(cache.view()->allocations(), 3u);
}

TEST_F(AllocationCacheTest, ARefusedStreamFallsBackToBlockingQueries) {
  for (int i = 0; i < 2; ++i) join();
  ASSERT_TRUE(model.register_job({"svc", "service", {{"g", 3, 500, 256, std::nullopt}}}).ok());
  api.refuse_streams = make_error("GET /v1/event/stream: 404", ErrorKind::kNotFound);
  AllocationCache cache(loop, api, {});
  cache.start();
  run_for(1s);
  EXPECT_FALSE(cache.streaming());
  expect_as_the_model(cache, "from a blocking query");
  ASSERT_TRUE(model.scale_job("svc", "g", 5).ok());
  run_for(10s);
  expect_as_the_model(cache, "blocking query after a change");
  EXPECT_EQ(api.streams, 1) << "a refused stream is not asked for again";
}

// Property: random allocation changes (jobs scaled, nodes joining, going down, draining)
// with streams dropped at random, failing lists and late events, over the stream and over
// blocking queries: once things settle, the view holds exactly the model's allocations.
TEST_F(AllocationCacheTest, ConvergesToTheModelWhateverHappens) {
  for (bool stream : {true, false}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      SimulatedLoop l;
      NomadModel m{l, seed};
      FaultInjector f(seed);
      NomadMemoryApi a{l, m, Latency::constant(20ms), &f};
      std::mt19937_64 rng(seed);
      std::vector<std::string> ids;
      auto join_one = [&m, &ids] {
        std::string name = "n";
        name.append(std::to_string(ids.size()));
        ids.push_back(m.register_node({name, "web", "dc1", "default", 4000, 8192, {}}));
      };
      for (int i = 0; i < 4; ++i) join_one();
      ASSERT_TRUE(m.register_job({"svc", "service", {{"g", 3, 500, 256, std::nullopt}}}).ok());
      ASSERT_TRUE(m.register_job({"batch", "batch", {{"b", 5, 700, 512, 90s}}}).ok());
      FaultRule drops;
      drops.error_rate = 0.5;
      drops.kind = ErrorKind::kUnavailable;
      drops.extra_latency = 3s;
      auto rule = f.add_rule("stream_events", drops);
      AllocationCache::Options o;
      o.stream = stream;
      o.blocking.wait = 2min;
      AllocationCache cache(l, a, o, seed);
      cache.start();
      for (int step = 0; step < 60; ++step) {
        int what = std::uniform_int_distribution<int>(0, 5)(rng);
        std::string node = ids[std::uniform_int_distribution<std::size_t>(0, 3)(rng)];
        if (what == 0) static_cast<void>(m.scale_job("svc", "g", 1 + step % 9));
        if (what == 1) static_cast<void>(m.set_node_down(node));
        if (what == 2) static_cast<void>(m.drain_node(node, NomadDrainSpec{1min, false}, false));
        if (what == 3) join_one();
        if (what == 4) f.fail_next("list_allocations", 1 + step % 3, "503 Service Unavailable");
        l.run_until(l.now() + std::chrono::seconds(std::uniform_int_distribution<int>(1, 40)(rng)));
      }
      f.remove_rule(rule);
      l.run_until(l.now() + 6min);  // past any backoff, a last dropped stream's end included
      std::string why = (stream ? "stream, seed " : "blocking, seed ") + std::to_string(seed);
      EXPECT_EQ(cache.streaming(), stream) << why;
      expect_as(m, ids, cache, why);
      EXPECT_GT(cache.stats().changes, 5u) << why;
    }
  }
}

TEST(AllocationViewTest, TerminalAllocationsHoldNothing) {
  AllocationView v({{"a1", "j", "g", "service", "n1", "running", "run", 500, 256},
                    {"a2", "j", "g", "service", "n1", "complete", "run", 700, 512},
                    {"a3", "j", "g", "service", "n1", "running", "stop", 900, 128},
                    {"a4", "j", "g", "service", "n2", "pending", "run", 100, 64}});
  EXPECT_EQ(v.allocations(), 2u);
  EXPECT_EQ(v.on_node("n1").cpu_mhz, 500);
  EXPECT_EQ(v.on_node("n2").memory_mb, 64);
  v.apply({"a1", "j", "g", "service", "n1", "failed", "run", 500, 256});
  v.apply({"a4", "j", "g", "service", "n3", "running", "run", 100, 64});  // moved
  EXPECT_EQ(v.allocations(), 1u);
  EXPECT_EQ(v.on_node("n1").allocations, 0);
  EXPECT_EQ(v.on_node("n2").allocations, 0);
  EXPECT_EQ(v.on_node("n3").cpu_mhz, 100);
}

}  // namespace
}  // namespace ha
