#include "agent/record/cluster_recorder.h"

#include <algorithm>

#include "base/backoff.h"

namespace ha {

ClusterRecorder::ClusterRecorder(EventLoop& loop, NomadApi& nomad, Options options,
                                 std::uint64_t seed)
    : loop_(loop), nomad_(nomad), options_(std::move(options)), rng_(seed) {}

ClusterRecorder::~ClusterRecorder() {
  stop();
}

// Runs f later unless the recorder was stopped in between.
template <typename F>
auto ClusterRecorder::guarded(F f) {
  return guard_.wrap(running_, std::move(f));
}

void ClusterRecorder::start() {
  if (running_) return;
  running_ = true;
  began_ = loop_.now();
  open(resumed_start_ ? last_index_ + 1 : 0);
}

Duration ClusterRecorder::scaled(Duration loop_elapsed) const {
  return std::chrono::duration_cast<Duration>(loop_elapsed * options_.clock_speed);
}

Time ClusterRecorder::cluster_time(Time loop_time) const {
  return offset_.value_or(began_) + scaled(loop_time - began_);
}

void ClusterRecorder::observe_time(Time t) {
  if (t <= Time(0)) return;  // not written
  Time at_start = t - scaled(loop_.now() - began_);
  if (!offset_ || at_start > *offset_) offset_ = at_start;
}

void ClusterRecorder::stop() {
  running_ = false;
  guard_.invalidate();
  stream_.reset();
  if (retry_) loop_.cancel(*retry_);
  retry_.reset();
}

void ClusterRecorder::open(std::uint64_t from) {
  subscribed_ = false;
  listing_ = false;
  waiting_.clear();
  stream_ = nomad_.stream_events({"Job", "Allocation", "Node"}, from,
                                 guarded([this](const NomadEventFrame& f) { frame(f); }),
                                 guarded([this](Result<Unit> r) { ended(std::move(r)); }));
}

void ClusterRecorder::frame(const NomadEventFrame& f) {
  if (!subscribed_) {
    subscribed_ = true;  // the first line: the server has subscribed; what the lists miss,
    list();              // the stream has
  }
  if (listing_) {
    if (!f.heartbeat()) waiting_.push_back(f);
    return;
  }
  apply(f);
}

void ClusterRecorder::list() {
  listing_ = true;
  struct Lists {
    std::optional<Result<AllocationListAt>> allocations;
    std::optional<Result<NodeListAt>> nodes;
  };
  auto lists = std::make_shared<Lists>();
  auto both = [this, lists] {
    if (!lists->allocations || !lists->nodes) return;
    if (!*lists->allocations) return list_failed(lists->allocations->error());
    if (!*lists->nodes) return list_failed(lists->nodes->error());
    bool first = !listed_once_ && !resumed_start_;
    for (const auto& a : (*lists->allocations)->allocations) observe_time(a.modify_time);
    workload_.on_list((*lists->allocations)->allocations,
                      first ? std::nullopt : std::optional<Time>(cluster_time(loop_.now())));
    for (const auto& a : (*lists->allocations)->allocations) read_job_of(a);
    for (const auto& n : (*lists->nodes)->nodes) {
      observe_node(*n);
      if (first && n->status == "ready") ++initial_nodes_;
    }
    if (!listed_once_) {
      nomad_.list_scaling_policies(guarded([this](Result<std::vector<NomadScalingPolicy>> r) {
        if (r) scaling_policies_ = std::move(*r);
        scaling_policies_error_ = r ? "" : r.error().message;
      }));
    }
    listed_once_ = true;
    listing_ = false;
    failures_in_a_row_ = 0;
    std::vector<NomadEventFrame> waiting = std::move(waiting_);
    waiting_.clear();
    for (const NomadEventFrame& f : waiting) apply(f);
    if (polling_) {
      poll_allocations((*lists->allocations)->index);
      poll_nodes((*lists->nodes)->index);
    }
  };
  nomad_.watch_allocations(0, std::chrono::minutes(1),
                           guarded([lists, both](Result<AllocationListAt> r) {
                             lists->allocations = std::move(r);
                             both();
                           }));
  nomad_.watch_nodes({options_.node_class, options_.node_pool, ""}, 0, std::chrono::minutes(1),
                     guarded([lists, both](Result<NodeListAt> r) {
                       lists->nodes = std::move(r);
                       both();
                     }));
}

void ClusterRecorder::apply(const NomadEventFrame& f) {
  if (f.heartbeat()) return;
  last_index_ = std::max(last_index_, f.index);
  events_ += f.events.size();
  for (const std::string& why : f.skipped) {
    if (skipped_.size() < kSkippedKept) skipped_.push_back(why);
    ++skipped_count_;
  }
  workload_.on_frame(f);
  for (const NomadEvent& e : f.events) {
    if (e.node) observe_node(*e.node);
    if (e.allocation) {
      observe_time(e.allocation->modify_time);
      read_job_of(*e.allocation);
    }
    if (e.job) observe_time(e.job->submit_time);
  }
}

namespace {

// 404 (a Nomad before 1.0), 400 or 403 (a token without the capability).
bool refused(const Error& e) {
  return e.kind == ErrorKind::kNotFound || e.kind == ErrorKind::kInvalid;
}

}  // namespace

void ClusterRecorder::ended(Result<Unit> r) {
  stream_.reset();
  if (!listed_once_ && !r && refused(r.error()) && !polling_) {
    // No stream: blocking queries on the lists instead, for the whole recording.
    polling_ = true;
    stream_refusal_ = r.error().message;
    return list();
  }
  gaps_.push_back({cluster_time(loop_.now()), last_index_,
                   r ? std::string("the server ended the stream") : r.error().message});
  retry_later();
}

void ClusterRecorder::list_failed(const Error& e) {
  listing_ = false;
  if (!listed_once_ && refused(e)) {
    fatal_ = e;
    running_ = false;
    stream_.reset();
    return;
  }
  if (polling_) return retry_later();
  ended(e);
}

void ClusterRecorder::retry_later() {
  ++failures_in_a_row_;
  Duration wait =
      jittered_backoff(options_.backoff_base, options_.backoff_cap, failures_in_a_row_, rng_);
  retry_ = loop_.after(wait, guarded([this] {
                         retry_.reset();
                         if (polling_) return list();
                         open(last_index_ + 1);
                       }));
}

void ClusterRecorder::read_job_of(const NomadAllocationStub& a) {
  std::string key = WorkloadRecorder::job_key(a.namespace_, a.job_id);
  if (workload_.knows_job(key) || !jobs_asked_.insert(key).second) return;
  jobs_to_read_.emplace_back(a.job_id, a.namespace_);
  read_jobs();
}

void ClusterRecorder::read_jobs() {
  // A few at a time: a cluster of thousands of jobs is read in turn, not in one burst.
  while (jobs_reading_ < kJobReadsAtOnce && !jobs_to_read_.empty()) {
    auto [id, ns] = std::move(jobs_to_read_.front());
    jobs_to_read_.pop_front();
    ++jobs_reading_;
    nomad_.get_job(id, ns, guarded([this, id = id](Result<NomadJob> r) {
                     --jobs_reading_;
                     if (!r) {
                       // Gone (purged) stays unknown; anything else is asked again later.
                       if (r.error().kind != ErrorKind::kNotFound) jobs_asked_.erase(id);
                     } else if (!workload_.knows_job(id)) {  // else a Job event came first
                       observe_time(r->submit_time);
                       workload_.on_job(*r);
                       ++jobs_read_;
                     }
                     read_jobs();
                   }));
  }
}

void ClusterRecorder::observe_node(const NomadNodeStub& n) {
  if (!options_.node_class.empty() && n.node_class != options_.node_class) return;
  if (!options_.node_pool.empty() && n.node_pool != options_.node_pool) return;
  in_scope_.insert(n.id);
  if (n.cpu_mhz > 0) node_sizes_[n.id] = {n.cpu_mhz, n.memory_mb};
  // Ready for the first time, after the first lists: a node that joined while recording.
  if (n.status == "ready" && ready_seen_.insert(n.name).second && listed_once_) {
    node_ready_[n.name] = cluster_time(loop_.now());
  }
}

WorkloadRecorder::NodeScope ClusterRecorder::scope() const {
  if (options_.node_class.empty() && options_.node_pool.empty()) return {};
  return [this](const std::string& id) { return in_scope_.count(id) > 0; };
}

ClusterRecorder::NodeFigures ClusterRecorder::nodes() const {
  return figures_of(node_sizes_, initial_nodes_);
}

ClusterRecorder::NodeFigures ClusterRecorder::figures_of(const NodeSizes& sizes,
                                                         std::int64_t initial_nodes) {
  NodeFigures out;
  out.initial_nodes = initial_nodes;
  out.seen = static_cast<std::int64_t>(sizes.size());
  std::map<std::pair<std::int64_t, std::int64_t>, int> how_many;
  for (const auto& [id, size] : sizes) ++how_many[size];
  int best = 0;
  for (const auto& [size, n] : how_many) {
    if (n > best) {
      best = n;
      out.cpu_mhz = size.first;
      out.memory_mb = size.second;
    }
  }
  return out;
}

}  // namespace ha
