# The task group of scenarios/planetlab-two-level.json: allocations of planetlab/web kept
# at 1.6 busy cores each (the `sim` source answers load_per_alloc from the trace).
scaling "planetlab-web" {
  enabled = true
  type    = "horizontal"
  min     = 4
  max     = 120

  policy {
    cooldown            = "2m"
    evaluation_interval = "30s"

    check "busy_cores_per_alloc" {
      source = "sim"
      query  = "load_per_alloc"

      strategy "target-value" {
        target = 1.6
      }
    }

    target "nomad-target" {
      Job       = "planetlab"
      Group     = "web"
      Namespace = "default"
    }
  }
}
