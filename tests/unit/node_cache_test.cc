// NodeCache over the memory API in simulated time: one full answer, then blocking queries
// that answer on changes (a burst costing one answer) or after their wait; failures retried
// within the backoff cap; an index going back starts again.
#include "engine/cache/node_cache.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ha
