# harvester-autoscaler's agent as a Nomad job, on the cluster it scales (docs/deploy.md).
#
# It runs the binary of the Debian package, installed on the clients of the node pool
# "autoscaler" (exec driver; the clients it scales may be drained and deleted, so the agent
# does not run on them). The agent config and policies are templates; the tokens come from
# Nomad Variables, never from the job file:
#
#   nomad var put nomad/jobs/harvester-autoscaler harvester_token=@harvester.token
#
# The agent's Nomad token is the task's workload identity (NOMAD_TOKEN), so give the job an
# ACL policy with what the agent needs (docs/deploy.md):
#
#   nomad acl policy apply -namespace default -job harvester-autoscaler \
#     harvester-autoscaler deploy/nomad/agent-acl.hcl
#
# Two replicas with high availability: one leads and scales, the other stands by (its
# /v1/health says "standby" with a 200, so Nomad keeps it running) and takes over within
# lock_ttl + lock_delay of the leader's end. The lock is the Nomad Variable at lock_path,
# which the ACL policy lets the job write. Replicas go on different clients.
job "harvester-autoscaler" {
  type      = "service"
  node_pool = "autoscaler"

  group "agent" {
    count = 2

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    network {
      port "http" {
        to = 8080
      }
    }

    # /v1/health answers 200 while every policy is evaluated and the caches are fresh.
    service {
      name     = "harvester-autoscaler"
      port     = "http"
      provider = "nomad"

      check {
        type     = "http"
        path     = "/v1/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "agent" {
      driver = "exec"

      config {
        command = "/usr/bin/harvester-autoscaler"
        args    = ["agent", "--config", "local/agent.hcl"]
      }

      # NOMAD_TOKEN (the workload identity) and NOMAD_UNIX_ADDR (the client's task API socket,
      # secrets/api.sock): the agent's config below names no Nomad address, so it uses them.
      identity {
        env = true
      }

      template {
        destination = "secrets/harvester.token"
        perms       = "0600"
        change_mode = "restart"
        data        = <<-EOT
          {{- with nomadVar "nomad/jobs/harvester-autoscaler" }}{{ .harvester_token }}{{ end -}}
        EOT
      }

      template {
        destination = "local/agent.hcl"
        change_mode = "restart"
        data        = <<-EOT
          log_level = "info"
          log_json  = true

          http {
            bind_address = "0.0.0.0"
            bind_port    = 8080
          }

          policy {
            dir = "{{ env "NOMAD_TASK_DIR" }}/policies"
            source "file"  { enabled = true }
            source "nomad" { enabled = true }
          }

          apm "nomad-apm" {
            driver = "nomad-apm"
          }

          high_availability {
            enabled    = true
            lock_path  = "nomad/jobs/harvester-autoscaler/lock"
            lock_ttl   = "30s"
            lock_delay = "15s"
          }

          target "harvester" {
            driver = "harvester"
            config = {
              harvester_url   = "https://harvester.example:6443"
              auth_token_file = "{{ env "NOMAD_SECRETS_DIR" }}/harvester.token"
              cluster_state   = "watch"
            }
          }
        EOT
      }

      template {
        destination = "local/policies/cluster.hcl"
        change_mode = "restart"
        data        = <<-EOT
          scaling "hashistack-cluster" {
            enabled = true
            min     = 2
            max     = 20

            policy {
              cooldown            = "5m"
              evaluation_interval = "1m"

              check "cpu_allocated" {
                source = "nomad-apm"
                query  = "percentage-allocated_cpu"
                strategy "target-value" {
                  target = 70
                }
              }

              target "harvester" {
                node_class          = "hashistack"
                node_group_name     = "hashistack"
                namespace           = "nomad-clients"
                cpu_request         = "8"
                memory_request      = "16Gi"
                image               = "default/ubuntu-22.04-nomad"
                network             = "default/vlan100"
                node_drain_deadline = "15m"
                node_purge          = true
              }
            }
          }
        EOT
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}
