#include "sim/scenario_loader.h"

#include "backends/runtime/text_file.h"
#include "engine/policy/hcl_json.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

// Overrides edit the scenario document before parsing, so they are checked like the file
// itself.
std::optional<std::string> edited_scenario(const std::string& text, const std::string& path,
                                           std::vector<Override>& overrides, Diagnostics& diags) {
  if (overrides.empty()) return text;
  auto doc = hcl_json::parse_document(text, path, diags);
  if (!doc) return std::nullopt;
  auto applied = apply_scenario_overrides(*doc, overrides);
  if (!applied) {
    diags.push_back({path, "", applied.error().message});
    return std::nullopt;
  }
  return doc->dump();
}

Error document_errors() {
  return make_error("invalid scenario or policy", ErrorKind::kInvalid);
}

Result<void> read_traces(const Scenario& scenario, Workload& w) {
  for (const WorkloadSpec& spec : scenario.workload) {
    const nlohmann::json& o = spec.options;
    if (spec.format == "allocs-csv") {
      auto read = read_allocs_csv(spec.path);
      if (!read) return read.error();
      w.tasks.insert(w.tasks.end(), read->begin(), read->end());
    } else if (spec.format == "swf") {
      auto read = read_swf(spec.path, o["cpu_mhz_per_proc"].get<std::int64_t>(),
                           o["memory_mb_default"].get<std::int64_t>());
      if (!read) return read.error();
      w.tasks.insert(w.tasks.end(), read->tasks.begin(), read->tasks.end());
      w.swf_cancelled += read->cancelled;
      w.swf_unusable += read->unusable;
    } else if (spec.format == "alibaba-batch") {
      auto read = read_alibaba_batch(spec.path, o.value("cpu_mhz_per_core", std::int64_t{2000}),
                                     o["machine_memory_mb"].get<std::int64_t>());
      if (!read) return read.error();
      for (auto& job : read->jobs) w.dag_jobs.push_back(std::move(job));
      w.dag_jobs_skipped += read->skipped_jobs;
    } else if (spec.format == "rate-csv") {
      auto read = read_rate_csv(spec.path);
      if (!read) return read.error();
      RateDrivenService s;
      s.job = o["job"].get<std::string>();
      s.group = o["group"].get<std::string>();
      s.per_alloc_capacity = o["per_alloc_capacity"].get<double>();
      s.cpu_mhz = o["alloc"]["cpu_mhz"].get<std::int64_t>();
      s.memory_mb = o["alloc"]["memory_mb"].get<std::int64_t>();
      if (o.contains("initial_count")) s.initial_count = o["initial_count"].get<std::int64_t>();
      s.load = std::move(*read);
      s.source = scenario.file + ": " + spec.pointer;
      for (const RateDrivenService& other : w.services) {
        if (other.job == s.job) {
          return make_error(s.source + "/job: job \"" + s.job + "\" is already used by " +
                            other.source);
        }
      }
      w.services.push_back(std::move(s));
    }
  }
  return {};
}

}  // namespace

Result<LoadedScenario> load_scenario(const std::string& file, std::vector<Override>& overrides,
                                     Diagnostics& diags) {
  auto text = read_text_file(file);
  if (!text) return text.error();
  LoadedScenario out;
  auto scenario_text = edited_scenario(*text, file, overrides, diags);
  if (!scenario_text) return document_errors();
  out.scenario = parse_scenario(*scenario_text, file, diags);
  if (!diags.empty()) return document_errors();

  std::vector<std::string> policy_files = out.scenario.policies;
  for (const WorkloadSpec& w : out.scenario.workload) {
    if (!w.policy.empty()) policy_files.push_back(w.policy);
  }
  for (const std::string& path : policy_files) {
    auto policy_text = read_text_file(path);
    if (!policy_text) return policy_text.error();
    // Policies are HCL or JSON; overrides edit the document either syntax gives.
    auto policy = ConfigFile::read(*policy_text, path, diags);
    if (!policy) return document_errors();
    if (!overrides.empty()) {
      if (auto applied = apply_policy_overrides(policy->mutable_value(), overrides); !applied) {
        diags.push_back({path, "", applied.error().message});
        return document_errors();
      }
    }
    auto parsed = read_policies(*policy, path, diags);
    out.policies.insert(out.policies.end(), parsed.begin(), parsed.end());
  }
  check_unique_ids(out.policies, diags);
  if (!diags.empty()) return document_errors();
  if (auto r = read_traces(out.scenario, out.workload); !r) return r.error();
  return out;
}

}  // namespace ha
