// The mock Harvester's list and watch protocol, as client-go's reflector and kubectl use it:
// versions on lists, resourceVersion / resourceVersionMatch, watches that replay from a
// version, follow changes, filter by label and name, send bookmarks, end after
// timeoutSeconds, and answer 410 Expired for a version the change log no longer holds.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <sstream>
#include <thread>

#include "mock_harvester_fixture.h"

namespace ha {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A watch read line by line on a thread of its own, until the server ends the stream.
class WatchReader {
 public:
  WatchReader(int port, std::string path) {
    thread_ = std::thread([this, port, path = std::move(path)] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(10, 0);
      auto r = c.Get(
          path,
          [this](const httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mutex_);
            status_ = res.status;
            content_type_ = res.get_header_value("Content-Type");
            return true;
          },
          [this](const char* data, std::size_t size) {
            std::lock_guard<std::mutex> lock(mutex_);
            buffer_.append(data, size);
            for (std::size_t nl; (nl = buffer_.find('\n')) != std::string::npos;) {
              events_.push_back(json::parse(buffer_.substr(0, nl)));
              buffer_.erase(0, nl + 1);
            }
            return true;
          });
      std::lock_guard<std::mutex> lock(mutex_);
      ended_ = true;
      if (!r) status_ = -1;
    });
  }
  ~WatchReader() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // The events so far, once `n` are there or 5 s have passed.
  std::vector<json> wait_for(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (events_.size() >= n || ended_) break;
      }
      std::this_thread::sleep_for(10ms);
    }
    return events();
  }
  std::vector<json> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  int status() {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }
  std::string content_type() {
    std::lock_guard<std::mutex> lock(mutex_);
    return content_type_;
  }

 private:
  std::mutex mutex_;
  std::string buffer_, content_type_;
  std::vector<json> events_;
  int status_ = 0;
  bool ended_ = false;
  std::thread thread_;
};

std::string describe(const json& e) {
  return e["type"].get<std::string>() + " " +
         e["object"]["metadata"].value("name", std::string("-")) + " " +
         e["object"].value("status", json::object()).value("printableStatus", std::string("-"));
}

std::vector<std::string> describe(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events) out.push_back(describe(e));
  return out;
}

struct MockHarvesterWatchTest : MockHarvesterTest {
  std::string list_version(const std::string& query = "") {
    auto r = client->Get(std::string(kVms) + query);
    return json::parse(r->body)["metadata"]["resourceVersion"];
  }
};

TEST_F(MockHarvesterWatchTest, ListsCarryTheirVersionAndHonourResourceVersion) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  ASSERT_EQ(wait_for("web-1", "Running"), "Running");
  std::string v = list_version();
  EXPECT_EQ(client->Get(std::string(kVms) + "?resourceVersion=" + v + "&resourceVersionMatch=Exact")
                ->status,
            200);
  ASSERT_EQ(create(vm_spec("web-2"))->status, 201);
  auto old =
      client->Get(std::string(kVms) + "?resourceVersion=" + v + "&resourceVersionMatch=Exact");
  EXPECT_EQ(old->status, 410);
  EXPECT_EQ(json::parse(old->body)["reason"], "Expired");
  // Not older than: any version up to the newest is answered with the newest.
  EXPECT_EQ(client->Get(std::string(kVms) + "?resourceVersion=" + v)->status, 200);
  auto ahead = client->Get(std::string(kVms) + "?resourceVersion=99999999");
  EXPECT_EQ(ahead->status, 504);
  EXPECT_EQ(json::parse(ahead->body)["reason"], "Timeout");
  EXPECT_EQ(client->Get(std::string(kVms) + "?resourceVersion=x1")->status, 400);
  EXPECT_EQ(client->Get(std::string(kVms) + "?resourceVersionMatch=Exact")->status, 400);
  EXPECT_EQ(
      client->Get(std::string(kVms) + "?resourceVersion=1&resourceVersionMatch=Newest")->status,
      400);
  auto one =
      json::parse(client->Get(std::string(kVms) + "?fieldSelector=metadata.name%3Dweb-2")->body);
  ASSERT_EQ(one["items"].size(), 1u);
  EXPECT_EQ(one["items"][0]["metadata"]["name"], "web-2");
  EXPECT_EQ(client->Get(std::string(kVms) + "?fieldSelector=spec.running%3Dtrue")->status, 400);
}

TEST_F(MockHarvesterWatchTest, WatchFromAVersionReplaysWhatCameAfterThenFollows) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  ASSERT_EQ(wait_for("web-1", "Running"), "Running");
  std::string v = list_version();
  ASSERT_EQ(create(vm_spec("web-2"))->status, 201);  // after v: replayed
  ASSERT_EQ(wait_for("web-2", "Running"), "Running");
  WatchReader watch(port,
                    std::string(kVms) + "?watch=true&resourceVersion=" + v + "&timeoutSeconds=2");
  auto replayed = watch.wait_for(3);
  ASSERT_GE(replayed.size(), 3u);
  EXPECT_EQ(describe(replayed[0]), "ADDED web-2 WaitingForVolumeBinding");
  EXPECT_EQ(describe(replayed[2]), "MODIFIED web-2 Running");
  ASSERT_EQ(client->Delete(std::string(kVms) + "/web-1")->status, 200);  // followed
  watch.join();
  EXPECT_EQ(watch.status(), 200);
  EXPECT_EQ(watch.content_type(), "application/json;stream=watch");
  auto all = describe(watch.events());
  std::vector<std::string> want = {"ADDED web-2 WaitingForVolumeBinding", "MODIFIED web-2 Starting",
                                   "MODIFIED web-2 Running", "MODIFIED web-1 Terminating",
                                   "DELETED web-1 Terminating"};
  EXPECT_EQ(all, want);
  std::uint64_t last = std::stoull(v);
  for (const json& e : watch.events()) {
    std::uint64_t version =
        std::stoull(e["object"]["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GT(version, last) << describe(e);
    last = version;
  }
}

TEST_F(MockHarvesterWatchTest, WithoutAVersionAWatchStartsWithWhatThereIs) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  ASSERT_EQ(create(vm_spec("db-1", "db"))->status, 201);
  ASSERT_EQ(wait_for("db-1", "Running"), "Running");
  std::string selector = "labelSelector=" + std::string(vm_labels::kNodeGroup) + "%3Ddb";
  WatchReader watch(port, std::string(kVms) + "?watch=1&timeoutSeconds=1&" + selector);
  watch.join();
  EXPECT_EQ(describe(watch.events()), std::vector<std::string>{"ADDED db-1 Running"});
}

TEST_F(MockHarvesterWatchTest, AVmLeavingOrJoiningTheSelectorIsDeletedOrAdded) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  ASSERT_EQ(wait_for("web-1", "Running"), "Running");
  std::string v = list_version();
  std::string label = vm_labels::kNodeGroup;
  WatchReader watch(port, std::string(kVms) + "?watch=true&timeoutSeconds=2&resourceVersion=" + v +
                              "&labelSelector=" + label + "%3Dweb");
  auto relabel = [&](const std::string& group) {
    json patch = {{"metadata", {{"labels", {{label, group}}}}}};
    return client->Patch(std::string(kVms) + "/web-1", patch.dump(),
                         "application/merge-patch+json");
  };
  ASSERT_EQ(relabel("db")->status, 200);
  watch.wait_for(1);
  ASSERT_EQ(relabel("web")->status, 200);
  watch.join();
  EXPECT_EQ(describe(watch.events()),
            (std::vector<std::string>{"DELETED web-1 Running", "ADDED web-1 Running"}));
}

TEST_F(MockHarvesterWatchTest, AVersionOlderThanTheLogHoldsIsGone) {
  start();
  std::string v = list_version();
  for (int i = 0; i < 20; ++i) {  // 3 changes each: more than the window of 50
    ASSERT_EQ(create(vm_spec("web-" + std::to_string(i)))->status, 201);
  }
  ASSERT_EQ(wait_for("web-19", "Running"), "Running");
  WatchReader watch(port, std::string(kVms) + "?watch=true&resourceVersion=" + v);
  watch.join();  // ends at once, without waiting for the timeout
  auto events = watch.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["kind"], "Status");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  // A version the log still holds is fine.
  WatchReader recent(
      port, std::string(kVms) + "?watch=true&timeoutSeconds=1&resourceVersion=" + list_version());
  recent.join();
  EXPECT_TRUE(recent.events().empty());
}

TEST_F(MockHarvesterWatchTest, ABookmarkCarriesTheNewestVersion) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  ASSERT_EQ(wait_for("web-1", "Running"), "Running");
  std::string v = list_version();
  // A selector that matches nothing: the bookmark still moves the watcher's version on.
  WatchReader watch(port, std::string(kVms) +
                              "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&"
                              "labelSelector=nothing%3Dhere&resourceVersion=1");
  watch.join();
  auto events = watch.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], v);
  EXPECT_EQ(events[0]["object"]["kind"], "VirtualMachine");
}

TEST_F(MockHarvesterWatchTest, BadWatchParametersAreRefused) {
  start();
  EXPECT_EQ(client->Get(std::string(kVms) + "?watch=true&resourceVersion=abc")->status, 400);
  EXPECT_EQ(client->Get(std::string(kVms) + "?watch=true&labelSelector=a%20in%20(b)")->status, 400);
  EXPECT_EQ(client->Get(std::string(kVms) + "?watch=true&fieldSelector=status.x%3Dy")->status, 400);
}

TEST_F(MockHarvesterWatchTest, StoppingTheServerEndsAWatch) {
  start();
  std::string path = kVms;  // (not operator+: a GCC 12 -Warray-bounds false positive)
  path += "?watch=true";
  WatchReader watch(port, path);  // 30 minutes unless stopped
  // The stream is open once its headers came (nothing else to send yet); a loaded machine
  // (TSan, parallel tests) can take longer than any fixed sleep.
  for (int i = 0; i < 1000 && watch.status() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(watch.status(), 200);
  server->stop();
  watch.join();
  EXPECT_EQ(watch.status(), 200);
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// Watch faults on the mock (a scenario's or --faults' "watch_vms"): the watch request is
// answered as a failing API server would, 410 Expired or 503, while lists go through.
TEST_F(MockHarvesterWatchTest, InjectedWatchFaultsAnswerTheWatchRequestOnly) {
  start();
  std::string v = list_version();
  FaultRule gone;
  gone.error_rate = 1;
  gone.kind = ErrorKind::kGone;
  auto id = faults.add_rule("watch_vms", gone);
  auto expired = client->Get(std::string(kVms) + "?watch=true&resourceVersion=" + v);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 410);
  EXPECT_EQ(json::parse(expired->body)["reason"], "Expired");
  EXPECT_EQ(client->Get(std::string(kVms))->status, 200);  // a list is no watch
  faults.remove_rule(id);
  FaultRule dropped;
  dropped.error_rate = 1;
  faults.add_rule("watch_vms", dropped);
  auto unavailable = client->Get(std::string(kVms) + "?watch=1&resourceVersion=" + v);
  ASSERT_TRUE(unavailable);
  EXPECT_EQ(unavailable->status, 503);
}

}  // namespace
}  // namespace ha
