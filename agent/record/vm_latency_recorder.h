// VmLatencyRecorder: what `record` learns of a scale-out's latency when it may also read
// Harvester (--kubeconfig): each Nomad client VM the watch shows as it is created, from then
// to the first time it is seen Running (the scenario's vm_boot, with vm_provision 0), and
// from there to its Nomad node first being ready, matched by name as the Harvester target
// names nodes (the scenario's nomad_join). It lists the VMs of the namespace and selector,
// then watches them from the list's version; a watch that ends is opened again, a stale
// version or a failure lists again (after a backoff). VMs already there at a list teach no
// boot time (their creation was not seen), nor, when Running at the first list, a join.
//
// Clocks: the boot is timed on the loop's clock, as the watch delivers the changes, and
// scaled by `clock_speed` (a mock-cluster replay runs sped up), not from creationTimestamp:
// its whole seconds are a minute of a replay at 60x, and Harvester's clock may be skewed or,
// in mock-cluster, run at another pace. The join is measured on the cluster's clock, as the
// node's readiness is (`cluster_now`).
//
// All calls on the loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backends/api/harvester_api.h"
#include "base/callback_guard.h"
#include "base/event_loop.h"

namespace ha {

class VmLatencyRecorder {
 public:
  VmLatencyRecorder(EventLoop& loop, HarvesterApi& harvester, std::string ns, std::string selector,
                    std::function<Time()> cluster_now, double clock_speed = 1);
  ~VmLatencyRecorder();
  VmLatencyRecorder(const VmLatencyRecorder&) = delete;
  VmLatencyRecorder& operator=(const VmLatencyRecorder&) = delete;

  void start();
  void stop();

  struct Samples {
    std::vector<Duration> boot;  // creation to Running
    std::vector<Duration> join;  // Running to the Nomad node ready
  };
  // From the VMs seen start, and `node_ready` (the first time each Nomad node, by name,
  // was seen ready); after those of add_earlier().
  Samples samples(const std::map<std::string, Time>& node_ready) const;
  // The samples of the runs before this one (a resumed recording keeps them).
  void add_earlier(const Samples& earlier) { earlier_ = earlier; }
  // The last failure to list or watch ("" when the last one worked).
  const std::string& last_error() const { return last_error_; }

 private:
  void list();
  void watch(const std::string& version);
  void note(const VirtualMachine& vm, bool from_watch);
  void retry();

  EventLoop& loop_;
  HarvesterApi& harvester_;
  std::string ns_, selector_;
  std::function<Time()> cluster_now_;
  double clock_speed_;
  bool running_ = false, listed_once_ = false;
  std::set<std::string> seen_;                // VM names seen
  std::map<std::string, Time> appeared_;      // ... created while watched: the loop's clock
  std::map<std::string, Time> running_at_;    // ... first seen Running: the cluster's clock
  std::map<std::string, Time> running_loop_;  // ... and the loop's
  std::set<std::string> running_before_;      // Running at the first list
  std::unique_ptr<WatchHandle> watch_;
  Samples earlier_;
  std::string last_error_;
  CallbackGuard guard_;
};

}  // namespace ha
