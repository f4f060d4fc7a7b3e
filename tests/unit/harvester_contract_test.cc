// One contract, two implementations: every HarvesterApi call gives the same result from the
// in-memory model and from the HTTP client talking to the mock server on 127.0.0.1.
#include <gtest/gtest.h>

#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/http/harvester_http_api.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "contract_fixture.h"
#include "harvester_test_cluster.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

HarvesterModelConfig fast() {
  HarvesterModelConfig c;
  c.provision = c.boot = c.nomad_join = c.stop = c.start = c.terminate = Latency::constant(2ms);
  c.max_vms = 3;
  c.watch_window = 20;  // small: churn makes an old version gone
  return c;
}

VirtualMachineSpec spec(const std::string& name, const std::string& group = "web") {
  return testing::test_vm(name, group);
}

class HarvesterContract : public testing::ContractTest<HarvesterApi> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      backend = std::make_unique<
          testing::MemoryContractBackend<HarvesterApi, HarvesterModel, HarvesterMemoryApi>>(
          [](HarvesterModel& m) { testing::seed_test_cluster(m); }, nullptr, fast());
    } else {
      HarvesterMockServer::Options server;
      server.token = "kube-token";
      backend =
          std::make_unique<testing::HttpContractBackend<HarvesterApi, HarvesterModel,
                                                        HarvesterMockServer, HarvesterHttpApi>>(
              [](HarvesterModel& m) { testing::seed_test_cluster(m); }, server,
              [](const std::string& url) {
                HarvesterHttpApi::Options o;
                o.url = url;
                o.token = "kube-token";
                return o;
              },
              nullptr, fast());
    }
  }
  Result<VirtualMachine> create(const VirtualMachineSpec& s) {
    return sync<VirtualMachine>(
        [s](HarvesterApi& api, Done<VirtualMachine> d) { api.create_vm(s, d); });
  }
  Result<VirtualMachine> get(const std::string& name) {
    return sync<VirtualMachine>(
        [name](HarvesterApi& api, Done<VirtualMachine> d) { api.get_vm("nomad", name, d); });
  }
  Result<VmList> list(const std::string& selector) {
    return sync<VmList>(
        [selector](HarvesterApi& api, Done<VmList> d) { api.list_vms("nomad", selector, d); });
  }
  // The VM's phase once it is `want` (or "absent"), waiting up to 5 s.
  std::string phase_after(const std::string& name, const std::string& want) {
    std::string now;
    for (int i = 0; i < 500; ++i) {
      auto vm = get(name);
      now = vm ? vm->printable_status
               : (vm.error().kind == ErrorKind::kNotFound ? "absent" : vm.error().message);
      if (now == want) break;
      std::this_thread::sleep_for(10ms);
    }
    return now;
  }
};

TEST_P(HarvesterContract, CreatesAndReadsBackTheSpec) {
  auto created = create(spec("web-1"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->printable_status, "WaitingForVolumeBinding");
  EXPECT_FALSE(created->uid.empty());
  auto vm = get("web-1");
  ASSERT_TRUE(vm.ok()) << vm.error().message;
  EXPECT_EQ(vm->spec.labels.at(vm_labels::kNodeGroup), "web");
  EXPECT_EQ(vm->spec.cpu_cores, 2);
  EXPECT_EQ(vm->spec.memory_bytes, 4LL << 30);
  EXPECT_EQ(vm->spec.image(), "default/image-ubuntu");
  EXPECT_EQ(vm->spec.root_disk->storage_class, testing::kTestImageClass);
  EXPECT_EQ(vm->spec.run_strategy, "RerunOnFailure");
  // Harvester's mutator: requests from the limits (overcommit 1000% cpu, 150% memory).
  EXPECT_EQ(vm->spec.cpu_request_millis, 200);
  EXPECT_EQ(vm->spec.memory_request_bytes, 2730LL << 20);
  EXPECT_EQ(vm->spec.guest_memory_bytes, 4LL << 30);
  EXPECT_EQ(vm->spec.network, "default/vlan1");
  EXPECT_EQ(vm->spec.user_data, testing::test_vm("x").user_data);
  EXPECT_EQ(vm->uid, created->uid);

  auto again = create(spec("web-1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  auto invalid = create(spec("Bad_Name"));
  EXPECT_EQ(invalid.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(get("nope").error().kind, ErrorKind::kNotFound);
}

TEST_P(HarvesterContract, ListsByLabelSelector) {
  ASSERT_TRUE(create(spec("web-1")).ok());
  ASSERT_TRUE(create(spec("web-2")).ok());
  ASSERT_TRUE(create(spec("db-1", "db")).ok());
  auto web = list(std::string(vm_labels::kNodeGroup) + "=web");
  ASSERT_TRUE(web.ok()) << web.error().message;
  ASSERT_EQ(web->size(), 2u);
  EXPECT_EQ((*web)[0]->spec.name, "web-1");
  EXPECT_EQ((*web)[1]->spec.name, "web-2");
  EXPECT_EQ(list("")->size(), 3u);
  EXPECT_EQ(list(std::string(vm_labels::kNodeGroup) + "!=web")->size(), 1u);
  EXPECT_EQ(list("a in (b)").error().kind, ErrorKind::kInvalid);
}

TEST_P(HarvesterContract, BootsStopsStartsAndDeletes) {
  ASSERT_TRUE(create(spec("web-1")).ok());
  EXPECT_EQ(phase_after("web-1", "Running"), "Running");
  ASSERT_TRUE(
      sync<Unit>([](HarvesterApi& api, Done<Unit> d) { api.stop_vm("nomad", "web-1", d); }).ok());
  EXPECT_EQ(phase_after("web-1", "Stopped"), "Stopped");
  // RerunOnFailure takes a stop request: the spec keeps its strategy.
  EXPECT_EQ(get("web-1")->spec.run_strategy, "RerunOnFailure");
  ASSERT_TRUE(
      sync<Unit>([](HarvesterApi& api, Done<Unit> d) { api.start_vm("nomad", "web-1", d); }).ok());
  EXPECT_EQ(phase_after("web-1", "Running"), "Running");
  ASSERT_TRUE(
      sync<Unit>([](HarvesterApi& api, Done<Unit> d) { api.delete_vm("nomad", "web-1", d); }).ok());
  EXPECT_EQ(phase_after("web-1", "absent"), "absent");
  auto missing =
      sync<Unit>([](HarvesterApi& api, Done<Unit> d) { api.delete_vm("nomad", "web-1", d); });
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

// DeleteOptions preconditions: a VM changed since it was read is not deleted.
TEST_P(HarvesterContract, ADeleteWithPreconditionsRefusesAChangedVm) {
  auto created = create(spec("web-1"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(phase_after("web-1", "Running"), "Running");
  auto read = get("web-1");
  ASSERT_TRUE(read.ok());
  auto changed = sync<VirtualMachine>([](HarvesterApi& api, Done<VirtualMachine> d) {
    api.annotate_vm("nomad", "web-1", "", {{"note", "changed"}}, d);
  });
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(changed->spec.annotations.at("note"), "changed");
  auto stale = sync<Unit>([&](HarvesterApi& api, Done<Unit> d) {
    api.delete_vm_if("nomad", "web-1", read->uid, read->resource_version, d);
  });
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  EXPECT_NE(stale.error().message.find("Precondition failed: ResourceVersion in precondition"),
            std::string::npos);
  auto other = sync<VirtualMachine>([](HarvesterApi& api, Done<VirtualMachine> d) {
    api.annotate_vm("nomad", "web-1", "another-uid", {{"note", "x"}}, d);
  });
  EXPECT_EQ(other.error().kind, ErrorKind::kConflict);
  auto fresh = sync<Unit>([&](HarvesterApi& api, Done<Unit> d) {
    api.delete_vm_if("nomad", "web-1", changed->uid, changed->resource_version, d);
  });
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(phase_after("web-1", "absent"), "absent");
}

TEST_P(HarvesterContract, ReadsImagesAndCreatesSecrets) {
  auto image = sync<VmImage>(
      [](HarvesterApi& api, Done<VmImage> d) { api.get_image("default/image-ubuntu", d); });
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->storage_class, testing::kTestImageClass);
  EXPECT_TRUE(image->imported);
  EXPECT_EQ(image->virtual_size_bytes, 4LL << 30);
  auto missing = sync<VmImage>(
      [](HarvesterApi& api, Done<VmImage> d) { api.get_image("default/image-gone", d); });
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  Secret secret;
  secret.meta.namespace_ = "nomad";
  secret.meta.name = "web-1-cloudinit";
  secret.data["userdata"] = "#cloud-config\nhostname: web-1\n";
  auto made = sync<Unit>([&](HarvesterApi& api, Done<Unit> d) { api.create_secret(secret, d); });
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto again = sync<Unit>([&](HarvesterApi& api, Done<Unit> d) { api.create_secret(secret, d); });
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

TEST_P(HarvesterContract, NoCapacityEndsUnschedulable) {
  for (const char* name : {"web-1", "web-2", "web-3"}) ASSERT_TRUE(create(spec(name)).ok());
  auto fourth = create(spec("web-4"));  // max_vms is 3
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->printable_status, "ErrorUnschedulable");
}

// A watch, recorded: its changes as "TYPE name phase" and how it ended.
struct WatchRecord {
  std::vector<std::string> changes;
  std::vector<std::string> versions;
  std::optional<Result<Unit>> end;
  std::unique_ptr<WatchHandle> handle;
};

class HarvesterWatchContract : public HarvesterContract {
 protected:
  // (+= rather than operator+: GCC 12 warns falsely on the latter here, -Warray-bounds)
  static std::string web() {
    std::string s = vm_labels::kNodeGroup;
    s += "=web";
    return s;
  }
  void watch(WatchRecord& w, const std::string& version, Duration timeout = 10s) {
    bool started = false;
    backend->loop().post([&] {
      w.handle = backend->api().watch_vms(
          "nomad", web(), version, timeout,
          [&w](const VmChange& c) {
            static const char* kNames[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
            std::string text = kNames[static_cast<int>(c.type)];
            if (c.vm) text += " " + c.vm->spec.name + " " + c.vm->printable_status;
            w.changes.push_back(text);
            w.versions.push_back(c.resource_version);
          },
          [&w](Result<Unit> r) { w.end = std::move(r); });
      started = true;
    });
    run_until([&] { return started; });
  }
  Result<VmSnapshot> snapshot() {
    return sync<VmSnapshot>(
        [](HarvesterApi& api, Done<VmSnapshot> d) { api.list_vms_versioned("nomad", web(), d); });
  }
  Result<Unit> remove(const std::string& name) {
    return sync<Unit>([name](HarvesterApi& api, Done<Unit> d) { api.delete_vm("nomad", name, d); });
  }
};

TEST_P(HarvesterWatchContract, FollowsTheGroupFromAListsVersion) {
  ASSERT_TRUE(create(spec("web-1")).ok());
  ASSERT_EQ(phase_after("web-1", "Running"), "Running");
  auto listed = snapshot();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->items.size(), 1u);
  WatchRecord w;
  watch(w, listed->resource_version);
  ASSERT_TRUE(create(spec("web-2")).ok());
  ASSERT_EQ(phase_after("web-2", "Running"), "Running");
  ASSERT_TRUE(create(spec("db-1", "db")).ok());  // another group: not seen
  ASSERT_TRUE(remove("web-1").ok());
  run_until([&] { return w.changes.size() >= 5 || w.end; });
  EXPECT_FALSE(w.end.has_value());
  EXPECT_EQ(w.changes,
            (std::vector<std::string>{"ADDED web-2 WaitingForVolumeBinding",
                                      "MODIFIED web-2 Starting", "MODIFIED web-2 Running",
                                      "MODIFIED web-1 Terminating", "DELETED web-1 Terminating"}));
  std::uint64_t last = std::stoull(listed->resource_version);
  for (const std::string& v : w.versions) {
    EXPECT_GT(std::stoull(v), last);
    last = std::stoull(v);
  }
  // Cancelled: nothing more arrives.
  backend->loop().post([&] { w.handle->cancel(); });
  ASSERT_TRUE(create(spec("web-3")).ok());
  ASSERT_EQ(phase_after("web-3", "Running"), "Running");
  run_until([] { return false; }, 300ms);  // time for anything late
  EXPECT_EQ(w.changes.size(), 5u);
  EXPECT_FALSE(w.end.has_value());
}

TEST_P(HarvesterWatchContract, AVersionTooOldIsGone) {
  auto first = snapshot();
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 10; ++i) {  // 3 changes a round or more: past the window of 20
    ASSERT_TRUE(create(spec("web-1")).ok());
    ASSERT_TRUE(remove("web-1").ok());
    ASSERT_EQ(phase_after("web-1", "absent"), "absent");
  }
  WatchRecord w;
  watch(w, first->resource_version);
  run_until([&] { return w.end.has_value(); });
  ASSERT_TRUE(w.end.has_value());
  ASSERT_FALSE(w.end->ok());
  EXPECT_EQ(w.end->error().kind, ErrorKind::kGone) << w.end->error().message;
  EXPECT_TRUE(w.changes.empty());
}

TEST_P(HarvesterWatchContract, EndsAfterItsTimeoutWithABookmark) {
  ASSERT_TRUE(create(spec("db-1", "db")).ok());
  auto listed = snapshot();
  ASSERT_TRUE(listed.ok());
  WatchRecord w;
  watch(w, "1", 1s);  // from the start: db-1's changes are not the group's
  run_until([&] { return w.end.has_value(); });
  ASSERT_TRUE(w.end.has_value());
  EXPECT_TRUE(w.end->ok()) << w.end->error().message;
  ASSERT_FALSE(w.changes.empty());
  EXPECT_EQ(w.changes.back(), "BOOKMARK");
  EXPECT_GE(std::stoull(w.versions.back()), std::stoull(listed->resource_version));
}

INSTANTIATE_TEST_SUITE_P(Backends, HarvesterWatchContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, HarvesterContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
