# Shared by the end-to-end tests (sourced after setting `bin` and `src`): a work directory
# removed on exit with every process started killed, pass/fail counting, a mock-cluster on
# free loopback ports, an agent config pointing at it, and what the cluster reports.
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# start_cluster SPEED NOMAD_TOKEN HARVESTER_TOKEN [MOCK_CLUSTER_FLAG...]: mock-cluster replaying the short scenario
# (or $cluster_scenario)
# (its event stream beating every second, so that a 3 s cache_stale_after holds when quiet),
# tokens written to $work/nomad.token and $work/harvester.token; sets cluster_pid,
# nomad_url, harvester_url, nomad_token, harvester_token (exits when it does not start).
start_cluster() {
  nomad_token=$2
  harvester_token=$3
  echo "$nomad_token" >"$work/nomad.token"
  echo "$harvester_token" >"$work/harvester.token"
  "$bin" mock-cluster --scenario "${cluster_scenario:-$src/tests/data/emulate/short.json}" --speed "$1" \
    --nomad-listen 127.0.0.1:0 --harvester-listen 127.0.0.1:0 --event-heartbeat 1s \
    --nomad-token-file "$work/nomad.token" --harvester-token-file "$work/harvester.token" \
    "${@:4}" >"$work/cluster.out" 2>"$work/cluster.err" &
  cluster_pid=$!
  pids+=($cluster_pid)
  for _ in $(seq 50); do grep -q "mock Harvester listening" "$work/cluster.out" && break; sleep 0.1; done
  nomad_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 1p)
  harvester_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 2p)
  [ -n "$nomad_url" ] && [ -n "$harvester_url" ] ||
    { cat "$work"/cluster.*; echo "FAIL: mock-cluster did not start"; exit 1; }
}

# write_agent_config POLL_INTERVAL [EXTRA_TOP_LEVEL_HCL [EXTRA_TARGET_CONFIG]]: $work/agent.hcl (the Nomad
# Autoscaler's agent schema, in HCL) for an agent using the test policies against the
# cluster, its HTTP server on a free loopback port.
write_agent_config() {
  cat >"$work/agent.hcl" <<HCL
log_level = "info"
${2:-}
http {
  bind_address = "127.0.0.1"
  bind_port    = 0
}
nomad {
  address    = "$nomad_url"
  token_file = "nomad.token"
}
policy {
  dir = "$src/tests/data/agent/policies"
  source "nomad" {
    enabled = false
  }
}
target "harvester" {
  driver = "harvester"
  config = {
    harvester_url   = "$harvester_url"
    auth_token_file = "harvester.token"
    poll_interval   = "$1"
    ${3:-}
  }
}
HCL
}

# The cluster's VMs in printableStatus Running.
running_vms() {
  curl -sf -H "Authorization: Bearer $harvester_token" \
    "$harvester_url/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines" |
    grep -o '"printableStatus":"Running"' | wc -l
}
nomad_nodes() { curl -sf -H "X-Nomad-Token: $nomad_token" "$nomad_url/v1/nodes"; }

# stop_cluster: SIGTERM, then checks the summary it prints for invariant violations.
stop_cluster() {
  kill -TERM "$cluster_pid"
  wait "$cluster_pid"
  grep -q '"invariant_violations":{"count":0' "$work/cluster.out" &&
    pass "no invariant violated" || { cat "$work/cluster.out"; fail "invariants"; }
}
