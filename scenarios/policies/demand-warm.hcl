# demand-cluster.hcl with a warm pool: scale-in stops up to 8 drained VMs instead of
# deleting them, and scale-out starts those (a boot and a join, no provisioning) before it
# creates any. With fast starts at hand no headroom is kept. Stopped VMs cost their disks
# only: the simulator reports them as stopped_vm_hours at the scenario's price. Swap it in with
#   simulate SCENARIO --set 'policies=["policies/demand-warm.hcl"]'
scaling "hashistack-cluster" {
  enabled = true
  min     = 2
  max     = 40

  policy {
    cooldown            = "1m"
    evaluation_interval = "10s"

    check "nodes_needed" {
      source = "nomad-apm"
      query  = "nodes_needed/node_class=hashistack,headroom=0"
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
      warm_pool_size                = 8
      warm_pool_max_age             = "24h"
    }
  }
}
