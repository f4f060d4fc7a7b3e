// Nomad's JSON for an allocation's resource usage (see nomad_json.h): AllocResourceUsage as
// GET /v1/client/allocation/:id/stats answers (client/structs ResourceUsage, one task).
#include "backends/wire/nomad_json.h"
#include "backends/wire/nomad_json_fields.h"

namespace ha::nomad_json {

using fields::field;
using fields::optional_field;

json alloc_usage(const NomadAllocUsage& u, std::int64_t timestamp_ns) {
  json usage = {{"MemoryStats",
                 {{"RSS", u.memory_usage},
                  {"Cache", 0},
                  {"Swap", 0},
                  {"Usage", u.memory_usage},
                  {"MaxUsage", u.memory_usage},
                  {"KernelUsage", 0},
                  {"KernelMaxUsage", 0},
                  {"Measured", {"RSS", "Cache", "Swap", "Usage", "Max Usage"}}}},
                {"CpuStats",
                 {{"SystemMode", 0.0},
                  {"UserMode", u.cpu_percent},
                  {"TotalTicks", u.cpu_total_ticks},
                  {"ThrottledPeriods", 0},
                  {"ThrottledTime", 0},
                  {"Percent", u.cpu_percent},
                  {"Measured", {"System Mode", "User Mode", "Percent"}}}},
                {"DeviceStats", nullptr}};
  return {{"ResourceUsage", usage},
          {"Tasks",
           {{u.task, {{"ResourceUsage", usage}, {"Timestamp", timestamp_ns}, {"Pids", nullptr}}}}},
          {"Timestamp", timestamp_ns}};
}

Result<NomadAllocUsage> read_alloc_usage(const json& j) {
  const std::string at = "allocation stats";
  HA_READ(usage, field<json>(j, "ResourceUsage", at));
  HA_READ(cpu, field<json>(usage, "CpuStats", at + ".ResourceUsage"));
  HA_READ(memory, field<json>(usage, "MemoryStats", at + ".ResourceUsage"));
  const std::string cat = at + ".ResourceUsage.CpuStats";
  HA_READ(percent, optional_field<double>(cpu, "Percent", cat, 0.0));
  HA_READ(ticks, optional_field<double>(cpu, "TotalTicks", cat, 0.0));
  HA_READ(bytes,
          optional_field<std::uint64_t>(memory, "Usage", at + ".ResourceUsage.MemoryStats", 0));
  NomadAllocUsage out{percent, ticks, bytes};
  HA_READ(tasks, optional_field<json>(j, "Tasks", at, json::object()));
  if (tasks.is_object() && tasks.size() == 1) out.task = tasks.begin().key();
  return out;
}

}  // namespace ha::nomad_json
