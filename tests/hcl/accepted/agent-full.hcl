log_level            = "TRACE"
log_json             = true
log_include_location = true
enable_debug         = true
plugin_dir           = "./plugin_dir_from_file"

http {
  bind_address = "10.0.0.2"
  bind_port    = 8888
}

nomad {
  address         = "http://nomad_from_file.example.com:4646"
  region          = "file"
  namespace       = "staging"
  http_auth       = "user:file"
  ca_cert         = "./ca-cert-from-file.pem"
  skip_verify     = true
}

policy {
  dir                         = "./policy-dir-from-file"
  default_cooldown            = "12s"
  default_evaluation_interval = "50m"

  source "file" {
    enabled = false
  }

  source "nomad" {
    enabled = false
  }
}

policy_eval {
  delivery_limit = 10
  ack_timeout    = "3m"

  workers = {
    cluster    = 3
    horizontal = 1
  }
}

high_availability {
  enabled        = true
  lock_namespace = "my-namespace"
  lock_path      = "my/custom/path"
  lock_ttl       = "30s"
  lock_delay     = "15s"
}
