// FaultControl: the faults of a standalone mock server, set by `mock-nomad --faults FILE`,
// `mock-harvester --faults FILE` or their loopback admin endpoint (/_mock/faults, see
// backends/mock_server/mock_admin.h). Faults are written as a scenario's `faults`
// (docs/scenarios.md), with `from` and `until` counted from when they are set, and limited
// to what the one API and model behind the server can show: API faults of that API, plus
// drain_stuck (Nomad) or vm_stuck_starting and vm_unschedulable (Harvester).
//
// Threads: every call is made on the loop's thread (the admin endpoint posts to it).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/memory/faults.h"
#include "backends/memory/harvester_model.h"
#include "backends/memory/nomad_model.h"
#include "backends/mock_server/mock_admin.h"
#include "backends/runtime/realtime_loop.h"
#include "base/event_loop.h"
#include "engine/policy/diagnostic.h"
#include "sim/fault_plan.h"

namespace ha {

class FaultControl {
 public:
  // `api` is "nomad" (give `nomad`) or "harvester" (give `harvester`); `injector` is the one
  // the server consults. All must outlive this.
  FaultControl(EventLoop& loop, std::string api, FaultInjector& injector, HarvesterModel* harvester,
               NomadModel* nomad);
  ~FaultControl();
  FaultControl(const FaultControl&) = delete;
  FaultControl& operator=(const FaultControl&) = delete;

  // Replaces the faults with those of `doc` (a faults array, or an object holding one under
  // "faults"). Problems are added to `diags` against `source`, and then nothing changes.
  bool replace(const nlohmann::json& doc, const std::string& source, Diagnostics& diags);
  // Ends every fault at once.
  void clear();
  // {"set_at": seconds of loop time, "faults": [...]} as they were set.
  nlohmann::ordered_json describe() const;

  // The admin endpoint's answer to METHOD /_mock/faults with `body`: GET describes, PUT
  // replaces (400 naming the field on bad input), DELETE clears.
  std::pair<int, std::string> admin(const std::string& method, const std::string& body);

 private:
  EventLoop& loop_;
  std::string api_;
  FaultInjector& injector_;
  HarvesterModel* harvester_;
  NomadModel* nomad_;
  std::vector<FaultSpec> given_;    // as written (times from `set_at_`)
  std::vector<FaultSpec> running_;  // in loop time, what plan_ refers to
  std::unique_ptr<FaultPlan> plan_;
  Time set_at_{0};
};

// The admin endpoint's handler for a server whose `loop` runs on another thread: `control`
// answers on the loop's thread.
FaultAdmin fault_admin_on_loop(RealtimeLoop& loop, FaultControl& control);

}  // namespace ha
