job "web" {
  namespace = "shop"
  group "api" {
    count = 3
    scaling {
      min = 1
      zmax = 10
      policy {
        cooldown = "1l"
     ﻿check "latency" {
          soUrce = "promethe-us"
          query  = "sum(rate(http_requeszts_total[1m]))"
          strategy "target-value" { target = 100 }
        }
      }
    }
  }
}
