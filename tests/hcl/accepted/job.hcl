job "full-scaling" {
  type = "batch"

  group "test" {
    scaling {
      min     = 2
      max     = 10
      enabled = false

      policy {
        evaluation_interval  = "5s"
        cooldown             = "5m"
        cooldown_on_scale_up = "2m"

        check "check-1" {
          source              = "nomad-apm"
          query               = "query-1"
          query_window        = "1m"
          query_window_offset = "2m"
          on_error            = "ignore"

          strategy "target-value" {
            target = 2
          }
        }
      }
    }

    task "echo" {
      driver = "raw_exec"
      config {
        command = "echo"
        args    = ["hi"]
      }
    }
  }
}
