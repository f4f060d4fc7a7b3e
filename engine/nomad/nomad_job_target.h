// NomadJobTarget (`nomad-target` in policies): the count of a Nomad task group, as
// upstream's nomad target plugin.
//
// status: GET /v1/job/:id/scale; count = the group's running allocations, ready = the job
//   is not stopped (upstream's semantics: a scale-out under way shows as a lower count).
// scale: POST /v1/job/:id/scale with the action's count and reason; Nomad places or stops
//   the allocations. dry-run reports the change and calls nothing.
// Config keys (checked by the plugin catalog): Job, Group, Namespace (default "default").
#pragma once

#include "backends/api/nomad_api.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "engine/target.h"

namespace ha {

class NomadJobTarget final : public Target {
 public:
  NomadJobTarget(EventLoop& loop, NomadApi& nomad, Logger& log)
      : loop_(loop), nomad_(nomad), log_(log) {}

  Result<void> set_config(const PluginConfig&) override { return {}; }
  void status(const PluginConfig& policy_config, StatusCallback done) override;
  void scale(const ScaleRequest& request, const PluginConfig& policy_config,
             ScaleCallback done) override;

 private:
  EventLoop& loop_;
  NomadApi& nomad_;
  Logger& log_;
};

}  // namespace ha
