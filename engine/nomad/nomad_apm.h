// NomadApmSource: the `nomad-apm` metrics source computed from Nomad's API, as the Nomad
// Autoscaler's nomad-apm plugin computes it, so that the agent needs no metrics system:
//   [node_]percentage-allocated_cpu[/node_class=C[,node_pool=P,datacenter=D]]
//       allocated cpu of the non-terminal allocations on the pool's ready, eligible, not
//       draining nodes, over those nodes' allocatable cpu (NodeResources less
//       ReservedResources), in percent
//   [node_]percentage-allocated_memory[/...]   the same for memory
//   pending_allocations    allocations waiting for room: the sum of every job's Queued
//   node_count[/...]       the pool's ready, eligible, not draining nodes
//   taskgroup_{sum,avg,max,min}_{cpu,cpu-allocated,memory,memory-allocated}/G/JOB@NS
//                          the group's running allocations' use, from their clients' stats
//                          (nomad_apm_task_group.cc)
//   nodes_needed[/...,headroom=PCT,node_cpu=MHZ,node_memory=MB]
//                          the nodes the pool needs for its running and queued work, counted
//                          by placing it (nodes_needed.h): queued allocations are those of
//                          jobs with blocked evaluations that more nodes would place, counted
//                          by their job summaries' Queued, sized by their jobs; a new node has
//                          node_cpu/node_memory, else the largest pool node's allocatable.
//                          Not a point-in-time utilisation: use it with pass-through.
// Like upstream's plugin it answers the current value only: a range query gets one point at
// the loop's now. Errors name the query and what failed; a pool with no capacity is an
// error, as upstream ("zero allocatable").
//
// Given ClusterCaches, node_count and percentage-allocated_* are answered from the node
// cache of the query's class and the allocation cache while both are usable: no request at
// all. Otherwise (no caches, or one not current) it reads as upstream does: the node list,
// then each pool node's detail and allocations, in parallel (2N+1 requests).
#pragma once

#include <map>
#include <memory>
#include <utility>

#include "backends/api/metrics_source.h"
#include "backends/api/nomad_api.h"
#include "base/event_loop.h"
#include "engine/cache/cluster_caches.h"
#include "engine/nomad/pool_filter.h"

namespace ha {

struct ApmQuery {
  enum class Metric {
    kCpuPercent,
    kMemoryPercent,
    kPendingAllocations,
    kNodeCount,
    kNodesNeeded,
    kTaskGroup
  };
  Metric metric = Metric::kCpuPercent;
  // The pool, as upstream identifies one (scaleutils/nodepool): all that are given must
  // match; node_class "autoscaler-default-pool" matches nodes without a class. Empty: any.
  std::string node_class, node_pool, datacenter;
  // The class to list nodes by ("" for any: the default pool's nodes have none).
  std::string class_filter() const {
    return node_class == "autoscaler-default-pool" ? "" : node_class;
  }
  // nodes_needed only: headroom as a fraction, and a new node's allocatable (0: unknown).
  double headroom = 0;
  std::int64_t node_cpu = 0, node_memory = 0;
  // taskgroup_<op>_<metric>/<group>/<job>@<namespace> only.
  std::string op;            // sum | avg | max | min
  std::string group_metric;  // cpu | cpu-allocated | memory | memory-allocated
  std::string group, job, namespace_;
};

// Upstream's calculateTaskGroupResult: the sum, mean, largest or smallest of the values (the
// largest starts from the smallest positive double, as upstream's does).
double aggregate_task_group(const std::string& op, const std::vector<double>& values);

// Whether the node belongs to the query's pool (its class, node pool and datacenter).
bool in_pool(const NomadNodeStub& n, const ApmQuery& q);

// taskgroup_<op>_<metric>/<group>/<job>@<namespace> (nomad_apm_task_group.cc).
Result<ApmQuery> parse_task_group_query(const std::string& query);

// Parses the query forms above (pool values URL-escaped, as upstream writes them); the error
// names the query and what is wrong. A cluster query (all but pending_allocations) names
// its pool: at least one of node_class, datacenter, node_pool.
Result<ApmQuery> parse_apm_query(const std::string& query);

// A policy's nomad-apm query in upstream's short form (no '/': "percentage-allocated_cpu")
// made whole for the policy's cluster target, as upstream's CanonicalizeAPMQuery does
// (policy/policy.go): "<query>/node_class=..,datacenter=..,node_pool=.." with the keys the
// target config has; a query with parameters but no pool key (nodes_needed/headroom=8)
// gets them after its own. Any other query is returned as it is.
std::string expand_short_query(const std::string& query, const std::string& target,
                               const std::map<std::string, std::string>& target_config);

class NomadApmSource final : public MetricsSource {
 public:
  NomadApmSource(EventLoop& loop, NomadApi& nomad, ClusterCaches* caches = nullptr);
  void query(const std::string& query, TimeRange range, Callback done) override;
  // The agent's `apm "nomad-apm" { config }` node_filter_ignore_* keys: which unsettled pool
  // nodes (initializing, draining) a percentage query ignores rather than fails on, and
  // whether ineligible nodes count in the pool. Default: none, as upstream.
  void set_node_filter(NodeFilterOptions options) { node_filter_ = options; }

 private:
  // A cluster query answered by requests, as upstream's plugin reads (no caches, or caches
  // not current).
  void read_cluster(const std::string& query, const ApmQuery& q, Callback done);
  void allocated_percent(const std::string& query, const ApmQuery& q, Callback done);
  // nomad_apm_nodes_needed.cc
  void nodes_needed(const std::string& query, const ApmQuery& q, Callback done);
  // nomad_apm_task_group.cc
  void task_group(const std::string& query, const ApmQuery& q, Callback done);
  struct JobSizes {
    std::uint64_t modify_index = 0;
    std::string node_pool;
    std::vector<std::string> datacenters;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> groups;  // cpu, memory
  };
  // The answer from the caches, or nullopt when they are not current.
  std::optional<Result<TimeSeries>> from_caches(const std::string& query, const ApmQuery& q);

  EventLoop& loop_;
  NomadApi& nomad_;
  ClusterCaches* caches_;
  NodeFilterOptions node_filter_;
  // Task-group sizes of jobs with blocked evaluations, by namespace and job ID, re-read when
  // an evaluation names a newer job version.
  std::shared_ptr<std::map<std::pair<std::string, std::string>, JobSizes>> job_sizes_ =
      std::make_shared<std::map<std::pair<std::string, std::string>, JobSizes>>();
  // Expires with the source: a callback that would reach it afterwards does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ha
