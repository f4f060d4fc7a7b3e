#!/usr/bin/env bash
# End to end over loopback HTTP: mock-cluster replays a scenario (a batch arrives, runs,
# finishes) while the agent, knowing only the two URLs and the tokens, scales the cluster
# out and back in. Observed through the mock's own API, the agent's /v1/metrics and logs.
# Usage: agent_e2e.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
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

nomad_token=e2e-nomad-$RANDOM$RANDOM
harvester_token=e2e-harvester-$RANDOM$RANDOM
echo "$nomad_token" >"$work/nomad.token"
echo "$harvester_token" >"$work/harvester.token"

"$bin" mock-cluster --scenario "$src/tests/data/emulate/short.json" --speed 60 \
  --nomad-listen 127.0.0.1:0 --harvester-listen 127.0.0.1:0 \
  --nomad-token-file "$work/nomad.token" --harvester-token-file "$work/harvester.token" \
  >"$work/cluster.out" 2>"$work/cluster.err" &
pids+=($!)
cluster_pid=$!
for _ in $(seq 50); do grep -q "mock Harvester listening" "$work/cluster.out" && break; sleep 0.1; done
nomad_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 1p)
harvester_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 2p)
[ -n "$nomad_url" ] && [ -n "$harvester_url" ] || { cat "$work"/cluster.*; fail "mock-cluster did not start"; exit 1; }

cat >"$work/agent.json" <<JSON
{
  "log_level": "info",
  "log_json": true,
  "shutdown_timeout": "20s",
  "http": { "bind_address": "127.0.0.1", "bind_port": 0 },
  "nomad": { "address": "$nomad_url", "token_file": "nomad.token" },
  "policy": { "dir": "$src/tests/data/agent/policies", "source_nomad": false },
  "target": { "harvester": { "driver": "harvester",
    "config": { "harvester_url": "$harvester_url", "auth_token_file": "harvester.token",
                "poll_interval": "500ms" } } }
}
JSON
"$bin" agent --config "$work/agent.json" >"$work/agent.out" 2>"$work/agent.log" &
pids+=($!)
agent_pid=$!
for _ in $(seq 50); do grep -q "agent serving" "$work/agent.out" && break; sleep 0.1; done
agent_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/agent.out")
[ -n "$agent_url" ] || { cat "$work"/agent.*; fail "agent did not start"; exit 1; }

vms() {
  curl -sf -H "Authorization: Bearer $harvester_token" \
    "$harvester_url/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines" |
    grep -o '"printableStatus":"Running"' | wc -l
}
nodes_ready() {
  curl -sf -H "X-Nomad-Token: $nomad_token" "$nomad_url/v1/nodes" |
    grep -o '"Status":"ready"' | wc -l
}

[ "$(curl -s -o /dev/null -w '%{http_code}' "$agent_url/v1/health")" = 200 ] &&
  pass "/v1/health is 200" || fail "/v1/health"

# Scale-out: the batch (20 x 2000 MHz) needs about 6 nodes; the scenario starts with 2.
peak=0
for _ in $(seq 300); do
  n=$(vms)
  [ "$n" -gt "$peak" ] && peak=$n
  [ "$peak" -ge 5 ] && break
  sleep 0.1
done
[ "$peak" -ge 5 ] && pass "scale-out: $peak VMs running" || fail "scale-out: peak $peak VMs"
for _ in $(seq 100); do [ "$(nodes_ready)" -ge 5 ] && break; sleep 0.1; done
[ "$(nodes_ready)" -ge 5 ] && pass "the new VMs joined Nomad" || fail "nodes ready: $(nodes_ready)"

# SIGHUP reloads the policies.
kill -HUP "$agent_pid"
for _ in $(seq 50); do [ "$(grep -c 'policies loaded' "$work/agent.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'policies loaded' "$work/agent.log")" -ge 2 ] && pass "SIGHUP reloaded" || fail "no reload"

# Scale-in once the batch is done (15 s wall after it starts): back to min (2) or near.
low=$peak
for _ in $(seq 600); do
  n=$(vms)
  [ "$n" -lt "$low" ] && low=$n
  [ "$low" -le 3 ] && break
  sleep 0.1
done
[ "$low" -le 3 ] && pass "scale-in: down to $low VMs" || fail "scale-in: lowest $low VMs"

metrics=$(curl -sf "$agent_url/v1/metrics")
echo "$metrics" | grep -q '^harvester_autoscaler_scale_actions_total{policy="cluster",direction="up",result="ok"} [1-9]' &&
  pass "metrics count scale-outs" || fail "no scale-out in metrics"
echo "$metrics" | grep -q '^harvester_autoscaler_scale_latency_seconds_count{direction="out"} [1-9]' &&
  pass "metrics have scale-out latencies" || fail "no latency histogram"
# Every line of the exposition is a comment or NAME{labels} VALUE.
bad=$(echo "$metrics" | grep -v '^#' | grep -Evc '^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$|^$')
[ "$bad" -eq 0 ] && pass "metrics are Prometheus text" || fail "$bad malformed metric lines"

# SIGTERM: clean stop, exit 0.
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
[ "$rc" -eq 0 ] && grep -q "agent stopped" "$work/agent.out" && pass "SIGTERM: clean stop" ||
  fail "agent exit $rc"

# Logs: JSON lines with one decision each; no token anywhere.
grep -q '"@message":"policy evaluated".*"outcome":"scaled"' "$work/agent.log" &&
  pass "decisions logged as JSON" || fail "no JSON decision lines"
if grep -q -e "$nomad_token" -e "$harvester_token" "$work"/agent.* "$work"/cluster.*; then
  fail "a token appears in the output"
else
  pass "no token in any output"
fi

kill -TERM "$cluster_pid"
wait "$cluster_pid"
grep -q '"invariant_violations":{"count":0' "$work/cluster.out" &&
  pass "no invariant violated" || { cat "$work/cluster.out"; fail "invariants"; }

if [ "$failures" -gt 0 ]; then
  echo "--- agent log (last 40 lines)"; tail -40 "$work/agent.log"
  echo "$failures failure(s)"
  exit 1
fi
echo "all agent end-to-end checks passed"
