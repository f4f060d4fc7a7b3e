// NomadVariableStore: Nomad's Variables and their locks as a Nomad server keeps them
// (hashicorp/nomad nomad/state/state_store_variables.go and nomad/variables_endpoint.go),
// on the caller's clock, for the mock server.
//
// Locks: acquire takes a free lock (or re-takes one by its own ID) and gives a new ID; the
// holder renews it within its TTL (10s to 24h; 15s by default, and 15s of lock-delay). A
// lock not renewed in time expires: renewals fail from then on, and the lock stays on the
// variable, refusing every acquire, for its lock-delay more. A release frees it at once.
// Expiry is judged when the store is next used, so no timer is needed.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "backends/api/nomad_variables.h"
#include "backends/memory/ids.h"
#include "base/result.h"
#include "base/time.h"

namespace ha {

class NomadVariableStore {
 public:
  explicit NomadVariableStore(std::uint64_t seed = std::random_device{}());

  std::optional<NomadVariable> get(const std::string& ns, const std::string& path, Time now);
  // The variables of `ns` ("*": every namespace) whose path starts with `prefix`.
  std::vector<NomadVariable> list(const std::string& ns, const std::string& prefix, Time now);
  // Writes items (a plain set). `cas`: only if the variable's ModifyIndex is that (0: only
  // if it does not exist). kConflict: a lock another holds, or the check failed (`conflict`
  // then gets the variable as it is).
  Result<NomadVariable> set(const std::string& ns, const std::string& path,
                            std::map<std::string, std::string> items,
                            std::optional<std::uint64_t> cas, Time now,
                            std::optional<NomadVariable>* conflict = nullptr);
  // kNotFound when absent; kConflict while locked.
  Result<Unit> remove(const std::string& ns, const std::string& path, Time now);

  // Lock operations (NomadLockApi's contracts). Acquire overwrites the variable's items, as
  // Nomad does, and takes a lock already the caller's (same ID) again; its kInvalid messages
  // are Nomad's. When another's lock refuses an acquire or a release, `conflict` gets the
  // variable as it is (Nomad answers those 409s with a body; its other 409s are text).
  Result<NomadVariable> acquire(const std::string& ns, const std::string& path,
                                NomadVariableLock want, std::map<std::string, std::string> items,
                                Time now, std::optional<NomadVariable>* conflict = nullptr);
  Result<NomadVariable> renew(const std::string& ns, const std::string& path,
                              const std::string& lock_id, Time now);
  Result<NomadVariable> release(const std::string& ns, const std::string& path,
                                const std::string& lock_id, Time now,
                                std::optional<NomadVariable>* conflict = nullptr);

  // The index of the latest change (X-Nomad-Index).
  std::uint64_t index() const { return index_; }

 private:
  struct Entry {
    NomadVariable variable;
    Time expires{};  // of its lock: the last acquire or renewal plus the TTL
  };
  using Key = std::pair<std::string, std::string>;
  // Drops a lock whose TTL and lock-delay have passed; returns the entry, or null.
  Entry* find(const std::string& ns, const std::string& path, Time now);
  static bool held_by_other(const Entry& e, const std::string& lock_id);
  // Creates or overwrites the variable's items; no check.
  Entry& write(const std::string& ns, const std::string& path,
               std::map<std::string, std::string> items, Time now);
  void touch(NomadVariable& v, Time now);

  std::map<Key, Entry> vars_;
  std::uint64_t index_ = 1;
  IdGenerator lock_ids_;  // UUID-shaped, as Nomad's lock IDs
};

}  // namespace ha
