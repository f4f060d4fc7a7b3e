// `record --from-dump DIR`: a recording made from saved answers of a Nomad cluster, for
// teams that cannot leave a recorder running. DIR holds what `nomad operator api` or curl
// saves:
// - allocations.json: GET /v1/allocations?resources=true (required);
// - nodes.json: GET /v1/nodes?resources=true (required);
// - jobs.json: GET /v1/jobs (optional), or an array of GET /v1/job/:id answers, whose task
//   groups also give the work never placed.
// The recording spans from the oldest ended allocation's CreateTime (the history Nomad still
// holds; the oldest CreateTime when none ended) to when the dump was taken: `taken_at`, else
// the newest modification time of the files, unless that is not on the cluster's clock
// (before the newest time the answers show, or 30 days past it), and then that newest
// time. What a
// dump cannot know is said in record.json: allocations garbage-collected before it (counted
// from the jobs' summaries when jobs.json has them), and the node count over time (the
// scenario starts with the nodes ready at the dump).
#pragma once

#include <optional>
#include <set>
#include <string>

#include "agent/record/recording_files.h"

namespace ha {

class DumpRecording {
 public:
  // Reads DIR; errors name the file and the element. `node_class` and `node_pool` scope the
  // nodes and the work as a live recording's do ("": any).
  static Result<DumpRecording> read(const std::string& dir, const std::string& node_class,
                                    const std::string& node_pool,
                                    std::optional<Time> taken_at = std::nullopt);
  // Valid while this object lives.
  Recording recording() const;

 private:
  WorkloadRecorder workload_;
  ClusterRecorder::NodeSizes sizes_;
  std::set<std::string> in_scope_;
  bool scoped_ = false;
  std::int64_t ready_ = 0;
  Time start_{0}, end_{0};
  nlohmann::ordered_json seen_;
};

}  // namespace ha
