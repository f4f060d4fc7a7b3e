// The per-policy configuration of the Harvester target, read from the policy's target block
// (keys documented in docs/policies.md; validated by the policy parser as well).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/time.h"
#include "engine/plugin_config.h"

namespace ha {

struct HarvesterGroupConfig {
  std::string node_group;  // node_group_name: the ownership label value
  std::string node_class;
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
// {{name}}, {{node_class}} and {{node_group}} replaced.
std::string render_user_data(const HarvesterGroupConfig& config, const std::string& vm_name);

}  // namespace ha
