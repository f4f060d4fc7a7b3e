#include "agent/agent.h"

#include "agent/client_options.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <future>

#include "agent/nomad_tls.h"
#include "backends/api/vm_labels.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"
#include "engine/harvester/group_config.h"
#include "engine/policy/nomad_policy.h"

namespace ha {
namespace {

Time unix_now() {
  return std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch());
}

std::string instance_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "agent");
  return std::string(host) + "-" + std::to_string(::getpid());
}

std::string user_agent(const std::string& product, const std::string& instance) {
  return product + " (" + instance + ")";
}

HttpTransport::Options transport_options(const std::string& product, const std::string& instance,
                                         const std::string& ca_file, bool insecure,
                                         const std::string& ca_pem = "",
                                         std::function<bool()> may_write = nullptr) {
  HttpTransport::Options o;
  o.ca_file = ca_file;
  o.ca_pem = ca_pem;
  o.insecure = insecure;
  o.user_agent = user_agent(product, instance);
  o.may_write = std::move(may_write);
  return o;
}

}  // namespace

HttpTransport::Options Agent::harvester_transport_options() {
  return with_harvester_tls(
      transport_options(config_.product, instance_, "", false, "", [this] { return may_write(); }),
      config_);
}

Agent::Agent(AgentConfig config, Logger& log)
    : config_(std::move(config)),
      log_(log),
      instance_(instance_name()),
      loop_(1.0, unix_now()),
      nomad_transport_(loop_,
                       with_nomad_tls(transport_options(config_.product, instance_, "", false, "",
                                                        [this] { return may_write(); }),
                                      config_)),
      harvester_transport_(loop_, harvester_transport_options(), 2),
      nomad_(nomad_transport_, {config_.nomad_url(), config_.nomad_token, config_.nomad_region,
                                config_.nomad_namespace}),
      harvester_(harvester_transport_, {config_.harvester_url, config_.harvester_token}),
      target_nomad_(config_.target_nomad_address.empty()
                        ? nullptr
                        : std::make_unique<NomadHttpApi>(
                              nomad_transport_,
                              NomadHttpApi::Options{
                                  config_.target_nomad_address, config_.target_nomad_token,
                                  config_.target_nomad_region, config_.target_nomad_namespace})),
      caches_(loop_, harvester_, target_nomad_ ? static_cast<NomadApi&>(*target_nomad_) : nomad_,
              cache_options(config_)),
      // The caches follow the target's Nomad: nomad-apm reads them only when that is its own.
      apm_(loop_, nomad_, config_.watch_cluster_state && !target_nomad_ ? &caches_ : nullptr) {
  apm_.set_node_filter(config_.apm_node_filter);
  if (!config_.prometheus_address.empty()) {
    prometheus_transport_ = std::make_unique<HttpTransport>(loop_, HttpTransport::Options{}, 3);
    prometheus_ = std::make_unique<PrometheusSource>(
        *prometheus_transport_,
        PrometheusSource::Options{config_.prometheus_address, config_.prometheus_token});
  }
  if (config_.high_availability.enabled) {
    const auto& ha = config_.high_availability;
    HttpTransport::Options o =
        with_nomad_tls(transport_options(config_.product, instance_, "", false), config_);
    o.max_attempts = 1;
    o.timeout = std::min<Duration>(ha.lock_ttl / 4, std::chrono::seconds(10));
    lock_transport_ = std::make_unique<HttpTransport>(loop_, o, 4);
    lock_api_ = std::make_unique<NomadLockHttpApi>(
        *lock_transport_,
        NomadLockHttpApi::Options{config_.nomad_url(), config_.nomad_token, config_.nomad_region});
    election_ = std::make_unique<LeaderElection>(
        loop_, *lock_api_,
        LeaderElection::Options{ha.lock_namespace, ha.lock_path, ha.lock_ttl, ha.lock_delay}, log_,
        [this](bool leader) { on_leadership(leader); });
  }
}

Agent::~Agent() {
  if (http_) http_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  loop_.stop();
  if (loop_thread_.joinable()) loop_thread_.join();
}

template <typename F>
auto Agent::on_loop(F f) -> decltype(f()) {
  std::promise<decltype(f())> result;
  loop_.post([&] {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      result.set_value();
    } else {
      result.set_value(f());
    }
  });
  return result.get_future().get();
}

AgentCapabilities Agent::capabilities() const {
  return {prometheus_ != nullptr, config_.dry_run};
}

void Agent::install() {
  for (auto& e : evaluators_) {
    e->stop();
    retired_.push_back(std::move(e));
  }
  evaluators_.clear();
  groups_.clear();
  auto sources = [this](std::string_view name) -> MetricsSource* {
    if (name == "prometheus") return prometheus_.get();
    return name == "nomad-apm" || name.empty() ? &apm_ : nullptr;
  };
  CompiledPolicies all = file_policies_;
  all.insert(all.end(), nomad_policies_.begin(), nomad_policies_.end());
  for (const auto& c : all) {
    if (c->policy().target.name == "harvester") {
      if (auto g = parse_group_config(c->policy().target.config); g) {
        groups_.emplace_back(g->namespace_, g->node_group);
        // Synced from now on, not at the first evaluation; /v1/health waits for it.
        if (config_.watch_cluster_state) {
          caches_.vms(g->namespace_, vm_labels::group_selector(g->node_group));
          caches_.nodes(g->node_class);
        }
      }
    }
    if (!cluster_target_) continue;  // a standby: no term, nothing evaluated
    Target& target = c->policy().target.name == "harvester" ? static_cast<Target&>(*cluster_target_)
                                                            : static_cast<Target&>(*job_target_);
    evaluators_.push_back(std::make_unique<PolicyEvaluator>(
        loop_, c, target, sources, log_, [this](const EvaluationRecord& r) { on_record(r); }));
    evaluators_.back()->set_gate([this] { return may_write(); });
    evaluators_.back()->start();
  }
  metrics_.set_policies(static_cast<std::int64_t>(evaluators_.size()));
  log_.log(LogLevel::kInfo, loop_.now(),
           cluster_target_ ? "policies loaded" : "policies loaded (standby)",
           {{"count", std::to_string(all.size())},
            {"from_files", std::to_string(file_policies_.size())},
            {"from_nomad", std::to_string(nomad_policies_.size())},
            {"dir", config_.policy_dir}});
}

void Agent::refresh_nomad_policies(bool force) {
  if (!config_.policy_source_nomad || stopping_) return;
  nomad_.list_scaling_policies([this, force](Result<std::vector<NomadScalingPolicy>> listed) {
    if (!stopping_) {
      loop_.after(kNomadPolicyRefresh, [this] { refresh_nomad_policies(false); });
    }
    if (!listed) {
      metrics_.record_error("policy_source");
      log_.log(LogLevel::kWarn, loop_.now(), "reading Nomad's scaling policies failed",
               {{"error", listed.error().message}});
      return;
    }
    std::map<std::string, std::uint64_t> seen;
    for (const auto& p : *listed) seen[p.id] = p.modify_index;
    if (!force && seen == nomad_seen_) return;
    nomad_seen_ = seen;
    nomad_policies_.clear();
    for (const auto& p : *listed) {
      auto policy = policy_from_nomad(p, config_.policy_defaults);
      Result<std::shared_ptr<const CompiledPolicy>> prepared =
          policy ? prepare_policy(*policy, capabilities()) : policy.error();
      if (!prepared) {
        // One bad job policy must not stop the others: logged and skipped.
        metrics_.record_error("policy_source");
        log_.log(LogLevel::kError, loop_.now(), "skipping Nomad scaling policy",
                 {{"policy_id", p.id}, {"error", prepared.error().message}});
        continue;
      }
      if ((*prepared)->policy().enabled) nomad_policies_.push_back(*prepared);
    }
    install();
  });
}

void Agent::on_record(const EvaluationRecord& r) {
  metrics_.record_evaluation(r.policy_id, std::string(to_string(r.outcome)));
  if (r.outcome == EvaluationOutcome::kError) metrics_.record_error("evaluation");
  if (r.outcome == EvaluationOutcome::kScaled || r.outcome == EvaluationOutcome::kScaleFailed) {
    metrics_.record_action(r.policy_id, std::string(to_string(r.direction)),
                           r.outcome == EvaluationOutcome::kScaled);
  }
}

void Agent::observe() {
  for (const auto& a :
       cluster_target_ ? cluster_target_->actions() : std::vector<ScaleActionRecord>{}) {
    if (observed_actions_.count(a.id)) continue;
    std::optional<Time> end = a.direction == Direction::kUp ? a.all_ready : a.all_deleted;
    if (!end) continue;
    observed_actions_.insert(a.id);
    metrics_.observe_latency(a.direction == Direction::kUp ? "out" : "in",
                             to_seconds(*end - a.decided));
  }
  auto count_phases = [this](const std::string& group, const VmList& vms) {
    std::map<std::string, std::int64_t> phases;
    for (const auto& vm : vms) ++phases[vm->printable_status];
    metrics_.set_vms(group, phases);
  };
  for (const auto& [ns, group] : groups_) {
    if (config_.watch_cluster_state) {
      const VmCache& cache = caches_.vms(ns, vm_labels::group_selector(group));
      if (caches_.usable(cache)) {
        count_phases(group, cache.vms());
        continue;
      }
    }
    harvester_.list_vms(ns, vm_labels::group_selector(group),
                        [this, group = group, count_phases](Result<VmList> vms) {
                          if (!vms) {
                            metrics_.record_error("vm_listing");
                            return;
                          }
                          count_phases(group, *vms);
                        });
  }
  if (!stopping_) loop_.after(std::chrono::seconds(5), [this] { observe(); });
}

void Agent::observe_caches() {
  std::map<std::string, AgentMetrics::CacheFigures> figures;
  for (const ClusterCaches::State& c : caches_.states()) {
    if (!c.fell_back.empty() && fell_back_.insert(c.name).second) {
      log_.log(LogLevel::kWarn, loop_.now(), "cache falls back to blocking queries",
               {{"cache", c.name}, {"why", c.fell_back}});
    }
    figures[c.name] = {c.events, c.relists,
                       c.staleness ? std::optional(to_seconds(*c.staleness)) : std::nullopt,
                       c.usable};
  }
  metrics_.set_caches(std::move(figures));
  if (!stopping_) loop_.after(std::chrono::seconds(1), [this] { observe_caches(); });
}

Result<int> Agent::start() {
  for (const std::string& w : config_.warnings) {
    log_.log(LogLevel::kWarn, loop_.now(), "config key not acted on", {{"detail", w}});
  }
  auto loaded = load_policy_dir(config_.policy_dir, capabilities(), config_.policy_defaults);
  if (!loaded) return loaded.error();
  file_policies_ = std::move(*loaded);
  if (file_policies_.empty() && !config_.policy_source_nomad) {
    log_.log(LogLevel::kWarn, loop_.now(), "no enabled policies", {{"dir", config_.policy_dir}});
  }
  http_ = std::make_unique<httplib::Server>();
  http_->Get("/v1/health", [this](const httplib::Request&, httplib::Response& res) {
    // 503 while stopping, and while a cache has not synced or has gone silent: an agent
    // that cannot see its cluster is not healthy, whatever its process does.
    // The role is the election's; a standby is healthy (it is ready to take over).
    nlohmann::json body = {{"status", "ok"},
                           {"role", leader_ ? "leader" : "standby"},
                           {"high_availability", config_.high_availability.enabled},
                           {"instance", instance_}};
    if (stopping_) {
      body["status"] = "stopping";
    } else if (auto cache = metrics_.cache_not_current()) {
      body["status"] = "cache not current";
      body["cache"] = *cache;
    }
    res.status = body["status"] == "ok" ? 200 : 503;
    res.set_content(body.dump() + "\n", "application/json");
  });
  http_->Get("/v1/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  int port = config_.http_bind_port == 0
                 ? http_->bind_to_any_port(config_.http_bind_address)
                 : (http_->bind_to_port(config_.http_bind_address, config_.http_bind_port)
                        ? config_.http_bind_port
                        : -1);
  if (port < 0) {
    return make_error("cannot listen on " + config_.http_bind_address + ":" +
                          std::to_string(config_.http_bind_port),
                      ErrorKind::kUnavailable);
  }
  http_thread_ = std::thread([this] { http_->listen_after_bind(); });
  loop_thread_ = std::thread([this] { loop_.run(); });
  on_loop([this] {
    install();
    refresh_nomad_policies(true);
    observe();
    observe_caches();
    start_election();
  });
  return port;
}

Result<void> Agent::reload() {
  auto loaded = load_policy_dir(config_.policy_dir, capabilities(), config_.policy_defaults);
  if (!loaded) {
    metrics_.record_error("policy_source");
    log_.log(LogLevel::kError, loop_.now(), "reload failed; keeping the running policies",
             {{"error", loaded.error().message}});
    return loaded.error();
  }
  on_loop([this, &loaded] {
    file_policies_ = std::move(*loaded);
    install();
    refresh_nomad_policies(true);
  });
  return {};
}

bool Agent::shutdown() {
  stopping_ = true;
  on_loop([this] {
    for (auto& e : evaluators_) e->stop();
    log_.log(LogLevel::kInfo, loop_.now(), "shutting down",
             {{"timeout", format_duration(config_.shutdown_timeout)}});
  });
  auto give_up = std::chrono::steady_clock::now() + config_.shutdown_timeout;
  bool idle = false;
  while (!(idle = on_loop([this] {
             auto busy = [](const auto& e) { return e->scaling(); };
             return std::none_of(evaluators_.begin(), evaluators_.end(), busy) &&
                    std::none_of(retired_.begin(), retired_.end(), busy);
           })) &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!idle) {
    log_.log(LogLevel::kWarn, loop_.now(), "shutdown timeout: scale actions still in flight", {});
  }
  if (election_) {
    // Released, a standby takes over at its next try rather than after TTL and lock-delay.
    auto released = std::make_shared<std::promise<void>>();
    loop_.post([this, released] { election_->stop([released] { released->set_value(); }); });
    released->get_future().wait_for(std::chrono::seconds(5));
  }
  if (http_) http_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  loop_.stop();
  if (loop_thread_.joinable()) loop_thread_.join();
  return idle;
}

}  // namespace ha
