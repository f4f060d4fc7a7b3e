#include "backends/wire/nomad_json.h"

#include "backends/wire/nomad_json_fields.h"

namespace ha::nomad_json {
namespace {

using fields::field;
using fields::optional_field;

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

json last_drain(const NomadNodeStub& n) {
  if (n.last_drain_status.empty()) return nullptr;
  return {{"StartedAt", kZeroTime},
          {"UpdatedAt", kZeroTime},
          {"Status", n.last_drain_status},
          {"AccessorID", ""},
          {"Meta", n.last_drain_meta.empty() ? json(nullptr) : json(n.last_drain_meta)}};
}

json node_resources(const NomadNodeStub& n) {
  return {{"Cpu", {{"CpuShares", n.cpu_mhz}}},
          {"Memory", {{"MemoryMB", n.memory_mb}}},
          {"Disk", {{"DiskMB", 0}}}};
}

json reserved_resources() {
  return {{"Cpu", {{"CpuShares", 0}}}, {"Memory", {{"MemoryMB", 0}}}, {"Disk", {{"DiskMB", 0}}}};
}

// A node's allocatable cpu and memory into n, as upstream's nomad-apm counts them:
// NodeResources less ReservedResources (when the node has them).
Result<Unit> read_node_resources(const json& node, NomadNodeStub& n) {
  const std::string at = "node.NodeResources";
  HA_READ(resources, field<json>(node, "NodeResources", "node"));
  HA_READ(cpu, field<json>(resources, "Cpu", at));
  HA_READ(cpu_shares, field<std::int64_t>(cpu, "CpuShares", at + ".Cpu"));
  HA_READ(memory, field<json>(resources, "Memory", at));
  HA_READ(memory_mb, field<std::int64_t>(memory, "MemoryMB", at + ".Memory"));
  const std::string rat = "node.ReservedResources";
  HA_READ(reserved, optional_field<json>(node, "ReservedResources", "node", json::object()));
  HA_READ(rcpu, optional_field<json>(reserved, "Cpu", rat, json::object()));
  HA_READ(rcpu_shares, optional_field<std::int64_t>(rcpu, "CpuShares", rat + ".Cpu", 0));
  HA_READ(rmemory, optional_field<json>(reserved, "Memory", rat, json::object()));
  HA_READ(rmemory_mb, optional_field<std::int64_t>(rmemory, "MemoryMB", rat + ".Memory", 0));
  n.cpu_mhz = cpu_shares - rcpu_shares;
  n.memory_mb = memory_mb - rmemory_mb;
  return Unit{};
}

// One task per group in the model: the group's resources are that task's.
json allocated_resources(const NomadAllocationStub& a) {
  return {{"Tasks",
           {{a.task_group,
             {{"Cpu", {{"CpuShares", a.cpu_mhz}, {"ReservedCores", nullptr}}},
              {"Memory", {{"MemoryMB", a.memory_mb}, {"MemoryMaxMB", 0}}},
              {"Networks", nullptr},
              {"Devices", nullptr}}}}},
          {"TaskLifecycles", {{a.task_group, nullptr}}},
          {"Shared", {{"Networks", nullptr}, {"DiskMB", 0}, {"Ports", nullptr}}}};
}

}  // namespace

json node_stub(const NomadNodeStub& n, bool resources) {
  json out = {{"Address", "127.0.0.1"},
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
  if (resources) {
    out["NodeResources"] = node_resources(n);
    out["ReservedResources"] = reserved_resources();
  }
  return out;
}

json node(const NomadNode& n) {
  json out = node_stub(n);
  out.erase("Address");
  out.erase("Version");
  out["SecretID"] = "";
  out["HTTPAddr"] = "127.0.0.1:4646";
  out["Attributes"] = {{"unique.hostname", n.name}, {"nomad.version", "1.8.0"}};
  out["NodeResources"] = node_resources(n);
  out["ReservedResources"] = reserved_resources();
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
          {"Name", a.job_id + "." + a.task_group + "[0]"},
          {"NodeID", a.node_id},
          {"NodeName", node_name},
          {"JobID", a.job_id},
          {"Namespace", a.namespace_.empty() ? "default" : a.namespace_},
          {"Job",
           {{"ID", a.job_id},
            {"Type", a.job_type},
            {"Namespace", a.namespace_.empty() ? "default" : a.namespace_},
            {"Version", a.job_version}}},
          {"TaskGroup", a.task_group},
          {"Resources", {{"CPU", a.cpu_mhz}, {"MemoryMB", a.memory_mb}}},
          {"DesiredStatus", a.desired_status},
          {"ClientStatus", a.client_status},
          {"PreviousAllocation", a.previous_allocation},
          {"NextAllocation", a.next_allocation},
          {"CreateTime", a.create_time.count()},
          {"ModifyTime", a.modify_time.count()}};
}

json event_allocation(const NomadAllocationStub& a) {
  json out = allocation(a, a.node_name);
  out["Job"] = nullptr;  // as Nomad strips it from events
  out["AllocatedResources"] = allocated_resources(a);
  return out;
}

json allocation_stub(const NomadAllocationStub& a, const std::string& node_name, bool resources) {
  json out = {{"ID", a.id},
              {"EvalID", ""},
              {"Name", a.job_id + "." + a.task_group + "[0]"},
              {"Namespace", a.namespace_.empty() ? "default" : a.namespace_},
              {"NodeID", a.node_id},
              {"NodeName", node_name},
              {"JobID", a.job_id},
              {"JobType", a.job_type},
              {"JobVersion", a.job_version},
              {"TaskGroup", a.task_group},
              {"DesiredStatus", a.desired_status},
              {"DesiredDescription", ""},
              {"ClientStatus", a.client_status},
              {"ClientDescription", ""},
              {"DesiredTransition", json::object()},
              {"TaskStates", nullptr},
              {"DeploymentStatus", nullptr},
              {"FollowupEvalID", ""},
              {"NextAllocation", a.next_allocation},
              {"RescheduleTracker", nullptr},
              {"PreemptedAllocations", nullptr},
              {"PreemptedByAllocation", ""},
              {"CreateIndex", 0},
              {"ModifyIndex", 0},
              {"CreateTime", a.create_time.count()},
              {"ModifyTime", a.modify_time.count()}};
  if (resources) out["AllocatedResources"] = allocated_resources(a);
  return out;
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
  if (j.contains("NodeResources") && !j["NodeResources"].is_null()) {
    if (auto read = read_node_resources(j, n); !read) return read.error();
  }
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
  if (auto read = read_node_resources(j, n); !read) return read.error();
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
  HA_READ(node_name, optional_field<std::string>(j, "NodeName", "allocation", ""));
  HA_READ(client, optional_field<std::string>(j, "ClientStatus", "allocation", ""));
  HA_READ(desired, optional_field<std::string>(j, "DesiredStatus", "allocation", ""));
  HA_READ(job, optional_field<json>(j, "Job", "allocation", nullptr));
  std::string type;  // a list stub has JobType and JobVersion instead of the Job
  std::uint64_t version = 0;
  if (!job.is_null()) {
    HA_READ(job_type, optional_field<std::string>(job, "Type", "allocation.Job", ""));
    HA_READ(job_version, optional_field<std::uint64_t>(job, "Version", "allocation.Job", 0));
    type = job_type;
    version = job_version;
  }
  HA_READ(stub_job_type, optional_field<std::string>(j, "JobType", "allocation", type));
  HA_READ(stub_version, optional_field<std::uint64_t>(j, "JobVersion", "allocation", version));
  HA_READ(previous, optional_field<std::string>(j, "PreviousAllocation", "allocation", ""));
  HA_READ(ns, optional_field<std::string>(j, "Namespace", "allocation", ""));
  HA_READ(next, optional_field<std::string>(j, "NextAllocation", "allocation", ""));
  HA_READ(created, optional_field<std::int64_t>(j, "CreateTime", "allocation", 0));
  HA_READ(modified, optional_field<std::int64_t>(j, "ModifyTime", "allocation", 0));
  HA_READ(resources, optional_field<json>(j, "Resources", "allocation", json::object()));
  HA_READ(cpu, optional_field<std::int64_t>(resources, "CPU", "allocation.Resources", 0));
  HA_READ(mem, optional_field<std::int64_t>(resources, "MemoryMB", "allocation.Resources", 0));
  HA_READ(allocated, optional_field<json>(j, "AllocatedResources", "allocation", nullptr));
  if (!j.contains("Resources") && !allocated.is_null()) {
    // A list stub's only resources (an Allocation has Resources, which upstream's nomad-apm
    // reads): the sum over its tasks.
    const std::string at = "allocation.AllocatedResources.Tasks";
    HA_READ(tasks, (optional_field<json>(allocated, "Tasks", "allocation.AllocatedResources",
                                         json::object())));
    if (!tasks.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
    cpu = mem = 0;
    for (const auto& [task, r] : tasks.items()) {
      HA_READ(task_cpu, optional_field<json>(r, "Cpu", at + "." + task, json::object()));
      HA_READ(shares, optional_field<std::int64_t>(task_cpu, "CpuShares", at + "." + task, 0));
      HA_READ(task_mem, optional_field<json>(r, "Memory", at + "." + task, json::object()));
      HA_READ(mb, optional_field<std::int64_t>(task_mem, "MemoryMB", at + "." + task, 0));
      cpu += shares;
      mem += mb;
    }
  }
  a.id = id;
  a.job_id = job_id;
  a.task_group = group;
  a.node_id = node_id;
  a.node_name = node_name;
  a.client_status = client;
  a.desired_status = desired;
  a.job_type = stub_job_type;
  a.cpu_mhz = cpu;
  a.memory_mb = mem;
  a.job_version = stub_version;
  a.previous_allocation = previous;
  a.namespace_ = ns;
  a.next_allocation = next;
  a.create_time = Time(created);
  a.modify_time = Time(modified);
  return a;
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

}  // namespace ha::nomad_json
