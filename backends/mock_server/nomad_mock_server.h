// NomadMockServer: the part of Nomad's HTTP API the autoscaler uses, served with cpp-httplib
// over a NomadModel, in Nomad's wire format (third_party/nomad/): PascalCase
// JSON, X-Nomad-Index (and KnownLeader, LastContact) on reads, blocking queries (`index`,
// `wait`), plain-text errors with Nomad's status codes, X-Nomad-Token (or Authorization:
// Bearer) checked when a token is set.
//
// Endpoints: GET /v1/nodes (`prefix`; `filter` only in the form Name == "x" or
// NodeClass == "x"), GET /v1/node/:id, PUT|POST /v1/node/:id/drain, /eligibility, /purge,
// GET /v1/node/:id/allocations, GET /v1/allocations (`prefix`), GET /v1/jobs (`prefix`; JobSummary
// per task group), GET /v1/job/:id, GET and PUT|POST /v1/job/:id/scale, GET /v1/scaling/policies
// (`job`, `type`), GET /v1/scaling/policy/:id, GET /v1/metrics (JSON, or format=prometheus; see
// nomad_metrics.h), GET /v1/status/leader, GET /v1/event/stream (topics Allocation, Node, Job;
// nomad_event_stream.cc), Variables and their locks: GET /v1/vars, GET, PUT|POST and DELETE
// /v1/var/:path (nomad_variable_routes.cc).
//
// Threads: requests are served on httplib's threads; every model access is posted to the
// loop and waited for, so the model is only touched on the loop's thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "backends/memory/faults.h"
#include "backends/memory/nomad_model.h"
#include "backends/memory/nomad_variables.h"
#include "backends/mock_server/mock_admin.h"
#include "backends/mock_server/mock_http_server.h"
#include "backends/mock_server/write_log.h"
#include "backends/runtime/realtime_loop.h"
#include "base/result.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ha {

class NomadMockServer final : public MockHttpServer {
 public:
  struct Options {
    std::string token;  // empty: no ACLs (every request allowed)
    // Longest a blocking query waits (Nomad caps `wait` at 5m).
    std::chrono::milliseconds max_wait = std::chrono::minutes(5);
    // Injected latency: every request waits this long before it is handled.
    std::chrono::milliseconds delay{0};
    // Injected API faults by operation (see mock_faults.h); null: none. Must outlive us.
    FaultInjector* faults = nullptr;
    // Set: serve the loopback-only fault admin endpoint /_mock/faults (mock_admin.h).
    FaultAdmin fault_admin = nullptr;
    // Set: every request that may change something is recorded there. Must outlive us.
    WriteLog* writes = nullptr;
    // A quiet event stream's heartbeat (Nomad: 30 s); shorter in tests of staleness.
    std::chrono::milliseconds event_heartbeat = std::chrono::seconds(30);
    // HTTPS with this certificate and key (PEM files); with `client_ca`, as a Nomad agent's
    // tls { verify_https_client = true }: no request without a client certificate it signed.
    std::string tls_cert = {}, tls_key = {}, client_ca = {};
  };

  NomadMockServer(RealtimeLoop& loop, NomadModel& model, Options options);
  ~NomadMockServer();

  // start(host, port) and stop(): see MockHttpServer.

 private:
  void routes();
  // The node and allocation reads (nomad_mock_reads.cc).
  void node_read_routes();
  // GET /v1/event/stream (nomad_event_stream.cc).
  void event_stream_route();
  // Variables and locks (nomad_variable_routes.cc).
  void variable_routes();
  // A blocking read: true at once unless ?index=N is given and index_of() is not past N;
  // then waits for a change, up to ?wait (default and cap max_wait) or the server's stop.
  // False after answering 400 for a bad index or wait.
  bool blocking_read(const httplib::Request& req, httplib::Response& res,
                     const std::function<std::uint64_t()>& index_of);
  static std::string operation(const httplib::Request& req);
  // True when an injected fault answered the request.
  bool injected_fault(const httplib::Request& req, httplib::Response& res);

  NomadModel& model_;
  Options options_;
  NomadVariableStore variables_;  // on the loop
};

}  // namespace ha
