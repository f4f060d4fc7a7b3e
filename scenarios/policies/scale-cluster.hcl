# The cluster policy of scenarios/scale-30d.json (up to 2,000 nodes).
scaling "scale-cluster" {
  enabled = true
  min     = 2
  max     = 2000

  policy {
    cooldown            = "2m"
    evaluation_interval = "1m"

    check "cpu_allocated" {
      source = "nomad-apm"
      query  = "percentage-allocated_cpu"
      strategy "target-value" { target = 70 }
    }

    check "pending" {
      source = "nomad-apm"
      query  = "pending_allocations"
      group  = "pending"
      strategy "threshold" {
        lower_bound           = 1
        delta                 = 20
        within_bounds_trigger = 1
      }
    }

    check "no_pending" {
      source = "nomad-apm"
      query  = "pending_allocations"
      group  = "pending"
      strategy "threshold" {
        upper_bound           = 1
        value                 = 0
        within_bounds_trigger = 1
      }
    }

    target "harvester" {
      node_group_name = "scale"
      node_class      = "hashistack"
      image           = "default/ubuntu-22.04-nomad"
      node_purge      = "true"
    }
  }
}
