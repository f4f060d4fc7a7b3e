// The per-policy configuration of the Harvester target, read from the policy's target block
// (keys documented in docs/policies.md; validated by the policy parser as well).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/time.h"
#include "engine/nomad/pool_filter.h"
#include "engine/plugin_config.h"

namespace ha {

struct HarvesterGroupConfig {
  std::string node_group;  // node_group_name: the ownership label value
  // The Nomad pool its VMs join, as upstream identifies a pool (nodepool.go): node_class
  // ("autoscaler-default-pool": nodes without a class), datacenter, node_pool; each left
  // out ("") matches any, and at least one is given.
  std::string node_class;
  std::string datacenter;
  std::string node_pool;
  // The class its VMs' Nomad clients register with.
  std::string nomad_node_class() const {
    return node_class == "autoscaler-default-pool" ? "" : node_class;
  }
  NomadPool pool() const { return {node_class, datacenter, node_pool}; }
  // node_filter_ignore_*: which unsettled pool nodes do not hold the target back.
  NodeFilterOptions node_filter;
  std::string namespace_ = "default";
  double cpu_cores = 2;
  std::int64_t memory_bytes = 4LL << 30;
  std::string image;  // the VirtualMachineImage, "namespace/name"
  // The root disk's size (disk_size); 0: the image's virtual size rounded up to a GiB, and
  // at least 10Gi, as Harvester's UI sizes one.
  std::int64_t disk_bytes = 0;
  std::string network;
  std::string user_data;  // cloud-init template; empty: the built-in one
  Duration drain_deadline = std::chrono::minutes(15);
  bool drain_ignore_system_jobs = false;
  bool purge = false;
  std::string selector = "least_busy";
  bool dry_run = false;
  // Warm pool: up to this many drained VMs are stopped rather than deleted, and started
  // again before any VM is created; a stopped VM older than max_age (0: no limit) is deleted.
  std::int64_t warm_pool_size = 0;
  Duration warm_pool_max_age = std::chrono::hours(24);
};

// Reads and checks the config; the error names the offending key.
Result<HarvesterGroupConfig> parse_group_config(const PluginConfig& config);

// The cloud-init user data for a new VM: the policy's template (or the built-in one) with
// {{name}}, {{namespace}}, {{node_class}}, {{datacenter}} (Nomad's default dc1 if not
// given), {{node_pool}} (default) and {{node_group}} replaced. The built-in one writes the
// Nomad client config: the pool's class, datacenter and node pool, and meta naming the VM
// ("harvester.vm" = "namespace/name") and its group ("harvester.node_group").
std::string render_user_data(const HarvesterGroupConfig& config, const std::string& vm_name);

}  // namespace ha
