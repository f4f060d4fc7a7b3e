// WorkloadRecorder::save and load: its state as JSON, for a recording resumed by a later
// `record --out DIR` (the "workload" part of DIR/record.state.json). Times are integer
// nanoseconds of the cluster's clock.
#include <nlohmann/json.hpp>

#include "agent/record/workload_recorder.h"

namespace ha {

using json = nlohmann::json;

json WorkloadRecorder::save() const {
  std::vector<json> chains(chains_.size());
  for (std::size_t i = 0; i < chains_.size(); ++i) {
    const Chain& c = chains_[i];
    chains[i] = {{"job", c.job},
                 {"group", c.group},
                 {"type", c.type},
                 {"cpu_mhz", c.cpu_mhz},
                 {"memory_mb", c.memory_mb},
                 {"first_placed", c.first_placed.count()},
                 {"last_placed", c.last_placed.count()},
                 {"current", c.current},
                 {"ended", c.ended ? json(c.ended->count()) : json(nullptr)},
                 {"completed", c.completed},
                 {"node_ids", c.node_ids},
                 {"allocations", json::array()}};
  }
  for (const auto& [id, chain] : chain_of_) chains[chain]["allocations"].push_back(id);
  json jobs = json::object();
  for (const auto& [id, type] : job_types_) jobs[id]["type"] = type;
  for (const auto& [id, versions] : job_versions_) {
    for (Time t : versions) jobs[id]["versions"].push_back(t.count());
  }
  for (const auto& [id, asked] : asked_) {
    json groups = json::array();
    for (const NomadJobTaskGroup& g : asked.second) {
      groups.push_back({{"name", g.name},
                        {"count", g.count},
                        {"cpu_mhz", g.cpu_mhz},
                        {"memory_mb", g.memory_mb}});
    }
    jobs[id]["asked"] = {{"submit", asked.first.count()}, {"groups", groups}};
  }
  return {{"chains", chains},
          {"jobs", jobs},
          {"replacements", replacements_},
          {"ended_unseen", ended_unseen_}};
}

Result<Unit> WorkloadRecorder::load(const json& state) {
  WorkloadRecorder r;
  std::string at = "workload";
  try {
    at = "workload.chains";
    const json& chains = state.at("chains");
    if (!chains.is_array()) return make_error(at + ": expected an array", ErrorKind::kInvalid);
    for (std::size_t i = 0; i < chains.size(); ++i) {
      at = "workload.chains[" + std::to_string(i) + "]";
      const json& j = chains[i];
      Chain c;
      c.job = j.at("job").get<std::string>();
      c.group = j.at("group").get<std::string>();
      c.type = j.at("type").get<std::string>();
      c.cpu_mhz = j.at("cpu_mhz").get<std::int64_t>();
      c.memory_mb = j.at("memory_mb").get<std::int64_t>();
      c.first_placed = Time(j.at("first_placed").get<std::int64_t>());
      c.last_placed = Time(j.at("last_placed").get<std::int64_t>());
      c.current = j.at("current").get<std::string>();
      if (!j.at("ended").is_null()) c.ended = Time(j.at("ended").get<std::int64_t>());
      c.completed = j.at("completed").get<bool>();
      c.node_ids = j.at("node_ids").get<std::vector<std::string>>();
      for (const json& id : j.at("allocations")) r.chain_of_[id.get<std::string>()] = i;
      r.chains_.push_back(std::move(c));
    }
    for (const auto& [id, job] : state.at("jobs").items()) {
      at = "workload.jobs[\"" + id + "\"]";
      if (job.contains("type")) r.job_types_[id] = job.at("type").get<std::string>();
      if (job.contains("versions")) {
        for (const json& t : job.at("versions")) {
          r.job_versions_[id].insert(Time(t.get<std::int64_t>()));
        }
      }
      if (job.contains("asked")) {
        auto& asked = r.asked_[id];
        asked.first = Time(job.at("asked").at("submit").get<std::int64_t>());
        for (const json& g : job.at("asked").at("groups")) {
          asked.second.push_back(
              {g.at("name").get<std::string>(), g.at("count").get<std::int64_t>(),
               g.at("cpu_mhz").get<std::int64_t>(), g.at("memory_mb").get<std::int64_t>()});
        }
        if (!r.job_types_.count(id)) return make_error(at + ".type: missing", ErrorKind::kInvalid);
      }
    }
    at = "workload";
    r.replacements_ = state.at("replacements").get<std::int64_t>();
    r.ended_unseen_ = state.at("ended_unseen").get<std::int64_t>();
  } catch (const json::exception& e) {
    return make_error(at + ": " + e.what(), ErrorKind::kInvalid);
  }
  *this = std::move(r);
  return Unit{};
}

}  // namespace ha
