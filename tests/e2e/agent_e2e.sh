#!/usr/bin/env bash
# End to end over loopback HTTP: mock-cluster replays a scenario (a batch arrives, runs,
# finishes) while the agent, knowing only the two URLs and the tokens, scales the cluster
# out and back in. Observed through the mock's own API, the agent's /v1/metrics and logs.
# Usage: agent_e2e.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
. "$src/tests/e2e/e2e_lib.sh"

start_cluster 60 "e2e-nomad-$RANDOM$RANDOM" "e2e-harvester-$RANDOM$RANDOM"
write_agent_config 500ms 'log_json = true
shutdown_timeout = "20s"' 'cache_stale_after = "3s"'
"$bin" agent --config "$work/agent.hcl" >"$work/agent.out" 2>"$work/agent.log" &
pids+=($!)
agent_pid=$!
for _ in $(seq 50); do grep -q "agent serving" "$work/agent.out" && break; sleep 0.1; done
agent_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/agent.out")
[ -n "$agent_url" ] || { cat "$work"/agent.*; fail "agent did not start"; exit 1; }

# `record --kubeconfig` follows the same cluster meanwhile: the agent's scale-outs give it
# VM boot and join latency.
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: $harvester_url
contexts:
- name: mock
  context: {cluster: mock, user: recorder}
current-context: mock
users:
- name: recorder
  user:
    token: $harvester_token
YAML
"$bin" record --out "$work/recorded" --nomad-address "$nomad_url" --clock-speed 60 \
  --nomad-token-file "$work/nomad.token" --node-class hashistack --kubeconfig "$work/kubeconfig" \
  --vm-namespace nomad-clients >"$work/record.out" 2>"$work/record.err" &
pids+=($!)
record_pid=$!

nodes_ready() { nomad_nodes | grep -o '"Status":"ready"' | wc -l; }

# await_health CODE: polls /v1/health (up to 10 s) until it answers CODE; sets $health to
# the last answer, its body then its status code.
await_health() {
  for _ in $(seq 100); do
    health=$(curl -s -w ' %{http_code}' "$agent_url/v1/health" | tr -d '\n')
    [ "${health##* }" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# 503 until the VM cache has synced (its first list), then 200.
await_health 200 && pass "/v1/health is 200 once the caches synced" || fail "/v1/health: $health"

# Scale-out: the batch (20 x 2000 MHz) needs about 6 nodes; the scenario starts with 2.
peak=0
for _ in $(seq 300); do
  n=$(running_vms)
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
  n=$(running_vms)
  [ "$n" -lt "$low" ] && low=$n
  [ "$low" -le 3 ] && break
  sleep 0.1
done
[ "$low" -le 3 ] && pass "scale-in: down to $low VMs" || fail "scale-in: lowest $low VMs"

# The volumes went with their VMs: every claim of the group is a claim of a VM that is
# still there (Harvester deleted the ones removedPersistentVolumeClaims named).
sleep 3  # (the last deletions' 20 s of Terminating at 60x)
kube() { curl -sf -H "Authorization: Bearer $harvester_token" "$harvester_url$1"; }
kube /apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines >"$work/vms.json"
kube /api/v1/namespaces/nomad-clients/persistentvolumeclaims >"$work/pvcs.json"
python3 - "$work/vms.json" "$work/pvcs.json" <<'PY' &&
import json, sys
vms, pvcs = (json.load(open(p)) for p in sys.argv[1:3])
used = {v["persistentVolumeClaim"]["claimName"] for vm in vms["items"]
        for v in vm["spec"]["template"]["spec"]["volumes"] if "persistentVolumeClaim" in v}
claims = [c["metadata"]["name"] for c in pvcs["items"]]
left = [c for c in claims if c not in used]
print(f"claims: {len(claims)} for {len(vms['items'])} VMs; left behind: {left}")
sys.exit(1 if left or not claims else 0)
PY
  pass "no volume left behind by the scale-in" || fail "volumes left behind"

kill -TERM "$record_pid"
wait "$record_pid"
python3 - "$work/recorded/record.json" "$work/recorded/scenario.json" <<'PY' &&
import json, sys
rec, scenario = (json.load(open(p)) for p in sys.argv[1:3])
lat, cluster = rec["vm_latency"], scenario["cluster"]
print(f"record --kubeconfig: {lat}, vm_boot {cluster.get('vm_boot')}, nomad_join {cluster.get('nomad_join')}")
# The mock provisions in 10 s, boots in 80 s and joins in 15 s (tests/data/emulate/short.json):
# 90 s from creation to Running. The bounds leave room for a slow (sanitized) build, whose
# watch delays are 60 times longer in the replay's time.
ok = lat["boot_samples"] >= 3 and lat["join_samples"] >= 3
ok = ok and 80 <= int(lat["boot_median"][:-1]) <= 100 and 10 <= int(lat["join_median"][:-1]) <= 25
sys.exit(0 if ok else 1)
PY
  pass "record --kubeconfig measured the scale-outs' VM boot and join" ||
  { cat "$work"/record.*; fail "record --kubeconfig"; }

metrics=$(curl -sf "$agent_url/v1/metrics")
echo "$metrics" | grep -q '^harvester_autoscaler_scale_actions_total{policy="cluster",direction="up",result="ok"} [1-9]' &&
  pass "metrics count scale-outs" || fail "no scale-out in metrics"
echo "$metrics" | grep -q '^harvester_autoscaler_scale_latency_seconds_count{direction="out"} [1-9]' &&
  pass "metrics have scale-out latencies" || fail "no latency histogram"
# Every line of the exposition is a comment or NAME{labels} VALUE.
echo "$metrics" | grep -q '^harvester_autoscaler_cache_events_total{cache="vms:[^"]*"} [1-9]' &&
  pass "the VM cache followed a watch" || fail "no watch events in metrics"
echo "$metrics" | grep -q '^harvester_autoscaler_cache_events_total{cache="nodes:[^"]*"} [1-9]' &&
  pass "the node cache followed blocking queries" || fail "no node cache events in metrics"
echo "$metrics" | grep -q '^harvester_autoscaler_cache_events_total{cache="allocations"} [1-9]' &&
  pass "the allocation cache followed the event stream" || fail "no allocation cache events"
grep -q "falls back to blocking" "$work/agent.log" &&
  fail "the allocation cache left the event stream: $(grep 'falls back' "$work/agent.log")" ||
  pass "the allocation cache kept to the event stream"
bad=$(echo "$metrics" | grep -v '^#' | grep -Evc '^[a-z_]+(\{[^}]*\})? ([0-9.e+-]+|NaN)$|^$')
[ "$bad" -eq 0 ] && pass "metrics are Prometheus text" || fail "$bad malformed metric lines"

# A frozen cluster (SIGSTOP): its caches stop hearing from it, and past cache_stale_after
# (3 s) /v1/health says which; once it resumes, 200 again.
kill -STOP "$cluster_pid"
await_health 503
kill -CONT "$cluster_pid"
echo "$health" | grep -q '"status":"cache not current"} 503$' &&
  pass "/v1/health is 503 while the cluster is silent: $health" || fail "/v1/health when silent: $health"
await_health 200 && pass "/v1/health is 200 again once it answers" || fail "/v1/health after: $health"

# SIGTERM: clean stop, exit 0.
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
[ "$rc" -eq 0 ] && grep -q "agent stopped" "$work/agent.out" && pass "SIGTERM: clean stop" ||
  fail "agent exit $rc"

# Logs: JSON lines with one decision each; no token anywhere.
grep -q '"@message":"policy evaluated".*"outcome":"scaled"' "$work/agent.log" &&
  pass "decisions logged as JSON" || fail "no JSON decision lines"
if grep -q -e "$nomad_token" -e "$harvester_token" "$work"/agent.* "$work"/cluster.* \
  "$work"/record.* "$work"/recorded/*.json; then
  fail "a token appears in the output"
else
  pass "no token in any output"
fi

stop_cluster

if [ "$failures" -gt 0 ]; then
  echo "--- agent log (last 40 lines)"; tail -40 "$work/agent.log"
  echo "$failures failure(s)"
  exit 1
fi
echo "all agent end-to-end checks passed"
