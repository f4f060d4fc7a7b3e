#include "sim/scenario.h"

#include <cmath>
#include <filesystem>

#include "base/duration.h"
#include "engine/policy/hcl_json.h"

namespace ha {
namespace {

using hcl_json::child;
using nlohmann::json;

class ScenarioReader {
 public:
  ScenarioReader(const std::string& file, Diagnostics& diags)
      : r_(file, diags), base_(std::filesystem::path(file).parent_path()) {}

  Scenario read(const json& doc) {
    Scenario s;
    s.file = r_.file();
    if (!doc.is_object()) {
      r_.error("/", "expected a JSON object");
      return s;
    }
    r_.reject_unknown_keys(
        doc, "",
        {"name", "seed", "duration", "cluster", "workload", "policies", "faults", "agent"});
    if (doc.contains("agent") && require(doc, "", "agent", json::value_t::object)) {
      r_.reject_unknown_keys(doc["agent"], "/agent", {"cluster_state"});
      std::string state = string(doc["agent"], "/agent", "cluster_state", false);
      if (state == "watch" || state == "list") {
        s.cluster_state = state;
      } else if (!state.empty()) {
        r_.error("/agent/cluster_state", "unknown value \"" + state + "\"; known: watch, list");
      }
    }
    s.name = string(doc, "", "name", true);
    if (doc.contains("seed")) {
      if (doc["seed"].is_number_unsigned()) {
        s.seed = doc["seed"].get<std::uint64_t>();
      } else {
        r_.error("/seed", "expected a whole number >= 0");
      }
    }
    if (auto d = r_.duration(doc, "", "duration", true, {.allow_days = true, .positive = true})) {
      s.duration = *d;
    }
    if (!require(doc, "", "cluster", json::value_t::object)) {
      // reported
    } else {
      read_cluster(doc["cluster"], s.cluster);
    }
    if (require(doc, "", "workload", json::value_t::array)) {
      const json& w = doc["workload"];
      if (w.empty()) r_.error("/workload", "needs at least one entry");
      for (std::size_t i = 0; i < w.size(); ++i)
        read_workload(w[i], "/workload/" + std::to_string(i), s);
    }
    if (require(doc, "", "policies", json::value_t::array)) {
      const json& p = doc["policies"];
      if (p.empty()) r_.error("/policies", "needs at least one policy file");
      for (std::size_t i = 0; i < p.size(); ++i) {
        std::string at = "/policies/" + std::to_string(i);
        if (!p[i].is_string()) {
          r_.error(at, "expected a path (string)");
        } else {
          s.policies.push_back(resolve(p[i].get<std::string>(), at));
        }
      }
    }
    if (doc.contains("faults")) s.faults = read_faults(doc["faults"], "/faults", r_);
    return s;
  }

 private:
  // An object or array under `key` (required).
  bool require(const json& obj, const std::string& at, const char* key, json::value_t type) {
    if (!r_.present(obj, at, key, true)) return false;
    const json& v = obj[key];
    bool ok = type == json::value_t::object ? v.is_object() : v.is_array();
    if (!ok) {
      r_.error(child(at, key),
               type == json::value_t::object ? "expected an object" : "expected an array");
    }
    return ok;
  }

  std::string string(const json& obj, const std::string& at, const char* key, bool required) {
    return r_.text(obj, at, key, required).value_or("");
  }

  std::optional<Duration> duration(const json& obj, const std::string& at, const char* key,
                                   bool required) {
    return r_.duration(obj, at, key, required, {.allow_days = true});
  }

  // A latency: a duration string, or {"dist": "constant", "value": D} or
  // {"dist": "lognormal", "median": D, "p95": D}.
  void latency(const json& obj, const std::string& at, const char* key, Latency& out) {
    if (!obj.contains(key)) return;
    const json& v = obj[key];
    std::string here = child(at, key);
    if (v.is_string()) {
      if (auto d = duration(obj, at, key, true)) out = Latency::constant(*d);
      return;
    }
    if (!v.is_object() || !v.contains("dist") || !v["dist"].is_string()) {
      r_.error(here, "expected a duration or {\"dist\": \"constant\"|\"lognormal\", ...}");
      return;
    }
    std::string dist = v["dist"].get<std::string>();
    if (dist == "constant") {
      r_.reject_unknown_keys(v, here, {"dist", "value"});
      if (auto d = duration(v, here, "value", true)) out = Latency::constant(*d);
    } else if (dist == "lognormal") {
      r_.reject_unknown_keys(v, here, {"dist", "median", "p95"});
      auto median = duration(v, here, "median", true);
      auto p95 = duration(v, here, "p95", true);
      if (median && p95) {
        if (*p95 < *median) {
          r_.error(child(here, "p95"), "must not be less than the median");
        } else {
          out = Latency::lognormal(*median, *p95);
        }
      }
    } else {
      r_.error(child(here, "dist"),
               "unknown distribution \"" + dist + "\"; known: constant, lognormal");
    }
  }

  // A price: a number, zero or more.
  void price_of(const json& price, const char* key, double& out) {
    if (!price.contains(key)) return;
    const json& v = price[key];
    if (!v.is_number() || !(v.get<double>() >= 0) || !std::isfinite(v.get<double>())) {
      r_.error(child("/cluster/price", key), "expected a number, zero or more");
      return;
    }
    out = v.get<double>();
  }

  void read_cluster(const json& c, ClusterSpec& out) {
    const std::string at = "/cluster";
    r_.reject_unknown_keys(
        c, at,
        {"initial_nodes", "unowned_nodes", "node", "node_class", "max_vms", "vm_boot", "nomad_join",
         "vm_provision", "vm_terminate", "vm_start", "harvester_api_latency", "nomad_api_latency",
         "node_gc_threshold", "price"});
    if (auto n = r_.whole_number(c, at, "initial_nodes", true, 0)) out.initial_nodes = *n;
    if (auto n = r_.whole_number(c, at, "unowned_nodes", false, 0)) out.unowned_nodes = *n;
    if (auto n = r_.whole_number(c, at, "max_vms", true, 1)) out.max_vms = *n;
    out.node_class = string(c, at, "node_class", true);
    if (require(c, at, "node", json::value_t::object)) {
      const json& node = c["node"];
      r_.reject_unknown_keys(node, "/cluster/node", {"cpu_mhz", "memory_mb"});
      if (auto n = r_.whole_number(node, "/cluster/node", "cpu_mhz", true, 1)) out.cpu_mhz = *n;
      if (auto n = r_.whole_number(node, "/cluster/node", "memory_mb", true, 1)) out.memory_mb = *n;
    }
    if (out.max_vms > 0 && out.initial_nodes > out.max_vms) {
      r_.error("/cluster/initial_nodes", "is greater than max_vms");
    }
    latency(c, at, "vm_boot", out.vm_boot);
    latency(c, at, "nomad_join", out.nomad_join);
    latency(c, at, "vm_provision", out.vm_provision);
    latency(c, at, "vm_terminate", out.vm_terminate);
    latency(c, at, "vm_start", out.vm_start);
    if (c.contains("price") && require(c, at, "price", json::value_t::object)) {
      const json& price = c["price"];
      r_.reject_unknown_keys(price, "/cluster/price", {"node_hour", "stopped_vm_hour"});
      price_of(price, "node_hour", out.price_node_hour);
      price_of(price, "stopped_vm_hour", out.price_stopped_vm_hour);
    }
    latency(c, at, "harvester_api_latency", out.harvester_api);
    latency(c, at, "nomad_api_latency", out.nomad_api);
    if (auto gc = duration(c, at, "node_gc_threshold", false)) out.node_gc_threshold = *gc;
  }

  void read_workload(const json& w, const std::string& at, Scenario& s) {
    if (!w.is_object()) {
      r_.error(at, "expected an object");
      return;
    }
    WorkloadSpec spec;
    spec.pointer = at;
    spec.format = string(w, at, "format", true);
    std::string path = string(w, at, "path", true);
    if (!path.empty()) spec.path = resolve(path, child(at, "path"));
    spec.options = w;
    static const std::map<std::string, std::vector<std::string>> kKeys = {
        {"allocs-csv", {"format", "path"}},
        {"swf", {"format", "path", "cpu_mhz_per_proc", "memory_mb_default"}},
        {"rate-csv",
         {"format", "path", "job", "group", "per_alloc_capacity", "alloc", "policy",
          "initial_count"}},
        {"alibaba-batch", {"format", "path", "machine_memory_mb", "cpu_mhz_per_core"}},
    };
    auto known = kKeys.find(spec.format);
    if (known == kKeys.end()) {
      if (!spec.format.empty()) {
        r_.error(child(at, "format"), "unknown format \"" + spec.format +
                                          "\"; known: allocs-csv, swf, rate-csv, alibaba-batch");
      }
      return;
    }
    r_.reject_unknown_keys(w, at, known->second);
    if (spec.format == "swf") {
      r_.whole_number(w, at, "cpu_mhz_per_proc", true, 1);
      r_.whole_number(w, at, "memory_mb_default", true, 1);
    } else if (spec.format == "alibaba-batch") {
      r_.whole_number(w, at, "machine_memory_mb", true, 1);
      r_.whole_number(w, at, "cpu_mhz_per_core", false, 1);
    } else if (spec.format == "rate-csv") {
      string(w, at, "job", true);
      string(w, at, "group", true);
      if (r_.present(w, at, "per_alloc_capacity", true) &&
          (!w["per_alloc_capacity"].is_number() || !(w["per_alloc_capacity"].get<double>() > 0))) {
        r_.error(child(at, "per_alloc_capacity"), "expected a number > 0");
      }
      if (require(w, at, "alloc", json::value_t::object)) {
        std::string alloc_at = child(at, "alloc");
        r_.reject_unknown_keys(w["alloc"], alloc_at, {"cpu_mhz", "memory_mb"});
        r_.whole_number(w["alloc"], alloc_at, "cpu_mhz", true, 1);
        r_.whole_number(w["alloc"], alloc_at, "memory_mb", true, 1);
      }
      r_.whole_number(w, at, "initial_count", false, 0);
      std::string policy = string(w, at, "policy", true);
      if (!policy.empty()) spec.policy = resolve(policy, child(at, "policy"));
    }
    s.workload.push_back(std::move(spec));
  }

  std::string resolve(const std::string& path, const std::string& at) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = base_ / p;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) r_.error(at, "file not found: " + p.string());
    return p.lexically_normal().string();
  }

  hcl_json::Reader r_;
  std::filesystem::path base_;
};

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& file, Diagnostics& diags) {
  auto doc = hcl_json::parse_document(text, file, diags);
  if (!doc) return {};
  return ScenarioReader(file, diags).read(*doc);
}

}  // namespace ha
