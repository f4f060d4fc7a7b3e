// Keys of the Nomad Autoscaler agent's config (upstream's schema) that this
// product accepts without acting on them, per block: each is read with a warning naming it,
// so a migrated file loads and its user sees what is ignored.
#pragma once

#include <string>
#include <vector>

namespace ha::upstream_agent_keys {

inline const std::vector<std::string> kPolicyEvalKeys = {"delivery_limit", "ack_timeout",
                                                         "workers"};
inline const std::vector<std::string> kDasKeys = {"metrics_preload_threshold",
                                                  "evaluate_after",
                                                  "namespace_label",
                                                  "job_label",
                                                  "group_label",
                                                  "task_label",
                                                  "cpu_metric",
                                                  "memory_metric"};
inline const std::vector<std::string> kTelemetryKeys = {"prometheus_metrics",
                                                        "prometheus_retention_time",
                                                        "disable_hostname",
                                                        "enable_hostname_label",
                                                        "collection_interval",
                                                        "statsite_address",
                                                        "statsd_address",
                                                        "dogstatsd_address",
                                                        "dogstatsd_tags",
                                                        "circonus_api_token",
                                                        "circonus_api_app",
                                                        "circonus_api_url",
                                                        "circonus_submission_interval",
                                                        "circonus_submission_url",
                                                        "circonus_check_id",
                                                        "circonus_check_force_metric_activation",
                                                        "circonus_check_instance_id",
                                                        "circonus_check_search_tag",
                                                        "circonus_check_tags",
                                                        "circonus_check_display_name",
                                                        "circonus_broker_id",
                                                        "circonus_broker_select_tag"};

}  // namespace ha::upstream_agent_keys
