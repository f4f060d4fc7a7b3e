#include "apps/emulation.h"

#include <future>
#include <thread>

#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/runtime/realtime_loop.h"
#include "sim/scenario_run.h"

namespace ha {

Result<SimulationOutput> run_emulation(const Scenario& scenario,
                                       const std::vector<Policy>& policies,
                                       const Workload& workload, EmulationOptions options,
                                       const SimulationProgress& progress) {
  if (!(options.speed > 0)) return make_error("speed must be > 0", ErrorKind::kInvalid);
  auto wall_start = std::chrono::steady_clock::now();
  // Declared first: destroyed last, after everything that schedules on it.
  RealtimeLoop loop(options.speed);
  auto created = ScenarioRun::create(loop, scenario, policies, workload);
  if (!created) return created.error();
  ScenarioRun& run = **created;

  // The scenario's API faults are injected by the mock servers, as a failing upstream.
  FaultInjector nomad_faults(scenario.seed + 4), harvester_faults(scenario.seed + 5);
  NomadMockServer::Options nomad_options;
  nomad_options.faults = &nomad_faults;
  HarvesterMockServer::Options harvester_options;
  harvester_options.faults = &harvester_faults;
  NomadMockServer nomad_server(loop, run.nomad(), nomad_options);
  HarvesterMockServer harvester_server(loop, run.harvester(), harvester_options);
  auto nomad_port = nomad_server.start("127.0.0.1", 0);
  if (!nomad_port) return nomad_port.error();
  auto harvester_port = harvester_server.start("127.0.0.1", 0);
  if (!harvester_port) return harvester_port.error();

  HttpTransport transport(loop, {}, scenario.seed + 4);
  NomadHttpApi nomad_api(transport,
                         {"http://127.0.0.1:" + std::to_string(*nomad_port), "", "", ""});
  HarvesterHttpApi harvester_api(transport,
                                 {"http://127.0.0.1:" + std::to_string(*harvester_port), ""});
  if (auto r =
          run.start({&nomad_api, &harvester_api, options.log, &nomad_faults, &harvester_faults});
      !r) {
    return r.error();
  }

  // The report is taken on the loop at the scenario's end, before anything later runs.
  SimulationOutput output;
  std::promise<void> finished;
  loop.at(scenario.duration, [&] {
    double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    output = run.report(loop.events_processed(), wall);
    finished.set_value();
  });
  std::thread loop_thread([&loop] { loop.run(); });
  auto done = finished.get_future();
  while (done.wait_for(std::chrono::milliseconds(250)) != std::future_status::ready) {
    if (progress)
      progress(std::min(loop.now(), scenario.duration), scenario.duration, loop.events_processed());
  }
  if (progress) progress(scenario.duration, scenario.duration, loop.events_processed());
  // Servers first, while the loop still answers their in-flight requests; then the loop.
  nomad_server.stop();
  harvester_server.stop();
  loop.stop();
  loop_thread.join();
  return output;
}

}  // namespace ha
