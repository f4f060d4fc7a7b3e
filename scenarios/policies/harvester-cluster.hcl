# The cluster policy of scenarios/default.json: Nomad client VMs of the class "hashistack",
# kept at 70% of allocated cpu and memory, with a quick step up while allocations wait.
scaling "hashistack-cluster" {
  enabled = true
  min     = 2
  max     = 40

  policy {
    cooldown             = "2m"
    cooldown_on_scale_up = "1m"
    evaluation_interval  = "30s"
    on_check_error       = "fail"

    check "cpu_allocated" {
      source       = "nomad-apm"
      query        = "percentage-allocated_cpu"
      query_window = "1m"

      strategy "target-value" {
        target         = 70
        threshold      = 0.05
        max_scale_down = 2
      }
    }

    check "memory_allocated" {
      source = "nomad-apm"
      query  = "percentage-allocated_memory"

      strategy "target-value" {
        target         = 70
        max_scale_down = 2
      }
    }

    # Two checks in one group: add two nodes while allocations wait, nothing once none do.
    check "pending_up" {
      source       = "nomad-apm"
      query        = "pending_allocations"
      query_window = "2m"
      group        = "pending"

      strategy "threshold" {
        lower_bound           = 1
        delta                 = 2
        within_bounds_trigger = 2
      }
    }

    check "pending_clear" {
      source       = "nomad-apm"
      query        = "pending_allocations"
      query_window = "2m"
      group        = "pending"

      strategy "threshold" {
        upper_bound           = 1
        value                 = 0
        within_bounds_trigger = 2
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
      dry-run                       = false
    }
  }
}
