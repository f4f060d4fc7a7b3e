# HashiCorp's Nomad Autoscaler as a Nomad job, with this product's Harvester target as its
# plugin (docs/plugin.md). For those who keep HashiCorp's agent; harvester-autoscaler.nomad.hcl
# runs this product's own agent instead.
#
# HashiCorp's autoscaler is a static binary from releases.hashicorp.com (an artifact); the
# plugin is the Debian package's, installed on the clients of the node pool "autoscaler"
# (/usr/lib/nomad-autoscaler/plugins/harvester, seen by the exec driver's chroot under /usr).
# HashiCorp's container image is Alpine (musl) and cannot run the package's binary, so the
# exec driver it is. Add the artifact's checksum from the release's SHA256SUMS file:
#
#   artifact { options { checksum = "sha256:..." } }
#
# The Harvester token is a Nomad Variable, rendered into secrets/ and read by the plugin
# from its file (auth_token_file), never written into the job:
#
#   nomad var put nomad/jobs/nomad-autoscaler harvester_token=@harvester.token
#
# The autoscaler's Nomad token is the task's workload identity (NOMAD_TOKEN), and its
# address the client's task API socket (NOMAD_UNIX_ADDR); the autoscaler hands both to the
# plugin as nomad_token and nomad_address. Give the job what the plugin needs
# (deploy/nomad/agent-acl.hcl lists it):
#
#   nomad acl policy apply -namespace default -job nomad-autoscaler \
#     nomad-autoscaler deploy/nomad/agent-acl.hcl
#
# Two replicas with HashiCorp's high availability (its agent, since 0.4.0): only the one
# holding the lock (the Nomad Variable at lock_path) runs its plugins and policies
# (command/agent.go, agent.Run); the plugin's scale-ins in flight carry on in the VMs'
# annotations when another takes over. Replicas go on different clients.
job "nomad-autoscaler" {
  type      = "service"
  node_pool = "autoscaler"

  group "autoscaler" {
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

    service {
      name     = "nomad-autoscaler"
      port     = "http"
      provider = "nomad"

      check {
        type     = "http"
        path     = "/v1/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "autoscaler" {
      driver = "exec"

      artifact {
        source      = "https://releases.hashicorp.com/nomad-autoscaler/0.5.0/nomad-autoscaler_0.5.0_linux_amd64.zip"
        destination = "local/"
      }

      config {
        command = "local/nomad-autoscaler"
        args    = ["agent", "-config", "local/autoscaler.hcl"]
      }

      identity {
        env = true
      }

      template {
        destination = "secrets/harvester.token"
        perms       = "0600"
        change_mode = "restart"
        data        = <<-EOT
          {{- with nomadVar "nomad/jobs/nomad-autoscaler" }}{{ .harvester_token }}{{ end -}}
        EOT
      }

      template {
        destination = "local/autoscaler.hcl"
        change_mode = "restart"
        data        = <<-EOT
          log_level  = "info"
          log_json   = true
          plugin_dir = "/usr/lib/nomad-autoscaler/plugins"

          http {
            bind_address = "0.0.0.0"
            bind_port    = 8080
          }

          nomad {
            address = "{{ env "NOMAD_UNIX_ADDR" }}"
          }

          policy {
            dir = "{{ env "NOMAD_TASK_DIR" }}/policies"
          }

          high_availability {
            enabled    = true
            lock_path  = "nomad/jobs/nomad-autoscaler/lock"
            lock_ttl   = "30s"
            lock_delay = "15s"
          }

          apm "nomad-apm" {
            driver = "nomad-apm"
          }

          strategy "target-value" {
            driver = "target-value"
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
                node_purge          = "true"
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
