// Nomad's JSON for jobs and scaling (see nomad_json.h): job list stubs, job scale status,
// scaling policies and scaling requests, written as the mock serves them and read back.
#include "backends/wire/nomad_json.h"
#include "backends/wire/nomad_json_fields.h"

namespace ha::nomad_json {

using fields::field;
using fields::optional_field;

json job_scale_status(const NomadJobScaleStatus& s) {
  json groups = json::object();
  for (const auto& [name, g] : s.task_groups) {
    json events = nullptr;
    if (g.last_event) {
      // The newest event only: what a reader of Events[0] needs (the model keeps no more).
      events = json::array({{{"Time", g.last_event->count()},
                             {"Count", g.desired},
                             {"PreviousCount", nullptr},
                             {"Message", ""},
                             {"Error", false},
                             {"Meta", nullptr},
                             {"EvalID", nullptr},
                             {"CreateIndex", 0}}});
    }
    groups[name] = {{"Desired", g.desired}, {"Placed", g.placed},       {"Running", g.running},
                    {"Healthy", g.healthy}, {"Unhealthy", g.unhealthy}, {"Events", events}};
  }
  return {{"JobID", s.job_id},   {"Namespace", s.namespace_},   {"JobCreateIndex", 0},
          {"JobModifyIndex", 0}, {"JobStopped", s.job_stopped}, {"TaskGroups", groups}};
}

json job_list_stub(const NomadJobSummary& j, std::uint64_t index) {
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
          {"JobSummary", job_summary(j, index)},
          {"CreateIndex", index},
          {"ModifyIndex", index},
          {"JobModifyIndex", index},
          {"SubmitTime", j.submit_time.count()}};
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

json scaling_request(const std::string& job_id, const std::string& group, std::int64_t count,
                     const std::string& message, const std::string& ns) {
  return {{"Count", count},     {"Target", {{"Job", job_id}, {"Group", group}, {"Namespace", ns}}},
          {"Message", message}, {"Error", false},
          {"Meta", nullptr},    {"PolicyOverride", false}};
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
    HA_READ(events, optional_field<json>(g, "Events", at, json()));
    if (!events.is_null() && !events.is_array()) {
      return make_error(at + ".Events: expected an array", ErrorKind::kInvalid);
    }
    if (events.is_array() && !events.empty()) {
      HA_READ(time, field<std::int64_t>(events[0], "Time", at + ".Events[0]"));
      t.last_event = Time(time);
    }
    s.task_groups[name] = t;
  }
  return s;
}

Result<NomadJobSummary> read_job_list_stub(const json& j) {
  HA_READ(id, field<std::string>(j, "ID", "job"));
  std::string at = "job " + id;
  HA_READ(type, optional_field<std::string>(j, "Type", at, ""));
  HA_READ(status, optional_field<std::string>(j, "Status", at, ""));
  HA_READ(submit, optional_field<std::int64_t>(j, "SubmitTime", at, 0));
  HA_READ(summary, field<json>(j, "JobSummary", at));
  if (!summary.is_object() || !summary.contains("Summary")) {
    return make_error(at + ".JobSummary: expected an object with Summary", ErrorKind::kInvalid);
  }
  HA_READ(s, read_job_summary(summary));
  s.type = type;
  s.status = status;
  s.submit_time = Time(submit);
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

json job(const NomadJob& j) {
  json groups = json::array();
  for (const NomadJobTaskGroup& g : j.task_groups) {
    // One task per group, as the model has them.
    groups.push_back({{"Name", g.name},
                      {"Count", g.count},
                      {"Tasks",
                       {{{"Name", g.name},
                         {"Driver", "exec"},
                         {"Resources", {{"CPU", g.cpu_mhz}, {"MemoryMB", g.memory_mb}}}}}}});
  }
  return {{"ID", j.id},
          {"Name", j.id},
          {"Namespace", j.namespace_},
          {"Region", "global"},
          {"Datacenters", j.datacenters},
          {"NodePool", j.node_pool},
          {"Type", j.type},
          {"Priority", 50},
          {"Stop", false},
          {"Status", j.status},
          {"Version", j.version},
          {"SubmitTime", j.submit_time.count()},
          {"CreateIndex", j.modify_index},
          {"ModifyIndex", j.modify_index},
          {"JobModifyIndex", j.modify_index},
          {"TaskGroups", groups}};
}

Result<NomadJob> read_job(const json& j) {
  NomadJob out;
  HA_READ(id, field<std::string>(j, "ID", "job"));
  HA_READ(type, field<std::string>(j, "Type", "job"));
  HA_READ(ns, optional_field<std::string>(j, "Namespace", "job", "default"));
  HA_READ(status, optional_field<std::string>(j, "Status", "job", ""));
  HA_READ(submit, optional_field<std::int64_t>(j, "SubmitTime", "job", 0));
  HA_READ(version, optional_field<std::uint64_t>(j, "Version", "job", 0));
  HA_READ(modify, optional_field<std::uint64_t>(j, "ModifyIndex", "job", 0));
  HA_READ(pool, optional_field<std::string>(j, "NodePool", "job", "default"));
  HA_READ(dcs, optional_field<json>(j, "Datacenters", "job", json()));
  if (dcs.is_array() && !dcs.empty()) {  // none: Nomad's default, every datacenter
    out.datacenters.clear();
    for (const json& dc : dcs) {
      if (!dc.is_string())
        return make_error("job.Datacenters: expected strings", ErrorKind::kInvalid);
      out.datacenters.push_back(dc.get<std::string>());
    }
  } else if (!dcs.is_null() && !dcs.is_array()) {
    return make_error("job.Datacenters: expected an array", ErrorKind::kInvalid);
  }
  out.node_pool = pool.empty() ? "default" : pool;
  HA_READ(groups, optional_field<json>(j, "TaskGroups", "job", json::array()));
  if (!groups.is_array())
    return make_error("job.TaskGroups: expected an array", ErrorKind::kInvalid);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string at = "job.TaskGroups[" + std::to_string(i) + "]";
    NomadJobTaskGroup g;
    HA_READ(name, field<std::string>(groups[i], "Name", at));
    HA_READ(count, optional_field<std::int64_t>(groups[i], "Count", at, 0));
    HA_READ(tasks, optional_field<json>(groups[i], "Tasks", at, json::array()));
    if (!tasks.is_array()) return make_error(at + ".Tasks: expected an array", ErrorKind::kInvalid);
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const std::string tat = at + ".Tasks[" + std::to_string(t) + "]";
      HA_READ(resources, optional_field<json>(tasks[t], "Resources", tat, json::object()));
      HA_READ(cpu, optional_field<std::int64_t>(resources, "CPU", tat + ".Resources", 0));
      HA_READ(mem, optional_field<std::int64_t>(resources, "MemoryMB", tat + ".Resources", 0));
      g.cpu_mhz += cpu;
      g.memory_mb += mem;
    }
    g.name = name;
    g.count = count;
    out.task_groups.push_back(std::move(g));
  }
  out.id = id;
  out.type = type;
  out.namespace_ = ns;
  out.status = status;
  out.submit_time = Time(submit);
  out.version = version;
  out.modify_index = modify;
  return out;
}

}  // namespace ha::nomad_json
