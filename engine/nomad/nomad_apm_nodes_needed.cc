// nomad-apm's nodes_needed (see nomad_apm.h): the blocked evaluations, the live count of
// their jobs' queued allocations (job summaries) and the sizes of their task groups, then
// the pool's nodes with what runs on each, then the count.
// Requests per evaluation: 1 for the evaluations, 1 per blocked job (its summary), 1 per job
// whose version changed, and, without current caches, 2N+1 for the pool as
// percentage-allocated_* reads it.
#include <algorithm>
#include <memory>
#include <set>

#include "engine/nomad/nodes_needed.h"
#include "engine/nomad/nomad_apm.h"

namespace ha {
namespace {

// Nodes that take work now or soon: ready or still initializing, eligible, not draining.
// A draining node is leaving; its work is queued again or moves elsewhere.
bool takes_work(const NomadNodeStub& n) {
  return (n.status == "ready" || n.status == "initializing") &&
         n.scheduling_eligibility == "eligible" && !n.drain;
}

// Blocked work by (namespace, job): the groups whose placements failed for want of room.
using Demand = std::map<std::pair<std::string, std::string>, std::set<std::string>>;

// Of the blocked evaluations, the groups new nodes of this kind could take: not a system
// job's (it runs on every node; a new node gets its own allocation, the blocked one waits for
// room on its node), not those a quota blocks, not those every considered node refused by
// a constraint (no room was missing: NodesExhausted 0 of NodesEvaluated > 0). With no node
// considered at all (NodesEvaluated 0), nodes are what is missing.
Demand placeable_demand(const std::vector<NomadEvaluation>& evals) {
  Demand out;
  for (const NomadEvaluation& e : evals) {
    if (e.status != "blocked" || e.type == "system" || e.type == "sysbatch") continue;
    if (!e.quota_limit_reached.empty()) continue;
    for (const auto& [group, m] : e.failed_tg_allocs) {
      if (!m.quota_exhausted.empty()) continue;
      if (m.nodes_evaluated > 0 && m.nodes_exhausted == 0) continue;
      out[{e.namespace_.empty() ? "default" : e.namespace_, e.job_id}].insert(group);
    }
  }
  return out;
}

struct NeededState {
  std::string query;
  ApmQuery q;
  std::map<std::pair<std::string, std::string>, NomadJobSummary> summaries;
  std::vector<QueuedGroup> queued;
  std::vector<PoolNode> pool;
  // What runs on each pool node, one by one: read from the allocation cache's view when
  // asked (ids, view), or as the node's allocations were listed (listed).
  std::vector<std::string> ids;
  std::shared_ptr<const AllocationView> view;
  std::vector<std::vector<PodSize>> listed;
  std::size_t outstanding = 0;
  std::optional<Error> failed;
  MetricsSource::Callback done;
};

}  // namespace

void NomadApmSource::nodes_needed(const std::string& query, const ApmQuery& q, Callback done) {
  auto state = std::make_shared<NeededState>();
  state->query = query;
  state->q = q;
  state->done = std::move(done);
  EventLoop& loop = loop_;
  auto sizes = job_sizes_;

  // Last: the count, from the pool and the queue.
  auto count = [state, &loop] {
    PodSize shape{state->q.node_cpu, state->q.node_memory};
    for (const PoolNode& n : state->pool) {
      if (state->q.node_cpu == 0) shape.cpu_mhz = std::max(shape.cpu_mhz, n.capacity.cpu_mhz);
      if (state->q.node_memory == 0) {
        shape.memory_mb = std::max(shape.memory_mb, n.capacity.memory_mb);
      }
    }
    if (shape.cpu_mhz <= 0 || shape.memory_mb <= 0) {
      return state->done(make_error(state->query +
                                    ": no node in the pool to take a new node's size from; give " +
                                    "node_cpu and node_memory in the query"));
    }
    for (PoolNode& n : state->pool) {
      if (n.capacity.cpu_mhz <= 0 || n.capacity.memory_mb <= 0) n.capacity = shape;
    }
    AllocationsOf allocations_of = [&state](std::size_t i) {
      if (!state->view) return state->listed[i];
      std::vector<PodSize> each;
      for (const auto& u : state->view->each_on_node(state->ids[i])) {
        each.push_back({u.cpu_mhz, u.memory_mb});
      }
      return each;
    };
    NodesNeeded needed =
        count_nodes_needed(state->pool, state->queued, shape, state->q.headroom, allocations_of);
    state->view.reset();
    state->done(TimeSeries{{loop.now(), static_cast<double>(needed.nodes)}});
  };

  // Third: the pool, from the caches when they are current, else as upstream reads it.
  // (Runs in a callback: the source may be gone by then, as in a simulated agent crash.)
  auto read_pool_now = [this, alive = std::weak_ptr<bool>(alive_), state, count] {
    if (alive.expired()) return;
    if (caches_ != nullptr) {
      NodeCache& nodes = caches_->nodes(state->q.class_filter());
      AllocationCache& allocations = caches_->allocations();
      if (caches_->usable(nodes) && caches_->usable(allocations)) {
        state->view = allocations.view();
        bool sized = true;
        for (const auto& n : nodes.view()->nodes()) {
          if (!in_pool(*n, state->q) || !takes_work(*n)) continue;
          AllocationView::Usage used = state->view->on_node(n->id);
          state->ids.push_back(n->id);
          state->pool.push_back({{n->cpu_mhz, n->memory_mb}, {used.cpu_mhz, used.memory_mb}});
          sized = sized && n->cpu_mhz > 0;
        }
        if (sized) return count();
        state->pool.clear();
        state->ids.clear();
        state->view.reset();
      }
    }
    NomadApi& nomad = nomad_;
    nomad.list_nodes(
        {state->q.class_filter(), state->q.node_pool, ""},
        [state, count, &nomad](Result<NodeList> nodes) {
          if (!nodes) {
            return state->done(
                make_error(state->query + ": listing nodes: " + nodes.error().message));
          }
          std::vector<std::string> ids;
          for (const auto& n : *nodes) {
            if (in_pool(*n, state->q) && takes_work(*n)) ids.push_back(n->id);
          }
          state->pool.resize(ids.size());
          state->listed.resize(ids.size());
          if (ids.empty()) return count();
          state->outstanding = 2 * ids.size();
          auto finish = [state, count] {
            if (--state->outstanding > 0) return;
            if (state->failed) return state->done(*state->failed);
            count();
          };
          for (std::size_t i = 0; i < ids.size(); ++i) {
            nomad.get_node(ids[i], [state, i, id = ids[i], finish](Result<NomadNode> node) {
              if (node) {
                state->pool[i].capacity = {node->cpu_mhz, node->memory_mb};
              } else {
                state->failed =
                    make_error(state->query + ": reading node " + id + ": " + node.error().message);
              }
              finish();
            });
            nomad.node_allocations(ids[i], [state, i, id = ids[i], finish](
                                               Result<std::vector<NomadAllocationStub>> allocs) {
              if (allocs) {
                for (const auto& a : *allocs) {
                  if (is_terminal(a)) continue;
                  state->listed[i].push_back({a.cpu_mhz, a.memory_mb});
                  state->pool[i].used.cpu_mhz += a.cpu_mhz;
                  state->pool[i].used.memory_mb += a.memory_mb;
                }
              } else {
                state->failed = make_error(state->query + ": reading allocations of node " + id +
                                           ": " + allocs.error().message);
              }
              finish();
            });
          }
        });
  };

  // Caches on their first list are waited for (bounded), not raced by a read per node.
  auto read_pool = [this, alive = std::weak_ptr<bool>(alive_), state, read_pool_now] {
    if (alive.expired()) return;
    if (caches_ == nullptr) return read_pool_now();
    caches_->when_first_synced(caches_->nodes(state->q.class_filter()), &caches_->allocations(),
                               read_pool_now);
  };

  // Second: the queued allocations of the blocked jobs that may run in this pool, counted by
  // their job summaries and sized by their jobs.
  auto size_queue = [state, sizes, read_pool](const Demand& demand) {
    for (const auto& [key, groups] : demand) {
      const JobSizes& job = (*sizes)[key];
      if (!job_may_run_in(job.datacenters, job.node_pool, state->q.datacenter,
                          state->q.node_pool)) {
        continue;  // its node pool or datacenters leave this pool out
      }
      const NomadJobSummary& summary = state->summaries[key];
      for (const std::string& group : groups) {
        auto queued = summary.task_groups.find(group);
        if (queued == summary.task_groups.end() || queued->second.queued <= 0) continue;
        auto it = job.groups.find(group);
        if (it == job.groups.end()) {
          return state->done(make_error(state->query + ": job \"" + key.second +
                                        "\" is blocked on group \"" + group +
                                        "\", which it does not have"));
        }
        state->queued.push_back({{it->second.first, it->second.second}, queued->second.queued});
      }
    }
    read_pool();
  };

  // First: the blocked evaluations; then, of the jobs whose work more nodes would place, the
  // summary (always) and the job (when not read at its current version).
  NomadApi& nomad = nomad_;
  nomad.list_evaluations("blocked", [state, sizes, size_queue,
                                     &nomad](Result<std::vector<NomadEvaluation>> evals) {
    if (!evals) {
      return state->done(
          make_error(state->query + ": listing blocked evaluations: " + evals.error().message));
    }
    auto demand = std::make_shared<Demand>(placeable_demand(*evals));
    // Sizes are kept for the jobs blocked now: a job blocked again later is read again.
    std::erase_if(*sizes, [&demand](const auto& entry) { return !demand->contains(entry.first); });
    std::vector<std::pair<std::string, std::string>> stale;
    for (const NomadEvaluation& e : *evals) {
      std::pair key{e.namespace_.empty() ? "default" : e.namespace_, e.job_id};
      if (!demand->contains(key)) continue;
      auto it = sizes->find(key);
      if (it == sizes->end() || it->second.modify_index < e.job_modify_index ||
          e.job_modify_index == 0) {
        if (std::find(stale.begin(), stale.end(), key) == stale.end()) stale.push_back(key);
      }
    }
    if (demand->empty()) return size_queue(*demand);
    state->outstanding = stale.size() + demand->size();
    auto finish = [state, demand, size_queue] {
      if (--state->outstanding > 0) return;
      if (state->failed) return state->done(*state->failed);
      size_queue(*demand);
    };
    for (const auto& key : stale) {
      nomad.get_job(key.second, key.first, [state, sizes, key, finish](Result<NomadJob> job) {
        if (job) {
          JobSizes& s = (*sizes)[key];
          s.modify_index = job->modify_index;
          s.node_pool = job->node_pool;
          s.datacenters = job->datacenters;
          s.groups.clear();
          for (const auto& g : job->task_groups) s.groups[g.name] = {g.cpu_mhz, g.memory_mb};
        } else if (!state->failed) {
          state->failed =
              make_error(state->query + ": reading job " + key.second + ": " + job.error().message);
        }
        finish();
      });
    }
    for (const auto& entry : *demand) {
      const std::pair<std::string, std::string> key = entry.first;  // clang < 16: no captured
                                                                    // structured bindings
      nomad.job_summary(
          key.second, key.first, [state, key, finish](Result<NomadJobSummary> summary) {
            if (summary) {
              state->summaries[key] = std::move(*summary);
            } else if (!state->failed) {
              state->failed = make_error(state->query + ": reading the summary of job " +
                                         key.second + ": " + summary.error().message);
            }
            finish();
          });
    }
  });
}

}  // namespace ha
