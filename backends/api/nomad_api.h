// NomadApi: the part of Nomad's HTTP API the autoscaler uses (schemas and examples in
// third_party/nomad/; hashicorp/nomad's `api` package). Field names mirror Nomad's `api` package so
// that the mock server can serialize the model directly. Implemented by the memory model, and by
// the HTTP client that talks to a real Nomad or to the mock server.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/api/async.h"
#include "base/time.h"

namespace ha {

struct NomadNodeStub {
  std::string id;                      // ID
  std::string name;                    // Name (the VM name, unique.hostname)
  std::string node_class;              // NodeClass
  std::string datacenter;              // Datacenter
  std::string node_pool;               // NodePool
  std::string status;                  // Status: initializing | ready | down | disconnected
  std::string scheduling_eligibility;  // SchedulingEligibility: eligible | ineligible
  bool drain = false;                  // Drain
  std::string last_drain_status;       // LastDrain.Status: "", draining, complete, canceled
  std::map<std::string, std::string> last_drain_meta;  // LastDrain.Meta: the drain's Meta
  std::uint64_t create_index = 0;                      // CreateIndex
  std::uint64_t modify_index = 0;                      // ModifyIndex
  // Allocatable cpu (MHz) and memory (MB): NodeResources less ReservedResources, as
  // upstream's nomad-apm counts them. On a node read by id always, on a list's stub only
  // when asked for (resources=true, as watch_nodes does); 0 otherwise.
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
};

struct NomadDrainSpec {
  Duration deadline{0};  // DrainSpec.Deadline; negative: force, zero: no deadline
  bool ignore_system_jobs = false;
  // The drain request's Meta, which Nomad keeps as the node's LastDrain.Meta: who drained
  // it and why (the autoscaler marks its own drains, see vm_labels::kNodeGroup).
  std::map<std::string, std::string> meta = {};
};

struct NomadNode : NomadNodeStub {
  std::map<std::string, std::string> meta;  // Meta
  std::optional<NomadDrainSpec> drain_strategy;
};

struct NomadAllocationStub {
  std::string id;              // ID
  std::string job_id;          // JobID
  std::string task_group;      // TaskGroup
  std::string job_type;        // JobType: service | batch | system | sysbatch
  std::string node_id;         // NodeID
  std::string client_status;   // ClientStatus: pending | running | complete | failed | lost
  std::string desired_status;  // DesiredStatus: run | stop | evict
  // Resources.CPU and .MemoryMB of an Allocation; on a list's stub, the sum over the tasks
  // of AllocatedResources (resources=true).
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::string node_name = {};     // NodeName (= {}: brace-initialized stubs may leave it out)
  Time create_time{0};            // CreateTime (ns since the epoch on the wire): placed then
  Time modify_time{0};            // ModifyTime: its last change
  std::uint64_t job_version = 0;  // JobVersion: the job version that asked for it
  std::string previous_allocation = {};  // PreviousAllocation: the one it replaces
  std::string namespace_ = {};           // Namespace ("" reads as Nomad's "default")
  std::string next_allocation = {};      // NextAllocation: the one that replaced it (lists
                                         // carry this one, events PreviousAllocation)
};

// GET /v1/client/allocation/:id/stats (AllocResourceUsage): what an allocation's tasks use
// now, summed over them (its ResourceUsage), as nomad-apm's task-group queries read it.
struct NomadAllocUsage {
  double cpu_percent = 0;          // CpuStats.Percent: of one core, as Nomad measures it
  double cpu_total_ticks = 0;      // CpuStats.TotalTicks: MHz in use
  std::uint64_t memory_usage = 0;  // MemoryStats.Usage: bytes
  std::string task = {};           // Tasks: the task using it (the model: one per allocation)
};

// As upstream's nomad-apm judges an allocation: terminal when the server no longer wants
// it to run (DesiredStatus stop or evict) or its client has ended it (ClientStatus
// complete, failed or lost). Nomad's lists keep terminal allocations until they are
// garbage-collected; they hold no resources. An empty status counts as not terminal.
inline bool is_terminal(const NomadAllocationStub& a) {
  bool server = !a.desired_status.empty() && a.desired_status != "run";
  return server || a.client_status == "complete" || a.client_status == "failed" ||
         a.client_status == "lost";
}

// Whether an object of namespace `ns` is listed for a request's `namespace` parameter, as
// Nomad's HTTP API does (command/agent/http.go parseNamespace): none means "default", "*"
// every namespace the token may read.
inline bool in_namespace(const std::string& ns, const std::string& requested) {
  return requested == "*" || ns == (requested.empty() ? "default" : requested);
}

struct NomadNodeFilter {
  std::string node_class;  // empty: any
  std::string node_pool;   // empty: any
  // The node of this Name, or of a fully qualified one that starts with it and a dot (a
  // guest whose host name is web-x.example.com: its node, as the VM web-x's); empty: any.
  std::string name;
  // With `name`: also the node whose client meta harvester.vm (vm_labels::kNodeVmMeta) is
  // this "namespace/name", whatever its Name (a VM's node however its user data named it).
  // Node list stubs carry no Meta: only the server can apply this (go-bexpr over the Node).
  std::string vm_meta = {};
};

// The part of a node's Name before its first dot: the VM name of a guest whose host name is
// fully qualified.
inline std::string_view node_short_name(std::string_view name) {
  return name.substr(0, name.find('.'));
}

// Whether a node of Name `node_name` answers a filter's `name`.
inline bool node_name_matches(std::string_view node_name, std::string_view name) {
  return node_name == name ||
         (node_name.size() > name.size() && node_name.substr(0, name.size()) == name &&
          node_name[name.size()] == '.');
}

// GET /v1/job/:id/scale (JobScaleStatusResponse), per task group.
struct NomadTaskGroupScaleStatus {
  std::int64_t desired = 0;    // Desired
  std::int64_t placed = 0;     // Placed
  std::int64_t running = 0;    // Running
  std::int64_t healthy = 0;    // Healthy
  std::int64_t unhealthy = 0;  // Unhealthy
  // Events[0].Time: the newest of its scaling events (Nomad keeps the last 20, newest
  // first), whoever made it (`nomad job scale`, an autoscaler); ns since the epoch.
  std::optional<Time> last_event = std::nullopt;
};

struct NomadJobScaleStatus {
  std::string job_id;                                            // JobID
  std::string namespace_;                                        // Namespace
  bool job_stopped = false;                                      // JobStopped
  std::map<std::string, NomadTaskGroupScaleStatus> task_groups;  // TaskGroups
};

// GET /v1/jobs: a JobListStub's JobSummary, per task group (TaskGroupSummary).
struct NomadTaskGroupSummary {
  std::int64_t queued = 0;    // Queued: waiting for a node with room
  std::int64_t starting = 0;  // Starting
  std::int64_t running = 0;   // Running
  std::int64_t complete = 0;  // Complete
  std::int64_t failed = 0;    // Failed
  std::int64_t lost = 0;      // Lost
};

struct NomadJobSummary {
  std::string job_id;      // ID (JobSummary.JobID)
  std::string namespace_;  // Namespace
  std::string type;        // Type: service | batch | system | sysbatch
  std::string status;      // Status: pending | running | dead
  std::map<std::string, NomadTaskGroupSummary> task_groups;  // JobSummary.Summary
  Time submit_time{0};  // SubmitTime: when its current version was registered
};

// GET /v1/scaling/policy/:id (ScalingPolicy): a task group's `scaling` block.
struct NomadScalingPolicy {
  std::string id;                      // ID
  std::string type = "horizontal";     // Type
  std::string namespace_, job, group;  // Target.Namespace, Target.Job, Target.Group
  std::int64_t min = 0, max = 0;       // Min, Max
  bool enabled = true;                 // Enabled
  // Policy: the block's body as Nomad returns it, in HCL's JSON shape (blocks as lists of
  // maps), e.g. {"cooldown": "1m", "check": [{"cpu": [{"source": "nomad-apm", ...}]}]}.
  nlohmann::json policy = nlohmann::json::object();
  std::uint64_t modify_index = 0;  // ModifyIndex
};

// A list's stubs are shared and immutable (the model builds a new stub when a node changes),
// so listing many nodes copies none.
using NodeList = std::vector<std::shared_ptr<const NomadNodeStub>>;

// A node list and the node table's index it is current at (X-Nomad-Index).
struct NodeListAt {
  NodeList nodes;
  std::uint64_t index = 0;
};

// The non-terminal allocations of every node and the allocation table's index they are
// current at (X-Nomad-Index of GET /v1/allocations).
struct AllocationListAt {
  std::vector<NomadAllocationStub> allocations;
  std::uint64_t index = 0;
};

// GET /v1/job/:id (Job): what a scenario needs of a job. A task group's resources are the
// sum over its tasks' Resources.
struct NomadJobTaskGroup {
  std::string name;        // Name
  std::int64_t count = 0;  // Count
  std::int64_t cpu_mhz = 0, memory_mb = 0;
};

struct NomadJob {
  std::string id;                              // ID
  std::string namespace_;                      // Namespace
  std::string type;                            // Type: service | batch | system | sysbatch
  std::string status;                          // Status: pending | running | dead
  std::vector<NomadJobTaskGroup> task_groups;  // TaskGroups
  Time submit_time{0};                         // SubmitTime (ns since the Unix epoch on the wire)
  std::uint64_t version = 0;                   // Version: each change registers a new one
  std::uint64_t modify_index = 0;              // ModifyIndex
  std::string node_pool = "default";           // NodePool ("all": every pool)
  // Datacenters: globs (Nomad 1.5: "*" the default, "dc*", ...), one of which a node's
  // datacenter must match.
  std::vector<std::string> datacenters = {"*"};
};

// Whether a job of `node_pool` and `datacenters` may be placed on a node of `pool` and
// `datacenter`, as Nomad's scheduler chooses its candidate nodes (scheduler/util.go
// readyNodesInDCsAndPool; datacenters match as globs, the pool "all" takes every pool).
// An empty pool or datacenter on the node's side is not known and matches.
inline bool job_may_run_in(const std::vector<std::string>& datacenters,
                           const std::string& node_pool, const std::string& datacenter,
                           const std::string& pool) {
  // ryanuber/go-glob: '*' matches any run of characters, nothing else is special.
  auto glob = [](std::string_view pattern, std::string_view s) {
    std::size_t star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == s;
    std::string_view head = pattern.substr(0, star);
    if (s.substr(0, head.size()) != head) return false;
    s.remove_prefix(head.size());
    pattern.remove_prefix(star + 1);
    std::size_t next;
    while ((next = pattern.find('*')) != std::string_view::npos) {
      std::size_t at = s.find(pattern.substr(0, next));
      if (at == std::string_view::npos) return false;
      s.remove_prefix(at + next);
      pattern.remove_prefix(next + 1);
    }
    return s.size() >= pattern.size() && s.substr(s.size() - pattern.size()) == pattern;
  };
  bool pool_ok = pool.empty() || node_pool.empty() || node_pool == "all" || node_pool == pool;
  bool dc_ok = datacenter.empty() ||
               std::any_of(datacenters.begin(), datacenters.end(),
                           [&](const std::string& dc) { return glob(dc, datacenter); });
  return pool_ok && dc_ok;
}

// Evaluation.FailedTGAllocs[group], an AllocMetric: why the scheduler could not place the
// group's allocations, as it saw it when the evaluation was made (nomad/structs/structs.go).
struct NomadAllocMetric {
  std::int64_t nodes_evaluated = 0;     // NodesEvaluated: ready nodes of its pool and datacenters
  std::int64_t nodes_filtered = 0;      // NodesFiltered: of those, left out by constraints
  std::int64_t nodes_in_pool = 0;       // NodesInPool
  std::int64_t nodes_exhausted = 0;     // NodesExhausted: feasible, but without room
  std::int64_t coalesced_failures = 0;  // CoalescedFailures: failed placements after the first
  std::vector<std::string> quota_exhausted = {};  // QuotaExhausted (Enterprise quotas)
};

// GET /v1/evaluations?status=blocked: an Evaluation. Nomad keeps at most one blocked
// evaluation per job (per job and node for system jobs), for the allocations its scheduler
// could not place. A blocked evaluation's FailedTGAllocs are those of the scheduling that
// made it: when capacity appears, Nomad re-runs it and, if some still fail, reblocks a copy
// that keeps them (scheduler/generic_sched.go l.161-171), so after a partial placement they
// over-count. The live count is the job summary's Queued.
struct NomadEvaluation {
  std::string id;            // ID
  std::string job_id;        // JobID
  std::string namespace_;    // Namespace
  std::string type;          // Type: the job's type
  std::string status;        // Status: blocked | pending | complete | failed | canceled
  std::string triggered_by;  // TriggeredBy
  // QueuedAllocations: set by the scheduler on the evaluation it completes, never on a
  // blocked one (scheduler/util.go setStatus); groups with none are left out.
  std::map<std::string, std::int64_t> queued_allocations;
  std::uint64_t create_index = 0;      // CreateIndex
  std::uint64_t modify_index = 0;      // ModifyIndex
  std::uint64_t job_modify_index = 0;  // JobModifyIndex: the job's ModifyIndex it was made for
  std::map<std::string, NomadAllocMetric> failed_tg_allocs = {};  // FailedTGAllocs
  std::string quota_limit_reached = {};  // QuotaLimitReached: the quota that blocked it
  std::string node_id = {};              // NodeID: a system job's blocked node
};

// One event of Nomad's event stream (GET /v1/event/stream). Of the payloads, the ones this
// product reads are typed; the others are left out.
struct NomadEvent {
  std::string topic;        // Topic: Allocation, Node, Job, ...
  std::string type;         // Type: PlanResult, AllocationUpdated, NodeDrain, ...
  std::string key;          // Key: the object's ID
  std::string namespace_;   // Namespace
  std::uint64_t index = 0;  // Index: the raft index of the change
  // Payload.Allocation (topic Allocation): the allocation after the change.
  std::shared_ptr<const NomadAllocationStub> allocation;
  // Payload.Node (topic Node): the node after the change.
  std::shared_ptr<const NomadNode> node = nullptr;
  // Payload.Job (topic Job): the job after the change.
  std::shared_ptr<const NomadJob> job = nullptr;
};

// One line of the stream: the events of one raft index. A heartbeat ({}) has none, index 0.
// `skipped` says what could not be read: events of the frame, or the whole line (index 0
// then), each message naming its index. A reader that must miss nothing (a cache) relists;
// one that records carries on.
struct NomadEventFrame {
  std::uint64_t index = 0;
  std::vector<NomadEvent> events;
  std::vector<std::string> skipped = {};
  bool heartbeat() const { return events.empty() && skipped.empty(); }
};

class NomadApi {
 public:
  virtual ~NomadApi() = default;
  virtual void list_nodes(const NomadNodeFilter& filter, Done<NodeList> done) = 0;
  // A blocking query (GET /v1/nodes?index=N&wait=W): answers once the node table's index is
  // past `index` (at once for 0), or after about `wait` with the list as it is; the answer
  // carries the index to pass next time.
  virtual void watch_nodes(const NomadNodeFilter& filter, std::uint64_t index, Duration wait,
                           Done<NodeListAt> done) = 0;
  // The same for every allocation (GET /v1/allocations?resources=true&index=N&wait=W); the
  // answer holds the non-terminal ones, with their resources.
  virtual void watch_allocations(std::uint64_t index, Duration wait,
                                 Done<AllocationListAt> done) = 0;
  // The event stream (GET /v1/event/stream?topic=...&index=N): the events of `topics`
  // ("Allocation", "Node:<id>", ...) from raft index `index` on (0: from now), frame by frame,
  // first a heartbeat once the server has subscribed, then the events as they happen, and a
  // heartbeat every 30 s while quiet. A server keeps only its last events (Nomad: 100 by
  // default) and starts an older `index` at the oldest it has, so a resumed stream may have
  // missed events. `done` runs once when the stream ends: ok when the server closed it, an
  // error otherwise (a server that refuses streams: kNotFound or kInvalid).
  virtual std::unique_ptr<WatchHandle> stream_events(
      const std::vector<std::string>& topics, std::uint64_t index,
      std::function<void(const NomadEventFrame&)> on_frame, Done<Unit> done) = 0;
  virtual void get_node(const std::string& node_id, Done<NomadNode> done) = 0;
  // PUT /v1/node/:id/drain; `spec` empty cancels a drain.
  virtual void drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                          bool mark_eligible, Done<Unit> done) = 0;
  virtual void set_eligibility(const std::string& node_id, bool eligible, Done<Unit> done) = 0;
  virtual void purge_node(const std::string& node_id, Done<Unit> done) = 0;
  // GET /v1/node/:id/allocations: the allocations its client has not ended (ClientStatus
  // pending or running), those the server stopped and its client still stops included
  // (DesiredStatus stop); is_terminal() tells them apart.
  virtual void node_allocations(const std::string& node_id,
                                Done<std::vector<NomadAllocationStub>> done) = 0;
  // GET /v1/job/:id/allocations: the job's allocations (placed ones; stubs).
  virtual void job_allocations(const std::string& job_id, const std::string& ns,
                               Done<std::vector<NomadAllocationStub>> done) = 0;
  // GET /v1/client/allocation/:id/stats.
  virtual void allocation_stats(const std::string& alloc_id, const std::string& ns,
                                Done<NomadAllocUsage> done) = 0;
  // GET /v1/jobs (every namespace the token may read).
  virtual void list_jobs(Done<std::vector<NomadJobSummary>> done) = 0;
  // GET /v1/job/:id/summary: the job's counts per group (Queued: the allocations no node
  // has taken yet); `type`, `status` and `submit_time` are not in this answer.
  virtual void job_summary(const std::string& job_id, const std::string& ns,
                           Done<NomadJobSummary> done) = 0;
  // GET /v1/evaluations?status=STATUS (every namespace the token may read); "" lists all.
  virtual void list_evaluations(const std::string& status,
                                Done<std::vector<NomadEvaluation>> done) = 0;
  // GET /v1/scaling/policies, then GET /v1/scaling/policy/:id of each (every namespace).
  virtual void list_scaling_policies(Done<std::vector<NomadScalingPolicy>> done) = 0;
  // GET /v1/job/:id.
  virtual void get_job(const std::string& job_id, const std::string& ns, Done<NomadJob> done) = 0;
  // GET /v1/job/:id/scale.
  virtual void job_scale_status(const std::string& job_id, const std::string& ns,
                                Done<NomadJobScaleStatus> done) = 0;
  // POST /v1/job/:id/scale.
  virtual void scale_job(const std::string& job_id, const std::string& group, std::int64_t count,
                         const std::string& reason, const std::string& ns, Done<Unit> done) = 0;
};

}  // namespace ha
