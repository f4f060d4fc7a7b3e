# The same agent configuration as agent.json, in HCL (the Nomad Autoscaler agent's schema).
log_level        = "info"
shutdown_timeout = "20s"

http {
  bind_address = "127.0.0.1"
  bind_port    = 0
}

nomad {
  address    = "http://127.0.0.1:4646"
  token_file = "nomad.token"
}

policy {
  dir = "policies"

  source "nomad" {
    enabled = false
  }
}

apm "nomad-apm" {
  driver = "nomad-apm"
}

target "harvester" {
  driver = "harvester"
  config = {
    harvester_url = "http://127.0.0.1:6443"
    poll_interval = "500ms"
  }
}
