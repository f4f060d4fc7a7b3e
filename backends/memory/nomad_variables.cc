#include "backends/memory/nomad_variables.h"

namespace ha {
namespace {

// Nomad's bounds and defaults of a lock (nomad/structs/variables.go).
constexpr Duration kMinTtl = std::chrono::seconds(10);
constexpr Duration kMaxTtl = std::chrono::hours(24);
constexpr Duration kDefaultTtl = std::chrono::seconds(15);
constexpr Duration kDefaultDelay = std::chrono::seconds(15);

std::int64_t unix_nanos(Time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
}

}  // namespace

NomadVariableStore::NomadVariableStore(std::uint64_t seed) : lock_ids_(seed) {}

NomadVariableStore::Entry* NomadVariableStore::find(const std::string& ns, const std::string& path,
                                                    Time now) {
  auto it = vars_.find({ns, path});
  if (it == vars_.end()) return nullptr;
  Entry& e = it->second;
  if (e.variable.lock && now >= e.expires + e.variable.lock->delay) {
    // The lock-delay after an expiry has passed: the lock leaves the variable.
    Time freed = e.expires + e.variable.lock->delay;
    e.variable.lock.reset();
    touch(e.variable, freed);
  }
  return &e;
}

bool NomadVariableStore::held_by_other(const Entry& e, const std::string& lock_id) {
  return e.variable.lock && e.variable.lock->id != lock_id;
}

void NomadVariableStore::touch(NomadVariable& v, Time now) {
  v.modify_index = ++index_;
  v.modify_time = unix_nanos(now);
}

std::optional<NomadVariable> NomadVariableStore::get(const std::string& ns, const std::string& path,
                                                     Time now) {
  const Entry* e = find(ns, path, now);
  if (!e) return std::nullopt;
  return e->variable;
}

std::vector<NomadVariable> NomadVariableStore::list(const std::string& ns,
                                                    const std::string& prefix, Time now) {
  std::vector<NomadVariable> out;
  std::vector<Key> keys;
  for (const auto& [key, entry] : vars_) {
    if ((ns == "*" || key.first == ns) && key.second.rfind(prefix, 0) == 0) keys.push_back(key);
  }
  for (const Key& k : keys) out.push_back(find(k.first, k.second, now)->variable);
  return out;
}

Result<NomadVariable> NomadVariableStore::set(const std::string& ns, const std::string& path,
                                              std::map<std::string, std::string> items,
                                              std::optional<std::uint64_t> cas, Time now,
                                              std::optional<NomadVariable>* conflict) {
  Entry* e = find(ns, path, now);
  if (cas && (e ? e->variable.modify_index : 0) != *cas) {
    if (conflict && e) *conflict = e->variable;
    return make_error("cas error: the variable's index is not " + std::to_string(*cas),
                      ErrorKind::kConflict);
  }
  if (e && e->variable.lock) {
    return make_error("attempting to modify locked variable", ErrorKind::kConflict);
  }
  return write(ns, path, std::move(items), now).variable;
}

NomadVariableStore::Entry& NomadVariableStore::write(const std::string& ns, const std::string& path,
                                                     std::map<std::string, std::string> items,
                                                     Time now) {
  auto [it, created] = vars_.try_emplace({ns, path});
  NomadVariable& v = it->second.variable;
  touch(v, now);
  if (created) {
    v.namespace_ = ns;
    v.path = path;
    v.create_index = v.modify_index;
    v.create_time = v.modify_time;
  }
  v.items = std::move(items);
  return it->second;
}

Result<Unit> NomadVariableStore::remove(const std::string& ns, const std::string& path, Time now) {
  Entry* e = find(ns, path, now);
  if (!e) return make_error("variable not found", ErrorKind::kNotFound);
  if (e->variable.lock) {
    return make_error("attempting to modify locked variable", ErrorKind::kConflict);
  }
  vars_.erase({ns, path});
  ++index_;
  return Unit{};
}

Result<NomadVariable> NomadVariableStore::acquire(const std::string& ns, const std::string& path,
                                                  NomadVariableLock want,
                                                  std::map<std::string, std::string> items,
                                                  Time now,
                                                  std::optional<NomadVariable>* conflict) {
  if (want.ttl < Duration{} || want.delay < Duration{}) {
    return make_error("Lock delay and TTL must be positive", ErrorKind::kInvalid);
  }
  if (want.ttl == Duration{}) want.ttl = kDefaultTtl;
  if (want.delay == Duration{}) want.delay = kDefaultDelay;
  if (want.ttl < kMinTtl || want.ttl > kMaxTtl) {
    return make_error("TTL must be between 10 seconds and 24 hours", ErrorKind::kInvalid);
  }
  Entry* e = find(ns, path, now);
  if (e && held_by_other(*e, want.id)) {
    if (conflict) *conflict = e->variable;
    return make_error("variable is locked", ErrorKind::kConflict);
  }
  // A free lock, or the caller's own (re-taken by its ID, even within its lock-delay).
  if (want.id.empty()) want.id = lock_ids_.next();
  Entry& entry = write(ns, path, std::move(items), now);
  entry.variable.lock = want;
  entry.expires = now + want.ttl;
  return entry.variable;
}

Result<NomadVariable> NomadVariableStore::renew(const std::string& ns, const std::string& path,
                                                const std::string& lock_id, Time now) {
  Entry* e = find(ns, path, now);
  if (!e) return make_error("variable doesn't exist", ErrorKind::kNotFound);
  if (!e->variable.lock) return make_error("variable doesn't hold a lock", ErrorKind::kConflict);
  // Another's lock, or ours expired (kept only for its lock-delay): not renewable.
  if (e->variable.lock->id != lock_id || now >= e->expires) {
    return make_error("attempting to modify locked variable", ErrorKind::kConflict);
  }
  e->expires = now + e->variable.lock->ttl;
  return e->variable;
}

Result<NomadVariable> NomadVariableStore::release(const std::string& ns, const std::string& path,
                                                  const std::string& lock_id, Time now,
                                                  std::optional<NomadVariable>* conflict) {
  if (lock_id.empty()) return make_error("missing lock information", ErrorKind::kInvalid);
  Entry* e = find(ns, path, now);
  if (!e) return make_error("variable doesn't exist", ErrorKind::kNotFound);
  if (!e->variable.lock) return make_error("variable doesn't hold a lock", ErrorKind::kConflict);
  if (e->variable.lock->id != lock_id) {
    if (conflict) *conflict = e->variable;
    return make_error("lock is held by another", ErrorKind::kConflict);
  }
  e->variable.lock.reset();
  touch(e->variable, now);
  return e->variable;
}

}  // namespace ha
