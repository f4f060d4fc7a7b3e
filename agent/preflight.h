// Preflight: read-only checks that a real cluster is ready for the agent's policies, for the
// first run against it (`harvester-autoscaler preflight`). Nothing is changed: Harvester is
// asked with GETs and SelfSubjectAccessReviews (what the token may do), Nomad with GETs.
//
// Harvester: reachable, the token accepted; each verb the agent uses allowed in the policy's
// namespace (VirtualMachines get/list/watch/create/patch/delete, their start and stop
// subresources, Secrets create, PersistentVolumeClaims get) and images get in the image's;
// the namespace, the image (imported, with its storage class: what makes a disk that boots)
// and the network exist; node_group_name a DNS label; the rendered cloud-init's size (inline,
// or a Secret above 2,048 bytes).
// Nomad: reachable, the ACL token's capabilities (node write, job read and scale, the HA
// lock's variable), the node_class's nodes and the group's VMs matched to them by name.
#pragma once

#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/policy_loader.h"

namespace ha {

struct PreflightCheck {
  bool ok = false;
  std::string what;  // what was checked and found
  std::string fix;   // for a failed one: what to do
};

struct PreflightSection {
  std::string title;
  std::vector<PreflightCheck> checks;
};

// Runs every check (each waits at most the transport's timeout and retries); `policies` are
// the agent's file policies (their harvester targets are checked).
std::vector<PreflightSection> run_preflight(const AgentConfig& config,
                                            const CompiledPolicies& policies);

// preflight_nomad.cc: what a Nomad ACL policy's rules (HCL) grant, for the checks.
struct NomadGrants {
  bool node_read = false, node_write = false;
  bool job_read = false, job_scale = false;
  bool variables_write = false;  // on the lock path
};
// Adds what `rules` grant in namespace `ns` (and on variable `lock_path`) to `grants`; an
// error names the problem in the rules.
Result<void> add_nomad_grants(const std::string& rules, const std::string& ns,
                              const std::string& lock_path, NomadGrants& grants);

}  // namespace ha
