# A sweep's slices as dispatches of a parameterized batch job (docs/scenarios.md, "Beyond
# one machine"). Each dispatch runs `sweep --shard I/N` on a client with the Debian package
# and writes its slice under the host volume "sweeps" (a directory every client mounts,
# NFS for instance: a client's host_volume "sweeps" block). The scenario, its traces and
# policies are read from there too. Then, anywhere that volume is mounted:
#
#   for i in 0 1 2 3; do
#     nomad job dispatch -meta sweep=cooldowns -meta shard=$i -meta shards=4 \
#       -meta scenario=/srv/sweeps/scenarios/default.json \
#       -meta grid="--grid policy.hashistack-cluster.cooldown=1m,2m,5m,10m" \
#       harvester-autoscaler-sweep
#   done
#   harvester-autoscaler sweep merge /srv/sweeps/cooldowns/slice-* --out /srv/sweeps/cooldowns
#
# deploy/nomad/sweep-shards.nomad.json is this job in the JSON of Nomad's jobs API
# (`nomad job run -json`, or PUT /v1/jobs); a test checks it against Nomad's Job schema.
job "harvester-autoscaler-sweep" {
  type = "batch"

  parameterized {
    meta_required = ["sweep", "shard", "shards", "scenario", "grid"]
  }

  group "sweep" {
    count = 1

    volume "sweeps" {
      type      = "host"
      source    = "sweeps"
      read_only = false
    }

    # A failed slice is run again; a slice that keeps failing fails the dispatch.
    restart {
      attempts = 1
      delay    = "10s"
      mode     = "fail"
    }

    task "slice" {
      driver = "exec"

      volume_mount {
        volume      = "sweeps"
        destination = "/srv/sweeps"
      }

      # The meta arrive as NOMAD_META_* variables; the shell splits the grid's flags.
      config {
        command = "/bin/sh"
        args = ["-c", "exec /usr/bin/harvester-autoscaler sweep \"$NOMAD_META_scenario\" $NOMAD_META_grid --shard \"$NOMAD_META_shard/$NOMAD_META_shards\" --out \"/srv/sweeps/$NOMAD_META_sweep/slice-$NOMAD_META_shard\""]
      }

      # A slice uses every core it gets (one simulation per core).
      resources {
        cpu    = 4000
        memory = 2048
      }
    }
  }
}
