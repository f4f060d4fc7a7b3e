#include "sim/fault_spec.h"

#include <map>

#include "base/duration.h"

namespace ha {
namespace {

using hcl_json::child;
using nlohmann::json;

const std::map<std::string, std::vector<std::string>>& kinds() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"api_errors",
       {"kind", "api", "op", "error_rate", "timeout_rate", "timeout", "status", "applied", "from",
        "until"}},
      {"outage", {"kind", "api", "from", "until"}},
      {"latency_spike", {"kind", "api", "op", "latency", "from", "until"}},
      {"vm_stuck_starting", {"kind", "rate", "from", "until"}},
      {"vm_unschedulable", {"kind", "rate", "from", "until"}},
      {"node_never_joins", {"kind", "rate", "from", "until"}},
      {"drain_stuck", {"kind", "rate", "from", "until"}},
      {"agent_crash", {"kind", "at", "when", "restart_after"}},
      {"host_maintenance", {"kind", "at", "host"}},
      {"vm_restarts", {"kind", "at", "rate"}},
  };
  return k;
}

std::string known_kinds() {
  std::string s;
  for (const auto& [k, keys] : kinds()) s += (s.empty() ? "" : ", ") + k;
  return s;
}

class FaultReader {
 public:
  FaultReader(hcl_json::Reader& r) : r_(r) {}

  std::optional<Duration> duration(const json& o, const std::string& at, const char* key,
                                   bool required) {
    return r_.duration(o, at, key, required, {.allow_days = true});
  }

  double rate(const json& o, const std::string& at, const char* key, bool required) {
    if (!r_.present(o, at, key, required)) return 0;
    if (!o[key].is_number() || o[key].get<double>() < 0 || o[key].get<double>() > 1) {
      r_.error(child(at, key), "expected a number from 0 to 1");
      return 0;
    }
    return o[key].get<double>();
  }

  std::string one_of(const json& o, const std::string& at, const char* key, bool required,
                     const std::vector<std::string>& allowed, std::string fallback) {
    if (!r_.present(o, at, key, required)) return fallback;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    if (o[key].is_string()) {
      std::string v = o[key].get<std::string>();
      for (const auto& a : allowed)
        if (v == a) return v;
    }
    r_.error(child(at, key), "expected one of: " + list);
    return fallback;
  }

  FaultSpec read(const json& o, const std::string& at) {
    FaultSpec f;
    f.pointer = at;
    if (!o.is_object()) {
      r_.error(at, "expected an object");
      return f;
    }
    if (!o.contains("kind") || !o["kind"].is_string() || !kinds().count(o["kind"])) {
      r_.error(o.contains("kind") ? child(at, "kind") : at,
               "expected \"kind\", one of: " + known_kinds());
      return f;
    }
    f.kind = o["kind"].get<std::string>();
    r_.reject_unknown_keys(o, at, kinds().at(f.kind));
    if (f.is_event()) {
      if (auto t = duration(o, at, "at", true)) f.from = Time(*t);
    }
    if (f.kind == "agent_crash") {
      f.when = one_of(o, at, "when", false, {"any", "scale_in", "scale_out"}, "any");
      if (auto d = duration(o, at, "restart_after", false)) f.restart_after = *d;
      return f;
    }
    if (f.kind == "host_maintenance") {
      if (o.contains("host")) {
        if (o["host"].is_number_integer() && o["host"].get<int>() >= 0) {
          f.host = o["host"].get<int>();
        } else {
          r_.error(child(at, "host"), "expected a host number from 0 (absent: every host in turn)");
        }
      }
      return f;
    }
    if (f.kind == "vm_restarts") {
      f.rate = rate(o, at, "rate", true);
      return f;
    }
    if (auto t = duration(o, at, "from", f.kind == "outage")) f.from = Time(*t);
    if (auto t = duration(o, at, "until", f.kind == "outage")) {
      f.until = Time(*t);
      if (*f.until <= f.from) r_.error(child(at, "until"), "must be later than \"from\"");
    }
    if (!f.is_api_fault()) {
      f.rate = rate(o, at, "rate", true);
      return f;
    }
    f.api = one_of(o, at, "api", true, {"nomad", "harvester"}, "");
    if (o.contains("op")) {
      if (o["op"].is_string() && !o["op"].get<std::string>().empty()) {
        f.op = o["op"].get<std::string>();
      } else {
        r_.error(child(at, "op"), "expected an operation name such as \"create_vm\", or \"*\"");
      }
    }
    if (f.kind == "outage") {
      f.rate = 1;
    } else if (f.kind == "latency_spike") {
      if (auto d = duration(o, at, "latency", true)) f.latency = *d;
    } else {
      f.rate = rate(o, at, "error_rate", false);
      f.timeout_rate = rate(o, at, "timeout_rate", false);
      if (f.rate + f.timeout_rate > 1) r_.error(at, "error_rate + timeout_rate is above 1");
      if (auto d = duration(o, at, "timeout", false)) f.timeout = *d;
      std::string s = one_of(o, at, "status", false,
                             {"unavailable", "conflict", "not_found", "gone"}, "unavailable");
      f.status = s == "conflict"    ? ErrorKind::kConflict
                 : s == "not_found" ? ErrorKind::kNotFound
                 : s == "gone"      ? ErrorKind::kGone
                                    : ErrorKind::kUnavailable;
      if (o.contains("applied")) {
        if (o["applied"].is_boolean()) {
          f.applied = o["applied"].get<bool>();
        } else {
          r_.error(child(at, "applied"), "expected true or false");
        }
      }
    }
    return f;
  }

 private:
  hcl_json::Reader& r_;
};

}  // namespace

nlohmann::ordered_json FaultSpec::to_json() const {
  nlohmann::ordered_json j{{"kind", kind}};
  if (kind == "agent_crash") {
    j["at"] = format_duration(from);
    j["when"] = when;
    j["restart_after"] = format_duration(restart_after);
    return j;
  }
  if (kind == "host_maintenance") {
    j["at"] = format_duration(from);
    if (host >= 0) j["host"] = host;
    return j;
  }
  if (kind == "vm_restarts") {
    j["at"] = format_duration(from);
    j["rate"] = rate;
    return j;
  }
  if (is_api_fault()) {
    j["api"] = api;
    if (kind != "outage") j["op"] = op;
  }
  if (kind == "api_errors") {
    j["error_rate"] = rate;
    j["timeout_rate"] = timeout_rate;
    j["timeout"] = format_duration(timeout);
    j["status"] = status == ErrorKind::kConflict   ? "conflict"
                  : status == ErrorKind::kNotFound ? "not_found"
                  : status == ErrorKind::kGone     ? "gone"
                                                   : "unavailable";
    j["applied"] = applied;
  } else if (kind == "latency_spike") {
    j["latency"] = format_duration(latency);
  } else if (!is_api_fault()) {
    j["rate"] = rate;
  }
  j["from"] = format_duration(from);
  if (until) j["until"] = format_duration(*until);
  return j;
}

std::vector<FaultSpec> read_faults(const nlohmann::json& faults, const std::string& pointer,
                                   hcl_json::Reader& reader) {
  std::vector<FaultSpec> out;
  if (!faults.is_array()) {
    reader.error(pointer, "expected an array of faults");
    return out;
  }
  FaultReader r(reader);
  for (std::size_t i = 0; i < faults.size(); ++i) {
    out.push_back(r.read(faults[i], pointer + "/" + std::to_string(i)));
  }
  return out;
}

}  // namespace ha
