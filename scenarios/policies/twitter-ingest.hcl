# The task group of scenarios/twitter*.json: allocations of twitter/ingest kept at 3.2
# requests per second each (one serves 4 records per second; the `sim` source answers load_per_alloc from the trace).
scaling "twitter-ingest" {
  enabled = true
  type    = "horizontal"
  min     = 2
  max     = 150

  policy {
    cooldown            = "2m"
    evaluation_interval = "30s"

    check "rps_per_alloc" {
      source = "sim"
      query  = "load_per_alloc"

      strategy "target-value" {
        target = 3.2
      }
    }

    target "nomad-target" {
      Job       = "twitter"
      Group     = "ingest"
      Namespace = "default"
    }
  }
}
