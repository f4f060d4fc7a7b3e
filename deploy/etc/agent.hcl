# harvester-autoscaler agent config (docs/agent.md has every key). Installed as
# /etc/harvester-autoscaler/agent.hcl; the systemd unit runs `agent --config` on it.
# Edit the two addresses, put the tokens in /etc/harvester-autoscaler/nomad.token and
# harvester.token (chmod 600), and policies in /etc/harvester-autoscaler/policies/.
log_level = "info"

# /v1/health and /v1/metrics (Prometheus), on loopback.
http {
  bind_address = "127.0.0.1"
  bind_port    = 8080
}

nomad {
  address    = "http://127.0.0.1:4646"
  # systemd hands /etc/harvester-autoscaler/nomad.token over as a credential.
  token_file = "/run/credentials/harvester-autoscaler.service/nomad-token"
}

policy {
  dir = "/etc/harvester-autoscaler/policies"
  source "file"  { enabled = true }
  source "nomad" { enabled = true }
}

apm "nomad-apm" {
  driver = "nomad-apm"
}

target "harvester" {
  driver = "harvester"
  config = {
    harvester_url   = "https://harvester.example:6443"
    # ... and /etc/harvester-autoscaler/harvester.token.
    auth_token_file = "/run/credentials/harvester-autoscaler.service/harvester-token"
    cluster_state   = "watch"
  }
}

# Several agents, one active: set enabled = true on each (docs/deploy.md). The token needs
# write on the lock's Variable (deploy/nomad/agent-acl.hcl).
high_availability {
  enabled    = false
  lock_path  = "nomad/jobs/harvester-autoscaler/lock"
  lock_ttl   = "30s"
  lock_delay = "15s"
}

shutdown_timeout = "30s"
