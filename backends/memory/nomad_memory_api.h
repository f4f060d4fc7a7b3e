// NomadApi over a NomadModel: every call completes on the loop after the modelled API
// latency, and may be failed by a FaultInjector.
#pragma once

#include "backends/memory/model_call.h"
#include "backends/memory/model_event_stream.h"
#include "backends/memory/nomad_model.h"

namespace ha {

class NomadMemoryApi final : public NomadApi {
 public:
  NomadMemoryApi(EventLoop& loop, NomadModel& model, Latency latency,
                 FaultInjector* faults = nullptr, std::uint64_t seed = 1)
      : loop_(loop),
        model_(model),
        faults_(faults),
        caller_(loop, latency, faults, seed),
        rng_(seed ^ 0x5ee5) {}
  ~NomadMemoryApi() override { *alive_ = false; }

  void list_nodes(const NomadNodeFilter& filter, Done<NodeList> done) override;
  void watch_nodes(const NomadNodeFilter& filter, std::uint64_t index, Duration wait,
                   Done<NodeListAt> done) override;
  void watch_allocations(std::uint64_t index, Duration wait, Done<AllocationListAt> done) override;
  // Faults on "stream_events": an error ends the stream at a uniformly drawn point of its
  // first `kStreamFaultSpan` (a dropped stream); a latency spike delays every frame.
  std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>& topics,
                                             std::uint64_t index,
                                             std::function<void(const NomadEventFrame&)> on_frame,
                                             Done<Unit> done) override;
  static constexpr Duration kStreamFaultSpan = std::chrono::minutes(5);
  // Nomad sends a heartbeat every 30 s on a quiet stream.
  void set_event_heartbeat(Duration every) { heartbeat_ = every; }
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

 private:
  // Answers `answer` once `index_of()` is past `index`, or after `wait`.
  void block(std::uint64_t index, Duration wait, const std::function<std::uint64_t()>& index_of,
             const std::function<void(std::function<void()>)>& on_next_change,
             std::function<void()> answer);

  EventLoop& loop_;
  NomadModel& model_;
  FaultInjector* faults_;
  ModelCaller caller_;
  std::mt19937_64 rng_;
  Duration heartbeat_ = std::chrono::seconds(30);
  // Blocking queries wait on the model and a timer: their callbacks check this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ha
