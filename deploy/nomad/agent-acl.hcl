# The ACL policy of the agent's Nomad token (docs/deploy.md): what the Nomad Autoscaler's
# Harvester plugin needs, no more. Attach it to the job's workload identity:
#   nomad acl policy apply -namespace default -job harvester-autoscaler \
#     harvester-autoscaler agent-acl.hcl
# or to a token of its own (systemd): nomad acl token create -policy harvester-autoscaler
namespace "*" {
  # Jobs' scaling blocks (policy source "nomad"), allocations and their resources.
  capabilities = ["read-job", "list-jobs", "list-scaling-policies", "read-scaling-policy",
                  "read-job-scaling", "scale-job"]
}

# Nodes: list, read, drain, mark ineligible and purge the ones it removes.
node {
  policy = "write"
}

# The Nomad Variables lock of high availability (not built yet) will need:
# namespace "default" { variables { path "nomad/jobs/harvester-autoscaler/lock" {
#   capabilities = ["read", "write"] } } }
