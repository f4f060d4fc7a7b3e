// Agent: the long-running autoscaler against a real (or mock) Nomad and Harvester. It loads
// policies from a directory of policy files, evaluates each with the same PolicyEvaluator and
// targets as the simulator, reaches the clusters through the HTTP clients, and serves
// /v1/health and /v1/metrics.
//
// High availability (config high_availability.enabled): the agent is a leader or a standby
// (leader_election.h). A standby loads its policies and keeps its caches current but runs no
// evaluator; the leader runs them in a *term*: targets and evaluators made when it becomes
// the leader and retired when it steps down, so nothing a term remembers (a drain under way,
// a cooldown) is acted on in a later one: a new term starts from what the clusters say, as a
// restart does. As a fence, the transports to Nomad and Harvester send no write unless the
// agent holds a current lease (HttpTransport::Options::may_write). Without HA the agent is
// the leader of one term from start to shutdown.
//
// Threads: policy work runs on the agent's RealtimeLoop thread (Unix-time epoch, speed 1);
// the health/metrics server runs on its own threads; reload() and shutdown() may be called
// from any thread (the command calls them from its signal-waiting thread).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_config.h"
#include "agent/agent_metrics.h"
#include "agent/leader_election.h"
#include "agent/policy_loader.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "backends/http/nomad_lock_http_api.h"
#include "backends/http/prometheus_source.h"
#include "backends/runtime/realtime_loop.h"
#include "engine/harvester/harvester_target.h"
#include "engine/nomad/nomad_apm.h"
#include "engine/nomad/nomad_job_target.h"
#include "engine/policy_evaluator.h"

namespace httplib {
class Server;
}

namespace ha {

class Agent {
 public:
  Agent(AgentConfig config, Logger& log);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Loads the policies (an error names the file and field: nothing starts), binds the HTTP
  // server and starts evaluating. Returns the HTTP port bound.
  Result<int> start();
  // Re-reads the policies. On an error the running policies stay and the error is logged.
  // Thread-safe; returns once the reload is done.
  Result<void> reload();
  // Stops starting evaluations, waits up to the shutdown timeout for scale actions in
  // flight to finish, then stops. Thread-safe. Returns false if it timed out.
  bool shutdown();

  const AgentMetrics& metrics() const { return metrics_; }
  // What this agent calls itself in its User-Agent and logs: HOSTNAME-PID.
  const std::string& instance() const { return instance_; }

 private:
  // How often Nomad's scaling policies are read again (also on SIGHUP).
  static constexpr Duration kNomadPolicyRefresh = std::chrono::seconds(30);
  AgentCapabilities capabilities() const;
  // The Harvester transport's TLS (CA, client certificate) and fence, from the config.
  HttpTransport::Options harvester_transport_options();
  // On the loop: evaluators for file_policies_ + nomad_policies_, replacing the running ones.
  void install();
  // On the loop: reads Nomad's policies; installs when they changed (or `force`).
  void refresh_nomad_policies(bool force);
  void observe();         // on the loop, periodically: VM gauges, latencies
  void observe_caches();  // on the loop, every second: cache figures and health
  void on_record(const EvaluationRecord& r);
  // On the loop (agent_terms.cc): a new term's targets and evaluators; the current term's
  // evaluators stopped and its targets kept until shutdown (their callbacks may be pending).
  void begin_term();
  void end_term();
  void on_leadership(bool leader);
  // Whether the cluster may be changed now (the may_write fence). Thread-safe.
  bool may_write() const;
  // The lock, when HA is on; a standby until it is taken.
  void start_election();
  template <typename F>
  auto on_loop(F f) -> decltype(f());

  AgentConfig config_;
  Logger& log_;
  std::string instance_;
  RealtimeLoop loop_;
  std::thread loop_thread_;
  // HA: the lock's own transport (no fence, one attempt: the election retries) and client.
  // Declared before the other transports, so destroyed after them: their I/O threads ask
  // the election (may_write) until they are gone.
  std::unique_ptr<HttpTransport> lock_transport_;
  std::unique_ptr<NomadLockHttpApi> lock_api_;
  std::unique_ptr<LeaderElection> election_;
  HttpTransport nomad_transport_;
  HttpTransport harvester_transport_;
  NomadHttpApi nomad_;
  HarvesterHttpApi harvester_;
  // The Harvester target's own Nomad client, when configured (target_nomad_address).
  std::unique_ptr<NomadHttpApi> target_nomad_;
  ClusterCaches caches_;  // used when config_.watch_cluster_state
  NomadApmSource apm_;
  std::unique_ptr<HttpTransport> prometheus_transport_;  // when configured
  std::unique_ptr<PrometheusSource> prometheus_;
  AgentMetrics metrics_;
  std::unique_ptr<httplib::Server> http_;
  std::thread http_thread_;

  std::atomic<bool> leader_{false};  // set on the loop, read by /v1/health

  // On the loop:
  std::unique_ptr<HarvesterTarget> cluster_target_;  // the current term's; null between
  std::unique_ptr<NomadJobTarget> job_target_;
  std::vector<std::unique_ptr<Target>> retired_targets_;
  std::vector<std::unique_ptr<PolicyEvaluator>> evaluators_;
  std::vector<std::unique_ptr<PolicyEvaluator>> retired_;    // stopped, maybe still scaling
  std::vector<std::pair<std::string, std::string>> groups_;  // (namespace, node group)
  CompiledPolicies file_policies_, nomad_policies_;
  std::map<std::string, std::uint64_t> nomad_seen_;  // policy ID -> ModifyIndex
  std::set<std::uint64_t> observed_actions_;
  std::set<std::string> fell_back_;  // caches whose fall-back was logged
  std::atomic<bool> stopping_{false};
};

}  // namespace ha
