scaling "full-task-group-policy" {
  enabled = true
  min     = 1
  max     = 10
  type    = "horizontal"

  policy {
    cooldown            = "1m"
    evaluation_interval = "30s"

    check "cpu_nomad" {
      source = "nomad-apm"
      query  = "avg_cpu"
      strategy "target-value" {
        target = "80"
      }
    }

    target "nomad-target" {
      Group = "cache"
      Job   = "example"
    }
  }
}
