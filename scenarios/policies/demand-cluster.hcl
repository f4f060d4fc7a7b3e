# scenarios/default.json's cluster policy, counted rather than measured: nomad-apm's
# nodes_needed places the queued allocations (Nomad's blocked evaluations) into the free
# space of the pool and then into new nodes, and lets a node go once its allocations fit
# on the others; pass-through scales to that count. headroom=8 keeps 8% of the pool's
# capacity free so that most arrivals need not wait for a VM to boot. Swap it in with
#   simulate SCENARIO --set 'policies=["policies/demand-cluster.hcl"]'
scaling "hashistack-cluster" {
  enabled = true
  min     = 2
  max     = 40

  policy {
    cooldown            = "1m"
    evaluation_interval = "10s"

    check "nodes_needed" {
      source = "nomad-apm"
      query  = "nodes_needed/node_class=hashistack,headroom=8"
      strategy "pass-through" {}
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
