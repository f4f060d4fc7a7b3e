#include "engine/nomad/nomad_job_target.h"

namespace ha {
namespace {

struct TaskGroupRef {
  std::string job, group, ns;
  bool dry_run = false;
};

Result<TaskGroupRef> task_group(const PluginConfig& config) {
  TaskGroupRef ref;
  auto get = [&config](const char* key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
  };
  ref.job = get("Job");
  ref.group = get("Group");
  ref.ns = get("Namespace");
  if (ref.ns.empty()) ref.ns = "default";
  ref.dry_run = get("dry-run") == "true";
  if (ref.job.empty()) return make_error("target nomad-target: Job: missing", ErrorKind::kInvalid);
  if (ref.group.empty()) {
    return make_error("target nomad-target: Group: missing", ErrorKind::kInvalid);
  }
  return ref;
}

}  // namespace

void NomadJobTarget::status(const PluginConfig& policy_config, StatusCallback done) {
  auto ref = task_group(policy_config);
  if (!ref) {
    loop_.post([done, e = ref.error()] { done(e); });
    return;
  }
  nomad_.job_scale_status(ref->job, ref->ns, [ref = *ref, done](Result<NomadJobScaleStatus> s) {
    if (!s) {
      done(make_error("job " + ref.job + " scale status: " + s.error().message, s.error().kind));
      return;
    }
    auto group = s->task_groups.find(ref.group);
    if (group == s->task_groups.end()) {
      done(make_error("task group \"" + ref.group + "\" not found in job \"" + ref.job + "\"",
                      ErrorKind::kNotFound));
      return;
    }
    TargetStatus status{!s->job_stopped, group->second.running, {}};
    // As upstream's nomad-target: the newest scaling event, whoever made it, so that the
    // cooldown follows an operator's `nomad job scale` too.
    if (group->second.last_event) {
      status.meta[kTargetMetaLastEvent] = std::to_string(group->second.last_event->count());
    }
    done(std::move(status));
  });
}

void NomadJobTarget::scale(const ScaleRequest& request, const PluginConfig& policy_config,
                           ScaleCallback done) {
  auto ref = task_group(policy_config);
  if (!ref) {
    loop_.post([done, e = ref.error()] { done(e); });
    return;
  }
  std::string summary =
      "job " + ref->job + " group " + ref->group + " count " + std::to_string(request.action.count);
  if (ref->dry_run || request.dry_run) {
    log_.log(LogLevel::kInfo, loop_.now(), "dry-run scale task group", {{"plan", summary}});
    loop_.post([done, summary] { done(ScaleResult{false, "dry-run: would set " + summary}); });
    return;
  }
  nomad_.scale_job(
      ref->job, ref->group, request.action.count, request.action.reason, ref->ns,
      [done, summary, ref = *ref](Result<Unit> r) {
        if (!r && r.error().message.find("job scaling blocked due to active deployment") !=
                      std::string::npos) {
          // Upstream's nomad-target: common, and harmless to the end state; nothing done.
          done(ScaleResult{true, "skipping scaling group " + ref.job + "/" + ref.group +
                                     " due to active deployment"});
        } else if (!r) {
          done(make_error("scaling " + summary + ": " + r.error().message, r.error().kind));
        } else {
          done(ScaleResult{false, "set " + summary});
        }
      });
}

}  // namespace ha
