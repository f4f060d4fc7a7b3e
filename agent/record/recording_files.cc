#include "agent/record/recording_files.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/record/anonymize.h"
#include "agent/record/rate_services.h"
#include "agent/record/starting_policy.h"
#include "backends/runtime/text_file.h"
#include "backends/wire/nomad_json.h"
#include "base/percentile.h"

namespace ha {
namespace {

using nlohmann::ordered_json;

// A name safe as a file name: letters, digits, '.', '-' and '_' kept, the rest '_'.
std::string file_name(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  return s;
}

// The nearest-rank percentile p (0-100) of samples, in whole seconds.
std::string percentile_s(const std::vector<Duration>& samples, double p) {
  std::vector<double> seconds;
  for (Duration d : samples) seconds.push_back(to_seconds(d));
  return std::to_string(std::llround(percentile(std::move(seconds), p))) + "s";
}

std::string go_duration(Duration d) {
  auto s = std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(d).count());
  return std::to_string(s) + "s";
}

struct Services {
  std::set<std::pair<std::string, std::string>> replaced;  // job, group (real names)
  std::vector<RateServiceFiles> files;
  ordered_json seen = ordered_json::array();
};

Services rate_services(const Recording& recording, const std::string& salt) {
  Services out;
  for (const RecordedLoad& load : recording.loads) {
    const NomadScalingPolicy* policy = nullptr;
    for (const NomadScalingPolicy& p : recording.nomad_policies) {
      if (WorkloadRecorder::job_key(p.namespace_, p.job) == load.job && p.group == load.group &&
          p.type == "horizontal") {
        policy = &p;
      }
    }
    bool anonymous = !salt.empty();
    RateService s = rate_service(load, recording.workload->group_runs(load.job, load.group), policy,
                                 recording.start, recording.end,
                                 anonymous ? pseudonym("job", load.job, salt) : load.job,
                                 anonymous ? pseudonym("group", load.group, salt) : load.group);
    if (!anonymous) s.seen["query"] = load.query;
    out.seen.push_back(std::move(s.seen));
    if (!s.files) continue;
    out.replaced.insert({load.job, load.group});
    out.files.push_back(std::move(*s.files));
  }
  return out;
}

}  // namespace

Recording recording_of(const ClusterRecorder& recorder, Time loop_end, bool anonymous,
                       const VmLatencyRecorder* vms) {
  Recording r;
  if (vms) {
    r.vm_latency = vms->samples(recorder.node_ready_times());
    r.vm_latency_error = vms->last_error();
  }
  r.workload = &recorder.workload();
  r.scope = recorder.scope();
  r.nodes = recorder.nodes();
  r.start = recorder.recording_start();
  r.end = recorder.cluster_time(loop_end);
  ordered_json gaps = ordered_json::array();
  for (const ClusterRecorder::Gap& g : recorder.gaps()) {
    gaps.push_back({{"at_seconds", to_seconds(g.at - r.start)},
                    {"after_index", g.after_index},
                    {"why", g.why}});
  }
  r.seen = {{"source", recorder.stream_refusal().empty()
                           ? std::string("event stream")
                           : "blocking queries (the event stream was refused: " +
                                 recorder.stream_refusal() + ")"},
            {"seconds", to_seconds(r.end - r.start)},
            {"events", recorder.events()},
            {"skipped_events",
             {{"count", recorder.skipped_events()},
              {"first", anonymous ? std::vector<std::string>{} : recorder.skipped_messages()}}},
            {"last_index", recorder.last_index()},
            {"jobs_read", recorder.jobs_read()},
            {"gaps", gaps}};
  r.nomad_policies = recorder.scaling_policies();
  r.nomad_policies_error = recorder.scaling_policies_error();
  r.state = recorder.save();
  return r;
}

Result<std::vector<std::string>> write_recording(const std::string& dir, const Recording& recording,
                                                 const RecordingInfo& info) {
  std::vector<std::string> written;
  auto write = [&](const std::string& name, const std::string& text) -> Result<std::size_t> {
    auto r = write_text_file_atomically(dir + "/" + name, text);
    if (r) written.push_back(name);
    return r;
  };
  const WorkloadRecorder& workload = *recording.workload;
  Time start = recording.start, end = recording.end;
  auto rows = workload.rows(start, end, recording.scope);
  bool anonymous = !info.anonymize_salt.empty();
  // Groups whose load was read become rate-csv services, out of the trace.
  auto services = rate_services(recording, info.anonymize_salt);
  std::int64_t service_allocations = 0;
  std::erase_if(rows, [&](const RecordedRow& r) {
    bool out = services.replaced.count({r.job, r.group}) > 0;
    if (out) service_allocations += r.count;
    return out;
  });
  if (auto r = write("trace.allocs.csv",
                     allocs_csv(anonymous ? anonymized(rows, info.anonymize_salt) : rows));
      !r) {
    return r.error();
  }

  std::string node_class = info.node_class.empty() ? "default" : info.node_class;
  std::vector<std::string> policies;
  std::error_code ec;
  std::filesystem::create_directories(dir + "/policies", ec);
  if (ec) return make_error(dir + "/policies: cannot create: " + ec.message());
  for (const std::string& file : info.policy_files) {
    auto text = read_text_file(file);
    if (!text) return text.error();
    std::string name = "policies/" + std::filesystem::path(file).filename().string();
    if (auto r = write(name, *text); !r) return r.error();
    policies.push_back(name);
  }
  if (policies.empty()) {
    if (auto r = write("policies/cluster.hcl", starting_policy(node_class)); !r) return r.error();
    policies.push_back("policies/cluster.hcl");
  }

  const ClusterRecorder::NodeFigures& nodes = recording.nodes;
  auto counts = workload.counts(start, recording.scope);
  ordered_json scenario = {
      {"name", info.name},
      {"seed", 1},
      {"duration", go_duration(end - start)},
      {"cluster",
       {{"initial_nodes", nodes.initial_nodes},
        {"node", {{"cpu_mhz", nodes.cpu_mhz}, {"memory_mb", nodes.memory_mb}}},
        {"node_class", node_class},
        {"max_vms", std::max<std::int64_t>(10, 2 * std::max(nodes.seen, nodes.initial_nodes))}}},
      {"workload", {{{"format", "allocs-csv"}, {"path", "trace.allocs.csv"}}}},
      {"policies", policies}};
  if (!services.files.empty()) {
    for (const char* sub : {"/rates", "/policies"})
      std::filesystem::create_directories(dir + sub, ec);
    if (ec) return make_error(dir + "/rates: cannot create: " + ec.message());
  }
  for (const RateServiceFiles& f : services.files) {
    if (auto r = write(f.csv_path, f.csv); !r) return r.error();
    if (auto r = write(f.policy_path, f.policy); !r) return r.error();
    scenario["workload"].push_back(f.workload);
  }
  // Scale-out latency, where Harvester was read.
  ordered_json latency = {{"not_observed",
                           "VM boot and Nomad join latency: pass --kubeconfig to observe them "
                           "(the scenario keeps the defaults, 90s and 15s)"}};
  if (recording.vm_latency) {
    const auto& boot = recording.vm_latency->boot;
    const auto& join = recording.vm_latency->join;
    latency = {{"boot_samples", boot.size()}, {"join_samples", join.size()}};
    if (!recording.vm_latency_error.empty()) latency["last_error"] = recording.vm_latency_error;
    if (boot.size() >= 3) {
      std::string median = percentile_s(boot, 50), p95 = percentile_s(boot, 95);
      scenario["cluster"]["vm_boot"] =
          median == p95 ? ordered_json(median)
                        : ordered_json{{"dist", "lognormal"}, {"median", median}, {"p95", p95}};
      scenario["cluster"]["vm_provision"] = "0s";
      latency["boot_median"] = median;
      latency["boot_p95"] = p95;
    } else {
      latency["boot"] = "fewer than 3 VMs watched from creation to Running: vm_boot kept at 90s";
    }
    if (!join.empty()) {
      scenario["cluster"]["nomad_join"] = percentile_s(join, 50);
      latency["join_median"] = percentile_s(join, 50);
    } else {
      latency["join"] = "no VM seen Running and then its node ready: nomad_join kept at 15s";
    }
  }
  if (auto r = write("scenario.json", scenario.dump(2) + "\n"); !r) return r.error();

  std::int64_t allocations = 0;
  for (const RecordedRow& r : rows) allocations += r.count;
  ordered_json record = {
      {"nomad_address", anonymous ? std::string("(anonymized)") : info.nomad_address}};
  for (const auto& [key, value] : recording.seen.items()) record[key] = value;
  record["jobs"] = counts.jobs;
  record["allocations"] = {
      {"recorded", counts.allocations},
      {"in_trace", allocations},
      {"on_other_nodes_left_out", counts.other_nodes},
      {"replacements", counts.replacements},
      {"cut_short", counts.cut_short},
      {"ended_in_a_gap", counts.ended_unseen},
      {"never_placed", counts.never_placed},
      {"never_placed_given_the_cluster_median_run_time", counts.cluster_run_time},
      {"left_out_no_run_time", counts.unknown_run_time},
      {"replayed_as_services", service_allocations}};
  if (!recording.loads.empty()) record["services_from_prometheus"] = services.seen;
  record["nodes"] = {{"initial", nodes.initial_nodes},
                     {"seen", nodes.seen},
                     {"cpu_mhz", nodes.cpu_mhz},
                     {"memory_mb", nodes.memory_mb}};
  // Nomad's task-group policies, for reference: not replayed, which needs each group's load.
  ordered_json nomad_policies = {{"count", recording.nomad_policies.size()}};
  if (!recording.nomad_policies_error.empty()) {
    nomad_policies["not_read"] = recording.nomad_policies_error;
  } else if (anonymous) {
    nomad_policies["saved"] = "no: they name jobs and groups (--anonymize)";
  } else if (!recording.nomad_policies.empty()) {
    std::filesystem::create_directories(dir + "/nomad-policies", ec);
    if (ec) return make_error(dir + "/nomad-policies: cannot create: " + ec.message());
    ordered_json names = ordered_json::array();
    for (const NomadScalingPolicy& p : recording.nomad_policies) {
      std::string name =
          "nomad-policies/" + file_name(p.job + "." + p.group + "." + p.id) + ".json";
      if (auto r = write(name, nomad_json::scaling_policy(p).dump(2) + "\n"); !r) return r.error();
      names.push_back(name);
    }
    nomad_policies["saved"] = names;
    nomad_policies["not_replayed"] =
        "task-group policies scale a group by its load: only the groups of --rate-query "
        "(services_from_prometheus) are replayed with theirs";
  }
  record["nomad_scaling_policies"] = nomad_policies;
  record["vm_latency"] = latency;
  if (auto r = write("record.json", record.dump(2) + "\n"); !r) return r.error();

  if (!recording.state) return written;
  nlohmann::json state = {{"nomad_address", info.nomad_address},   {"node_class", info.node_class},
                          {"node_pool", info.node_pool},           {"policies", policies},
                          {"anonymize_salt", info.anonymize_salt}, {"recorder", *recording.state}};
  if (recording.rates_state) state["rates"] = *recording.rates_state;
  if (recording.vm_latency) {
    auto ns = [](const std::vector<Duration>& samples) {
      nlohmann::json out = nlohmann::json::array();
      for (Duration d : samples) out.push_back(d.count());
      return out;
    };
    state["vm_latency"] = {{"boot_ns", ns(recording.vm_latency->boot)},
                           {"join_ns", ns(recording.vm_latency->join)}};
  }
  if (auto r = write(kStateFile, state.dump() + "\n"); !r) return r.error();
  return written;
}

Result<std::optional<SavedRecording>> read_saved_recording(const std::string& dir) {
  std::string path = dir + "/" + kStateFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<SavedRecording>();
  auto text = read_text_file(path);
  if (!text) return text.error();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(path + ": not a JSON object", ErrorKind::kInvalid);
  }
  SavedRecording saved;
  try {
    saved.nomad_address = j.at("nomad_address").get<std::string>();
    saved.node_class = j.at("node_class").get<std::string>();
    saved.node_pool = j.value("node_pool", "");
    for (const auto& p : j.at("policies"))
      saved.policies.push_back(dir + "/" + p.get<std::string>());
    saved.anonymize_salt = j.value("anonymize_salt", "");
    saved.recorder = j.at("recorder");
    saved.rates = j.value("rates", nlohmann::json::array());
    if (j.contains("vm_latency")) {
      VmLatencyRecorder::Samples samples;
      for (const auto& ns : j["vm_latency"].at("boot_ns"))
        samples.boot.emplace_back(ns.get<std::int64_t>());
      for (const auto& ns : j["vm_latency"].at("join_ns"))
        samples.join.emplace_back(ns.get<std::int64_t>());
      saved.vm_latency = std::move(samples);
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(path + ": " + e.what(), ErrorKind::kInvalid);
  }
  return std::optional<SavedRecording>(std::move(saved));
}

}  // namespace ha
