// VmCache over the memory API in simulated time: it lists once and then follows a watch;
// whatever the changes and however its watches end (cleanly, 410 Gone, failing) and lists
// fail, once things are quiet it shows exactly what a fresh list shows.
#include "engine/cache/vm_cache.h"
#include "engine/cache/cluster_caches.h"

#include <gtest/gtest.h>

#include <random>

#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "forwarding_harvester_api.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Forwards to another HarvesterApi, but can end every open watch (as a dropped stream, a 410
// or a failure does) and fail the next lists.
class FlakyWatchApi final : public testing::ForwardingHarvesterApi {
 public:
  FlakyWatchApi(EventLoop& loop, HarvesterApi& inner)
      : ForwardingHarvesterApi(inner), loop_(loop) {}
  int lists_to_fail = 0;
  int gone_from_server = 0;  // watches the inner API ended with kGone

  void end_watches(Result<Unit> how) {
    for (auto& w : open_) {
      if (w->closed) continue;
      w->closed = true;
      w->inner->cancel();
      loop_.post([w, how] { w->done(how); });
    }
    open_.clear();
  }
  void list_vms_versioned(const std::string& ns, const std::string& s,
                          Done<VmSnapshot> d) override {
    if (lists_to_fail > 0) {
      --lists_to_fail;
      loop_.post([d] { d(make_error("injected", ErrorKind::kUnavailable)); });
      return;
    }
    inner_.list_vms_versioned(ns, s, std::move(d));
  }
  std::unique_ptr<WatchHandle> watch_vms(const std::string& ns, const std::string& s,
                                         const std::string& v, Duration timeout,
                                         std::function<void(const VmChange&)> on_change,
                                         Done<Unit> done) override {
    auto w = std::make_shared<Open>();
    w->done = done;
    w->inner = inner_.watch_vms(ns, s, v, timeout, std::move(on_change), [this, w](Result<Unit> r) {
      if (!r && r.error().kind == ErrorKind::kGone) ++gone_from_server;
      if (!w->closed) {
        w->closed = true;
        w->done(std::move(r));
      }
    });
    open_.push_back(w);
    return std::make_unique<Handle>(w);
  }

 private:
  struct Open {
    std::unique_ptr<WatchHandle> inner;
    Done<Unit> done;
    bool closed = false;
  };
  struct Handle final : WatchHandle {
    explicit Handle(std::shared_ptr<Open> o) : open(std::move(o)) {}
    ~Handle() override { cancel(); }
    void cancel() override {
      open->closed = true;
      if (open->inner) open->inner->cancel();
    }
    std::shared_ptr<Open> open;
  };
  EventLoop& loop_;
  std::vector<std::shared_ptr<Open>> open_;
};

struct VmCacheTest : ::testing::Test {
  SimulatedLoop loop;
  HarvesterModel model{loop, nullptr, config()};
  bool seeded = (testing::seed_test_cluster(model, "ns"), true);
  HarvesterMemoryApi memory{loop, model, Latency::constant(50ms)};
  FlakyWatchApi api{loop, memory};

  static HarvesterModelConfig config() {
    HarvesterModelConfig c;
    c.watch_window = 40;  // small: dropped watches often resume from a version that is gone
    return c;
  }
  static VirtualMachineSpec vm(const std::string& name, const std::string& group) {
    VirtualMachineSpec s = testing::test_vm(name, group, "ns");
    s.labels = {{"group", group}};
    return s;
  }
  VmCache::Options options() {
    VmCache::Options o;
    o.ns = "ns";
    o.label_selector = "group=web";
    o.watch_timeout = 5min;
    return o;
  }
  void run_for(Duration d) { loop.run_until(loop.now() + d); }
  // "name@version" of each VM, from the cache and from a fresh list.
  static std::vector<std::string> names(const VmList& vms) {
    std::vector<std::string> out;
    for (const auto& v : vms) out.push_back(v->spec.name + "@" + v->resource_version);
    return out;
  }
  std::vector<std::string> truth() { return names(model.list("ns", "group=web").value()); }
};

TEST_F(VmCacheTest, ListsOnceThenFollowsTheWatch) {
  for (const char* n : {"web-1", "web-2", "db-1"}) {
    ASSERT_TRUE(model.create(vm(n, n[0] == 'w' ? "web" : "db")).ok());
  }
  VmCache cache(loop, api, options());
  EXPECT_FALSE(cache.synced());
  cache.start();
  run_for(1s);
  ASSERT_TRUE(cache.synced());
  EXPECT_EQ(names(cache.vms()), truth());
  ASSERT_TRUE(model.create(vm("web-3", "web")).ok());
  ASSERT_TRUE(model.remove("ns", "web-1").ok());
  ASSERT_TRUE(model.set_metadata("ns", "web-2", {{"group", "db"}}, {}).ok());  // leaves
  run_for(10min);  // boots, the deletion, watch timeouts
  EXPECT_EQ(names(cache.vms()), truth());
  EXPECT_EQ(cache.find("web-2"), nullptr);
  ASSERT_NE(cache.find("web-3"), nullptr);
  EXPECT_EQ(cache.find("web-3")->printable_status, "Running");
  EXPECT_EQ(cache.stats().lists, 1u);  // the watch was resumed, never relisted
  EXPECT_GE(cache.stats().watches, 2u);
  EXPECT_LE(*cache.staleness(), Duration(5min));  // at most one watch timeout
}

TEST_F(VmCacheTest, FailingListsBackOffWithinTheirCap) {
  api.lists_to_fail = 1000;
  VmCache::Options o = options();
  o.backoff_base = 1s;
  o.backoff_cap = 30s;
  VmCache cache(loop, api, o);
  cache.start();
  run_for(10min);
  EXPECT_FALSE(cache.synced());
  // 1, 2, 4, 8, 16 s then at most 30 s (jittered to 15-30 s): 20 to 45 tries in 10 minutes.
  EXPECT_GE(cache.stats().lists, 20u);
  EXPECT_LE(cache.stats().lists, 45u);
  api.lists_to_fail = 0;
  run_for(1min);
  EXPECT_TRUE(cache.synced());
  EXPECT_EQ(names(cache.vms()), truth());
}

TEST_F(VmCacheTest, AStoppedCacheChangesNoMore) {
  ASSERT_TRUE(model.create(vm("web-1", "web")).ok());
  VmCache cache(loop, api, options());
  cache.start();
  run_for(1s);
  ASSERT_EQ(cache.vms().size(), 1u);
  cache.stop();
  ASSERT_TRUE(model.create(vm("web-2", "web")).ok());
  run_for(10min);
  EXPECT_EQ(cache.vms().size(), 1u);
}

// Random changes, random watch ends and failed lists; once quiet, the cache is the truth.
TEST_F(VmCacheTest, ConvergesToAFreshListWhateverHappens) {
  int relisted = 0, gone = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SimulatedLoop l;
    HarvesterModelConfig c = config();
    c.watch_window = 6;  // a watch down for a few changes must list again
    HarvesterModel m(l, nullptr, c, seed);
    testing::seed_test_cluster(m, "ns");
    HarvesterMemoryApi mem(l, m, Latency::lognormal(50ms, 200ms), nullptr, seed);
    FlakyWatchApi flaky(l, mem);
    VmCache::Options o = options();
    o.watch_timeout = std::chrono::minutes(1 + static_cast<int>(seed % 4));
    VmCache cache(l, flaky, o, seed);
    cache.start();
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    for (int step = 0; step < 200; ++step) {
      l.run_until(l.now() + std::chrono::seconds(1 + pick(40)));
      std::string name = "vm-" + std::to_string(pick(12));
      switch (pick(8)) {
        case 0:
        case 1:
          static_cast<void>(m.create(vm(name, pick(3) == 0 ? "db" : "web")));
          break;
        case 2:
          static_cast<void>(m.remove("ns", name));
          break;
        case 3:
          static_cast<void>(m.set_metadata("ns", name, {{"group", pick(2) ? "web" : "db"}}, {}));
          break;
        case 4:
          static_cast<void>(pick(2) ? m.stop("ns", name) : m.start("ns", name));
          break;
        case 5:
          flaky.end_watches(Unit{});
          break;
        case 6:
          flaky.end_watches(make_error("gone", ErrorKind::kGone));
          break;
        default:
          flaky.lists_to_fail = pick(3);
          flaky.end_watches(make_error("reset", ErrorKind::kUnavailable));
      }
    }
    l.run_until(l.now() + std::chrono::minutes(10));
    ASSERT_TRUE(cache.synced()) << "seed " << seed;
    EXPECT_EQ(names(cache.vms()), names(m.list("ns", "group=web").value())) << "seed " << seed;
    relisted += cache.stats().relists > 0 ? 1 : 0;
    gone += flaky.gone_from_server;
  }
  EXPECT_GT(relisted, 0);  // the runs did exercise relisting
  EXPECT_GT(gone, 0);      // and versions the model no longer held
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// ClusterCaches: one cache per (namespace, selector), shared; usable only while synced and heard
// from within stale_after, so that readers list instead and /v1/health fails meanwhile.
TEST_F(VmCacheTest, CachesAreSharedAndUsableOnlyWhileCurrent) {
  ASSERT_TRUE(model.create(vm("web-1", "web")).ok());
  ClusterCaches::Options o;
  o.vm = options();
  o.stale_after = 10min;
  NomadModel nomad_model{loop};
  NomadMemoryApi nomad{loop, nomad_model, Latency::constant(10ms)};
  ClusterCaches caches(loop, api, nomad, o);
  VmCache& web = caches.vms("ns", "group=web");
  EXPECT_EQ(&caches.vms("ns", "group=web"), &web);
  EXPECT_NE(&caches.vms("ns", "group=db"), &web);
  EXPECT_FALSE(caches.usable(web));  // not synced yet
  run_for(1s);
  EXPECT_TRUE(caches.usable(web));
  EXPECT_EQ(names(web.vms()), truth());
  // Harvester stops answering: the watch is gone and every list fails.
  api.lists_to_fail = 1000000;
  api.end_watches(make_error("gone", ErrorKind::kGone));
  run_for(9min);
  EXPECT_TRUE(caches.usable(web));  // silent, but not for long yet
  run_for(2min);
  EXPECT_FALSE(caches.usable(web));
  api.lists_to_fail = 0;  // back: the next retry (30 s cap) lists again
  run_for(31s);
  EXPECT_TRUE(caches.usable(web));
  std::vector<std::string> seen;
  for (const auto& state : caches.states()) seen.push_back(state.name);
  EXPECT_EQ(seen, (std::vector<std::string>{"vms:ns/group=db", "vms:ns/group=web"}));
  // A bound shorter than the watch timeout and the blocking wait: quiet is still current.
  o.stale_after = 2min;
  ClusterCaches strict(loop, api, nomad, o);
  VmCache& quiet = strict.vms("ns", "group=web");
  NodeCache& nodes = strict.nodes("web");
  run_for(1s);
  for (int i = 0; i < 180; ++i) {
    run_for(10s);
    ASSERT_TRUE(strict.usable(quiet)) << "after " << i * 10 << " s";
    ASSERT_TRUE(strict.usable(nodes)) << "after " << i * 10 << " s";
  }
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// The simulator's watch faults (a scenario's api_errors / latency_spike on "watch_vms"):
// watches that expire (410) or drop mid-way, and events that arrive late. The cache still
// ends up showing what a fresh list shows.
TEST_F(VmCacheTest, InjectedWatchFaultsDelayButNeverCorruptTheCache) {
  FaultInjector faults;
  HarvesterMemoryApi faulty{loop, model, Latency::constant(50ms), &faults};
  VmCache cache(loop, faulty, options());
  cache.start();
  run_for(1s);
  ASSERT_TRUE(cache.synced());

  FaultRule late;
  late.extra_latency = 30s;
  auto late_id = faults.add_rule("watch_vms", late);
  // The open watch predates the rule: end it (its timeout) so that the next one is late.
  run_for(5min);
  ASSERT_TRUE(model.create(vm("web-1", "web")).ok());
  run_for(10s);
  EXPECT_EQ(cache.find("web-1"), nullptr);  // not yet: 30 s late
  run_for(25s);
  EXPECT_NE(cache.find("web-1"), nullptr);
  faults.remove_rule(late_id);

  for (ErrorKind kind : {ErrorKind::kGone, ErrorKind::kUnavailable}) {
    FaultRule ends;
    ends.error_rate = 1;
    ends.kind = kind;
    auto id = faults.add_rule("watch_vms", ends);
    std::uint64_t lists = cache.stats().lists;
    for (int i = 2; i < 12; ++i) {
      std::string name = "web-" + std::to_string(i) + (kind == ErrorKind::kGone ? "g" : "u");
      ASSERT_TRUE(model.create(vm(name, "web")).ok());
      run_for(2min);
    }
    faults.remove_rule(id);
    run_for(10min);
    EXPECT_EQ(names(cache.vms()), truth());
    if (kind == ErrorKind::kGone) {
      EXPECT_GT(cache.stats().lists, lists);  // 410: listed again
    }
    EXPECT_GT(faults.counts().failed, 0u);
  }
}

}  // namespace
}  // namespace ha
