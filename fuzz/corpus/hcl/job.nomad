job "web" {
  namespace = "shop"
  group "api" {
    count = 3
    scaling {
      min = 1
      max = 10
      policy {
        cooldown = "1m"
        check "latency" {
          source = "prometheus"
          query  = "sum(rate(http_requests_total[1m]))"
          strategy "target-value" { target = 100 }
        }
      }
    }
  }
}
