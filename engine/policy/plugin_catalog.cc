#include "engine/policy/plugin_catalog.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "base/dns_names.h"
#include "base/quantity.h"
#include "engine/config_values.h"

namespace ha {
namespace {

void reject_unknown_keys(const PluginConfig& config, const std::set<std::string_view>& known,
                         ConfigIssues& issues) {
  for (const auto& [key, value] : config) {
    if (known.count(key) == 0) {
      std::vector<std::string> names(known.begin(), known.end());
      issues.push_back({key, "unknown key (a typo?); known keys: " + join_names(names)});
    }
  }
}

void positive_quantity(const PluginConfig& config, const std::string& key, ConfigIssues& issues) {
  auto it = config.find(key);
  if (it == config.end()) return;
  auto q = parse_quantity(it->second);
  if (!q) {
    issues.push_back({key, q.error().message});
  } else if (*q <= 0) {
    issues.push_back({key, "invalid value \"" + it->second + "\": must be positive"});
  }
}

// The Harvester target: the seed plugin's keys (agent-level connection settings may also be
// given per policy) plus the upstream cluster-scaling keys (sdk/target.go).
void validate_harvester(PluginConfig& config, ConfigIssues& issues) {
  static const std::set<std::string_view> kKnown = {"harvester_url",
                                                    "auth_token",
                                                    "nomad_address",
                                                    "nomad_region",
                                                    "nomad_namespace",
                                                    "nomad_token",
                                                    "node_class",
                                                    "node_group_name",
                                                    "namespace",
                                                    "cpu_request",
                                                    "memory_request",
                                                    "image",
                                                    "disk_size",
                                                    "network",
                                                    "user_data",
                                                    "node_drain_deadline",
                                                    "node_drain_ignore_system_jobs",
                                                    "node_purge",
                                                    "node_selector_strategy",
                                                    "dry-run",
                                                    "datacenter",
                                                    "node_pool",
                                                    "warm_pool_size",
                                                    "warm_pool_max_age",
                                                    "node_filter_ignore_init",
                                                    "node_filter_ignore_drain",
                                                    "node_filter_ignore_ineligible"};
  reject_unknown_keys(config, kKnown, issues);
  ConfigReader r{config, issues};
  // As upstream's cluster targets (scaleutils/nodepool NewClusterNodePoolIdentifierList).
  if (!r.has("node_class") && !r.has("datacenter") && !r.has("node_pool")) {
    r.fail("node_class",
           "node pool identification method required: give node_class, datacenter or "
           "node_pool (\"autoscaler-default-pool\" names nodes without a class)");
  }
  if (!r.has("node_group_name")) {
    r.fail("node_group_name", "missing required field (names the VMs this policy owns)");
  } else if (const std::string& g = config.at("node_group_name");
             !is_dns1123_label(g) || g.size() > kMaxNodeGroupName) {
    // VMs are named <node_group_name>-<5 characters>, and a VM's name is its guest's host
    // name (a DNS label) and a label value: both at most 63 characters.
    r.fail("node_group_name",
           "\"" + g + "\" is not a DNS-1123 label of at most " + std::to_string(kMaxNodeGroupName) +
               " characters (lower case letters, digits and '-', starting and ending with a "
               "letter or digit): it names the VMs, which become host names");
  }
  // image may be left out (the original plugin's policies have none) until a scale-out must
  // create a VM: the target refuses that, naming the key, rather than boot a blank disk.
  if (const std::string image = r.has("image") ? config.at("image") : "/";
      r.has("image") &&
      (image.find('/') == std::string::npos || image.front() == '/' || image.back() == '/')) {
    r.fail("image", "\"" + image +
                        "\" is not namespace/name: give the VirtualMachineImage's object name "
                        "with its namespace (kubectl get virtualmachineimages -A)");
  }
  positive_quantity(config, "cpu_request", issues);
  if (auto cpu = config.find("cpu_request"); cpu != config.end()) {
    auto cores = parse_quantity(cpu->second);
    if (cores && *cores > 0 && *cores != std::floor(*cores)) {
      r.fail("cpu_request", "\"" + cpu->second +
                                "\" is not a whole number of cores (a VM's cpu.cores is an "
                                "integer; Kubernetes refuses a fraction)");
    }
  }
  positive_quantity(config, "memory_request", issues);
  positive_quantity(config, "disk_size", issues);
  if (auto d = r.duration("node_drain_deadline"); d && d->count() < 0) {
    r.fail("node_drain_deadline", "must not be negative");
  }
  r.boolean("node_drain_ignore_system_jobs");
  r.boolean("node_purge");
  r.boolean("dry-run");
  r.boolean("node_filter_ignore_init");
  r.boolean("node_filter_ignore_drain");
  r.boolean("node_filter_ignore_ineligible");
  r.integer("warm_pool_size", false);
  if (auto d = r.duration("warm_pool_max_age"); d && d->count() < 0) {
    r.fail("warm_pool_max_age", "must not be negative");
  }
  if (r.has("node_selector_strategy")) {
    static const std::array<std::string_view, 5> kSelectors = {
        "least_busy", "newest_create_index", "oldest_create_index", "empty", "empty_ignore_system"};
    const std::string& s = config.at("node_selector_strategy");
    if (std::find(kSelectors.begin(), kSelectors.end(), s) == kSelectors.end()) {
      r.fail("node_selector_strategy",
             "unknown node selector \"" + s +
                 "\"; known: least_busy, newest_create_index, oldest_create_index, empty, "
                 "empty_ignore_system");
    }
  }
  // Defaults of upstream's cluster scaling (sdk/helper/scaleutils): 15m drain deadline,
  // least_busy selection; the namespace is Kubernetes' default.
  config.try_emplace("namespace", "default");
  config.try_emplace("node_drain_deadline", "15m");
  config.try_emplace("node_drain_ignore_system_jobs", "false");
  config.try_emplace("node_purge", "false");
  config.try_emplace("node_selector_strategy", "least_busy");
  config.try_emplace("dry-run", "false");
  config.try_emplace("warm_pool_size", "0");
  config.try_emplace("warm_pool_max_age", "24h");
}

// Nomad task groups (upstream nomad-target): Job and Group name the task group.
void validate_nomad_target(PluginConfig& config, ConfigIssues& issues) {
  static const std::set<std::string_view> kKnown = {"Job", "Group", "Namespace", "dry-run"};
  reject_unknown_keys(config, kKnown, issues);
  ConfigReader r{config, issues};
  if (!r.has("Job")) r.fail("Job", "missing required field");
  if (!r.has("Group")) r.fail("Group", "missing required field");
  r.boolean("dry-run");
  config.try_emplace("Namespace", "default");
  config.try_emplace("dry-run", "false");
}

constexpr std::array<TargetKind, 2> kTargets = {
    TargetKind{"harvester", &validate_harvester},
    TargetKind{"nomad-target", &validate_nomad_target},
};

constexpr std::array<std::string_view, 3> kSources = {"nomad-apm", "prometheus", "sim"};

}  // namespace

const TargetKind* find_target_kind(std::string_view name) {
  for (const TargetKind& t : kTargets) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const TargetKind& t : kTargets) names.emplace_back(t.name);
  return names;
}

bool is_known_source(std::string_view name) {
  return std::find(kSources.begin(), kSources.end(), name) != kSources.end();
}

std::vector<std::string> source_names() {
  return {kSources.begin(), kSources.end()};
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace ha
