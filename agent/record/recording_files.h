// What `record --out DIR` writes, each file atomically (write_text_file_atomically):
// - trace.allocs.csv: the workload (WorkloadRecorder's rows);
// - scenario.json: the cluster as observed (node class, the most common node size, the
//   ready nodes at the start as initial_nodes, max_vms twice the most nodes seen and at least
//   10), the trace, and the policies: those of --policy-dir copied under policies/, or
//   else policies/cluster.hcl, a starting point (target-value 70% of allocated cpu and
//   memory on the node class) to tune with sweep;
// - nomad-policies/: Nomad's own scaling policies (task-group policies, kept for reference:
//   replaying one needs its group's load, which a recording does not have);
// - rates/ and policies/service-*.hcl: the groups whose load was read from Prometheus, as
//   rate-csv services with their task-group policies (rate_services.h), out of the trace;
// - record.json: what was seen: span, events, allocations, replacements, work cut short or
//   ended in a gap, nodes, and the gaps;
// - record.state.json: what a later `record --out DIR` needs to resume the recording (the
//   recorder's state, the address, node class and policies it was made with).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/record/cluster_recorder.h"
#include "agent/record/rate_recorder.h"
#include "agent/record/vm_latency_recorder.h"
#include "base/result.h"

namespace ha {

struct RecordingInfo {
  std::string name;        // the scenario's name
  std::string node_class;  // "" : "default"
  std::string node_pool;   // "": any
  std::string nomad_address;
  std::vector<std::string> policy_files = {};  // to copy in (from --policy-dir)
  // Not empty: --anonymize with this salt (anonymize.h). The trace's job and group names
  // become pseudonyms; record.json leaves out the address and the skipped events' text.
  // record.state.json keeps the real names, to resume with: it is not for sharing.
  std::string anonymize_salt = {};
};

// What a recording saw, however it was made (a live ClusterRecorder, a dump).
struct Recording {
  const WorkloadRecorder* workload = nullptr;
  WorkloadRecorder::NodeScope scope;
  ClusterRecorder::NodeFigures nodes;
  Time start{0}, end{0};  // the cluster's clock
  // record.json's entries about how it was made (source, span, events, gaps, ...).
  nlohmann::ordered_json seen = nlohmann::ordered_json::object();
  // Nomad's own scaling policies, or why they could not be read.
  std::vector<NomadScalingPolicy> nomad_policies = {};
  std::string nomad_policies_error = {};
  // Scale-out latency seen on Harvester (record --kubeconfig), or why not: with 3 boot
  // samples or more the scenario's vm_boot is their lognormal fit (median, p95) and
  // vm_provision 0; with a join sample, nomad_join is their median.
  std::optional<VmLatencyRecorder::Samples> vm_latency = std::nullopt;
  std::string vm_latency_error = {};
  // What resumes it (ClusterRecorder::save()); none for a dump.
  std::optional<nlohmann::json> state = std::nullopt;
  // Loads read from Prometheus (record --rate-query): those groups become rate-csv services
  // (rate_services.h); and what resumes their reading (RateRecorder::save()).
  std::vector<RecordedLoad> loads = {};
  std::optional<nlohmann::json> rates_state = std::nullopt;
};
// A live recording up to `loop_end` (the recorder's loop time); with `anonymous`, what
// record.json says of it names nothing from the payloads.
// `vms`, when Harvester was read too, gives the scale-out latency.
Recording recording_of(const ClusterRecorder& recorder, Time loop_end, bool anonymous,
                       const VmLatencyRecorder* vms = nullptr);

// Writes the files (and the policies) into `dir`, which must exist; record.state.json only
// when the recording has a state. An error names the file.
Result<std::vector<std::string>> write_recording(const std::string& dir, const Recording& recording,
                                                 const RecordingInfo& info);

inline constexpr const char* kStateFile = "record.state.json";

// A recording saved in a directory, to resume.
struct SavedRecording {
  std::string nomad_address, node_class, node_pool;
  std::vector<std::string> policies;  // paths of its policy files (under DIR/policies)
  std::string anonymize_salt;         // "" when not anonymized
  nlohmann::json recorder;            // ClusterRecorder::save()
  nlohmann::json rates;               // RateRecorder::save() (an empty array: none)
  // The VM latency samples so far (VmLatencyRecorder::add_earlier()), if Harvester was read.
  std::optional<VmLatencyRecorder::Samples> vm_latency;
};
// DIR/record.state.json when there is one (nullopt when not); an error names the file.
Result<std::optional<SavedRecording>> read_saved_recording(const std::string& dir);

}  // namespace ha
