// `record` on a live cluster: follows it (agent/record/cluster_recorder.h, and Harvester's
// VMs and Prometheus' loads when asked) until --duration or SIGINT/SIGTERM, writing the
// recording every --checkpoint and at the end; a progress line on a terminal.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "agent/record/recording_files.h"
#include "apps/options.h"

namespace ha::cli {

struct LiveRecording {
  std::string dir, address, token, node_class, node_pool;
  std::string salt;  // --anonymize's ("" when not)
  std::vector<std::string> policies;
  std::optional<SavedRecording> saved;  // the recording in `dir`, to resume
  std::optional<Duration> duration;     // none: until a signal
  Duration checkpoint{0};
  double clock_speed = 1;
};

// The exit code; the kubeconfig, TLS and --rate-query options are read from `vm`. Bad
// input throws UsageError or InputError.
int record_live(const LiveRecording& recording, const po::variables_map& vm, std::ostream& out,
                std::ostream& err);

}  // namespace ha::cli
