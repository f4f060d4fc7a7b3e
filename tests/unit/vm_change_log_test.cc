// VmChangeLog and the HarvesterModel's use of it: every change is an event with a newer
// version, a window bounds what a watch may resume from, and a label selector turns events of
// VMs entering or leaving it into ADDED and DELETED.
#include "backends/memory/vm_change_log.h"

#include <gtest/gtest.h>

#include "backends/memory/harvester_model.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

std::shared_ptr<const VirtualMachine> vm(const std::string& name, const std::string& group) {
  auto v = std::make_shared<VirtualMachine>();
  v->spec.name = name;
  v->spec.namespace_ = "ns";
  v->spec.labels = {{"group", group}};
  return v;
}

VmWatchEvent event(VmWatchEvent::Type type, std::uint64_t version,
                   std::shared_ptr<const VirtualMachine> object,
                   std::shared_ptr<const VirtualMachine> previous = nullptr) {
  return {type, version, std::move(object), std::move(previous)};
}

TEST(VmChangeLog, ResumesFromAnyVersionItStillHolds) {
  VmChangeLog log(3);
  std::vector<std::uint64_t> told;
  auto id = log.subscribe([&](const VmWatchEvent& e) { told.push_back(e.resource_version); });
  for (std::uint64_t v = 2; v <= 6; ++v)
    log.record(event(VmWatchEvent::Type::kAdded, v, vm("a", "x")));
  EXPECT_EQ(told, (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(log.oldest_resumable(), 3u);  // 4, 5, 6 retained
  EXPECT_FALSE(log.since(2).has_value());
  ASSERT_TRUE(log.since(3).has_value());
  EXPECT_EQ(log.since(3)->size(), 3u);
  EXPECT_EQ(log.since(5)->size(), 1u);
  EXPECT_TRUE(log.since(6)->empty());
  EXPECT_TRUE(log.since(100)->empty());
  log.unsubscribe(id);
  log.record(event(VmWatchEvent::Type::kAdded, 7, vm("a", "x")));
  EXPECT_EQ(told.size(), 5u);
}

TEST(VmChangeLog, ASelectorSeesVmsEnterAndLeave) {
  auto web = LabelSelector::parse("group=web").value();
  using T = VmWatchEvent::Type;
  auto seen = [&](const VmWatchEvent& e) -> std::string {
    auto s = as_seen_by(e, "ns", web);
    return s ? watch_event_type(s->type) : "none";
  };
  EXPECT_EQ(seen(event(T::kAdded, 2, vm("a", "web"))), "ADDED");
  EXPECT_EQ(seen(event(T::kAdded, 2, vm("a", "db"))), "none");
  EXPECT_EQ(seen(event(T::kModified, 3, vm("a", "web"), vm("a", "web"))), "MODIFIED");
  EXPECT_EQ(seen(event(T::kModified, 3, vm("a", "db"), vm("a", "web"))), "DELETED");
  EXPECT_EQ(seen(event(T::kModified, 3, vm("a", "web"), vm("a", "db"))), "ADDED");
  EXPECT_EQ(seen(event(T::kModified, 3, vm("a", "db"), vm("a", "db"))), "none");
  EXPECT_EQ(seen(event(T::kDeleted, 4, vm("a", "web"), vm("a", "web"))), "DELETED");
  EXPECT_EQ(seen(event(T::kDeleted, 4, vm("a", "db"), vm("a", "db"))), "none");
  auto elsewhere = event(T::kAdded, 2, vm("a", "web"));
  EXPECT_FALSE(as_seen_by(elsewhere, "other-ns", web).has_value());
}

TEST(VmChangeLog, TheModelLogsEveryChangeWithANewerVersion) {
  SimulatedLoop loop;
  HarvesterModelConfig config;
  config.boot = Latency::constant(std::chrono::seconds(30));
  HarvesterModel model(loop, nullptr, config);
  testing::seed_test_cluster(model, "ns");
  std::vector<std::string> seen;
  std::uint64_t last = model.resource_version();
  model.changes().subscribe([&](const VmWatchEvent& e) {
    EXPECT_GT(e.resource_version, last);
    EXPECT_EQ(e.object->resource_version, std::to_string(e.resource_version));
    last = e.resource_version;
    seen.push_back(std::string(watch_event_type(e.type)) + " " + e.object->printable_status);
  });
  ASSERT_TRUE(model.create(testing::test_vm("vm-1", "web", "ns")).ok());
  loop.run();
  ASSERT_TRUE(model.set_metadata("ns", "vm-1", {{"a", "b"}}, {}).ok());
  ASSERT_TRUE(model.remove("ns", "vm-1").ok());
  loop.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED WaitingForVolumeBinding", "MODIFIED Starting",
                                            "MODIFIED Running", "MODIFIED Running",
                                            "MODIFIED Terminating", "DELETED Terminating"}));
  EXPECT_EQ(last, model.resource_version());
}

}  // namespace
}  // namespace ha
