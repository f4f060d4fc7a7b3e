// ClusterRecorder: follows a Nomad cluster for `record`, as the allocation cache follows its
// allocations: the event stream (topics Job, Allocation, Node) opened first and, once the
// server's first heartbeat says it has subscribed, the allocation and node lists taken;
// frames that arrive meanwhile wait and are applied after the lists. A stream that ends or
// fails is opened again after a capped, jittered backoff, from the index after the last
// frame, and the lists taken again: each such reopening is a gap (when, after which index,
// why), since Nomad may have dropped events from its buffer meanwhile.
//
// A stream refused at the very start (403: the token lacks the capability; 404: a Nomad
// before 1.0) makes it follow blocking queries instead, for the whole recording: the lists
// of allocations and of nodes, each asked again with the index of its last answer, and
// every answer read as a list (work that an answer no longer shows ended by then). Lists
// refused at the start are fatal: `record` says so and exits 1. The job of an allocation that no
// Job event showed (a job registered before the recording, or whose event fell in a gap) is read
// once with GET /v1/job/:id, for its type, its task groups' counts and its SubmitTime. An event
// that cannot be read is skipped and kept in skipped_messages(): a recording carries on where a
// cache would relist.
//
// All calls on the loop.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "agent/record/workload_recorder.h"
#include "backends/api/nomad_api.h"
#include "base/callback_guard.h"
#include "base/event_loop.h"

namespace ha {

class ClusterRecorder {
 public:
  struct Options {
    // The nodes the recording is about: of this class and this pool ("": any). The node
    // figures count them only, and the workload is what was placed on them.
    std::string node_class;
    std::string node_pool = {};
    // How much faster the cluster's clock runs than the loop's: 1 for a real Nomad, the
    // --speed of a mock-cluster replay.
    double clock_speed = 1;
    Duration backoff_base = std::chrono::seconds(1);
    Duration backoff_cap = std::chrono::seconds(30);
  };
  struct Gap {
    Time at{0};  // the cluster's clock
    std::uint64_t after_index = 0;
    std::string why;
  };
  struct NodeFigures {
    std::int64_t initial_nodes = 0;           // ready at the first list
    std::int64_t cpu_mhz = 0, memory_mb = 0;  // the most common allocatable size
    std::int64_t seen = 0;                    // distinct nodes seen
  };

  ClusterRecorder(EventLoop& loop, NomadApi& nomad, Options options, std::uint64_t seed = 17);
  ~ClusterRecorder();
  ClusterRecorder(const ClusterRecorder&) = delete;
  ClusterRecorder& operator=(const ClusterRecorder&) = delete;

  void start();
  void stop();

  // A recording resumed (cluster_recorder_state.cc): before start(), the state save()
  // wrote when an earlier run stopped or checkpointed. The stream opens after its last
  // index; the lists taken then show what changed meanwhile, and that time is a gap. The
  // recording keeps its start. Errors name the field.
  Result<Unit> resume(const nlohmann::json& state);
  nlohmann::json save() const;
  bool resumed() const { return resumed_start_.has_value(); }

  // Once the first lists are in.
  bool started() const { return listed_once_; }
  // Set when the cluster refused the recording at the start; nothing more happens then.
  const std::optional<Error>& fatal() const { return fatal_; }
  const WorkloadRecorder& workload() const { return workload_; }
  NodeFigures nodes() const;
  // Node sizes (cpu MHz, memory MB) by node ID, and the figures they make.
  using NodeSizes = std::map<std::string, std::pair<std::int64_t, std::int64_t>>;
  static NodeFigures figures_of(const NodeSizes& sizes, std::int64_t initial_nodes);
  // Whether a node is one the recording is about (empty when every node is).
  WorkloadRecorder::NodeScope scope() const;
  const std::vector<Gap>& gaps() const { return gaps_; }
  std::uint64_t last_index() const { return last_index_; }
  // The cluster's clock at a time of the loop's, as the payloads' own times (CreateTime,
  // ModifyTime, SubmitTime) place it: never behind a time the cluster has written, running
  // `clock_speed` times the loop's pace. Until a payload says otherwise, the loop's clock.
  Time cluster_time(Time loop_time) const;
  Time cluster_start() const { return cluster_time(began_); }
  // When the recording began on the cluster's clock: this run's start, or a resumed one's.
  Time recording_start() const { return resumed_start_.value_or(cluster_start()); }
  std::uint64_t events() const { return events_; }
  // Jobs read with GET /v1/job/:id, not shown by a Job event; so many at once at most.
  static constexpr int kJobReadsAtOnce = 4;
  std::uint64_t jobs_read() const { return jobs_read_; }
  // When each node (by name) that joined during the recording was first seen ready.
  const std::map<std::string, Time>& node_ready_times() const { return node_ready_; }
  // Nomad's own scaling policies (GET /v1/scaling/policies, read after the first lists),
  // or why they could not be read.
  const std::vector<NomadScalingPolicy>& scaling_policies() const { return scaling_policies_; }
  const std::string& scaling_policies_error() const { return scaling_policies_error_; }
  // Why the recording follows blocking queries rather than the event stream ("" when it
  // follows the stream): the stream's refusal.
  const std::string& stream_refusal() const { return stream_refusal_; }
  // Events (or stream lines) that could not be read, skipped: how many, and the first
  // kSkippedKept messages, each naming its index.
  std::uint64_t skipped_events() const { return skipped_count_; }
  const std::vector<std::string>& skipped_messages() const { return skipped_; }
  static constexpr std::size_t kSkippedKept = 20;

 private:
  void open(std::uint64_t from);
  void frame(const NomadEventFrame& f);
  void list();
  void apply(const NomadEventFrame& f);
  void ended(Result<Unit> r);  // the stream's end
  void list_failed(const Error& e);
  void retry_later();  // opens the stream again, or lists again when polling
  // Blocking queries (cluster_recorder_polling.cc), when the stream was refused.
  void poll_allocations(std::uint64_t index);
  void poll_nodes(std::uint64_t index);
  void observe_node(const NomadNodeStub& n);
  // Reads (GET /v1/job/:id) the job of an allocation whose job no Job event has shown.
  void read_job_of(const NomadAllocationStub& a);
  void read_jobs();                      // the queued ones, kJobReadsAtOnce at a time
  void observe_time(Time cluster_time);  // a time the cluster wrote, seen now
  Duration scaled(Duration loop_elapsed) const;
  template <typename F>
  auto guarded(F f);

  EventLoop& loop_;
  NomadApi& nomad_;
  Options options_;
  std::mt19937_64 rng_;
  WorkloadRecorder workload_;
  bool running_ = false, subscribed_ = false, listing_ = false, listed_once_ = false;
  bool polling_ = false;
  std::string stream_refusal_;
  std::vector<NomadScalingPolicy> scaling_policies_;
  std::string scaling_policies_error_;
  std::unique_ptr<WatchHandle> stream_;
  std::vector<NomadEventFrame> waiting_;
  std::uint64_t last_index_ = 0, events_ = 0, skipped_count_ = 0, jobs_read_ = 0;
  std::set<std::string> jobs_asked_;                              // read, or being read
  std::deque<std::pair<std::string, std::string>> jobs_to_read_;  // ID, namespace
  int jobs_reading_ = 0;
  std::vector<std::string> skipped_;
  int failures_in_a_row_ = 0;
  std::optional<Error> fatal_;
  std::vector<Gap> gaps_;
  NodeSizes node_sizes_;
  std::set<std::string> in_scope_;          // IDs of the nodes seen of the class and pool
  std::set<std::string> ready_seen_;        // names of nodes seen ready
  std::map<std::string, Time> node_ready_;  // ... for the first time after the first lists
  std::int64_t initial_nodes_ = 0;
  Time began_{0};
  std::optional<Time> offset_;  // the cluster's time when this run began
  std::optional<Time> resumed_start_;
  std::optional<EventLoop::TimerId> retry_;
  CallbackGuard guard_;
};

}  // namespace ha
