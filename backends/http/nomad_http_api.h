// NomadHttpApi: NomadApi over Nomad's HTTP API (a real Nomad, or the mock server), through
// an HttpTransport. The token goes in X-Nomad-Token and nowhere else. Status codes become
// error kinds (404 kNotFound, 400 kInvalid, 403 kInvalid, 409 kConflict, 429/5xx kUnavailable
// once the transport's retries are spent); messages name the method and path and carry
// Nomad's plain-text error body.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/api/nomad_api.h"
#include "backends/http/http_transport.h"

namespace ha {

class NomadHttpApi final : public NomadApi {
 public:
  struct Options {
    std::string address = "http://127.0.0.1:4646";
    std::string token;       // from env or a file, never from a command line
    std::string region;      // empty: the agent's
    std::string namespace_;  // empty: "default"
    // The longest an event stream is read before the transport ends it (kTimeout): a bound
    // on a connection that died without a word; callers restart streams sooner.
    Duration stream_limit = std::chrono::hours(2);
  };
  NomadHttpApi(HttpTransport& transport, Options options);

  void list_nodes(const NomadNodeFilter& filter, Done<NodeList> done) override;
  void watch_nodes(const NomadNodeFilter& filter, std::uint64_t index, Duration wait,
                   Done<NodeListAt> done) override;
  void watch_allocations(std::uint64_t index, Duration wait, Done<AllocationListAt> done) override;
  std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>& topics,
                                             std::uint64_t index,
                                             std::function<void(const NomadEventFrame&)> on_frame,
                                             Done<Unit> done) override;
  void get_node(const std::string& node_id, Done<NomadNode> done) override;
  void drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                  bool mark_eligible, Done<Unit> done) override;
  void set_eligibility(const std::string& node_id, bool eligible, Done<Unit> done) override;
  void purge_node(const std::string& node_id, Done<Unit> done) override;
  void node_allocations(const std::string& node_id,
                        Done<std::vector<NomadAllocationStub>> done) override;
  void list_jobs(Done<std::vector<NomadJobSummary>> done) override;
  void job_summary(const std::string& job_id, const std::string& ns,
                   Done<NomadJobSummary> done) override;
  void job_allocations(const std::string& job_id, const std::string& ns,
                       Done<std::vector<NomadAllocationStub>> done) override;
  void allocation_stats(const std::string& alloc_id, const std::string& ns,
                        Done<NomadAllocUsage> done) override;
  void list_evaluations(const std::string& status,
                        Done<std::vector<NomadEvaluation>> done) override;
  void list_scaling_policies(Done<std::vector<NomadScalingPolicy>> done) override;
  void get_job(const std::string& job_id, const std::string& ns, Done<NomadJob> done) override;
  void job_scale_status(const std::string& job_id, const std::string& ns,
                        Done<NomadJobScaleStatus> done) override;
  void scale_job(const std::string& job_id, const std::string& group, std::int64_t count,
                 const std::string& reason, const std::string& ns, Done<Unit> done) override;
  // For preflight: any GET's JSON (/v1/status/leader, /v1/acl/token/self, ...).
  void get_json(const std::string& path, Done<nlohmann::json> done);

 private:
  // The request (address, region, token) of a call.
  HttpRequest request(const std::string& method, const std::string& path, const std::string& query,
                      const std::string& body) const;
  // Builds the request and sends it with send_json_call.
  template <typename T, typename Parse>
  void call(const std::string& method, const std::string& path, const std::string& query,
            const std::string& body, Done<T> done, Parse parse);

  // A blocking query: GET path?query&index=N&wait=W (at once for index 0); `done` gets the
  // parsed body and the answer's X-Nomad-Index, whose absence is an error.
  template <typename T, typename Parse>
  void blocking_get(const std::string& path, std::string query, std::uint64_t index, Duration wait,
                    Done<std::pair<T, std::uint64_t>> done, Parse parse);

  HttpTransport& transport_;
  Options options_;
};

}  // namespace ha
