// The Harvester target reading its VMs from a watch-fed cache: it follows the group as a
// list would, and a cache gone stale (its watch delivering nothing, while still "current"
// by its own clock: the worst case) never makes it drain or delete what it must not.
#include <set>

#include "engine/cache/cluster_caches.h"
#include "forwarding_harvester_api.h"
#include "forwarding_nomad_api.h"
#include "tests/unit/harvester_target_fixture.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Passes every call on, but drops watch events while frozen and counts deletions.
class FreezableWatchApi final : public testing::ForwardingHarvesterApi {
 public:
  using ForwardingHarvesterApi::ForwardingHarvesterApi;
  bool frozen = false;
  int deletions = 0;
  int lists = 0;

  void list_vms(const std::string& ns, const std::string& s, Done<VmList> d) override {
    ++lists;
    inner_.list_vms(ns, s, std::move(d));
  }
  std::unique_ptr<WatchHandle> watch_vms(const std::string& ns, const std::string& s,
                                         const std::string& version, Duration timeout,
                                         std::function<void(const VmChange&)> on_change,
                                         Done<Unit> d) override {
    auto filtered = [this, on_change = std::move(on_change)](const VmChange& c) {
      if (!frozen) on_change(c);
    };
    return inner_.watch_vms(ns, s, version, timeout, std::move(filtered), std::move(d));
  }
  void delete_vm(const std::string& ns, const std::string& n, Done<Unit> d) override {
    ++deletions;
    inner_.delete_vm(ns, n, std::move(d));
  }
};

// Passes every call on and remembers which nodes were read by id.
class NodeReadsNomadApi final : public testing::ForwardingNomadApi {
 public:
  using ForwardingNomadApi::ForwardingNomadApi;
  std::set<std::string> read;
  void get_node(const std::string& id, Done<NomadNode> d) override {
    read.insert(id);
    inner_.get_node(id, std::move(d));
  }
};

struct CachedHarvesterTargetTest : testing::HarvesterTargetTest {
  FreezableWatchApi api{harvester_api};
  NodeReadsNomadApi reads{nomad_api};
  ClusterCaches caches{loop, api, reads, {}};
  HarvesterTarget cached{loop, reads, api, log, [this] {
                           HarvesterTarget::Options o;
                           o.caches = &caches;
                           return o;
                         }()};
  CachedHarvesterTargetTest() { subject = &cached; }

  std::string newest_vm() {
    auto nodes = nomad.list_nodes({"hashistack", "", ""});
    return (*std::max_element(nodes.begin(), nodes.end(),
                              [](auto& a, auto& b) { return a->create_index < b->create_index; }))
        ->name;
  }
  const NomadNodeStub* node_of(const std::string& vm) {
    for (const auto& n : nomad.list_nodes({"hashistack", "", vm})) return n.get();
    return nullptr;
  }
};

TEST_F(CachedHarvesterTargetTest, FollowsTheGroupFromTheCacheWithoutListing) {
  grow_to(3);
  loop.run_until(loop.now() + 10s);
  int lists_before = api.lists;
  auto s = status();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->count, 3);
  EXPECT_TRUE(s->ready);
  EXPECT_EQ(api.lists, lists_before);  // answered by the cache
  reads.read.clear();
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(harvester.size(), 1u);
  EXPECT_EQ(status()->count, 1);
  EXPECT_EQ(api.lists, lists_before);
  // Capacities came with the cached node list: the node that stays was never read by id
  // (only drained nodes are, while their drain is followed).
  const NomadNodeStub* staying = node_of(harvester.list("nomad", "").value().front()->spec.name);
  ASSERT_NE(staying, nullptr);
  EXPECT_EQ(reads.read.count(staying->id), 0u);
  EXPECT_FALSE(reads.read.empty());
}

TEST_F(CachedHarvesterTargetTest, AForeignVmTheCacheStillShowsAsOursIsNeverDrained) {
  grow_to(3);
  config["node_selector_strategy"] = "newest_create_index";
  std::string taken = newest_vm();
  api.frozen = true;
  // An operator takes the VM out of the group: its ownership label goes. The cache never
  // hears of it.
  auto vm = harvester.get("nomad", taken);
  ASSERT_TRUE(vm.ok());
  auto labels = vm->spec.labels;
  labels.erase(std::string(vm_labels::kNodeGroup));
  ASSERT_TRUE(harvester.set_metadata("nomad", taken, labels, vm->spec.annotations).ok());

  auto r = scale(2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  loop.run_until(loop.now() + 3min);
  ASSERT_TRUE(harvester.get("nomad", taken).ok());
  const NomadNodeStub* node = node_of(taken);
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->drain);
  EXPECT_EQ(node->scheduling_eligibility, "eligible");
  EXPECT_EQ(api.deletions, 0);
  const ScaleActionRecord& a = cached.actions().back();
  ASSERT_EQ(a.direction, Direction::kDown);
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find("lacks the ownership label"), std::string::npos) << a.failures[0];
}

TEST_F(CachedHarvesterTargetTest, AGoneVmTheCacheStillShowsIsNotDeletedByReconcile) {
  grow_to(3);
  std::string gone = newest_vm();
  api.frozen = true;
  ASSERT_TRUE(harvester.remove("nomad", gone).ok());  // by someone else; its node goes down
  loop.run_until(loop.now() + 1min);
  ASSERT_FALSE(harvester.get("nomad", gone).ok());
  // Past the provision timeout, the cache's view (the VM Running, its node down) looks like
  // a stuck VM; reconcile reads it fresh, finds it gone, and deletes nothing. A not-found
  // answer does not outweigh the view (it is asked again at the next status), so the VM
  // counts until the view drops it.
  loop.run_until(loop.now() + 16min);
  auto s = status();
  ASSERT_TRUE(s.ok()) << s.error().message;
  loop.run_until(loop.now() + 10s);
  EXPECT_EQ(api.deletions, 0);
  EXPECT_EQ(status()->count, 3);
  EXPECT_EQ(harvester.size(), 2u);
  api.frozen = false;  // events flow again; the dropped one comes back with the resync list
  loop.run_until(loop.now() + 31min);
  EXPECT_EQ(status()->count, 2);
  EXPECT_EQ(api.deletions, 0);
}

}  // namespace
}  // namespace ha
