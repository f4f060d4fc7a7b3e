# scenarios/scale-30d.json's cluster policy counted rather than measured (see
# demand-cluster.hcl): simulate scenarios/scale-30d.json \
#   --set 'policies=["policies/scale-demand.hcl"]'
scaling "scale-cluster" {
  enabled = true
  min     = 2
  max     = 2000

  policy {
    cooldown            = "1m"
    evaluation_interval = "30s"

    check "nodes_needed" {
      source = "nomad-apm"
      query  = "nodes_needed/node_class=hashistack,headroom=8"
      strategy "pass-through" {}
    }

    target "harvester" {
      node_group_name = "scale"
      node_class      = "hashistack"
      image           = "default/ubuntu-22.04-nomad"
      node_purge      = "true"
    }
  }
}
