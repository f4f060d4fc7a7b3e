// Nomad Variables' wire format (hashicorp/nomad nomad/structs/variables.go): what the mock
// server writes and the lock client reads and sends. A variable is
// {Namespace, Path, Lock, CreateIndex, CreateTime, ModifyIndex, ModifyTime, Items}; a lock is
// {ID, TTL, LockDelay} with the durations as Go duration strings ("15s"), which Nomad also
// reads as nanoseconds.
#pragma once

#include <nlohmann/json.hpp>

#include "backends/api/nomad_variables.h"
#include "base/result.h"

namespace ha::nomad_json {

// VariableDecrypted; without Items when `items` is false (VariableMetadata), without Lock
// when the variable has none (Nomad's omitempty).
nlohmann::json variable(const NomadVariable& v, bool items = true);
// The body of a lock acquire: {Namespace, Path, Lock: {TTL, LockDelay}} (and ID when set).
nlohmann::json lock_request(const std::string& ns, const std::string& path,
                            const NomadVariableLock& lock);
// The body of a renew or release: {Namespace, Path, Lock: {ID}}.
nlohmann::json lock_id_request(const std::string& ns, const std::string& path,
                               const std::string& lock_id);
// A variable as either of the above carries it; missing fields keep their zero values, a
// field of the wrong type or a duration that is not one is an error naming it.
Result<NomadVariable> read_variable(const nlohmann::json& j);

}  // namespace ha::nomad_json
