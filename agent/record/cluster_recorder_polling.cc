// ClusterRecorder's blocking queries, for a cluster that refused the event stream: each list
// asked again with its last answer's index (Nomad answers once something changed, or after
// the wait with the same list). Nomad lists ended allocations until it garbage-collects
// them, so ends are seen with their own ModifyTime; work gone from a list before it was seen
// to end ended at that answer, as far as the recorder can tell.
#include "agent/record/cluster_recorder.h"

#include "base/backoff.h"

namespace ha {
namespace {

constexpr Duration kPollWait = std::chrono::minutes(5);

}  // namespace

void ClusterRecorder::poll_allocations(std::uint64_t index) {
  nomad_.watch_allocations(
      index, kPollWait, guard_.wrap(running_, [this, index](Result<AllocationListAt> r) {
        if (!r) {
          ++failures_in_a_row_;
          Duration wait = jittered_backoff(options_.backoff_base, options_.backoff_cap,
                                           failures_in_a_row_, rng_);
          loop_.after(wait, guard_.wrap(running_, [this, index] { poll_allocations(index); }));
          return;
        }
        failures_in_a_row_ = 0;
        for (const auto& a : r->allocations) observe_time(a.modify_time);
        workload_.on_list(r->allocations, cluster_time(loop_.now()));
        for (const auto& a : r->allocations) read_job_of(a);
        poll_allocations(std::max(index, r->index));
      }));
}

void ClusterRecorder::poll_nodes(std::uint64_t index) {
  nomad_.watch_nodes(
      {options_.node_class, options_.node_pool, ""}, index, kPollWait,
      guard_.wrap(running_, [this, index](Result<NodeListAt> r) {
        if (!r) {
          Duration wait = jittered_backoff(options_.backoff_base, options_.backoff_cap, 3, rng_);
          loop_.after(wait, guard_.wrap(running_, [this, index] { poll_nodes(index); }));
          return;
        }
        for (const auto& n : r->nodes) observe_node(*n);
        poll_nodes(std::max(index, r->index));
      }));
}

}  // namespace ha
