# A task-group policy: allocations of web/frontend kept at 80 units of load each.
scaling "web-frontend" {
  enabled = true
  type    = "horizontal"
  min     = 1
  max     = 50

  policy {
    cooldown            = "1m"
    evaluation_interval = "15s"

    check "load_per_alloc" {
      source = "sim"
      query  = "load_per_alloc"
      strategy "target-value" { target = 80 }
    }

    target "nomad-target" {
      Job       = "web"
      Group     = "frontend"
      Namespace = "default"
    }
  }
}
