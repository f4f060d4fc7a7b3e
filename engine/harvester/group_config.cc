#include "engine/harvester/group_config.h"

#include "base/quantity.h"
#include "engine/config_values.h"
#include "engine/policy/plugin_catalog.h"

namespace ha {
namespace {

constexpr const char* kDefaultUserData =
    "#cloud-config\n"
    "hostname: {{name}}\n"
    "write_files:\n"
    "  - path: /etc/nomad.d/client.hcl\n"
    "    content: |\n"
    "      datacenter = \"{{datacenter}}\"\n"
    "      client {\n"
    "        enabled    = true\n"
    "        node_class = \"{{node_class}}\"\n"
    "        node_pool  = \"{{node_pool}}\"\n"
    "        meta {\n"
    "          \"harvester.node_group\" = \"{{node_group}}\"\n"
    "          \"harvester.vm\"         = \"{{namespace}}/{{name}}\"\n"
    "        }\n"
    "      }\n"
    "runcmd:\n"
    "  - systemctl enable --now nomad\n";

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

Result<HarvesterGroupConfig> parse_group_config(const PluginConfig& raw) {
  PluginConfig config = raw;
  ConfigIssues issues;
  find_target_kind("harvester")->validate(config, issues);
  if (!issues.empty()) {
    return make_error("target harvester: " + issues.front().key + ": " + issues.front().reason,
                      ErrorKind::kInvalid);
  }
  HarvesterGroupConfig c;
  ConfigReader r{config, issues};
  c.node_group = config.at("node_group_name");
  if (r.has("node_class")) c.node_class = config.at("node_class");
  if (r.has("datacenter")) c.datacenter = config.at("datacenter");
  if (r.has("node_pool")) c.node_pool = config.at("node_pool");
  c.namespace_ = config.at("namespace");
  if (r.has("cpu_request")) c.cpu_cores = *parse_quantity(config.at("cpu_request"));
  if (r.has("memory_request")) {
    c.memory_bytes = static_cast<std::int64_t>(*parse_quantity(config.at("memory_request")));
  }
  if (r.has("image")) c.image = config.at("image");
  if (r.has("disk_size"))
    c.disk_bytes = static_cast<std::int64_t>(*parse_quantity(config.at("disk_size")));
  if (r.has("network")) c.network = config.at("network");
  if (r.has("user_data")) c.user_data = config.at("user_data");
  c.drain_deadline = *r.duration("node_drain_deadline");
  c.drain_ignore_system_jobs = *r.boolean("node_drain_ignore_system_jobs");
  c.purge = *r.boolean("node_purge");
  c.selector = config.at("node_selector_strategy");
  c.dry_run = *r.boolean("dry-run");
  auto filter = parse_node_filter_options(config);
  if (!filter)
    return make_error("target harvester: " + filter.error().message, ErrorKind::kInvalid);
  c.node_filter = *filter;
  c.warm_pool_size = r.integer("warm_pool_size").value_or(0);
  c.warm_pool_max_age = r.duration("warm_pool_max_age").value_or(c.warm_pool_max_age);
  return c;
}

std::string render_user_data(const HarvesterGroupConfig& config, const std::string& vm_name) {
  std::string text = config.user_data.empty() ? kDefaultUserData : config.user_data;
  replace_all(text, "{{name}}", vm_name);
  replace_all(text, "{{node_class}}", config.nomad_node_class());
  replace_all(text, "{{node_group}}", config.node_group);
  replace_all(text, "{{namespace}}", config.namespace_);
  replace_all(text, "{{datacenter}}", config.datacenter.empty() ? "dc1" : config.datacenter);
  replace_all(text, "{{node_pool}}", config.node_pool.empty() ? "default" : config.node_pool);
  return text;
}

}  // namespace ha
