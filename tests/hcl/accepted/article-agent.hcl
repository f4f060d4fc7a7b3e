nomad {
  address = "http://127.0.0.1:4646"
}

apm "nomad-apm" {
  driver = "nomad-apm"
}

target {
  driver = "harvester"
  config = {
    harvester_url   = "https://harvester.example.com"
    auth_token      = "token"
    nomad_address   = "http://127.0.0.1:4646"
    nomad_region    = "global"
    nomad_namespace = "default"
  }
}

strategy "target-value" {
  driver = "target-value"
}
