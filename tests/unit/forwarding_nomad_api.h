// A NomadApi that passes every call to another one: test doubles derive from it and override
// only the calls they change (an index that goes back, a failing call).
#pragma once

#include "backends/api/nomad_api.h"

namespace ha::testing {

class ForwardingNomadApi : public NomadApi {
 public:
  explicit ForwardingNomadApi(NomadApi& inner) : inner_(inner) {}

  void list_nodes(const NomadNodeFilter& f, Done<NodeList> d) override {
    inner_.list_nodes(f, std::move(d));
  }
  void watch_nodes(const NomadNodeFilter& f, std::uint64_t index, Duration wait,
                   Done<NodeListAt> d) override {
    inner_.watch_nodes(f, index, wait, std::move(d));
  }
  void watch_allocations(std::uint64_t index, Duration wait, Done<AllocationListAt> d) override {
    inner_.watch_allocations(index, wait, std::move(d));
  }
  std::unique_ptr<WatchHandle> stream_events(const std::vector<std::string>& topics,
                                             std::uint64_t index,
                                             std::function<void(const NomadEventFrame&)> on_frame,
                                             Done<Unit> d) override {
    return inner_.stream_events(topics, index, std::move(on_frame), std::move(d));
  }
  void get_node(const std::string& id, Done<NomadNode> d) override {
    inner_.get_node(id, std::move(d));
  }
  void drain_node(const std::string& id, std::optional<NomadDrainSpec> spec, bool mark_eligible,
                  Done<Unit> d) override {
    inner_.drain_node(id, std::move(spec), mark_eligible, std::move(d));
  }
  void set_eligibility(const std::string& id, bool eligible, Done<Unit> d) override {
    inner_.set_eligibility(id, eligible, std::move(d));
  }
  void purge_node(const std::string& id, Done<Unit> d) override {
    inner_.purge_node(id, std::move(d));
  }
  void node_allocations(const std::string& id, Done<std::vector<NomadAllocationStub>> d) override {
    inner_.node_allocations(id, std::move(d));
  }
  void list_jobs(Done<std::vector<NomadJobSummary>> d) override { inner_.list_jobs(std::move(d)); }
  void job_summary(const std::string& id, const std::string& ns, Done<NomadJobSummary> d) override {
    inner_.job_summary(id, ns, std::move(d));
  }
  void job_allocations(const std::string& id, const std::string& ns,
                       Done<std::vector<NomadAllocationStub>> d) override {
    inner_.job_allocations(id, ns, std::move(d));
  }
  void allocation_stats(const std::string& id, const std::string& ns,
                        Done<NomadAllocUsage> d) override {
    inner_.allocation_stats(id, ns, std::move(d));
  }
  void list_evaluations(const std::string& status, Done<std::vector<NomadEvaluation>> d) override {
    inner_.list_evaluations(status, std::move(d));
  }
  void list_scaling_policies(Done<std::vector<NomadScalingPolicy>> d) override {
    inner_.list_scaling_policies(std::move(d));
  }
  void get_job(const std::string& job, const std::string& ns, Done<NomadJob> d) override {
    inner_.get_job(job, ns, std::move(d));
  }
  void job_scale_status(const std::string& job, const std::string& ns,
                        Done<NomadJobScaleStatus> d) override {
    inner_.job_scale_status(job, ns, std::move(d));
  }
  void scale_job(const std::string& job, const std::string& group, std::int64_t count,
                 const std::string& reason, const std::string& ns, Done<Unit> d) override {
    inner_.scale_job(job, group, count, reason, ns, std::move(d));
  }

 protected:
  NomadApi& inner_;
};

}  // namespace ha::testing
