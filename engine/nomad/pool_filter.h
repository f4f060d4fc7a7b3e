// A Nomad node pool and whether it is settled enough to act on, as upstream's cluster
// scaling filters nodes (nomad-autoscaler sdk/helper/scaleutils: nodepool.go identifies a
// pool, node_identifier.go FilterNodesWithOptions refuses an unsettled one).
#pragma once

#include <optional>
#include <string>

#include "backends/api/nomad_api.h"
#include "base/result.h"
#include "engine/plugin_config.h"

namespace ha {

// All that are given must match; node_class "autoscaler-default-pool" matches nodes without
// a class. Empty: any.
struct NomadPool {
  std::string node_class, datacenter, node_pool;
  bool contains(const NomadNodeStub& n) const;
};

// Upstream's node_filter_ignore_init, node_filter_ignore_drain and
// node_filter_ignore_ineligible: false unless the config says otherwise.
struct NodeFilterOptions {
  bool ignore_init = false;
  bool ignore_drain = false;
  bool ignore_ineligible = false;
};
inline constexpr const char* kIgnoreInitKey = "node_filter_ignore_init";
inline constexpr const char* kIgnoreDrainKey = "node_filter_ignore_drain";
inline constexpr const char* kIgnoreIneligibleKey = "node_filter_ignore_ineligible";

// Reads the three keys (Go's strconv.ParseBool); the error names the key and the value.
Result<NodeFilterOptions> parse_node_filter_options(const PluginConfig& config);

// A node this product's scale-in is draining: its drain's Meta carries the group marker
// (vm_labels::kNodeGroup). It is leaving the pool by design, so it is left out of the pool
// rather than holding it unsettled: upstream drains inside its Scale call and never
// evaluates a policy while its own drain runs; this product's drains run beside the
// evaluations.
bool drained_by_autoscaler(const NomadNodeStub& n);

// Why the node holds its pool unsettled, in upstream's words ("node ID is initializing",
// "node ID is draining"); nullopt when it does not (ready and not draining, down, or an
// ignored state).
std::optional<std::string> unsettled_reason(const NomadNodeStub& n, const NodeFilterOptions& o);

// Whether the node takes work in the pool: ready, not draining, and eligible (or
// ineligible ones kept by ignore_ineligible).
bool serves_pool(const NomadNodeStub& n, const NodeFilterOptions& o);

}  // namespace ha
