// ClusterRecorder::save and resume: what a later `record --out DIR` needs to continue a
// recording (DIR/record.state.json): its start and the time of the save on the cluster's
// clock, the last index, the counts, the gaps, the nodes and the workload.
#include <nlohmann/json.hpp>

#include "agent/record/cluster_recorder.h"

namespace ha {

using json = nlohmann::json;

json ClusterRecorder::save() const {
  json gaps = json::array();
  for (const Gap& g : gaps_) {
    gaps.push_back({{"at", g.at.count()}, {"after_index", g.after_index}, {"why", g.why}});
  }
  json nodes = json::object();
  for (const auto& [id, size] : node_sizes_) nodes[id] = {size.first, size.second};
  return {{"version", 1},
          {"recording_start", recording_start().count()},
          {"saved_at", cluster_time(loop_.now()).count()},
          {"last_index", last_index_},
          {"events", events_},
          {"skipped_events", skipped_count_},
          {"skipped_messages", skipped_},
          {"gaps", gaps},
          {"initial_nodes", initial_nodes_},
          {"node_sizes", nodes},
          {"nodes_in_scope", in_scope_},
          {"workload", workload_.save()}};
}

Result<Unit> ClusterRecorder::resume(const json& state) {
  if (running_) return make_error("resume: the recorder is already running");
  std::string at = "state";
  try {
    if (state.at("version").get<int>() != 1) {
      return make_error("version: " + state.at("version").dump() + " is not 1",
                        ErrorKind::kInvalid);
    }
    at = "workload";
    if (auto r = workload_.load(state.at("workload")); !r) return r.error();
    at = "gaps";
    gaps_.clear();
    for (const json& g : state.at("gaps")) {
      gaps_.push_back({Time(g.at("at").get<std::int64_t>()),
                       g.at("after_index").get<std::uint64_t>(), g.at("why").get<std::string>()});
    }
    at = "node_sizes";
    node_sizes_.clear();
    for (const auto& [id, size] : state.at("node_sizes").items()) {
      node_sizes_[id] = {size.at(0).get<std::int64_t>(), size.at(1).get<std::int64_t>()};
    }
    at = "nodes_in_scope";
    in_scope_ = state.at("nodes_in_scope").get<std::set<std::string>>();
    at = "state";
    resumed_start_ = Time(state.at("recording_start").get<std::int64_t>());
    last_index_ = state.at("last_index").get<std::uint64_t>();
    events_ = state.at("events").get<std::uint64_t>();
    skipped_count_ = state.at("skipped_events").get<std::uint64_t>();
    skipped_ = state.at("skipped_messages").get<std::vector<std::string>>();
    initial_nodes_ = state.at("initial_nodes").get<std::int64_t>();
    // Not recording from the save to the resumed run's lists: what ended meanwhile ends at
    // those lists, as after a dropped stream.
    gaps_.push_back({Time(state.at("saved_at").get<std::int64_t>()), last_index_,
                     "the recorder was not running (resumed later)"});
  } catch (const json::exception& e) {
    resumed_start_.reset();
    return make_error(at + ": " + e.what(), ErrorKind::kInvalid);
  }
  return Unit{};
}

}  // namespace ha
