#include "backends/mock_server/nomad_metrics.h"

#include <ctime>
#include <map>
#include <sstream>

namespace ha {
namespace {

struct Gauge {
  std::string name;  // dotted
  double value = 0;
  std::map<std::string, std::string> labels;
};

std::vector<Gauge> client_gauges(const NomadModel& model) {
  std::vector<Gauge> out;
  for (const auto& stub : model.list_nodes({})) {
    if (stub->status != "ready") continue;
    auto node = model.node(stub->id);
    if (!node) continue;
    std::int64_t cpu = 0, memory = 0;
    for (const auto& a : model.node_allocations(stub->id)) {
      cpu += a.cpu_mhz;
      memory += a.memory_mb;
    }
    std::map<std::string, std::string> labels = {{"node_id", stub->id},
                                                 {"datacenter", stub->datacenter},
                                                 {"node_class", stub->node_class},
                                                 {"node_pool", stub->node_pool},
                                                 {"host", stub->name}};
    auto add = [&](const char* name, std::int64_t v) {
      out.push_back({name, static_cast<double>(v), labels});
    };
    add("nomad.client.allocated.cpu", cpu);
    add("nomad.client.unallocated.cpu", node->cpu_mhz - cpu);
    add("nomad.client.allocated.memory", memory);
    add("nomad.client.unallocated.memory", node->memory_mb - memory);
  }
  return out;
}

// Go's time.Time String() form, which Nomad puts in Timestamp: "2024-05-01 11:10:30 +0000 UTC".
std::string go_time(Time now) {
  std::time_t secs =
      static_cast<std::time_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

}  // namespace

nlohmann::json nomad_metrics_json(const NomadModel& model, Time now) {
  nlohmann::json gauges = nlohmann::json::array();
  for (const Gauge& g : client_gauges(model)) {
    gauges.push_back({{"Name", g.name}, {"Value", g.value}, {"Labels", g.labels}});
  }
  return {{"Timestamp", go_time(now)},
          {"Gauges", gauges},
          {"Points", nlohmann::json::array()},
          {"Counters", nlohmann::json::array()},
          {"Samples", nlohmann::json::array()}};
}

std::string nomad_metrics_prometheus(const NomadModel& model) {
  std::map<std::string, std::vector<const Gauge*>> families;
  std::vector<Gauge> gauges = client_gauges(model);
  for (const Gauge& g : gauges) families[g.name].push_back(&g);
  std::ostringstream out;
  for (const auto& [dotted, members] : families) {
    std::string name = dotted;
    for (char& c : name) c = c == '.' ? '_' : c;
    out << "# HELP " << name << ' ' << name << "\n# TYPE " << name << " gauge\n";
    for (const Gauge* g : members) {
      out << name << '{';
      bool first = true;
      for (const auto& [k, v] : g->labels) {
        out << (first ? "" : ",") << k << "=\"" << v << '"';
        first = false;
      }
      out << "} " << g->value << '\n';
    }
  }
  return out.str();
}

}  // namespace ha
