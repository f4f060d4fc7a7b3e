#!/usr/bin/env bash
# Crash-restart over loopback HTTP: the agent is killed with SIGKILL in the middle of a
# scale-in (a node drained, its VM not yet deleted), then started again. The new process
# must find the half-done scale-in and settle it (roll the node back into service, or
# finish it), and the cluster must end consistent: no ready node left ineligible, the group
# back within its bounds, no invariant of the mock cluster broken.
# Usage: agent_crash_e2e.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
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

token=crash-$RANDOM$RANDOM
echo "$token" >"$work/token"
"$bin" mock-cluster --scenario "$src/tests/data/emulate/short.json" --speed 120 \
  --nomad-listen 127.0.0.1:0 --harvester-listen 127.0.0.1:0 \
  --nomad-token-file "$work/token" --harvester-token-file "$work/token" \
  >"$work/cluster.out" 2>"$work/cluster.err" &
cluster_pid=$!
pids+=($cluster_pid)
for _ in $(seq 50); do grep -q "mock Harvester listening" "$work/cluster.out" && break; sleep 0.1; done
nomad_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 1p)
harvester_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/cluster.out" | sed -n 2p)
[ -n "$nomad_url" ] && [ -n "$harvester_url" ] || { cat "$work"/cluster.*; echo "FAIL: no cluster"; exit 1; }

# A slow poll (4 s) leaves a window between a drain and the deletion of its VM.
cat >"$work/agent.json" <<JSON
{
  "log_level": "info",
  "http": { "bind_address": "127.0.0.1", "bind_port": 0 },
  "nomad": { "address": "$nomad_url", "token_file": "token" },
  "policy": { "dir": "$src/tests/data/agent/policies", "source_nomad": false },
  "target": { "harvester": { "driver": "harvester",
    "config": { "harvester_url": "$harvester_url", "auth_token_file": "token",
                "poll_interval": "4s" } } }
}
JSON
start_agent() {
  "$bin" agent --config "$work/agent.json" >"$work/agent$1.out" 2>"$work/agent$1.log" &
  agent_pid=$!
  pids+=($agent_pid)
}
nodes() { curl -sf -H "X-Nomad-Token: $token" "$nomad_url/v1/nodes"; }
# Ready nodes not eligible (draining or drained): what a killed scale-in leaves behind.
ineligible() {
  nodes | python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin) if n["Status"]=="ready" and n["SchedulingEligibility"]!="eligible"))'
}
running_vms() {
  curl -sf -H "Authorization: Bearer $token" \
    "$harvester_url/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines" |
    grep -o '"printableStatus":"Running"' | wc -l
}

# Creation times are wall-clock times (the restarted agent judges VM ages by them).
year=$(curl -sf -H "Authorization: Bearer $token" \
  "$harvester_url/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines" |
  grep -o '"creationTimestamp":"[0-9]*' | head -1 | grep -o '[0-9]*$')
[ "$year" = "$(date -u +%Y)" ] && pass "creationTimestamp in wall-clock time" ||
  fail "creationTimestamp year $year"

start_agent 1
# Wait for the scale-out, then for the first drain of the scale-in, and kill -9 then.
for _ in $(seq 300); do [ "$(running_vms)" -ge 5 ] && break; sleep 0.1; done
[ "$(running_vms)" -ge 5 ] && pass "scaled out to $(running_vms) VMs" || fail "no scale-out"
killed=0
for _ in $(seq 900); do
  if [ "$(ineligible)" -ge 1 ]; then
    kill -KILL "$agent_pid"
    killed=1
    break
  fi
  sleep 0.05
done
{ wait "$agent_pid"; } 2>/dev/null
[ "$killed" -eq 1 ] && pass "SIGKILL with $(ineligible) node(s) drained and their VMs not deleted" ||
  fail "never saw a drain to interrupt"
left=$(ineligible)
[ "$left" -ge 1 ] && pass "the killed agent left $left ineligible node(s)" || fail "nothing left half done"

start_agent 2
settled=0
for _ in $(seq 300); do
  if [ "$(ineligible)" -eq 0 ] || grep -q "reconcile: rolling back" "$work/agent2.log"; then
    settled=1
    break
  fi
  sleep 0.1
done
[ "$settled" -eq 1 ] && pass "the restarted agent settled the half-done scale-in" || fail "not settled"
grep -q "reconcile: rolling back an unfinished scale-in" "$work/agent2.log" &&
  pass "with a logged reason" || echo "note: the drain finished before the restart noticed it"
# Then the group shrinks back within its bounds (min 2) with nothing left ineligible.
low=99
for _ in $(seq 600); do
  n=$(running_vms)
  [ "$n" -lt "$low" ] && low=$n
  [ "$low" -le 3 ] && [ "$(ineligible)" -eq 0 ] && break
  sleep 0.1
done
[ "$low" -le 3 ] && [ "$low" -ge 2 ] && pass "scaled in to $low VMs (min 2)" || fail "lowest $low VMs"
[ "$(ineligible)" -eq 0 ] && pass "no ready node left ineligible" || fail "$(ineligible) ineligible"

kill -TERM "$agent_pid"
wait "$agent_pid"
kill -TERM "$cluster_pid"
wait "$cluster_pid"
grep -q '"invariant_violations":{"count":0' "$work/cluster.out" &&
  pass "no invariant violated" || { cat "$work/cluster.out"; fail "invariants"; }

if [ "$failures" -gt 0 ]; then
  echo "--- first agent"; tail -20 "$work/agent1.log"
  echo "--- second agent"; tail -30 "$work/agent2.log"
  exit 1
fi
echo "all crash-restart checks passed"
