// Nomad's JSON for evaluations and job summaries (see nomad_json.h): what the scheduler
// writes of a blocked evaluation, and the counts GET /v1/job/:id/summary gives.
#include "backends/wire/nomad_json.h"
#include "backends/wire/nomad_json_fields.h"

namespace ha::nomad_json {

using fields::field;
using fields::optional_field;

namespace {

json null_if_empty(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  return v;
}

Result<NomadAllocMetric> read_alloc_metric(const json& j, const std::string& at) {
  if (!j.is_object()) return make_error(at + ": expected an object", ErrorKind::kInvalid);
  NomadAllocMetric m;
  HA_READ(evaluated, optional_field<std::int64_t>(j, "NodesEvaluated", at, 0));
  HA_READ(filtered, optional_field<std::int64_t>(j, "NodesFiltered", at, 0));
  HA_READ(in_pool, optional_field<std::int64_t>(j, "NodesInPool", at, 0));
  HA_READ(exhausted, optional_field<std::int64_t>(j, "NodesExhausted", at, 0));
  HA_READ(coalesced, optional_field<std::int64_t>(j, "CoalescedFailures", at, 0));
  HA_READ(quota, optional_field<json>(j, "QuotaExhausted", at, json()));
  m = {evaluated, filtered, in_pool, exhausted, coalesced};
  if (quota.is_array()) {
    for (const json& q : quota) {
      if (!q.is_string()) {
        return make_error(at + ".QuotaExhausted: expected strings", ErrorKind::kInvalid);
      }
      m.quota_exhausted.push_back(q.get<std::string>());
    }
  } else if (!quota.is_null()) {
    return make_error(at + ".QuotaExhausted: expected an array", ErrorKind::kInvalid);
  }
  return m;
}

}  // namespace

json evaluation(const NomadEvaluation& e) {
  json failed = json::object(), queued = json::object();
  for (const auto& [group, m] : e.failed_tg_allocs) {
    failed[group] = {{"NodesEvaluated", m.nodes_evaluated},
                     {"NodesFiltered", m.nodes_filtered},
                     {"NodesInPool", m.nodes_in_pool},
                     {"NodesAvailable", json::object()},
                     {"ClassFiltered", nullptr},
                     {"ConstraintFiltered", nullptr},
                     {"NodesExhausted", m.nodes_exhausted},
                     {"ClassExhausted", nullptr},
                     {"DimensionExhausted", nullptr},
                     {"QuotaExhausted", null_if_empty(m.quota_exhausted)},
                     {"ResourcesExhausted", nullptr},
                     {"Scores", nullptr},
                     {"AllocationTime", 0},
                     {"CoalescedFailures", m.coalesced_failures}};
  }
  for (const auto& [group, n] : e.queued_allocations) queued[group] = n;
  const bool blocked = e.status == "blocked";
  return {{"ID", e.id},
          {"Namespace", e.namespace_},
          {"Priority", 50},
          {"Type", e.type},
          {"TriggeredBy", e.triggered_by},
          {"JobID", e.job_id},
          {"JobModifyIndex", e.job_modify_index},
          {"NodeID", e.node_id},
          {"NodeModifyIndex", 0},
          {"DeploymentID", ""},
          {"Status", e.status},
          {"StatusDescription", blocked ? "created due to placement conflicts" : ""},
          {"Wait", 0},
          {"NextEval", ""},
          {"PreviousEval", ""},
          {"BlockedEval", ""},
          {"RelatedEvals", nullptr},
          {"FailedTGAllocs", failed.empty() ? json(nullptr) : failed},
          {"ClassEligibility", json::object()},
          {"EscapedComputedClass", false},
          {"QuotaLimitReached", e.quota_limit_reached},
          {"AnnotatePlan", false},
          // Nomad's scheduler sets QueuedAllocations only on the evaluation it completes.
          {"QueuedAllocations", queued.empty() ? json(nullptr) : queued},
          {"SnapshotIndex", e.create_index},
          {"CreateIndex", e.create_index},
          {"ModifyIndex", e.modify_index},
          {"CreateTime", 0},
          {"ModifyTime", 0}};
}

Result<NomadEvaluation> read_evaluation(const json& j) {
  NomadEvaluation e;
  HA_READ(id, field<std::string>(j, "ID", "evaluation"));
  std::string at = "evaluation " + id;
  HA_READ(job, optional_field<std::string>(j, "JobID", at, ""));
  HA_READ(ns, optional_field<std::string>(j, "Namespace", at, "default"));
  HA_READ(type, optional_field<std::string>(j, "Type", at, ""));
  HA_READ(status, optional_field<std::string>(j, "Status", at, ""));
  HA_READ(trigger, optional_field<std::string>(j, "TriggeredBy", at, ""));
  HA_READ(create, optional_field<std::uint64_t>(j, "CreateIndex", at, 0));
  HA_READ(modify, optional_field<std::uint64_t>(j, "ModifyIndex", at, 0));
  HA_READ(job_index, optional_field<std::uint64_t>(j, "JobModifyIndex", at, 0));
  HA_READ(quota, optional_field<std::string>(j, "QuotaLimitReached", at, ""));
  HA_READ(node, optional_field<std::string>(j, "NodeID", at, ""));
  HA_READ(queued, optional_field<json>(j, "QueuedAllocations", at, json()));
  HA_READ(failed, optional_field<json>(j, "FailedTGAllocs", at, json()));
  e = {id, job, ns, type, status, trigger, {}, create, modify, job_index, {}, quota, node};
  for (const auto& [name, value] :
       {std::pair{"QueuedAllocations", &queued}, std::pair{"FailedTGAllocs", &failed}}) {
    if (!value->is_null() && !value->is_object()) {
      return make_error(at + "." + name + ": expected an object", ErrorKind::kInvalid);
    }
  }
  if (queued.is_object()) {
    for (const auto& [group, n] : queued.items()) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 0) {
        return make_error(at + ".QueuedAllocations." + group + ": expected a count",
                          ErrorKind::kInvalid);
      }
      if (n.get<std::int64_t>() > 0) e.queued_allocations[group] = n.get<std::int64_t>();
    }
  }
  if (failed.is_object()) {
    for (const auto& [group, metric] : failed.items()) {
      HA_READ(m, read_alloc_metric(metric, at + ".FailedTGAllocs." + group));
      e.failed_tg_allocs[group] = std::move(m);
    }
  }
  return e;
}

json job_summary(const NomadJobSummary& s, std::uint64_t index) {
  json summary = json::object();
  for (const auto& [name, g] : s.task_groups) {
    summary[name] = {{"Queued", g.queued},   {"Complete", g.complete}, {"Failed", g.failed},
                     {"Running", g.running}, {"Starting", g.starting}, {"Lost", g.lost},
                     {"Unknown", 0}};
  }
  return {{"JobID", s.job_id},    {"Namespace", s.namespace_},
          {"Summary", summary},   {"Children", {{"Pending", 0}, {"Running", 0}, {"Dead", 0}}},
          {"CreateIndex", index}, {"ModifyIndex", index}};
}

Result<NomadJobSummary> read_job_summary(const json& j) {
  HA_READ(id, field<std::string>(j, "JobID", "job summary"));
  const std::string at = "job summary " + id;
  HA_READ(ns, optional_field<std::string>(j, "Namespace", at, "default"));
  HA_READ(groups, optional_field<json>(j, "Summary", at, json::object()));
  if (!groups.is_object() && !groups.is_null()) {
    return make_error(at + ".Summary: expected an object", ErrorKind::kInvalid);
  }
  NomadJobSummary out{id, ns, "", "", {}};
  if (groups.is_null()) return out;
  for (const auto& [name, g] : groups.items()) {
    const std::string gat = at + ".Summary." + name;
    NomadTaskGroupSummary& s = out.task_groups[name];
    HA_READ(queued, optional_field<std::int64_t>(g, "Queued", gat, 0));
    HA_READ(starting, optional_field<std::int64_t>(g, "Starting", gat, 0));
    HA_READ(running, optional_field<std::int64_t>(g, "Running", gat, 0));
    HA_READ(complete, optional_field<std::int64_t>(g, "Complete", gat, 0));
    HA_READ(failed, optional_field<std::int64_t>(g, "Failed", gat, 0));
    HA_READ(lost, optional_field<std::int64_t>(g, "Lost", gat, 0));
    s = {queued, starting, running, complete, failed, lost};
  }
  return out;
}

}  // namespace ha::nomad_json
