// What preflight's checks share: the HTTP clients of the agent's config on a loop of their
// own, and a way to wait for one call's answer from the command's thread.
#pragma once

#include <future>
#include <thread>

#include "agent/agent_config.h"
#include "agent/preflight.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "backends/runtime/realtime_loop.h"

namespace ha {

class PreflightContext {
 public:
  explicit PreflightContext(const AgentConfig& config);
  ~PreflightContext();

  // Sends `call` on the loop and waits for its answer.
  template <typename T, typename Call>
  Result<T> wait(Call call) {
    std::promise<Result<T>> answer;
    loop_.post([&] { call([&answer](Result<T> r) { answer.set_value(std::move(r)); }); });
    return answer.get_future().get();
  }

  const AgentConfig& config;
  HarvesterHttpApi& harvester() { return harvester_; }
  NomadHttpApi& nomad() { return nomad_; }

 private:
  RealtimeLoop loop_;
  HttpTransport harvester_transport_, nomad_transport_;
  HarvesterHttpApi harvester_;
  NomadHttpApi nomad_;
  std::thread thread_;
};

inline PreflightCheck pass(std::string what) {
  return {true, std::move(what), ""};
}
inline PreflightCheck fail(std::string what, std::string fix) {
  return {false, std::move(what), std::move(fix)};
}

// preflight_harvester.cc
PreflightSection harvester_checks(PreflightContext& ctx);
PreflightSection policy_checks(PreflightContext& ctx, const Policy& policy);
// preflight_nomad.cc
PreflightSection nomad_checks(PreflightContext& ctx, const CompiledPolicies& policies);

}  // namespace ha
