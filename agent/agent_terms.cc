// The agent's terms as the leader (agent.h): what begins when it becomes the leader and ends
// when it steps down, and the fence on its writes.
#include "agent/agent.h"
#include "agent/client_options.h"

namespace ha {

bool Agent::may_write() const {
  return !election_ || election_->leading();
}

void Agent::start_election() {
  if (election_) {
    metrics_.set_leader(false);
    election_->start();
  } else {
    on_leadership(true);
  }
}

void Agent::on_leadership(bool leader) {
  leader_ = leader;
  metrics_.set_leader(leader);
  if (leader) {
    begin_term();
  } else {
    end_term();
  }
}

void Agent::begin_term() {
  if (stopping_) return;
  NomadApi& target_nomad = target_nomad_ ? static_cast<NomadApi&>(*target_nomad_) : nomad_;
  cluster_target_ = std::make_unique<HarvesterTarget>(loop_, target_nomad, harvester_, log_,
                                                      target_options(config_, caches_));
  job_target_ = std::make_unique<NomadJobTarget>(loop_, nomad_, log_);
  install();
}

void Agent::end_term() {
  for (auto& e : evaluators_) {
    e->stop();
    retired_.push_back(std::move(e));
  }
  evaluators_.clear();
  // Kept: their pending callbacks (polls of a scale action) may still run; the fence makes
  // any write they attempt fail, and the next term's reconcile settles what they leave.
  if (cluster_target_) retired_targets_.push_back(std::move(cluster_target_));
  if (job_target_) retired_targets_.push_back(std::move(job_target_));
  metrics_.set_policies(0);
}

}  // namespace ha
