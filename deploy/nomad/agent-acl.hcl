# The ACL policy of the agent's Nomad token (docs/deploy.md): what the Nomad Autoscaler's
# Harvester plugin needs, no more. Attach it to the job's workload identity:
#   nomad acl policy apply -namespace default -job harvester-autoscaler \
#     harvester-autoscaler agent-acl.hcl
# or to a token of its own (systemd): nomad acl token create -policy harvester-autoscaler
# HashiCorp's autoscaler with this product's plugin (nomad-autoscaler-harvester.nomad.hcl)
# needs the same: attach it to the job nomad-autoscaler likewise.
namespace "*" {
  # Jobs' scaling blocks (policy source "nomad"), allocations and their resources.
  capabilities = ["read-job", "list-jobs", "list-scaling-policies", "read-scaling-policy",
                  "read-job-scaling", "scale-job"]

  # high_availability's lock (its lock_path): a workload identity may only read its job's
  # Variables by default, and a lock is a write.
  variables {
    path "nomad/jobs/harvester-autoscaler/lock" {
      capabilities = ["read", "write"]
    }
    path "nomad/jobs/nomad-autoscaler/lock" {
      capabilities = ["read", "write"]
    }
  }
}

# Nodes: list, read, drain, mark ineligible and purge the ones it removes.
node {
  policy = "write"
}
