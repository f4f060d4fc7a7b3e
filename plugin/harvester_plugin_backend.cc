#include "plugin/harvester_plugin_backend.h"

#include <unistd.h>

#include <future>

#include "agent/client_options.h"
#include "agent/nomad_tls.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/http_transport.h"
#include "backends/http/nomad_http_api.h"
#include "engine/cache/cluster_caches.h"
#include "engine/harvester/harvester_target.h"
#include "plugin/plugin_config.h"

namespace ha {
namespace {

Time unix_now() {
  return std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch());
}

HttpTransport::Options base_options(const std::string& product) {
  HttpTransport::Options o;
  o.user_agent = product + " (plugin-" + std::to_string(::getpid()) + ")";
  return o;
}

}  // namespace

struct HarvesterPluginBackend::Clients {
  Clients(EventLoop& loop, const AgentConfig& c, Logger& log, const std::string& product)
      : nomad_transport(loop, with_nomad_tls(base_options(product), c)),
        harvester_transport(loop, with_harvester_tls(base_options(product), c), 2),
        nomad(nomad_transport, {c.nomad_url(), c.nomad_token, c.nomad_region, c.nomad_namespace}),
        harvester(harvester_transport, {c.harvester_url, c.harvester_token}),
        caches(loop, harvester, nomad, cache_options(c)),
        target(loop, nomad, harvester, log, target_options(c, caches)) {}
  HttpTransport nomad_transport;
  HttpTransport harvester_transport;
  NomadHttpApi nomad;
  HarvesterHttpApi harvester;
  ClusterCaches caches;
  HarvesterTarget target;
};

HarvesterPluginBackend::HarvesterPluginBackend(Logger& log, EnvLookup env, std::string product)
    : log_(log), env_(std::move(env)), product_(std::move(product)), loop_(1.0, unix_now()) {
  loop_thread_ = std::thread([this] { loop_.run(); });
}

HarvesterPluginBackend::~HarvesterPluginBackend() {
  std::promise<void> stopped;
  loop_.post([this, &stopped] {
    for (auto& c : clients_) c->caches.stop();
    stopped.set_value();
  });
  stopped.get_future().wait();
  loop_.stop();
  loop_thread_.join();
  clients_.clear();
}

Result<void> HarvesterPluginBackend::configure(const PluginConfig& config) {
  auto c = read_plugin_config(config, env_);
  if (!c) return c.error();
  // Made on the loop, as everything the target touches.
  std::promise<Result<void>> made;
  loop_.post([this, &made, conf = *c] {
    // read_plugin_config checked the connection settings; the clients hold them.
    auto clients = std::make_unique<Clients>(loop_, conf, log_, product_);
    target_.store(&clients->target);
    clients_.push_back(std::move(clients));
    made.set_value(Result<void>{});
  });
  return made.get_future().get();
}

}  // namespace ha
