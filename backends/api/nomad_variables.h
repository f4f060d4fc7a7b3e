// Nomad Variables and their locks (Nomad 1.7 and later): the lease with which several agents
// elect one active agent (the agent's `high_availability` block, as upstream's). A lock
// lives on a variable: whoever acquires it gets a lock ID and must renew it within its TTL;
// a lock not renewed in time expires, and stays on the variable for its lock-delay more, so
// nobody else can take it while a paused holder might still be acting.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "backends/api/async.h"
#include "base/time.h"

namespace ha {

struct NomadVariableLock {
  std::string id;  // given by Nomad on acquire; empty in a request for a new lock
  Duration ttl{};
  Duration delay{};
};

struct NomadVariable {
  std::string namespace_ = "default";
  std::string path;
  std::map<std::string, std::string> items;
  std::optional<NomadVariableLock> lock;
  std::uint64_t create_index = 0, modify_index = 0;
  std::int64_t create_time = 0, modify_time = 0;  // Unix nanoseconds
};

// The lock operations of Nomad's Variables API (PUT /v1/var/:path?lock-acquire|lock-renew|
// lock-release, as hashicorp/nomad api/locks.go calls them).
class NomadLockApi {
 public:
  virtual ~NomadLockApi() = default;
  // Takes the lock on `path` (creating the variable). kConflict: another holds it, or its
  // expired lock is still within its lock-delay. kInvalid: a TTL Nomad refuses.
  virtual void acquire_lock(const std::string& ns, const std::string& path,
                            const NomadVariableLock& want, Done<NomadVariable> done) = 0;
  // Extends our lease by its TTL. kConflict: the lock is not ours any more (expired, or taken).
  virtual void renew_lock(const std::string& ns, const std::string& path,
                          const std::string& lock_id, Done<Unit> done) = 0;
  // Gives the lock up at once (no lock-delay follows).
  virtual void release_lock(const std::string& ns, const std::string& path,
                            const std::string& lock_id, Done<Unit> done) = 0;
};

}  // namespace ha
