#include "backends/http/nomad_json.h"

#include <limits>
#include <type_traits>

namespace ha::nomad_json {
namespace {

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

// Reads j[key] as T; the error names the field as a JSON path from `at`.
template <typename T>
Result<T> field(const json& j, const char* key, const std::string& at) {
  if (!j.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
  auto it = j.find(key);
  if (it == j.end()) return make_error(at + "." + key + ": missing", ErrorKind::kInvalid);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // A float or an unsigned value out of T's range would convert with undefined behaviour
    // (found by fuzzing): such a field is an error, as a wrong type is.
    bool fits = it->is_number_integer() && !(std::is_unsigned_v<T> && !it->is_number_unsigned()) &&
                !(it->is_number_unsigned() &&
                  it->template get<std::uint64_t>() >
                      static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    if (!fits) {
      return make_error(at + "." + key + ": expected a whole number in range, not " + it->dump(),
                        ErrorKind::kInvalid);
    }
  }
  try {
    return it->template get<T>();
  } catch (const json::exception&) {
    return make_error(at + "." + key + ": unexpected type " + it->type_name(), ErrorKind::kInvalid);
  }
}

// As field(), but a missing or null field gives `fallback` (Nomad omits zero values in some
// objects).
template <typename T>
Result<T> optional_field(const json& j, const char* key, const std::string& at, T fallback) {
  if (!j.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return field<T>(j, key, at);
}

#define HA_READ(var, expr)              \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(*var##_r)

json last_drain(const NomadNodeStub& n) {
  if (n.last_drain_status.empty()) return nullptr;
  return {{"StartedAt", kZeroTime},
          {"UpdatedAt", kZeroTime},
          {"Status", n.last_drain_status},
          {"AccessorID", ""},
          {"Meta", n.last_drain_meta.empty() ? json(nullptr) : json(n.last_drain_meta)}};
}

}  // namespace

json node_stub(const NomadNodeStub& n) {
  return {{"Address", "127.0.0.1"},
          {"ID", n.id},
          {"Datacenter", n.datacenter},
          {"Name", n.name},
          {"NodePool", n.node_pool.empty() ? "default" : n.node_pool},
          {"NodeClass", n.node_class},
          {"Version", "1.8.0"},
          {"Drain", n.drain},
          {"SchedulingEligibility", n.scheduling_eligibility},
          {"Status", n.status},
          {"StatusDescription", ""},
          {"Drivers", json::object()},
          {"HostVolumes", nullptr},
          {"LastDrain", last_drain(n)},
          {"CreateIndex", n.create_index},
          {"ModifyIndex", n.modify_index}};
}

json node(const NomadNode& n) {
  json out = node_stub(n);
  out.erase("Address");
  out.erase("Version");
  out["SecretID"] = "";
  out["HTTPAddr"] = "127.0.0.1:4646";
  out["Attributes"] = {{"unique.hostname", n.name}, {"nomad.version", "1.8.0"}};
  out["NodeResources"] = {{"Cpu", {{"CpuShares", n.cpu_mhz}}},
                          {"Memory", {{"MemoryMB", n.memory_mb}}},
                          {"Disk", {{"DiskMB", 0}}}};
  out["ReservedResources"] = {
      {"Cpu", {{"CpuShares", 0}}}, {"Memory", {{"MemoryMB", 0}}}, {"Disk", {{"DiskMB", 0}}}};
  out["Meta"] = n.meta;
  out["DrainStrategy"] = nullptr;
  if (n.drain_strategy) {
    out["DrainStrategy"] = {{"Deadline", n.drain_strategy->deadline.count()},
                            {"IgnoreSystemJobs", n.drain_strategy->ignore_system_jobs},
                            {"ForceDeadline", kZeroTime},
                            {"StartedAt", kZeroTime}};
  }
  out["Events"] = json::array();
  return out;
}

json allocation(const NomadAllocationStub& a, const std::string& node_name) {
  // Allocation omits zero values on the wire; these are the ones it always has here.
  return {{"ID", a.id},
          {"Namespace", "default"},
          {"Name", a.job_id + "." + a.task_group + "[0]"},
          {"NodeID", a.node_id},
          {"NodeName", node_name},
          {"JobID", a.job_id},
          {"Job", {{"ID", a.job_id}, {"Type", a.job_type}, {"Namespace", "default"}}},
          {"TaskGroup", a.task_group},
          {"Resources", {{"CPU", a.cpu_mhz}, {"MemoryMB", a.memory_mb}}},
          {"DesiredStatus", a.desired_status},
          {"ClientStatus", a.client_status}};
}

json job_scale_status(const NomadJobScaleStatus& s) {
  json groups = json::object();
  for (const auto& [name, g] : s.task_groups) {
    groups[name] = {{"Desired", g.desired}, {"Placed", g.placed},       {"Running", g.running},
                    {"Healthy", g.healthy}, {"Unhealthy", g.unhealthy}, {"Events", nullptr}};
  }
  return {{"JobID", s.job_id},   {"Namespace", s.namespace_},   {"JobCreateIndex", 0},
          {"JobModifyIndex", 0}, {"JobStopped", s.job_stopped}, {"TaskGroups", groups}};
}

json job_list_stub(const NomadJobSummary& j, std::uint64_t index) {
  json summary = json::object();
  for (const auto& [name, g] : j.task_groups) {
    summary[name] = {{"Queued", g.queued},   {"Complete", g.complete}, {"Failed", g.failed},
                     {"Running", g.running}, {"Starting", g.starting}, {"Lost", g.lost},
                     {"Unknown", 0}};
  }
  return {{"ID", j.job_id},
          {"ParentID", ""},
          {"Name", j.job_id},
          {"Namespace", j.namespace_},
          {"Datacenters", {"dc1"}},
          {"Type", j.type},
          {"Priority", 50},
          {"Periodic", false},
          {"ParameterizedJob", false},
          {"Stop", false},
          {"Status", j.status},
          {"StatusDescription", ""},
          {"JobSummary",
           {{"JobID", j.job_id},
            {"Namespace", j.namespace_},
            {"Summary", summary},
            {"Children", {{"Pending", 0}, {"Running", 0}, {"Dead", 0}}},
            {"CreateIndex", index},
            {"ModifyIndex", index}}},
          {"CreateIndex", index},
          {"ModifyIndex", index},
          {"JobModifyIndex", index},
          {"SubmitTime", 0}};
}

json scaling_policy_stub(const NomadScalingPolicy& p) {
  return {{"ID", p.id},
          {"Enabled", p.enabled},
          {"Type", p.type},
          {"Target", {{"Namespace", p.namespace_}, {"Job", p.job}, {"Group", p.group}}},
          {"CreateIndex", p.modify_index},
          {"ModifyIndex", p.modify_index}};
}

json scaling_policy(const NomadScalingPolicy& p) {
  return {{"ID", p.id},
          {"Type", p.type},
          {"Target", {{"Namespace", p.namespace_}, {"Job", p.job}, {"Group", p.group}}},
          {"Policy", p.policy},
          {"Min", p.min},
          {"Max", p.max},
          {"Enabled", p.enabled},
          {"CreateIndex", p.modify_index},
          {"ModifyIndex", p.modify_index}};
}

json drain_request(const std::string& node_id, const std::optional<NomadDrainSpec>& spec,
                   bool mark_eligible) {
  json out = {{"NodeID", node_id},
              {"DrainSpec", nullptr},
              {"MarkEligible", mark_eligible},
              {"Meta", nullptr}};
  if (spec) {
    out["DrainSpec"] = {{"Deadline", spec->deadline.count()},
                        {"IgnoreSystemJobs", spec->ignore_system_jobs}};
    if (!spec->meta.empty()) out["Meta"] = spec->meta;
  }
  return out;
}

json scaling_request(const std::string& job_id, const std::string& group, std::int64_t count,
                     const std::string& message, const std::string& ns) {
  return {{"Count", count},     {"Target", {{"Job", job_id}, {"Group", group}, {"Namespace", ns}}},
          {"Message", message}, {"Error", false},
          {"Meta", nullptr},    {"PolicyOverride", false}};
}

Result<NomadNodeStub> read_node_stub(const json& j) {
  NomadNodeStub n;
  HA_READ(id, field<std::string>(j, "ID", "node"));
  HA_READ(name, field<std::string>(j, "Name", "node"));
  HA_READ(status, field<std::string>(j, "Status", "node"));
  HA_READ(eligibility, field<std::string>(j, "SchedulingEligibility", "node"));
  HA_READ(node_class, optional_field<std::string>(j, "NodeClass", "node", ""));
  HA_READ(datacenter, optional_field<std::string>(j, "Datacenter", "node", ""));
  HA_READ(pool, optional_field<std::string>(j, "NodePool", "node", "default"));
  HA_READ(drain, optional_field<bool>(j, "Drain", "node", false));
  HA_READ(create_index, optional_field<std::uint64_t>(j, "CreateIndex", "node", 0));
  HA_READ(modify_index, optional_field<std::uint64_t>(j, "ModifyIndex", "node", 0));
  n.id = id;
  n.name = name;
  n.status = status;
  n.scheduling_eligibility = eligibility;
  n.node_class = node_class;
  n.datacenter = datacenter;
  n.node_pool = pool;
  n.drain = drain;
  n.create_index = create_index;
  n.modify_index = modify_index;
  // LastDrain is on the list stub too (Nomad 1.4+): who drained the node, and how it went.
  HA_READ(last, optional_field<json>(j, "LastDrain", "node", nullptr));
  if (!last.is_null()) {
    HA_READ(last_status, field<std::string>(last, "Status", "node.LastDrain"));
    HA_READ(last_meta, (optional_field<std::map<std::string, std::string>>(last, "Meta",
                                                                           "node.LastDrain", {})));
    n.last_drain_status = last_status;
    n.last_drain_meta = last_meta;
  }
  return n;
}

Result<NomadNode> read_node(const json& j) {
  HA_READ(stub, read_node_stub(j));
  NomadNode n;
  static_cast<NomadNodeStub&>(n) = stub;
  HA_READ(meta, (optional_field<std::map<std::string, std::string>>(j, "Meta", "node", {})));
  n.meta = meta;
  HA_READ(resources, field<json>(j, "NodeResources", "node"));
  HA_READ(cpu, field<json>(resources, "Cpu", "node.NodeResources"));
  HA_READ(cpu_shares, field<std::int64_t>(cpu, "CpuShares", "node.NodeResources.Cpu"));
  HA_READ(memory, field<json>(resources, "Memory", "node.NodeResources"));
  HA_READ(memory_mb, field<std::int64_t>(memory, "MemoryMB", "node.NodeResources.Memory"));
  n.cpu_mhz = cpu_shares;
  n.memory_mb = memory_mb;
  HA_READ(strategy, optional_field<json>(j, "DrainStrategy", "node", nullptr));
  if (!strategy.is_null()) {
    HA_READ(deadline, field<std::int64_t>(strategy, "Deadline", "node.DrainStrategy"));
    HA_READ(ignore,
            optional_field<bool>(strategy, "IgnoreSystemJobs", "node.DrainStrategy", false));
    n.drain_strategy = NomadDrainSpec{Duration(deadline), ignore};
  }
  return n;
}

Result<NomadAllocationStub> read_allocation(const json& j) {
  NomadAllocationStub a;
  HA_READ(id, field<std::string>(j, "ID", "allocation"));
  HA_READ(job_id, field<std::string>(j, "JobID", "allocation"));
  HA_READ(group, optional_field<std::string>(j, "TaskGroup", "allocation", ""));
  HA_READ(node_id, optional_field<std::string>(j, "NodeID", "allocation", ""));
  HA_READ(client, optional_field<std::string>(j, "ClientStatus", "allocation", ""));
  HA_READ(desired, optional_field<std::string>(j, "DesiredStatus", "allocation", ""));
  HA_READ(job, optional_field<json>(j, "Job", "allocation", nullptr));
  HA_READ(type, optional_field<std::string>(job, "Type", "allocation.Job", ""));
  HA_READ(resources, optional_field<json>(j, "Resources", "allocation", json::object()));
  HA_READ(cpu, optional_field<std::int64_t>(resources, "CPU", "allocation.Resources", 0));
  HA_READ(mem, optional_field<std::int64_t>(resources, "MemoryMB", "allocation.Resources", 0));
  a.id = id;
  a.job_id = job_id;
  a.task_group = group;
  a.node_id = node_id;
  a.client_status = client;
  a.desired_status = desired;
  a.job_type = type;
  a.cpu_mhz = cpu;
  a.memory_mb = mem;
  return a;
}

Result<NomadJobScaleStatus> read_job_scale_status(const json& j) {
  NomadJobScaleStatus s;
  HA_READ(job_id, field<std::string>(j, "JobID", "scale status"));
  HA_READ(ns, optional_field<std::string>(j, "Namespace", "scale status", "default"));
  HA_READ(stopped, optional_field<bool>(j, "JobStopped", "scale status", false));
  HA_READ(groups, field<json>(j, "TaskGroups", "scale status"));
  if (!groups.is_object()) {
    return make_error("scale status.TaskGroups: expected an object", ErrorKind::kInvalid);
  }
  s.job_id = job_id;
  s.namespace_ = ns;
  s.job_stopped = stopped;
  for (const auto& [name, g] : groups.items()) {
    std::string at = "scale status.TaskGroups." + name;
    NomadTaskGroupScaleStatus t;
    for (auto [key, into] : {std::pair{"Desired", &t.desired}, std::pair{"Placed", &t.placed},
                             std::pair{"Running", &t.running}, std::pair{"Healthy", &t.healthy},
                             std::pair{"Unhealthy", &t.unhealthy}}) {
      HA_READ(v, optional_field<std::int64_t>(g, key, at, 0));
      *into = v;
    }
    s.task_groups[name] = t;
  }
  return s;
}

Result<NomadJobSummary> read_job_list_stub(const json& j) {
  NomadJobSummary s;
  HA_READ(id, field<std::string>(j, "ID", "job"));
  std::string at = "job " + id;
  HA_READ(ns, optional_field<std::string>(j, "Namespace", at, "default"));
  HA_READ(type, optional_field<std::string>(j, "Type", at, ""));
  HA_READ(status, optional_field<std::string>(j, "Status", at, ""));
  HA_READ(job_summary, field<json>(j, "JobSummary", at));
  HA_READ(groups, field<json>(job_summary, "Summary", at + ".JobSummary"));
  if (!groups.is_object()) {
    return make_error(at + ".JobSummary.Summary: expected an object", ErrorKind::kInvalid);
  }
  s.job_id = id;
  s.namespace_ = ns;
  s.type = type;
  s.status = status;
  for (const auto& [name, g] : groups.items()) {
    std::string group_at = at + ".JobSummary.Summary." + name;
    NomadTaskGroupSummary t;
    for (auto [key, into] : {std::pair{"Queued", &t.queued}, std::pair{"Starting", &t.starting},
                             std::pair{"Running", &t.running}, std::pair{"Complete", &t.complete},
                             std::pair{"Failed", &t.failed}, std::pair{"Lost", &t.lost}}) {
      HA_READ(v, optional_field<std::int64_t>(g, key, group_at, 0));
      *into = v;
    }
    s.task_groups[name] = t;
  }
  return s;
}

Result<std::string> read_scaling_policy_stub_id(const json& j) {
  HA_READ(id, field<std::string>(j, "ID", "scaling policy stub"));
  return id;
}

Result<NomadScalingPolicy> read_scaling_policy(const json& j) {
  NomadScalingPolicy p;
  HA_READ(id, field<std::string>(j, "ID", "scaling policy"));
  std::string at = "scaling policy " + id;
  HA_READ(type, optional_field<std::string>(j, "Type", at, "horizontal"));
  HA_READ(target, field<json>(j, "Target", at));
  HA_READ(ns, optional_field<std::string>(target, "Namespace", at + ".Target", "default"));
  HA_READ(job, optional_field<std::string>(target, "Job", at + ".Target", ""));
  HA_READ(group, optional_field<std::string>(target, "Group", at + ".Target", ""));
  HA_READ(min, optional_field<std::int64_t>(j, "Min", at, 0));
  HA_READ(max, field<std::int64_t>(j, "Max", at));
  HA_READ(enabled, optional_field<bool>(j, "Enabled", at, true));
  HA_READ(policy, optional_field<json>(j, "Policy", at, json::object()));
  HA_READ(modify, optional_field<std::uint64_t>(j, "ModifyIndex", at, 0));
  if (!policy.is_object() && !policy.is_null()) {
    return make_error(at + ".Policy: expected an object", ErrorKind::kInvalid);
  }
  p.id = id;
  p.type = type;
  p.namespace_ = ns;
  p.job = job;
  p.group = group;
  p.min = min;
  p.max = max;
  p.enabled = enabled;
  p.policy = policy.is_null() ? json::object() : policy;
  p.modify_index = modify;
  return p;
}

Result<DrainRequest> read_drain_request(const json& j) {
  DrainRequest r;
  HA_READ(spec, optional_field<json>(j, "DrainSpec", "drain request", nullptr));
  HA_READ(mark, optional_field<bool>(j, "MarkEligible", "drain request", false));
  r.mark_eligible = mark;
  if (!spec.is_null()) {
    HA_READ(deadline, optional_field<std::int64_t>(spec, "Deadline", "drain request.DrainSpec", 0));
    HA_READ(ignore,
            optional_field<bool>(spec, "IgnoreSystemJobs", "drain request.DrainSpec", false));
    HA_READ(meta,
            (optional_field<std::map<std::string, std::string>>(j, "Meta", "drain request", {})));
    r.spec = NomadDrainSpec{Duration(deadline), ignore, meta};
  }
  return r;
}

Result<ScalingRequest> read_scaling_request(const json& j) {
  ScalingRequest r;
  HA_READ(count, optional_field<json>(j, "Count", "scaling request", nullptr));
  if (!count.is_null()) {
    if (!count.is_number_integer()) {
      return make_error("scaling request.Count: expected an integer", ErrorKind::kInvalid);
    }
    r.count = count.get<std::int64_t>();
  }
  HA_READ(target, optional_field<json>(j, "Target", "scaling request", json::object()));
  HA_READ(group, optional_field<std::string>(target, "Group", "scaling request.Target", ""));
  HA_READ(job, optional_field<std::string>(target, "Job", "scaling request.Target", ""));
  HA_READ(message, optional_field<std::string>(j, "Message", "scaling request", ""));
  r.group = group;
  r.job = job;
  r.message = message;
  return r;
}

#undef HA_READ

}  // namespace ha::nomad_json
