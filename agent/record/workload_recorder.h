// WorkloadRecorder: what `record` makes of a Nomad cluster's events: the allocs-csv rows of
// the workload they show (docs/scenarios.md: `submit_s,job,group,type,count,cpu_mhz,
// memory_mb,duration_s`). It reads the times Nomad puts in the payloads (a Job's
// SubmitTime, an allocation's CreateTime and ModifyTime), never the time an event arrives,
// so a recording of a sped-up replay keeps the replay's own clock.
//
// The rules, per allocation chain (an allocation and the replacements that name it as their
// PreviousAllocation: one piece of work, moved by a drain or a lost node):
// - submitted when its job asked for it: the SubmitTime of the newest version of the job
//   registered at or before the chain's first placement (the placement itself when no Job
//   event was seen);
// - batch: runs for its last allocation's placement to its end (a moved batch allocation
//   starts again); one still running at the end keeps what it ran so far and counts as cut
//   short; services run until the end, or, once stopped without a replacement (a scale-in),
//   for the time from the first placement to the stop;
// - system jobs: one row per task group (the simulator places one on every node);
// - resources: the allocation's own;
// - work a job asks for (its newest Job event's task-group counts) beyond the chains seen
//   is work never placed during the recording: batch rows with the median run time of the
//   group's recorded work, else of all the batch work recorded (counted; skipped, and
//   counted, when there is none), services until the
//   end; submitted with that job version. Batch work of a version submitted before the
//   recording began is taken to have run before it, if it was not seen.
// Times are rounded to whole seconds, so that like rows merge.
// Work submitted before the recording started is submitted at 0. Times are the cluster's
// (ClusterRecorder maps its own clock onto them). Rows that agree in every
// column are one row with their count.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backends/api/nomad_api.h"
#include "base/result.h"

namespace ha {

struct RecordedRow {
  Duration submit{0};  // since the recording started
  std::string job, group, type;
  std::int64_t count = 1;
  std::int64_t cpu_mhz = 0, memory_mb = 0;
  std::optional<Duration> duration;  // empty: runs until the end (services)

  // Every column but the count, copied (a map keeps it).
  auto key() const {
    return std::make_tuple(submit, job, group, type, cpu_mhz, memory_mb, duration);
  }
};

class WorkloadRecorder {
 public:
  // The allocations a list showed: the state when the recording began, or, with `relisted`
  // (the list's time), after a gap. Work the recorder saw running that such a list no
  // longer shows ended during the gap: at `relisted`, as far as it can tell, and counted.
  void on_list(const std::vector<NomadAllocationStub>& allocations,
               std::optional<Time> relisted = std::nullopt);
  // A frame of the event stream (topics Job and Allocation; others are ignored).
  void on_frame(const NomadEventFrame& frame);
  // A job as a Job event or GET /v1/job/:id shows it: its type, what its newest version
  // asks for, and that version's SubmitTime.
  void on_job(const NomadJob& job);
  // Whether a job's type is known (from on_job), by job_key(): the recorder reads the others.
  bool knows_job(const std::string& key) const { return job_types_.count(key) > 0; }

  // How the recording names a job: its ID in the default namespace, else NAMESPACE/ID, so
  // that jobs of one ID in two namespaces stay apart (in the trace too).
  static std::string job_key(const std::string& ns, const std::string& id) {
    return ns.empty() || ns == "default" ? id : ns + "/" + id;
  }

  // Which nodes the recording is about (a node class or pool): a piece of work placed only
  // on other nodes is left out. Empty: every node. Work never placed is always in.
  using NodeScope = std::function<bool(const std::string& node_id)>;

  struct Counts {
    std::int64_t allocations = 0;       // chains: pieces of work (in scope)
    std::int64_t other_nodes = 0;       // pieces of work placed only on nodes out of scope
    std::int64_t replacements = 0;      // allocations that continued a chain
    std::int64_t cut_short = 0;         // batch work still running at the end
    std::int64_t ended_unseen = 0;      // work that ended during a gap (its end estimated)
    std::int64_t never_placed = 0;      // asked for, not placed by the end (in the trace)
    std::int64_t cluster_run_time = 0;  // ... batch, given the median of all batch work
    std::int64_t unknown_run_time = 0;  // ... of batch groups with no run time to go by
    std::int64_t jobs = 0;              // jobs with a Job event
  };
  // The rows of a recording from `start` to `end` (the cluster's clock), sorted by submit
  // time, job and group; counts() of the recording from `start`.
  std::vector<RecordedRow> rows(Time start, Time end, const NodeScope& in_scope = {}) const;
  Counts counts(Time start, const NodeScope& in_scope = {}) const;
  // One task group's placed work, for a group whose load was recorded (rate_services.h):
  // each piece's first placement and its end (none: still running), and the resources of
  // its newest pieces.
  struct GroupRuns {
    std::int64_t cpu_mhz = 0, memory_mb = 0;
    std::vector<std::pair<Time, std::optional<Time>>> runs;
  };
  GroupRuns group_runs(const std::string& job, const std::string& group) const;
  // Pieces of work seen so far (counts().allocations, without the rest of its work).
  std::int64_t recorded() const { return static_cast<std::int64_t>(chains_.size()); }

  // What a resumed recording needs (workload_recorder_state.cc): every chain with its
  // allocation IDs, the jobs' versions and what they ask for. load() replaces this
  // recorder's state; its errors name the field.
  nlohmann::json save() const;
  Result<Unit> load(const nlohmann::json& state);

 private:
  struct Chain {
    std::string job, group, type;
    std::int64_t cpu_mhz = 0, memory_mb = 0;
    Time first_placed{0};
    Time last_placed{0};
    std::string current;                // its newest allocation: only that one's end ends it
    std::vector<std::string> node_ids;  // where its allocations were placed
    std::optional<Time> ended;          // its last allocation ended, with no replacement (yet)
    bool completed = false;             // ... and it ended complete (not stopped or lost)
  };
  void observe(const NomadAllocationStub& a);
  Time asked_at(const std::string& job, Time placed) const;
  // Work asked for beyond the chains seen (adds to counts' never_placed, unknown_run_time).
  std::vector<RecordedRow> unplaced(Time start, const NodeScope& in_scope, Counts* counts) const;
  std::string type_of(const Chain& c) const;
  static bool in(const Chain& c, const NodeScope& in_scope);

  std::map<std::string, std::set<Time>> job_versions_;  // SubmitTime of each version seen
  std::map<std::string, std::string> job_types_;
  // The newest Job event's task groups, by job: what it asks for (work it asked for that
  // was never placed still counts), with that version's SubmitTime.
  std::map<std::string, std::pair<Time, std::vector<NomadJobTaskGroup>>> asked_;
  std::map<std::string, std::size_t> chain_of_;  // allocation ID -> chain
  std::vector<Chain> chains_;
  std::int64_t replacements_ = 0, ended_unseen_ = 0;
};

// The rows as an allocs-csv file (header included); seconds with up to 3 decimals.
std::string allocs_csv(const std::vector<RecordedRow>& rows);

}  // namespace ha
