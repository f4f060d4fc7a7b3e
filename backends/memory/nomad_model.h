// NomadModel: an in-memory Nomad cluster on an EventLoop: client nodes, jobs and their
// allocations, a scheduler that places allocations as Nomad's binpack (or spread) does,
// system jobs on every eligible node, blocked allocations placed when capacity appears,
// and node drains with upstream's semantics (hashicorp/nomad's node drainer and `api/nodes.go`).
//
// Changes happen synchronously when a method is called; NomadMemoryApi adds API latency
// and faults on top. As in Nomad, a stopped allocation frees its resources and its slot in
// the job at once (the scheduler counts DesiredStatus stop as terminal) but its client takes
// the group's kill_timeout to stop it (ClientStatus running until then); a drain completes
// once the node's non-system allocations are client-terminal, and only then are its system
// allocations stopped; a client keeps heartbeating until it stops (a guest shut down), its
// node is down a heartbeat TTL and grace later, and a node purged while its client lives
// comes back at the client's next heartbeat. Simplifications, documented in docs/models.md:
// service allocations of a draining node are migrated all at once (Nomad's
// migrate.max_parallel is ignored), and a stopped or lost allocation is replaced by a new
// allocation queued behind the others.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/api/nomad_api.h"
#include "backends/memory/ids.h"
#include "backends/memory/nomad_event_log.h"
#include "base/event_loop.h"

namespace ha {

struct NomadNodeSpec {
  std::string name;
  std::string node_class;
  std::string datacenter = "dc1";
  std::string node_pool = "default";
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::map<std::string, std::string> meta;
};

struct NomadTaskGroupSpec {
  std::string name;
  std::int64_t count = 1;  // ignored for system jobs: one per eligible node
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::optional<Duration> run_time;  // batch: how long one allocation runs
  // The tasks' kill_timeout: how long the client takes to stop an allocation once the server
  // asked (Nomad's default 5 s; a client caps it at its max_kill_timeout, 30 s by default).
  Duration kill_timeout = std::chrono::seconds(5);
  // What a running allocation uses of what it asked for (its cpu and memory), as its
  // client's stats report it (GET /v1/client/allocation/:id/stats).
  double cpu_use = 0.5, memory_use = 0.5;
};

struct NomadJobSpec {
  std::string id;
  std::string type = "service";  // service | batch | system
  std::vector<NomadTaskGroupSpec> groups;
  // Its Nomad namespace. The model keys jobs by ID alone: one ID is one job, whatever its
  // namespace (Nomad allows the same ID in two namespaces).
  std::string namespace_ = "default";
  // Where it may run, as the scheduler chooses candidates (scheduler/util.go
  // readyNodesInDCsAndPool): nodes of its node_pool ("all": any) in one of its datacenters
  // (globs); of those, a constraint `${node.class} = node_class_constraint` (if set) filters
  // the others out.
  std::string node_pool = "default";
  std::vector<std::string> datacenters = {"*"};
  std::string node_class_constraint = {};
};

// What happened to an allocation, for observers (the simulator's metrics, invariants).
struct NomadAllocEvent {
  enum class Kind { kQueued, kPlaced, kCompleted, kStopped, kLost };
  Kind kind;
  std::string alloc_id;
  std::string job_id;
  std::string task_group;
  std::string node_id;  // empty while queued
  Time queued_at{0};    // when the allocation (or the one it replaces) was first queued
};

enum class Placement { kBinpack, kSpread };

class NomadModel {
 public:
  NomadModel(EventLoop& loop, std::uint64_t seed = 1, Placement placement = Placement::kBinpack);

  // As a Nomad server's `node_gc_threshold`: a node down this long is garbage-collected
  // (purged). Nomad's default is 24h; zero or negative turns collection off.
  void set_node_gc_threshold(Duration threshold) { node_gc_threshold_ = threshold; }
  // Fault (scenario `faults`, chaos): the share of drains started from now on whose
  // allocations do not move (as when nothing can take them); such a drain ends only at its
  // deadline, or never without one. Drawn from its own random stream.
  void set_stuck_drain_rate(double rate) { stuck_drain_rate_ = rate; }
  // A client's max_kill_timeout (Nomad's default 30 s): no allocation takes longer to stop.
  static constexpr Duration kMaxKillTimeout = std::chrono::seconds(30);
  // A node whose client stopped heartbeating is down this long after (Nomad: a heartbeat TTL
  // of at least 10 s, plus heartbeat_grace 10 s).
  static constexpr Duration kHeartbeatMiss = std::chrono::seconds(20);
  // A live client whose node was purged re-registers at its next heartbeat, this long after.
  static constexpr Duration kHeartbeatInterval = std::chrono::seconds(10);

  // --- nodes -----------------------------------------------------------------------------
  // Registers a ready, eligible node (or re-registers a purged one by name); returns its ID.
  std::string register_node(const NomadNodeSpec& spec);
  // The node is down now: status down, its allocations lost and replaced.
  Result<Unit> set_node_down(const std::string& node_id);
  // Its client stopped (the guest shut down, crashed or was paused): the node is down after
  // kHeartbeatMiss unless the client comes back first (set_node_up). A purged node whose
  // client stops is not re-registered.
  Result<Unit> client_stopped(const std::string& node_id);
  // How many purged nodes came back because their client still ran (a purge too early).
  std::int64_t reregistered_after_purge() const { return reregistered_after_purge_; }
  // A down node whose client heartbeats again (a guest resumed or rebooted, its node ID kept
  // in the client's data dir) is ready again, with its eligibility and drain as they were.
  Result<Unit> set_node_up(const std::string& node_id);
  Result<Unit> purge_node(const std::string& node_id);
  Result<Unit> set_eligibility(const std::string& node_id, bool eligible);
  // `spec` empty cancels a drain (and marks the node eligible when `mark_eligible`).
  Result<Unit> drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                          bool mark_eligible);

  NodeList list_nodes(const NomadNodeFilter& filter) const;
  Result<NomadNode> node(const std::string& node_id) const;
  // Allocations placed on the node and not yet terminal on its client: running ones, and
  // those the server stopped (DesiredStatus stop) that the client is still stopping.
  std::vector<NomadAllocationStub> node_allocations(const std::string& node_id) const;
  // Every allocation placed and not yet terminal, node by node (GET /v1/allocations), with
  // the name of its node; not those the server stopped (DesiredStatus stop): readers of this
  // list (usage, caches) drop them as nomad-apm does.
  std::vector<std::pair<NomadAllocationStub, std::string>> all_allocations() const;
  // The newest registration of that name, or of a fully qualified name that starts with it
  // and a dot (a VM re-created under a name leaves older ones).
  std::optional<std::string> node_id_by_name(const std::string& name) const;
  // The newest registration's state by node name, without copying the node (the invariant
  // checker asks for every VM every few minutes of a month-long simulation).
  struct NodeState {
    std::string_view status;  // ready | down | ...
    bool eligible = false;
    bool draining = false;
  };
  std::optional<NodeState> node_state_by_name(const std::string& name) const;

  // --- jobs ------------------------------------------------------------------------------
  Result<Unit> register_job(const NomadJobSpec& job);
  Result<NomadJobScaleStatus> job_scale_status(const std::string& job_id) const;
  Result<NomadJob> job(const std::string& job_id) const;
  std::vector<NomadJobSummary> list_jobs() const;
  // The job's placed allocations, and what one uses now. Its client reports cpu in MHz
  // (TotalTicks) and as a percentage of one core of kCoreMhz (Percent).
  Result<std::vector<NomadAllocationStub>> job_allocations(const std::string& job_id) const;
  Result<NomadAllocUsage> allocation_stats(const std::string& alloc_id) const;
  static constexpr double kCoreMhz = 2000;
  Result<NomadJobSummary> job_summary(const std::string& job_id) const;
  // The blocked evaluations, as Nomad's schedulers leave them (nomad_blocked_evals.cc): one
  // per job with queued allocations, made by the scheduling pass after new work was queued,
  // its FailedTGAllocs as that pass saw them and kept while the job stays blocked, even
  // after some of the work was placed; one per system job and node where a system
  // allocation does not fit.
  std::vector<NomadEvaluation> blocked_evaluations() const;
  // Scaling policies, as jobs' `scaling` blocks register them; the ID is assigned here.
  std::string add_scaling_policy(NomadScalingPolicy policy);
  const std::vector<NomadScalingPolicy>& scaling_policies() const { return scaling_policies_; }
  Result<Unit> scale_job(const std::string& job_id, const std::string& group, std::int64_t count);

  // --- observation -----------------------------------------------------------------------
  struct Totals {
    std::int64_t nodes_ready = 0;                          // ready and eligible
    std::int64_t cpu_capacity = 0, memory_capacity = 0;    // of ready, eligible nodes
    std::int64_t cpu_allocated = 0, memory_allocated = 0;  // on those nodes
    std::int64_t allocs_running = 0;
    std::int64_t allocs_pending = 0;
    std::int64_t cpu_pending = 0, memory_pending = 0;
  };
  // Totals over nodes of `node_class` (empty: all nodes); work totals cover every node.
  // Kept as running counts: O(node classes), whatever the number of allocations.
  Totals totals(const std::string& node_class = "") const;
  // The same figures recounted by scanning every node and allocation (O(N)); tests use it
  // to check the running counts.
  Totals totals_by_scan(const std::string& node_class = "") const;
  // When each allocation still waiting to be placed was first queued (for the simulation's
  // report, which counts them as waiting until its end).
  std::vector<Time> queued_times() const;
  std::uint64_t index() const { return index_; }
  // The node table's index, as Nomad's X-Nomad-Index on /v1/nodes: the index of the last
  // change to any node (registered, status, drain, eligibility, purged).
  std::uint64_t nodes_index() const { return nodes_index_; }
  // Calls `f` once, on the loop, after the next change to the node table (blocking queries).
  void on_next_node_change(std::function<void()> f) { node_waiters_.push_back(std::move(f)); }
  // The allocation table's index: of the last allocation queued, placed or ended.
  std::uint64_t allocations_index() const { return allocations_index_; }
  void on_next_allocation_change(std::function<void()> f) {
    allocation_waiters_.push_back(std::move(f));
  }

  // The event stream's events, kept only once someone asked for them: a simulation without
  // a stream pays nothing. Topics: Allocation (an allocation placed, or one placed before
  // that ended; queued ones are not allocations yet in Nomad), Node (registered, status,
  // eligibility, drain set, cancelled or complete, purged) and Job (registered, scaled).
  NomadEventLog& events() {
    events_wanted_ = true;
    return events_;
  }

  // Called as allocations change. It runs in the middle of a model update: it may read the
  // model but must not change it (post the change to the loop instead).
  std::function<void(const NomadAllocEvent&)> on_alloc_event;
  // Called before a drain, a drain cancellation or an eligibility change asked of a node,
  // with its name and the change ("drain", "cancel drain", "eligible", "ineligible").
  std::function<void(const std::string& node_name, const char* change)> on_node_change;
  // Every change of a node's status ("ready", "down"), whatever made it, with its name.
  std::function<void(const std::string& node_name, const std::string& status)> on_node_status;

 private:
  enum class AllocState { kPending, kRunning };
  struct Alloc {
    std::string id;
    std::uint32_t job = 0, group = 0;
    std::int32_t node = -1;
    AllocState state = AllocState::kPending;
    Time queued_at{0};
    Time placed_at{0}, changed_at{0};  // Nomad's CreateTime (the plan placed it), ModifyTime
    std::uint64_t job_version = 0;     // of the job version that asked for it
    std::string previous;              // the allocation it replaces, if any
    std::optional<EventLoop::TimerId> finish_timer;  // batch: its end; stopping: its kill
    bool live = false;
    bool stopping = false;  // stopped by the server, its client still stopping it
    bool queued = false;    // waiting in pending_ (counted in work_)
  };
  // The allocation as lists and events show it (ClientStatus running: placed, not ended).
  NomadAllocationStub stub(const Alloc& a) const;
  struct Job;
  NomadJobSummary summary_of(const Job& job) const;
  struct Group {
    NomadTaskGroupSpec spec;
    std::vector<std::uint32_t> allocs;    // live allocations, oldest first
    std::int64_t complete = 0, lost = 0;  // ended allocations (stopped ones count as complete)
    std::int64_t queued = 0;              // of its allocations, those in pending_
    std::optional<Time> scaled_at = {};   // its last scaling event (POST /v1/job/:id/scale)
  };
  struct Job {
    std::string id;
    std::string type;
    std::string namespace_;
    std::vector<Group> groups;
    Time submitted{0};  // of its current version
    std::uint64_t version = 0, modify_index = 0;
    std::string node_pool = "default";
    std::vector<std::string> datacenters = {"*"};
    std::string node_class_constraint = {};
    std::int64_t queued = 0;  // over its groups
  };
  struct DrainState {
    NomadDrainSpec spec;
    std::optional<EventLoop::TimerId> deadline_timer;
  };
  struct Node {
    NomadNode info;
    std::int64_t cpu_used = 0, memory_used = 0;
    std::set<std::uint32_t> allocs;
    std::set<std::uint32_t> stopping;  // stopped by the server, still running on the client
    std::optional<DrainState> drain;
    bool purged = false;
    bool client_alive = true;  // its client heartbeats
    std::optional<EventLoop::TimerId> heartbeat_miss;
    // The stub lists hand out; rebuilt when the node changed since (its ModifyIndex).
    mutable std::shared_ptr<const NomadNodeStub> stub;
    std::optional<std::int64_t> indexed_free_cpu;  // its key in by_free_cpu_, if schedulable
    // What this node adds to capacity_by_class_ while schedulable.
    bool counted = false;
    std::int64_t counted_cpu_used = 0, counted_memory_used = 0;
  };

  Node* find(const std::string& node_id);
  const Node* find(const std::string& node_id) const;
  std::uint32_t node_index(const Node& n) const;
  bool schedulable(const Node& n) const;
  // A change to a node, with its event type on the stream (NodeEligibility, NodeDrain, ...).
  void touch(Node& n, const char* event_type) {
    n.info.modify_index = ++index_;
    nodes_changed();
    record_node_event(n, event_type);
  }
  void record_node_event(const Node& n, const char* type);
  void record_job_event(const Job& job);
  void nodes_changed();
  void refresh_schedulable(std::uint32_t node);

  std::uint32_t new_alloc(std::uint32_t job, std::uint32_t group, Time queued_at);
  void enqueue(std::uint32_t alloc);
  void count_pending(const Alloc& a, int sign);
  bool try_place(std::uint32_t alloc);
  void place_on(std::uint32_t alloc, std::uint32_t node);
  void place_system_allocs(std::uint32_t node);
  // Ends a queued or placed allocation; a replacement is queued when `replace`. Returns the
  // node it ran on (-1 if queued) so that the caller can check a drain for completion.
  std::int32_t end_alloc(std::uint32_t alloc, NomadAllocEvent::Kind why, bool replace);
  // The client has stopped an allocation the server stopped (`lost`: the client is gone).
  void client_stopped_alloc(std::uint32_t alloc, bool lost);
  void reregister(std::uint32_t node);
  void schedule_pending();
  void run_pending_pass();
  // Whether the job's scheduler considers the node at all (pool, datacenters) and whether
  // its constraint then keeps it.
  bool considers(const Job& job, const Node& n) const;
  bool feasible(const Job& job, const Node& n) const;
  // After a scheduling pass: a blocked evaluation for each job left with queued work that
  // has none (new work dropped its old one, see enqueue), none for jobs with nothing queued.
  void block_evaluations();
  // A system allocation of `job` found no room on `node` (or found it since: `blocked`
  // false drops the evaluation).
  void block_system_evaluation(std::uint32_t job, std::uint32_t node, bool blocked);
  NomadAllocMetric failure_metric(const Job& job, std::int64_t failed) const;
  void emit(NomadAllocEvent::Kind kind, const Alloc& a);
  void record_event(NomadAllocEvent::Kind kind, const Alloc& a);

  void migrate_for_drain(std::uint32_t node);
  void drain_deadline(std::uint32_t node);
  void check_drain_done(std::uint32_t node);
  // Marks the drain complete (the node stays ineligible), then stops the system allocations
  // unless the drain ignores them, as Nomad's drainer and system scheduler do.
  void complete_drain(std::uint32_t node);

  EventLoop& loop_;
  IdGenerator ids_;
  Placement placement_;
  std::uint64_t index_ = 1;
  std::uint64_t nodes_index_ = 1;
  std::vector<std::function<void()>> node_waiters_;
  std::uint64_t allocations_index_ = 1;
  std::vector<std::function<void()>> allocation_waiters_;
  NomadEventLog events_;
  bool events_wanted_ = false;

  std::vector<Node> nodes_;
  std::set<std::uint32_t> listed_;  // nodes not purged, in registration order
  std::unordered_map<std::string, std::set<std::uint32_t>> listed_by_name_;
  // list_nodes' answers by (class, pool), with the node table's index they are current at.
  mutable std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, NodeList>>
      listed_by_filter_;
  Duration node_gc_threshold_ = std::chrono::hours(24);
  double stuck_drain_rate_ = 0;
  std::int64_t reregistered_after_purge_ = 0;
  std::mt19937_64 fault_rng_{0xd7a1};
  std::unordered_map<std::string, std::uint32_t> node_by_id_;
  std::vector<Job> jobs_;
  std::vector<NomadScalingPolicy> scaling_policies_;
  std::vector<std::uint32_t> system_jobs_;  // indices into jobs_, for node joins
  std::unordered_map<std::string, std::uint32_t> job_by_id_;
  std::vector<Alloc> allocs_;
  std::vector<std::uint32_t> free_allocs_;
  std::deque<std::uint32_t> pending_;
  std::set<std::uint32_t> jobs_queued_;  // jobs with allocations in pending_
  struct BlockedEval {
    std::string id;
    std::uint64_t create_index = 0, job_modify_index = 0;
    std::map<std::string, NomadAllocMetric> failed;  // by group, as first scheduled
  };
  // By job and node (-1: not a system job's); made and dropped in nomad_blocked_evals.cc.
  std::map<std::pair<std::uint32_t, std::int32_t>, BlockedEval> blocked_evals_;
  bool pending_pass_scheduled_ = false;
  // Schedulable nodes ordered by free cpu: best fit is the first with enough room.
  std::set<std::pair<std::int64_t, std::uint32_t>> by_free_cpu_;
  // Running totals behind totals(): the node side per class, the work side overall.
  std::map<std::string, Totals> capacity_by_class_;
  Totals work_;
};

}  // namespace ha
