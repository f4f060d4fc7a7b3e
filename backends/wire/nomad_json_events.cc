// Nomad's JSON for the event stream (see nomad_json.h): the NDJSON lines of
// GET /v1/event/stream, as hashicorp/nomad's stream package writes them (structs.Events).
#include "backends/wire/nomad_json.h"
#include "backends/wire/nomad_json_fields.h"

namespace ha::nomad_json {

using fields::field;
using fields::optional_field;

json event_frame(const NomadEventFrame& f) {
  if (f.heartbeat()) return json::object();
  json events = json::array();
  for (const NomadEvent& e : f.events) {
    json payload = json::object();
    json filter_keys = nullptr;
    if (e.allocation) {
      payload["Allocation"] = event_allocation(*e.allocation);
      filter_keys = {e.allocation->job_id, ""};  // JobID, DeploymentID
    }
    if (e.node) payload["Node"] = node(*e.node);
    if (e.job) payload["Job"] = job(*e.job);
    events.push_back({{"Topic", e.topic},
                      {"Type", e.type},
                      {"Key", e.key},
                      {"Namespace", e.namespace_},
                      {"FilterKeys", filter_keys},
                      {"Index", e.index},
                      {"Payload", payload}});
  }
  return {{"Index", f.index}, {"Events", events}};
}

namespace {

// One event of a frame at `index`.
Result<NomadEvent> read_event(const json& e, std::uint64_t index, const std::string& at) {
  NomadEvent event;
  HA_READ(topic, field<std::string>(e, "Topic", at));
  HA_READ(type, field<std::string>(e, "Type", at));
  HA_READ(key, optional_field<std::string>(e, "Key", at, ""));
  HA_READ(ns, optional_field<std::string>(e, "Namespace", at, ""));
  HA_READ(event_index, optional_field<std::uint64_t>(e, "Index", at, index));
  event.topic = topic;
  event.type = type;
  event.key = key;
  event.namespace_ = ns;
  event.index = event_index;
  if (topic != "Allocation" && topic != "Node" && topic != "Job") return event;
  HA_READ(payload, field<json>(e, "Payload", at));
  HA_READ(object, field<json>(payload, topic.c_str(), at + ".Payload"));
  const std::string where = at + ".Payload.";
  if (topic == "Allocation") {
    auto a = read_allocation(object);
    if (!a) return make_error(where + a.error().message, ErrorKind::kInvalid);
    event.allocation = std::make_shared<const NomadAllocationStub>(std::move(*a));
  } else if (topic == "Node") {
    auto n = read_node(object);
    if (!n) return make_error(where + n.error().message, ErrorKind::kInvalid);
    event.node = std::make_shared<const NomadNode>(std::move(*n));
  } else {
    auto job = read_job(object);
    if (!job) return make_error(where + job.error().message, ErrorKind::kInvalid);
    event.job = std::make_shared<const NomadJob>(std::move(*job));
  }
  return event;
}

}  // namespace

Result<NomadEventFrame> read_event_frame(const json& j) {
  if (!j.is_object()) return make_error("event frame: expected an object", ErrorKind::kInvalid);
  NomadEventFrame f;
  if (j.empty()) return f;  // heartbeat
  HA_READ(index, field<std::uint64_t>(j, "Index", "event frame"));
  HA_READ(events, field<json>(j, "Events", "event frame"));
  if (!events.is_array()) {
    return make_error("event frame.Events: expected an array", ErrorKind::kInvalid);
  }
  f.index = index;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string at =
        "event frame " + std::to_string(index) + ".Events[" + std::to_string(i) + "]";
    auto event = read_event(events[i], index, at);
    if (event) {
      f.events.push_back(std::move(*event));
    } else {
      f.skipped.push_back(event.error().message);
    }
  }
  return f;
}

NomadEventFrame read_event_line(const std::string& line, std::uint64_t last_index,
                                const std::string& where) {
  auto j = json::parse(line, nullptr, false);
  auto frame = j.is_discarded() ? Result<NomadEventFrame>(make_error(
                                      "not JSON: " + line.substr(0, 200), ErrorKind::kInvalid))
                                : read_event_frame(j);
  if (frame) {
    for (std::string& s : frame->skipped) s = where + ": " + s;
    return std::move(*frame);
  }
  NomadEventFrame bad;
  bad.skipped.push_back(where + ": after index " + std::to_string(last_index) + ": " +
                        frame.error().message);
  return bad;
}

}  // namespace ha::nomad_json
