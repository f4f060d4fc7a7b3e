#include "engine/nomad/pool_filter.h"

#include "backends/api/vm_labels.h"

namespace ha {
namespace {

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

bool NomadPool::contains(const NomadNodeStub& n) const {
  bool cls =
      node_class == "autoscaler-default-pool" ? n.node_class.empty() : n.node_class == node_class;
  return (node_class.empty() || cls) && (node_pool.empty() || n.node_pool == node_pool) &&
         (datacenter.empty() || n.datacenter == datacenter);
}

Result<NodeFilterOptions> parse_node_filter_options(const PluginConfig& config) {
  NodeFilterOptions o;
  for (auto [key, field] :
       {std::pair{kIgnoreInitKey, &NodeFilterOptions::ignore_init},
        std::pair{kIgnoreDrainKey, &NodeFilterOptions::ignore_drain},
        std::pair{kIgnoreIneligibleKey, &NodeFilterOptions::ignore_ineligible}}) {
    auto it = config.find(key);
    if (it == config.end()) continue;
    std::optional<bool> v = parse_go_bool(it->second);
    if (!v) {
      return make_error(
          std::string(key) + ": \"" + it->second + "\" is not a boolean (true, false, 1, 0, t, f)",
          ErrorKind::kInvalid);
    }
    o.*field = *v;
  }
  return o;
}

bool drained_by_autoscaler(const NomadNodeStub& n) {
  return n.drain && n.last_drain_meta.count(vm_labels::kNodeGroup) > 0;
}

std::optional<std::string> unsettled_reason(const NomadNodeStub& n, const NodeFilterOptions& o) {
  if (!n.drain && n.status == "ready") return std::nullopt;
  if (n.status == "initializing" && !o.ignore_init) return "node " + n.id + " is initializing";
  if (n.drain && !o.ignore_drain) return "node " + n.id + " is draining";
  return std::nullopt;
}

bool serves_pool(const NomadNodeStub& n, const NodeFilterOptions& o) {
  return !n.drain && n.status == "ready" &&
         (n.scheduling_eligibility == "eligible" || o.ignore_ineligible);
}

}  // namespace ha
