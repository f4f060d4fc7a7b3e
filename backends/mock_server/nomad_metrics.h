// GET /v1/metrics of the mock Nomad: the client gauges a Nomad agent reports per node
// (nomad.client.allocated|unallocated.cpu|memory, labels node_id, datacenter, node_class,
// node_pool, host), computed from the model, as the JSON snapshot of Nomad's in-memory sink
// or, with format=prometheus, in the Prometheus text format (dots become underscores).
// Formats as Nomad's agent serves /v1/metrics (third_party/nomad/examples/metrics.json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/memory/nomad_model.h"

namespace ha {

nlohmann::json nomad_metrics_json(const NomadModel& model, Time now);
std::string nomad_metrics_prometheus(const NomadModel& model);

}  // namespace ha
