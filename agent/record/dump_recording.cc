#include "agent/record/dump_recording.h"

#include <algorithm>
#include <filesystem>

#include "backends/runtime/text_file.h"
#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

using nlohmann::json;

// DIR/name as a JSON array; a missing optional file is an empty array.
Result<json> read_array(const std::string& dir, const std::string& name, bool required) {
  std::string path = dir + "/" + name;
  std::error_code ec;
  if (!required && !std::filesystem::exists(path, ec)) return json::array();
  auto text = read_text_file(path);
  if (!text) return text.error();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return make_error(path + ": not JSON", ErrorKind::kInvalid);
  if (!j.is_array()) {
    return make_error(path + ": expected an array (the answer of the list endpoint)",
                      ErrorKind::kInvalid);
  }
  return j;
}

std::string at(const std::string& dir, const std::string& name, std::size_t i) {
  return dir + "/" + name + "[" + std::to_string(i) + "]: ";
}

// The newest modification time of the dump's files, on the system clock.
Time files_time(const std::string& dir) {
  Time newest{0};
  for (const char* name : {"allocations.json", "nodes.json", "jobs.json"}) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(dir + "/" + name, ec);
    if (ec) continue;
    auto system = std::chrono::file_clock::to_sys(t);
    newest = std::max(newest, std::chrono::duration_cast<Time>(system.time_since_epoch()));
  }
  return newest;
}

}  // namespace

Result<DumpRecording> DumpRecording::read(const std::string& dir, const std::string& node_class,
                                          const std::string& node_pool,
                                          std::optional<Time> taken_at) {
  DumpRecording d;
  auto allocations_json = read_array(dir, "allocations.json", true);
  if (!allocations_json) return allocations_json.error();
  auto nodes_json = read_array(dir, "nodes.json", true);
  if (!nodes_json) return nodes_json.error();
  auto jobs_json = read_array(dir, "jobs.json", false);
  if (!jobs_json) return jobs_json.error();

  d.scoped_ = !node_class.empty() || !node_pool.empty();
  for (std::size_t i = 0; i < nodes_json->size(); ++i) {
    auto n = nomad_json::read_node_stub((*nodes_json)[i]);
    if (!n) return make_error(at(dir, "nodes.json", i) + n.error().message, ErrorKind::kInvalid);
    if (!node_class.empty() && n->node_class != node_class) continue;
    if (!node_pool.empty() && n->node_pool != node_pool) continue;
    d.in_scope_.insert(n->id);
    if (n->cpu_mhz > 0) d.sizes_[n->id] = {n->cpu_mhz, n->memory_mb};
    if (n->status == "ready") ++d.ready_;
  }
  if (d.sizes_.empty()) {
    return make_error(dir + "/nodes.json: no node" +
                          (d.scoped_ ? " of the class and pool asked for" : std::string()) +
                          " with its resources (save GET /v1/nodes?resources=true)",
                      ErrorKind::kInvalid);
  }

  std::vector<NomadAllocationStub> allocations;
  std::optional<Time> oldest_ended, oldest;
  for (std::size_t i = 0; i < allocations_json->size(); ++i) {
    auto a = nomad_json::read_allocation((*allocations_json)[i]);
    if (!a) {
      return make_error(at(dir, "allocations.json", i) + a.error().message, ErrorKind::kInvalid);
    }
    if (a->create_time <= Time(0)) {
      return make_error(at(dir, "allocations.json", i) + "CreateTime: missing",
                        ErrorKind::kInvalid);
    }
    oldest = std::min(oldest.value_or(a->create_time), a->create_time);
    if (is_terminal(*a))
      oldest_ended = std::min(oldest_ended.value_or(a->create_time), a->create_time);
    d.end_ = std::max({d.end_, a->modify_time, a->create_time});
    allocations.push_back(std::move(*a));
  }
  d.workload_.on_list(allocations);

  // Jobs: full ones (TaskGroups) as Job events show them; list stubs for their type, their
  // SubmitTime and their summary (how many allocations the job has had).
  std::int64_t summarized = 0, summaries = 0;
  for (std::size_t i = 0; i < jobs_json->size(); ++i) {
    const json& j = (*jobs_json)[i];
    if (j.is_object() && j.contains("TaskGroups")) {
      auto job = nomad_json::read_job(j);
      if (!job)
        return make_error(at(dir, "jobs.json", i) + job.error().message, ErrorKind::kInvalid);
      d.workload_.on_job(*job);
      d.end_ = std::max(d.end_, job->submit_time);
      continue;
    }
    auto stub = nomad_json::read_job_list_stub(j);
    if (!stub)
      return make_error(at(dir, "jobs.json", i) + stub.error().message, ErrorKind::kInvalid);
    NomadJob job;
    job.id = stub->job_id;
    job.namespace_ = stub->namespace_;
    job.type = stub->type;
    job.status = stub->status;
    job.submit_time = stub->submit_time;
    d.workload_.on_job(job);
    ++summaries;
    for (const auto& [group, t] : stub->task_groups) {
      summarized += t.starting + t.running + t.complete + t.failed + t.lost;
    }
  }
  // When it was taken: said, or the files' time if it is on the cluster's clock.
  std::string taken = "the newest time the answers show";
  if (taken_at) {
    if (*taken_at < d.end_) {
      return make_error("--dump-time is before the newest time the dump shows (" +
                            std::to_string(to_seconds(d.end_)) + " s)",
                        ErrorKind::kInvalid);
    }
    d.end_ = *taken_at;
    taken = "--dump-time";
  } else if (Time files = files_time(dir);
             files >= d.end_ && files - d.end_ <= std::chrono::hours(24 * 30)) {
    d.end_ = files;
    taken = "the files' modification time";
  }
  d.start_ = oldest_ended.value_or(oldest.value_or(d.end_));
  if (d.end_ <= d.start_) {
    return make_error(dir +
                          "/allocations.json: no span of time to record (no allocation, or "
                          "all made and changed at one instant)",
                      ErrorKind::kInvalid);
  }
  json not_in_dump = json::array();
  if (summaries > 0) {
    std::int64_t gone =
        std::max<std::int64_t>(0, summarized - static_cast<std::int64_t>(allocations.size()));
    not_in_dump.push_back(std::to_string(gone) +
                          " allocations garbage-collected before the dump (the jobs' "
                          "summaries count " +
                          std::to_string(summarized) + ", the dump holds " +
                          std::to_string(allocations.size()) + ")");
  } else {
    not_in_dump.push_back(
        "allocations garbage-collected before the dump (no jobs.json summaries to count them)");
  }
  not_in_dump.push_back("the node count over time: the scenario starts with the " +
                        std::to_string(d.ready_) + " nodes ready at the dump");
  if (jobs_json->empty()) {
    not_in_dump.push_back("the jobs: no jobs.json, so submit times are placement times");
  }
  d.seen_ = {{"source", "dump " + dir + " (allocations.json, nodes.json" +
                            std::string(jobs_json->empty() ? "" : ", jobs.json") + ")"},
             {"seconds", to_seconds(d.end_ - d.start_)},
             {"ends_at", taken},
             {"in_dump",
              {{"allocations", allocations.size()},
               {"nodes", nodes_json->size()},
               {"jobs", jobs_json->size()}}},
             {"not_in_dump", not_in_dump}};
  return d;
}

Recording DumpRecording::recording() const {
  Recording r;
  r.workload = &workload_;
  if (scoped_) r.scope = [this](const std::string& id) { return in_scope_.count(id) > 0; };
  r.nodes = ClusterRecorder::figures_of(sizes_, ready_);
  r.start = start_;
  r.end = end_;
  r.seen = seen_;
  return r;
}

}  // namespace ha
