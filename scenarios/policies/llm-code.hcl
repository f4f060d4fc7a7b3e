# The task group of scenarios/azure-llm*.json: allocations of azure-llm/code kept at 400
# tokens per second each (one serves 500 tokens per second; the `sim` source answers load_per_alloc from the trace).
scaling "llm-code" {
  enabled = true
  type    = "horizontal"
  min     = 1
  max     = 60

  policy {
    cooldown            = "2m"
    evaluation_interval = "30s"

    check "tokens_per_alloc" {
      source = "sim"
      query  = "load_per_alloc"

      strategy "target-value" {
        target = 400
      }
    }

    target "nomad-target" {
      Job       = "azure-llm"
      Group     = "code"
      Namespace = "default"
    }
  }
}
