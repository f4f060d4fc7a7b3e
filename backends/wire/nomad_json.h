// Nomad's wire format (third_party/nomad/: OpenAPI and examples) for the types of NomadApi: what
// the mock server writes and the HTTP client reads. Writers emit the fields Nomad emits
// (PascalCase, durations in ns, nulls where Nomad sends null); readers take what the autoscaler
// needs and fail with the field's name when it is missing or of the wrong type.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/api/nomad_api.h"
#include "base/result.h"

namespace ha::nomad_json {

using nlohmann::json;

// NodeListStub; with NodeResources and ReservedResources when `resources` (resources=true).
json node_stub(const NomadNodeStub& n, bool resources = false);
json node(const NomadNode& n);  // Node
// Allocation as in GET /v1/node/:id/allocations (with the embedded Job's ID and Type and the
// legacy Resources the Nomad Autoscaler reads).
json allocation(const NomadAllocationStub& a, const std::string& node_name);
// Allocation as an event's Payload carries it: its Job left out (null), AllocatedResources.
json event_allocation(const NomadAllocationStub& a);
// A line of GET /v1/event/stream: {"Index", "Events"}, or {} for a heartbeat.
json event_frame(const NomadEventFrame& f);
// AllocListStub as in GET /v1/allocations; with AllocatedResources when `resources`.
json allocation_stub(const NomadAllocationStub& a, const std::string& node_name, bool resources);
json job_scale_status(const NomadJobScaleStatus& s);
json job(const NomadJob& j);  // Job, as GET /v1/job/:id and the Job topic's payload
json job_list_stub(const NomadJobSummary& j, std::uint64_t index);  // JobListStub
json evaluation(const NomadEvaluation& e);                          // Evaluation
json job_summary(const NomadJobSummary& s, std::uint64_t index);    // JobSummary
// AllocResourceUsage: the allocation's one task (u.task) using all of `u`.
json alloc_usage(const NomadAllocUsage& u, std::int64_t timestamp_ns);
json scaling_policy_stub(const NomadScalingPolicy& p);  // ScalingPolicyListStub
json scaling_policy(const NomadScalingPolicy& p);       // ScalingPolicy
json drain_request(const std::string& node_id, const std::optional<NomadDrainSpec>& spec,
                   bool mark_eligible);
json scaling_request(const std::string& job_id, const std::string& group, std::int64_t count,
                     const std::string& message, const std::string& ns);

Result<NomadNodeStub> read_node_stub(const json& j);
Result<NomadNode> read_node(const json& j);
// An Allocation (its legacy Resources, as upstream reads them) or an AllocListStub
// (AllocatedResources, summed over its tasks); neither present reads as no resources.
Result<NomadAllocationStub> read_allocation(const json& j);
// A stream line: {} is a heartbeat; the payloads of Allocation, Node and Job events are
// read (Payload.Allocation, .Node, .Job), other topics' are skipped. An event that cannot
// be read goes to the frame's `skipped`, named by index and position; a line that is not a
// frame ({"Index", "Events"}) is an error.
Result<NomadEventFrame> read_event_frame(const json& j);
// A line of text as the stream reader takes it: never fails. A line that is not JSON or not
// a frame reads as a frame of index 0 whose `skipped` says so, after `last_index` (the
// index of the last frame read), prefixed with `where` (the endpoint).
NomadEventFrame read_event_line(const std::string& line, std::uint64_t last_index,
                                const std::string& where);
Result<NomadJobScaleStatus> read_job_scale_status(const json& j);
Result<NomadJob> read_job(const json& j);
Result<NomadJobSummary> read_job_list_stub(const json& j);
// QueuedAllocations as written (none on a blocked evaluation) and FailedTGAllocs' metrics.
Result<NomadEvaluation> read_evaluation(const json& j);
Result<NomadJobSummary> read_job_summary(const json& j);
Result<NomadAllocUsage> read_alloc_usage(const json& j);
Result<std::string> read_scaling_policy_stub_id(const json& j);
Result<NomadScalingPolicy> read_scaling_policy(const json& j);

struct DrainRequest {
  std::optional<NomadDrainSpec> spec;  // empty: cancel
  bool mark_eligible = false;
};
Result<DrainRequest> read_drain_request(const json& j);

struct ScalingRequest {
  std::optional<std::int64_t> count;  // empty: record an event only
  std::string group;
  std::string job;  // Target.Job, may be empty
  std::string message;
};
Result<ScalingRequest> read_scaling_request(const json& j);

}  // namespace ha::nomad_json
