#include "backends/wire/nomad_variable_json.h"

#include "base/duration.h"

namespace ha::nomad_json {
namespace {

using nlohmann::json;

json lock_json(const NomadVariableLock& l) {
  json out = json::object();
  // Nomad leaves a zero duration out as "" (VariableLock.MarshalJSON).
  out["TTL"] = l.ttl == Duration{} ? "" : format_duration(l.ttl);
  out["LockDelay"] = l.delay == Duration{} ? "" : format_duration(l.delay);
  out["ID"] = l.id;
  return out;
}

// A lock's duration: a Go duration string, or nanoseconds.
Result<Duration> read_lock_duration(const json& j, const char* field) {
  if (j.is_number_integer()) return Duration(std::chrono::nanoseconds(j.get<std::int64_t>()));
  if (j.is_null() || (j.is_string() && j.get<std::string>().empty())) return Duration{};
  if (!j.is_string()) return make_error(std::string("Lock.") + field + ": expected a duration");
  auto d = parse_duration(j.get<std::string>());
  if (!d) return make_error(std::string("Lock.") + field + ": " + d.error().message);
  return *d;
}

template <typename T>
Result<Unit> read_field(const json& j, const char* field, T& into) {
  if (!j.contains(field) || j[field].is_null()) return Unit{};
  try {
    into = j[field].get<T>();
  } catch (const json::exception&) {
    return make_error(std::string(field) + ": of the wrong type");
  }
  return Unit{};
}

}  // namespace

json variable(const NomadVariable& v, bool items) {
  json out = {{"Namespace", v.namespace_}, {"Path", v.path}};
  if (v.lock) out["Lock"] = lock_json(*v.lock);
  out["CreateIndex"] = v.create_index;
  out["CreateTime"] = v.create_time;
  out["ModifyIndex"] = v.modify_index;
  out["ModifyTime"] = v.modify_time;
  if (items && !v.items.empty()) out["Items"] = v.items;
  return out;
}

json lock_request(const std::string& ns, const std::string& path, const NomadVariableLock& lock) {
  json l = json::object();
  if (!lock.id.empty()) l["ID"] = lock.id;
  if (lock.ttl != Duration{}) l["TTL"] = format_duration(lock.ttl);
  if (lock.delay != Duration{}) l["LockDelay"] = format_duration(lock.delay);
  return {{"Namespace", ns}, {"Path", path}, {"Lock", l}};
}

json lock_id_request(const std::string& ns, const std::string& path, const std::string& lock_id) {
  return {{"Namespace", ns}, {"Path", path}, {"Lock", {{"ID", lock_id}}}};
}

Result<NomadVariable> read_variable(const json& j) {
  if (!j.is_object()) return make_error("expected a variable (a JSON object)");
  NomadVariable v;
  v.namespace_.clear();
  for (auto r :
       {read_field(j, "Namespace", v.namespace_), read_field(j, "Path", v.path),
        read_field(j, "Items", v.items), read_field(j, "CreateIndex", v.create_index),
        read_field(j, "CreateTime", v.create_time), read_field(j, "ModifyIndex", v.modify_index),
        read_field(j, "ModifyTime", v.modify_time)}) {
    if (!r) return r.error();
  }
  if (j.contains("Lock") && !j["Lock"].is_null()) {
    const json& l = j["Lock"];
    if (!l.is_object()) return make_error("Lock: expected an object");
    NomadVariableLock lock;
    if (auto r = read_field(l, "ID", lock.id); !r) return make_error("Lock." + r.error().message);
    auto ttl = read_lock_duration(l.value("TTL", json()), "TTL");
    if (!ttl) return ttl.error();
    auto delay = read_lock_duration(l.value("LockDelay", json()), "LockDelay");
    if (!delay) return delay.error();
    lock.ttl = *ttl;
    lock.delay = *delay;
    v.lock = lock;
  }
  return v;
}

}  // namespace ha::nomad_json
