// The Harvester target behind the plugin: the agent's HTTP clients for Harvester and Nomad,
// made from SetConfig's keys (plugin_config.h), its watch caches and the same
// HarvesterTarget, on a realtime loop whose clock is Unix time (the autoscaler compares
// nomad_autoscaler.last_event with UnixNano).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/agent_config.h"
#include "backends/runtime/realtime_loop.h"
#include "base/log.h"
#include "plugin/plugin_backend.h"

namespace ha {

class HarvesterPluginBackend final : public PluginBackend {
 public:
  // `product` names the User-Agent ("harvester-autoscaler/VERSION").
  HarvesterPluginBackend(Logger& log, EnvLookup env, std::string product);
  // Stops the loop, then the clients.
  ~HarvesterPluginBackend() override;

  // Makes new clients and a new target; the previous ones stay until destruction (calls in
  // flight may still hold them).
  Result<void> configure(const PluginConfig& config) override;
  Target* target() override { return target_.load(); }
  EventLoop& loop() override { return loop_; }

 private:
  struct Clients;
  Logger& log_;
  EnvLookup env_;
  std::string product_;
  RealtimeLoop loop_;
  std::thread loop_thread_;
  std::vector<std::unique_ptr<Clients>> clients_;
  std::atomic<Target*> target_{nullptr};
};

}  // namespace ha
