# demand-cluster.hcl scaled ahead: the `predictive` strategy forecasts nodes_needed one VM
# boot-and-join ahead from what the count did a day and a week ago (and its trend over the
# last lead time), and scales to the larger of now and the forecast; scale-in stays
# reactive. Until a day of history is kept it behaves as pass-through. Swap it in with
#   simulate SCENARIO --set 'policies=["policies/demand-predictive.hcl"]'
scaling "hashistack-cluster" {
  enabled = true
  min     = 2
  max     = 40

  policy {
    cooldown            = "1m"
    evaluation_interval = "10s"

    check "nodes_needed" {
      source = "nomad-apm"
      query  = "nodes_needed/node_class=hashistack,headroom=4"

      strategy "predictive" {
        lead    = "3m"
        seasons = "24h,168h"
        trend   = false
      }
    }

    target "harvester" {
      node_class                    = "hashistack"
      node_group_name               = "hashistack"
      namespace                     = "nomad-clients"
      cpu_request                   = "8"
      memory_request                = "16Gi"
      image                         = "default/ubuntu-22.04-nomad"
      network                       = "default/vlan100"
      node_drain_deadline           = "10m"
      node_drain_ignore_system_jobs = false
      node_purge                    = true
      node_selector_strategy        = "least_busy"
    }
  }
}
