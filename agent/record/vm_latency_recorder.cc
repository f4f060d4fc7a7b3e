#include "agent/record/vm_latency_recorder.h"

namespace ha {

VmLatencyRecorder::VmLatencyRecorder(EventLoop& loop, HarvesterApi& harvester, std::string ns,
                                     std::string selector, std::function<Time()> cluster_now,
                                     double clock_speed)
    : loop_(loop),
      harvester_(harvester),
      ns_(std::move(ns)),
      selector_(std::move(selector)),
      cluster_now_(std::move(cluster_now)),
      clock_speed_(clock_speed) {}

VmLatencyRecorder::~VmLatencyRecorder() {
  stop();
}

void VmLatencyRecorder::start() {
  if (running_) return;
  running_ = true;
  list();
}

void VmLatencyRecorder::stop() {
  running_ = false;
  guard_.invalidate();
  watch_.reset();
}

void VmLatencyRecorder::list() {
  harvester_.list_vms_versioned(ns_, selector_, guard_.wrap(running_, [this](Result<VmSnapshot> r) {
    if (!r) {
      last_error_ = r.error().message;
      return retry();
    }
    last_error_.clear();
    for (const auto& vm : r->items) note(*vm, false);
    listed_once_ = true;
    watch(r->resource_version);
  }));
}

void VmLatencyRecorder::watch(const std::string& version) {
  auto last = std::make_shared<std::string>(version);
  watch_ = harvester_.watch_vms(
      ns_, selector_, version, std::chrono::minutes(5),
      guard_.wrap(running_,
                  [this, last](const VmChange& c) {
                    *last = c.resource_version;
                    if (c.vm && c.type != VmChange::Type::kDeleted) note(*c.vm, true);
                  }),
      guard_.wrap(running_, [this, last](Result<Unit> r) {
        watch_.reset();
        if (r) return watch(*last);  // the server's timeout: on from the last version
        last_error_ = r.error().message;
        if (r.error().kind == ErrorKind::kGone) return list();
        retry();
      }));
}

void VmLatencyRecorder::retry() {
  loop_.after(std::chrono::seconds(5), guard_.wrap(running_, [this] { list(); }));
}

void VmLatencyRecorder::note(const VirtualMachine& vm, bool from_watch) {
  const std::string& name = vm.spec.name;
  bool first_sight = seen_.insert(name).second;
  // A VM the watch shows as it is created: its boot is timed from here.
  if (first_sight && listed_once_ && from_watch && vm.printable_status != "Running") {
    appeared_[name] = loop_.now();
  }
  if (vm.printable_status != "Running" || running_at_.count(name) || running_before_.count(name)) {
    return;
  }
  if (!listed_once_) {
    running_before_.insert(name);
  } else {
    running_at_[name] = cluster_now_();
    running_loop_[name] = loop_.now();
  }
}

VmLatencyRecorder::Samples VmLatencyRecorder::samples(
    const std::map<std::string, Time>& node_ready) const {
  Samples out = earlier_;
  for (const auto& [name, running] : running_at_) {
    if (auto appeared = appeared_.find(name); appeared != appeared_.end()) {
      out.boot.push_back(std::chrono::duration_cast<Duration>(
          (running_loop_.at(name) - appeared->second) * clock_speed_));
    }
    auto ready = node_ready.find(name);
    if (ready != node_ready.end() && ready->second >= running) {
      out.join.push_back(ready->second - running);
    }
  }
  return out;
}

}  // namespace ha
