// NodeCache and AllocationCache over the memory API in simulated time: one full answer,
// then blocking queries that answer on changes (a burst costing one answer) or after their
// wait; failures retried within the backoff cap; whatever happens, the view ends as the
// model is.
#include "engine/cache/node_cache.h"
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

struct NodeCacheTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel model{loop};
  FaultInjector faults;
  NomadMemoryApi api{loop, model, Latency::constant(20ms), &faults};

  NodeCache::Options options() {
    NodeCache::Options o;
    o.filter = {"web", "", ""};
    o.wait = 5min;
    return o;
  }
  std::string add(const std::string& name, const std::string& cls = "web") {
    return model.register_node({name, cls, "dc1", "default", 4000, 8192, {}});
  }
  void run_for(Duration d) { loop.run_until(loop.now() + d); }
};

TEST_F(NodeCacheTest, FollowsChangesAndAsksOncePerWaitWhenNothingChanges) {
  std::string a = add("web-1");
  add("gpu-1", "gpu");
  NodeCache cache(loop, api, options());
  EXPECT_FALSE(cache.synced());
  cache.start();
  run_for(1s);
  ASSERT_TRUE(cache.synced());
  ASSERT_EQ(cache.view()->nodes().size(), 1u);
  ASSERT_NE(cache.view()->named("web-1"), nullptr);
  EXPECT_EQ(cache.view()->named("gpu-1"), nullptr);  // another class

  // Quiet for 20 minutes: about one query per wait, no new view.
  auto view = cache.view();
  std::uint64_t queries = cache.stats().queries;
  run_for(20min);
  EXPECT_LE(cache.stats().queries - queries, 5u);
  EXPECT_EQ(cache.view(), view);
  EXPECT_LE(*cache.staleness(), Duration(5min));

  // A burst: ten nodes join in the same second, one drains; seen within a couple of seconds,
  // in few answers.
  std::uint64_t changes = cache.stats().changes;
  for (int i = 2; i <= 11; ++i) add("web-" + std::to_string(i));
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{1h, false}, false).ok());
  run_for(3s);
  ASSERT_EQ(cache.view()->nodes().size(), 11u);
  EXPECT_EQ(cache.view()->named("web-1")->scheduling_eligibility, "ineligible");
  EXPECT_LE(cache.stats().changes - changes, 2u);
  EXPECT_EQ(cache.index(), model.nodes_index());
}

TEST_F(NodeCacheTest, FailingQueriesAreRetriedWithinTheBackoffCap) {
  add("web-1");
  faults.fail_next("list_nodes", 6, "503 Service Unavailable");
  NodeCache cache(loop, api, options());
  cache.start();
  run_for(10s);
  EXPECT_FALSE(cache.synced());  // 1 + 2 + 4 + ... s of backoff, not done yet
  run_for(2min);                 // six failures, each retry after at most the 30 s cap
  ASSERT_TRUE(cache.synced());
  EXPECT_EQ(cache.stats().failures, 6u);
  add("web-2");
  run_for(2s);
  EXPECT_EQ(cache.view()->nodes().size(), 2u);
  // Stopped: nothing changes it any more.
  cache.stop();
  add("web-3");
  run_for(10min);
  EXPECT_EQ(cache.view()->nodes().size(), 2u);
}

// Answers one blocking query with an index far below the real one, as a Nomad cluster whose
// state was restored (or a new leader behind the old) would.
class RewindingNomadApi final : public testing::ForwardingNomadApi {
 public:
  using ForwardingNomadApi::ForwardingNomadApi;
  bool rewind_next = false;
  void watch_nodes(const NomadNodeFilter& f, std::uint64_t index, Duration wait,
                   Done<NodeListAt> d) override {
    inner_.watch_nodes(f, index, wait, [this, d](Result<NodeListAt> r) {
      if (r && rewind_next) {
        rewind_next = false;
        r->index = 1;
        r->nodes.clear();  // what such a server might hold: not to be trusted as news
      }
      d(std::move(r));
    });
  }
};

TEST_F(NodeCacheTest, AnIndexGoingBackStartsAgainFromAFullAnswer) {
  add("web-1");
  RewindingNomadApi rewinding(api);
  NodeCache cache(loop, rewinding, options());
  cache.start();
  run_for(1s);
  ASSERT_TRUE(cache.synced());
  std::uint64_t before = cache.index();
  rewinding.rewind_next = true;
  add("web-2");  // wakes the blocking query, whose answer comes back rewound
  run_for(3s);
  EXPECT_EQ(cache.stats().relists, 1u);  // queried again from 0
  EXPECT_GT(cache.index(), before);
  EXPECT_EQ(cache.index(), model.nodes_index());
  ASSERT_EQ(cache.view()->nodes().size(), 2u);  // the rewound (empty) answer was not taken
}

// Property: random allocation changes (jobs scaled up and down, nodes joining, going down,
// draining) with random query failures; once things settle, the allocation view holds
// exactly the model's live allocations, node by node.
TEST_F(NodeCacheTest, AllocationViewConvergesToTheModelWhateverHappens) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimulatedLoop l;
    NomadModel m{l, seed};
    FaultInjector f;
    NomadMemoryApi a{l, m, Latency::constant(20ms), &f};
    std::mt19937_64 rng(seed);
    std::vector<std::string> nodes;
    auto join = [&m, &nodes] {
      std::string name = "n";
      name.append(std::to_string(nodes.size()));
      nodes.push_back(m.register_node({name, "web", "dc1", "default", 4000, 8192, {}}));
    };
    for (int i = 0; i < 4; ++i) join();
    ASSERT_TRUE(m.register_job({"svc", "service", {{"g", 3, 500, 256, std::nullopt}}}).ok());
    ASSERT_TRUE(m.register_job({"batch", "batch", {{"b", 5, 700, 512, 90s}}}).ok());
    BlockingQueryTiming timing = AllocationCache::default_timing();
    timing.wait = 2min;
    AllocationCache cache(l, a, timing, seed);
    cache.start();
    for (int step = 0; step < 60; ++step) {
      int what = std::uniform_int_distribution<int>(0, 5)(rng);
      std::string node = nodes[std::uniform_int_distribution<std::size_t>(0, 3)(rng)];
      if (what == 0) static_cast<void>(m.scale_job("svc", "g", 1 + step % 9));
      if (what == 1) static_cast<void>(m.set_node_down(node));
      if (what == 2) static_cast<void>(m.drain_node(node, NomadDrainSpec{1min, false}, false));
      if (what == 3) join();
      if (what == 4) f.fail_next("list_allocations", 1 + step % 3, "503 Service Unavailable");
      l.run_until(l.now() + std::chrono::seconds(std::uniform_int_distribution<int>(1, 40)(rng)));
    }
    l.run_until(l.now() + 2min);  // past any backoff and the minimum interval
    ASSERT_TRUE(cache.synced()) << "seed " << seed;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> truth;
    std::size_t count = 0;
    for (const auto& [alloc, node_name] : m.all_allocations()) {
      truth[alloc.node_id].first += alloc.cpu_mhz;
      truth[alloc.node_id].second += alloc.memory_mb;
      ++count;
    }
    EXPECT_EQ(cache.view()->allocations(), count) << "seed " << seed;
    for (const std::string& id : nodes) {
      AllocationView::Usage u = cache.view()->on_node(id);
      EXPECT_EQ(u.cpu_mhz, truth[id].first) << "seed " << seed << " node " << id;
      EXPECT_EQ(u.memory_mb, truth[id].second) << "seed " << seed << " node " << id;
    }
    EXPECT_EQ(cache.index(), m.allocations_index()) << "seed " << seed;
    EXPECT_GT(cache.stats().changes, 5u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ha
