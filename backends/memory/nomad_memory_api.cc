#include "backends/memory/nomad_memory_api.h"

namespace ha {

void NomadMemoryApi::list_nodes(const NomadNodeFilter& filter, Done<NodeList> done) {
  caller_.call<NodeList>(
      "list_nodes", [this, filter] { return model_.list_nodes(filter); }, std::move(done));
}

void NomadMemoryApi::block(std::uint64_t index, Duration wait,
                           const std::function<std::uint64_t()>& index_of,
                           const std::function<void(std::function<void()>)>& on_next_change,
                           std::function<void()> answer) {
  struct Waiting {
    bool answered = false;
    std::optional<EventLoop::TimerId> timer;
  };
  auto waiting = std::make_shared<Waiting>();
  auto once = [this, alive = std::weak_ptr<bool>(alive_), waiting, answer = std::move(answer)] {
    auto a = alive.lock();
    if (!a || !*a || waiting->answered) return;
    waiting->answered = true;
    if (waiting->timer) loop_.cancel(*waiting->timer);
    answer();
  };
  if (index_of() > index) return once();
  on_next_change(once);
  waiting->timer = loop_.after(wait, once);
}

void NomadMemoryApi::watch_nodes(const NomadNodeFilter& filter, std::uint64_t index, Duration wait,
                                 Done<NodeListAt> done) {
  block(
      index, wait, [this] { return model_.nodes_index(); },
      [this](std::function<void()> f) { model_.on_next_node_change(std::move(f)); },
      [this, filter, done = std::move(done)] {
        caller_.call<NodeListAt>(
            "list_nodes",
            [this, filter]() -> Result<NodeListAt> {
              return NodeListAt{model_.list_nodes(filter), model_.nodes_index()};
            },
            done);
      });
}

void NomadMemoryApi::watch_allocations(std::uint64_t index, Duration wait,
                                       Done<AllocationListAt> done) {
  block(
      index, wait, [this] { return model_.allocations_index(); },
      [this](std::function<void()> f) { model_.on_next_allocation_change(std::move(f)); },
      [this, done = std::move(done)] {
        caller_.call<AllocationListAt>(
            "list_allocations",
            [this]() -> Result<AllocationListAt> {
              AllocationListAt out{{}, model_.allocations_index()};
              for (auto& [a, node_name] : model_.all_allocations())
                out.allocations.push_back(std::move(a));
              return out;
            },
            done);
      });
}

std::unique_ptr<WatchHandle> NomadMemoryApi::stream_events(
    const std::vector<std::string>& topics, std::uint64_t index,
    std::function<void(const NomadEventFrame&)> on_frame, Done<Unit> done) {
  return stream_model_events(loop_, model_, topics, index, heartbeat_, std::move(on_frame),
                             std::move(done),
                             decide_watch_faults(faults_, "stream_events", kStreamFaultSpan, rng_));
}

void NomadMemoryApi::get_node(const std::string& node_id, Done<NomadNode> done) {
  caller_.call<NomadNode>(
      "get_node", [this, node_id] { return model_.node(node_id); }, std::move(done));
}

void NomadMemoryApi::drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                                bool mark_eligible, Done<Unit> done) {
  caller_.call<Unit>(
      "drain_node",
      [this, node_id, spec, mark_eligible] {
        return model_.drain_node(node_id, spec, mark_eligible);
      },
      std::move(done));
}

void NomadMemoryApi::set_eligibility(const std::string& node_id, bool eligible, Done<Unit> done) {
  caller_.call<Unit>(
      "set_eligibility",
      [this, node_id, eligible] { return model_.set_eligibility(node_id, eligible); },
      std::move(done));
}

void NomadMemoryApi::purge_node(const std::string& node_id, Done<Unit> done) {
  caller_.call<Unit>(
      "purge_node", [this, node_id] { return model_.purge_node(node_id); }, std::move(done));
}

void NomadMemoryApi::node_allocations(const std::string& node_id,
                                      Done<std::vector<NomadAllocationStub>> done) {
  caller_.call<std::vector<NomadAllocationStub>>(
      "node_allocations", [this, node_id] { return model_.node_allocations(node_id); },
      std::move(done));
}

void NomadMemoryApi::list_jobs(Done<std::vector<NomadJobSummary>> done) {
  caller_.call<std::vector<NomadJobSummary>>(
      "list_jobs", [this]() -> Result<std::vector<NomadJobSummary>> { return model_.list_jobs(); },
      std::move(done));
}

void NomadMemoryApi::job_summary(const std::string& job_id, const std::string&,
                                 Done<NomadJobSummary> done) {
  caller_.call<NomadJobSummary>(
      "job_summary", [this, job_id] { return model_.job_summary(job_id); }, std::move(done));
}

void NomadMemoryApi::job_allocations(const std::string& job_id, const std::string&,
                                     Done<std::vector<NomadAllocationStub>> done) {
  caller_.call<std::vector<NomadAllocationStub>>(
      "job_allocations", [this, job_id] { return model_.job_allocations(job_id); },
      std::move(done));
}

void NomadMemoryApi::allocation_stats(const std::string& alloc_id, const std::string&,
                                      Done<NomadAllocUsage> done) {
  caller_.call<NomadAllocUsage>(
      "allocation_stats", [this, alloc_id] { return model_.allocation_stats(alloc_id); },
      std::move(done));
}

void NomadMemoryApi::list_evaluations(const std::string& status,
                                      Done<std::vector<NomadEvaluation>> done) {
  // The model keeps no evaluation history: blocked ones are all it has.
  caller_.call<std::vector<NomadEvaluation>>(
      "list_evaluations",
      [this, status]() -> Result<std::vector<NomadEvaluation>> {
        if (!status.empty() && status != "blocked") return std::vector<NomadEvaluation>{};
        return model_.blocked_evaluations();
      },
      std::move(done));
}

void NomadMemoryApi::list_scaling_policies(Done<std::vector<NomadScalingPolicy>> done) {
  caller_.call<std::vector<NomadScalingPolicy>>(
      "list_scaling_policies",
      [this]() -> Result<std::vector<NomadScalingPolicy>> { return model_.scaling_policies(); },
      std::move(done));
}

void NomadMemoryApi::get_job(const std::string& job_id, const std::string&, Done<NomadJob> done) {
  caller_.call<NomadJob>(
      "get_job", [this, job_id] { return model_.job(job_id); }, std::move(done));
}

void NomadMemoryApi::job_scale_status(const std::string& job_id, const std::string&,
                                      Done<NomadJobScaleStatus> done) {
  caller_.call<NomadJobScaleStatus>(
      "job_scale_status", [this, job_id] { return model_.job_scale_status(job_id); },
      std::move(done));
}

void NomadMemoryApi::scale_job(const std::string& job_id, const std::string& group,
                               std::int64_t count, const std::string&, const std::string&,
                               Done<Unit> done) {
  caller_.call<Unit>(
      "scale_job", [this, job_id, group, count] { return model_.scale_job(job_id, group, count); },
      std::move(done));
}

}  // namespace ha
