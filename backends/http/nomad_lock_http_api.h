// NomadLockHttpApi: NomadLockApi over Nomad's Variables API (PUT /v1/var/:path with
// ?lock-acquire, ?lock-renew or ?lock-release and ?namespace=), as hashicorp/nomad's
// api/locks.go sends them. The token goes in X-Nomad-Token only. 409 is kConflict (another
// holds the lock, or ours expired); errors name the method and path.
#pragma once

#include <string>

#include "backends/api/nomad_variables.h"
#include "backends/http/http_transport.h"

namespace ha {

class NomadLockHttpApi final : public NomadLockApi {
 public:
  struct Options {
    std::string address = "http://127.0.0.1:4646";
    std::string token;   // from env or a file, never from a command line
    std::string region;  // empty: the agent's
  };
  NomadLockHttpApi(HttpTransport& transport, Options options);

  void acquire_lock(const std::string& ns, const std::string& path, const NomadVariableLock& want,
                    Done<NomadVariable> done) override;
  void renew_lock(const std::string& ns, const std::string& path, const std::string& lock_id,
                  Done<Unit> done) override;
  void release_lock(const std::string& ns, const std::string& path, const std::string& lock_id,
                    Done<Unit> done) override;

 private:
  HttpRequest request(const std::string& ns, const std::string& path, const char* operation,
                      const std::string& body) const;
  // A renewal or a release: the lock's ID in the body, the answer's body not needed.
  void by_lock_id(const std::string& ns, const std::string& path, const char* operation,
                  const std::string& lock_id, Done<Unit> done);

  HttpTransport& transport_;
  Options options_;
};

}  // namespace ha
