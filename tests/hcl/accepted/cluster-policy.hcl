# A cluster policy shaped like the Nomad Autoscaler's own file-policy fixture
# (policy/file/test-fixtures/full-cluster-policy.hcl), with a harvester target.
scaling "full-cluster-policy" {
  enabled = true
  min     = 10
  max     = 100
  type    = "cluster"

  policy {

    cooldown            = "10m"
    evaluation_interval = "1m"
    on_check_error      = "fail"

    check "cpu_nomad" {
      source              = "nomad-apm"
      query               = "percentage-allocated_cpu"
      query_window        = "1m"
      query_window_offset = "2m"
      group               = "cpu"

      strategy "target-value" {
        target = "80"
      }
    }

    check "memory_prom" {
      source   = "prometheus"
      query    = "nomad_client_allocated_memory*100/(nomad_client_allocated_memory+nomad_client_unallocated_memory)"
      on_error = "ignore"

      strategy "target-value" {
        target = "80"
      }
    }

    target "harvester" {
      node_group_name     = "high-memory"
      node_class          = "high-memory"
      image               = "default/image-8zr4m"
      node_drain_deadline = "15m"
    }
  }
}
