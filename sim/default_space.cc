// optimize's default search space (declared in sim/optimize.h): which keys of the
// scenario's policies are worth searching, and over which values.
#include <functional>
#include <sstream>

#include "engine/config_values.h"
#include "sim/optimize.h"

namespace ha {

namespace {

// A task-group policy's axes: only under a bound on unserved load, which says how loaded
// its allocations may run. The target of a load_per_alloc check goes from the policy's own
// (never lower: the policy as given is the careful end) to the service's capacity.
void add_task_group_axes(const Policy& p, const std::vector<RateDrivenService>& services,
                         const std::function<void(const std::string&)>& add) {
  auto config = [&p](const char* key) {
    auto it = p.target.config.find(key);
    return it == p.target.config.end() ? std::string() : it->second;
  };
  const RateDrivenService* service = nullptr;
  for (const RateDrivenService& s : services) {
    if (s.job == config("Job") && s.group == config("Group")) service = &s;
  }
  if (!service) return;
  std::string at = "policy." + p.id + ".";
  bool searched = false;
  for (const CheckSpec& c : p.checks) {
    if (c.strategy.name != "target-value" || c.query != "load_per_alloc") continue;
    auto it = c.strategy.config.find("target");
    auto target = it == c.strategy.config.end() ? std::nullopt : parse_finite_double(it->second);
    if (!target || *target >= service->per_alloc_capacity) continue;
    add(at + "check." + c.name + ".strategy.target=" + format_real(*target) + ".." +
        format_real(service->per_alloc_capacity));
    searched = true;
  }
  if (searched) add(at + "cooldown=30s..5m");
}

// The check axis of a metric-driven cluster policy: its checks as given, or one nodes_needed
// check (pass-through, the node size of the scenario, each headroom) in their place. Empty
// when the target names no node class to count nodes of.
std::string check_family_values(const Policy& p, const ClusterSpec& cluster) {
  auto node_class = p.target.config.find("node_class");
  if (p.target.name != "harvester" || node_class == p.target.config.end()) return "";
  std::string query = "nodes_needed/node_class=" + node_class->second;
  query += ",node_cpu=" + std::to_string(cluster.cpu_mhz);
  query += ",node_memory=" + std::to_string(cluster.memory_mb);
  std::string values = kAsGiven;
  for (int h = 0; h <= 20; h += 4) {
    nlohmann::json check = {{"source", "nomad-apm"},
                            {"query", query + ",headroom=" + std::to_string(h)},
                            {"strategy", {{"pass-through", nlohmann::json::object()}}}};
    values += ';';
    values += nlohmann::json{{"nodes_needed", check}}.dump();
  }
  return values;
}

// The axes of one cluster policy (see default_search_space).
void add_cluster_axes(const Policy& p, const ClusterSpec& cluster,
                      const std::function<void(const std::string&)>& add) {
  std::string at = "policy." + p.id + ".";
  add(at + "cooldown=30s..10m");
  // A quiet time of its own after a scale-up (it follows `cooldown` unless the file sets it):
  // how soon the next burst may add nodes.
  if (p.cooldown_on_scale_up != p.cooldown) add(at + "cooldown_on_scale_up=10s..5m");
  add(at + "evaluation_interval=10s,30s,1m");
  bool only_nodes_needed = !p.checks.empty();
  for (const CheckSpec& c : p.checks) {
    std::string check = at + "check." + c.name + ".";
    bool nodes_needed = c.query.rfind("nodes_needed", 0) == 0;
    only_nodes_needed = only_nodes_needed && nodes_needed;
    if (c.strategy.name == "target-value" &&
        c.query.find("percentage-allocated") != std::string::npos) {
      add(check + "strategy.target=50..95");
    }
    if (!nodes_needed) continue;
    // The query with each headroom in turn, its other parameters kept. A new node's size,
    // when the query leaves it to the pool's nodes, is the scenario's: with it an empty
    // group can still grow, so `min` may go down to 0.
    std::string base = c.query.substr(0, c.query.find('/'));
    std::string params;
    bool cpu = false, memory = false;
    if (c.query.find('/') != std::string::npos) {
      std::stringstream in(c.query.substr(c.query.find('/') + 1));
      for (std::string kv; std::getline(in, kv, ',');) {
        cpu = cpu || kv.rfind("node_cpu=", 0) == 0;
        memory = memory || kv.rfind("node_memory=", 0) == 0;
        if (kv.rfind("headroom=", 0) != 0) params += kv + ",";
      }
    }
    if (!cpu) params += "node_cpu=" + std::to_string(cluster.cpu_mhz) + ",";
    if (!memory) params += "node_memory=" + std::to_string(cluster.memory_mb) + ",";
    std::string values;
    for (int h = 0; h <= 20; h += 4) {
      values += (values.empty() ? "" : ";") + base + "/" + params + "headroom=" + std::to_string(h);
    }
    add(check + "query=" + values);
  }
  // A metric-driven policy may also count the nodes the work needs instead. This axis comes
  // after the checks' own, so that a candidate's target overrides apply before it replaces
  // the checks.
  std::string family = only_nodes_needed ? "" : check_family_values(p, cluster);
  if (!family.empty()) add(at + "check=" + family);
  // Nodes kept for no work cost the most where work stops for hours: nights, weekends.
  if ((only_nodes_needed || !family.empty()) && p.min > 0) {
    std::string values = "0";
    for (std::int64_t m = 1; m < p.min; m *= 2) values.append(",").append(std::to_string(m));
    values.append(",").append(std::to_string(p.min));
    add(at + "min=" + values);
  }
  if (p.target.name == "harvester") {
    // Stopped VMs that start in a boot's time trade a little storage for pending time; how
    // long they are kept trades the same way.
    add(at + "target.warm_pool_size=0,4,8,16");
    add(at + "target.warm_pool_max_age=1h,4h,12h,24h");
  }
}

}  // namespace

std::vector<SearchAxis> default_search_space(const std::vector<Policy>& policies,
                                             const std::vector<RateDrivenService>& services,
                                             const ServiceGoal& goal, const ClusterSpec& cluster) {
  std::vector<SearchAxis> axes;
  auto add = [&axes](const std::string& text) { axes.push_back(*parse_search_axis(text)); };
  for (const Policy& p : policies) {
    if (p.type == "cluster") {
      add_cluster_axes(p, cluster, add);
    } else if (goal.unserved_load) {
      add_task_group_axes(p, services, add);
    }
  }
  return axes;
}

}  // namespace ha
