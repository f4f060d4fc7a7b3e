#include "engine/nomad/nomad_apm.h"

#include "engine/nomad/pool_filter.h"

#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

namespace ha {
namespace {

// The pool's nodes that serve it, and why it is unsettled (upstream's getPoolResources fails
// the query then: "failed to identify nodes within pool: node ID is draining"). Nodes this
// product's scale-in drains are leaving it and count as neither.
struct PoolScan {
  std::int64_t serving = 0;
  std::string unsettled;
  void add_unsettled(const std::string& why) { unsettled += (unsettled.empty() ? "" : "; ") + why; }
};

template <typename Nodes, typename OnServing>
PoolScan scan_pool(const Nodes& nodes, const ApmQuery& q, const NodeFilterOptions& o,
                   OnServing on_serving) {
  PoolScan scan;
  for (const auto& n : nodes) {
    if (!in_pool(*n, q)) continue;
    if (serves_pool(*n, o)) {
      ++scan.serving;
      on_serving(*n);
    } else if (auto why = unsettled_reason(*n, o); why && !drained_by_autoscaler(*n)) {
      scan.add_unsettled(*why);
    }
  }
  return scan;
}

Error unsettled_error(const std::string& query, const PoolScan& scan) {
  return make_error(query + ": failed to identify nodes within pool: " + scan.unsettled);
}

// Go's url.QueryUnescape: %XX and '+' (a space); nullopt on a bad escape.
std::optional<std::string> query_unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        return std::nullopt;
      }
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

// Go's url.QueryEscape.
std::string query_escape(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool in_pool(const NomadNodeStub& n, const ApmQuery& q) {
  return NomadPool{q.node_class, q.datacenter, q.node_pool}.contains(n);
}

Result<ApmQuery> parse_apm_query(const std::string& query) {
  auto bad = [&query](const std::string& why) {
    return make_error("nomad-apm query \"" + query + "\": " + why, ErrorKind::kInvalid);
  };
  ApmQuery q;
  if (query.rfind("taskgroup_", 0) == 0) return parse_task_group_query(query);
  std::string name = query.substr(0, query.find('/'));
  if (name.rfind("node_", 0) == 0 && name != "node_count") name = name.substr(5);
  if (name == "percentage-allocated_cpu") {
    q.metric = ApmQuery::Metric::kCpuPercent;
  } else if (name == "percentage-allocated_memory") {
    q.metric = ApmQuery::Metric::kMemoryPercent;
  } else if (name == "pending_allocations") {
    q.metric = ApmQuery::Metric::kPendingAllocations;
  } else if (name == "node_count") {
    q.metric = ApmQuery::Metric::kNodeCount;
  } else if (name == "nodes_needed") {
    q.metric = ApmQuery::Metric::kNodesNeeded;
  } else {
    return bad(
        "unknown metric; known: percentage-allocated_cpu, percentage-allocated_memory, "
        "pending_allocations, node_count, nodes_needed");
  }
  const std::string kNamePool =
      "expected <query>/<key>=<value>[,<key>=<value>...]: a cluster query names its pool "
      "(node_class, datacenter or node_pool), or is written short (\"percentage-allocated_cpu\") "
      "in a policy whose target names it";
  if (query.find('/') == std::string::npos) {
    if (q.metric == ApmQuery::Metric::kPendingAllocations) return q;
    return bad(kNamePool);
  }
  std::string pool = query.substr(query.find('/') + 1);
  if (pool.empty()) return bad("expected key=value after '/'");
  std::size_t start = 0;
  while (start <= pool.size()) {
    std::size_t end = pool.find(',', start);
    if (end == std::string::npos) end = pool.size();
    std::string pair = pool.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return bad("invalid pool identifier \"" + pair + "\": expected key=value");
    }
    std::string key = pair.substr(0, eq);
    auto value_or = query_unescape(pair.substr(eq + 1));
    if (!value_or) return bad("failed to decode value in \"" + pair + "\"");
    const std::string& value = *value_or;
    if (key == "node_class") {
      q.node_class = value;
    } else if (key == "node_pool") {
      q.node_pool = value;
    } else if (key == "datacenter") {
      q.datacenter = value;
    } else if (q.metric == ApmQuery::Metric::kNodesNeeded &&
               (key == "headroom" || key == "node_cpu" || key == "node_memory")) {
      std::int64_t n = 0;
      auto [end_ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      bool percent = key == "headroom";
      if (ec != std::errc() || end_ptr != value.data() + value.size() || n < 0 ||
          (percent ? n > 90 : n == 0)) {
        return bad(key + "=" + value + ": expected " +
                   (percent ? std::string("a whole percentage from 0 to 90")
                            : std::string("a positive whole number")));
      }
      if (percent) {
        q.headroom = static_cast<double>(n) / 100.0;
      } else {
        (key == "node_cpu" ? q.node_cpu : q.node_memory) = n;
      }
    } else {
      return bad("unknown pool key \"" + key + "\": must be node_class, datacenter or node_pool" +
                 (q.metric == ApmQuery::Metric::kNodesNeeded
                      ? std::string(" (nodes_needed also takes headroom, node_cpu, node_memory)")
                      : std::string()));
    }
    start = end + 1;
  }
  if (q.metric != ApmQuery::Metric::kPendingAllocations && q.node_class.empty() &&
      q.datacenter.empty() && q.node_pool.empty()) {
    return bad(kNamePool);
  }
  return q;
}

std::string expand_short_query(const std::string& query, const std::string& target,
                               const std::map<std::string, std::string>& config) {
  if (target == "nomad" && query.find('/') == std::string::npos) {
    // policy.go: "taskgroup_<query>/<group>/<job>@<namespace>".
    auto get = [&config](const char* key, const char* fallback) {
      auto it = config.find(key);
      return it == config.end() || it->second.empty() ? std::string(fallback) : it->second;
    };
    return "taskgroup_" + query + "/" + get("Group", "") + "/" + get("Job", "") + "@" +
           get("Namespace", "default");
  }
  if (target != "harvester") return query;
  std::size_t slash = query.find('/');
  if (slash != std::string::npos) {
    // nodes_needed/headroom=8: parameters without a pool take the target's too.
    std::string params = "," + query.substr(slash + 1);
    for (const char* key : {",node_class=", ",datacenter=", ",node_pool="}) {
      if (params.find(key) != std::string::npos) return query;
    }
  }
  std::string pool;
  for (const char* key : {"node_class", "datacenter", "node_pool"}) {
    auto it = config.find(key);
    if (it == config.end() || it->second.empty()) continue;
    pool += (pool.empty() ? "" : ",") + std::string(key) + "=" + query_escape(it->second);
  }
  if (pool.empty()) return query;
  return slash == std::string::npos ? query + "/" + pool : query + "," + pool;
}

NomadApmSource::NomadApmSource(EventLoop& loop, NomadApi& nomad, ClusterCaches* caches)
    : loop_(loop), nomad_(nomad), caches_(caches) {}

std::optional<Result<TimeSeries>> NomadApmSource::from_caches(const std::string& query,
                                                              const ApmQuery& q) {
  if (caches_ == nullptr) return std::nullopt;
  // Both caches are asked for first: the first query starts them.
  bool count_only = q.metric == ApmQuery::Metric::kNodeCount;
  NodeCache& nodes = caches_->nodes(q.class_filter());
  AllocationCache* allocations = count_only ? nullptr : &caches_->allocations();
  if (!caches_->usable(nodes) || (allocations && !caches_->usable(*allocations))) {
    return std::nullopt;
  }
  std::shared_ptr<const AllocationView> allocs = allocations ? allocations->view() : nullptr;
  bool cpu = q.metric == ApmQuery::Metric::kCpuPercent;
  std::int64_t capacity = 0, allocated = 0;
  PoolScan scan = scan_pool(nodes.view()->nodes(), q, node_filter_, [&](const NomadNodeStub& n) {
    if (count_only) return;
    capacity += cpu ? n.cpu_mhz : n.memory_mb;
    AllocationView::Usage used = allocs->on_node(n.id);
    allocated += cpu ? used.cpu_mhz : used.memory_mb;
  });
  std::int64_t count = scan.serving;
  Time now = loop_.now();
  if (count_only) return TimeSeries{{now, static_cast<double>(count)}};
  if (!scan.unsettled.empty()) return unsettled_error(query, scan);
  if (count == 0) return make_error(query + ": no nodes identified within pool");
  // A Nomad that ignores resources=true lists no capacities: ask each node,
  // as upstream does, which also gives the "zero allocatable" error where it is true.
  if (capacity <= 0) return std::nullopt;
  return TimeSeries{{now, 100.0 * static_cast<double>(allocated) / static_cast<double>(capacity)}};
}

void NomadApmSource::query(const std::string& query, TimeRange, Callback done) {
  auto q = parse_apm_query(query);
  if (!q) {
    loop_.post([done = std::move(done), e = q.error()] { done(e); });
    return;
  }
  if (q->metric == ApmQuery::Metric::kNodesNeeded) return nodes_needed(query, *q, std::move(done));
  if (q->metric == ApmQuery::Metric::kTaskGroup) return task_group(query, *q, std::move(done));
  if (q->metric != ApmQuery::Metric::kPendingAllocations && caches_ != nullptr) {
    // Caches on their first list are waited for (bounded), not raced by a read per node.
    bool count_only = q->metric == ApmQuery::Metric::kNodeCount;
    caches_->when_first_synced(caches_->nodes(q->class_filter()),
                               count_only ? nullptr : &caches_->allocations(),
                               [this, alive = std::weak_ptr<bool>(alive_), query, q = *q,
                                done = std::move(done)]() mutable {
                                 if (alive.expired()) return;
                                 if (auto cached = from_caches(query, q))
                                   return done(std::move(*cached));
                                 read_cluster(query, q, std::move(done));
                               });
    return;
  }
  read_cluster(query, *q, std::move(done));
}

void NomadApmSource::read_cluster(const std::string& query, const ApmQuery& q, Callback done) {
  EventLoop& loop = loop_;
  auto point = [&loop](double v) -> Result<TimeSeries> { return TimeSeries{{loop.now(), v}}; };
  switch (q.metric) {
    case ApmQuery::Metric::kPendingAllocations:
      nomad_.list_jobs(
          [query, point, done = std::move(done)](Result<std::vector<NomadJobSummary>> jobs) {
            if (!jobs) return done(make_error(query + ": listing jobs: " + jobs.error().message));
            std::int64_t queued = 0;
            for (const auto& j : *jobs) {
              for (const auto& [name, g] : j.task_groups) queued += g.queued;
            }
            done(point(static_cast<double>(queued)));
          });
      return;
    case ApmQuery::Metric::kNodeCount:
      nomad_.list_nodes(
          {q.class_filter(), q.node_pool, ""},
          [query, q, filter = node_filter_, point, done = std::move(done)](Result<NodeList> nodes) {
            if (!nodes) {
              return done(make_error(query + ": listing nodes: " + nodes.error().message));
            }
            PoolScan scan = scan_pool(*nodes, q, filter, [](const NomadNodeStub&) {});
            done(point(static_cast<double>(scan.serving)));
          });
      return;
    default:
      allocated_percent(query, q, std::move(done));
  }
}

void NomadApmSource::allocated_percent(const std::string& query, const ApmQuery& q, Callback done) {
  struct State {
    std::size_t outstanding = 0;
    std::int64_t capacity = 0, allocated = 0;
    std::optional<Error> failed;
    Callback done;
  };
  auto state = std::make_shared<State>();
  state->done = std::move(done);
  EventLoop& loop = loop_;
  NomadApi& nomad = nomad_;
  bool cpu = q.metric == ApmQuery::Metric::kCpuPercent;
  auto finish = [state, query, cpu, &loop] {
    if (--state->outstanding > 0) return;
    if (state->failed) return state->done(*state->failed);
    if (state->capacity <= 0) {
      return state->done(make_error(query + ": zero allocatable " +
                                    (cpu ? std::string("cpu") : std::string("memory")) +
                                    " found in pool"));
    }
    double v = 100.0 * static_cast<double>(state->allocated) / static_cast<double>(state->capacity);
    state->done(TimeSeries{{loop.now(), v}});
  };
  nomad.list_nodes(
      {q.class_filter(), q.node_pool, ""},
      [state, q, query, cpu, finish, &nomad, filter = node_filter_](Result<NodeList> nodes) {
        if (!nodes)
          return state->done(make_error(query + ": listing nodes: " + nodes.error().message));
        std::vector<std::string> ids;
        PoolScan scan =
            scan_pool(*nodes, q, filter, [&ids](const NomadNodeStub& n) { ids.push_back(n.id); });
        if (!scan.unsettled.empty()) return state->done(unsettled_error(query, scan));
        if (ids.empty())
          return state->done(make_error(query + ": no nodes identified within pool"));
        state->outstanding = 2 * ids.size();
        for (const std::string& id : ids) {
          nomad.get_node(id, [state, id, query, cpu, finish](Result<NomadNode> node) {
            if (node) {
              state->capacity += cpu ? node->cpu_mhz : node->memory_mb;
            } else {
              state->failed =
                  make_error(query + ": reading node " + id + ": " + node.error().message);
            }
            finish();
          });
          nomad.node_allocations(
              id, [state, id, query, cpu, finish](Result<std::vector<NomadAllocationStub>> allocs) {
                if (allocs) {
                  for (const auto& a : *allocs) {
                    // As upstream: ended allocations, which Nomad lists until they are
                    // collected, hold nothing.
                    if (!is_terminal(a)) state->allocated += cpu ? a.cpu_mhz : a.memory_mb;
                  }
                } else {
                  state->failed = make_error(query + ": reading allocations of node " + id + ": " +
                                             allocs.error().message);
                }
                finish();
              });
        }
      });
}

}  // namespace ha
