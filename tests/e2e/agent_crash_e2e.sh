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
. "$src/tests/e2e/e2e_lib.sh"

token=crash-$RANDOM$RANDOM
start_cluster 120 "$token" "$token"
# A slow poll (4 s) leaves a window between a drain and the deletion of its VM.
write_agent_config 4s
start_agent() {
  "$bin" agent --config "$work/agent.hcl" >"$work/agent$1.out" 2>"$work/agent$1.log" &
  agent_pid=$!
  pids+=($agent_pid)
}
# Ready nodes not eligible (draining or drained): what a killed scale-in leaves behind.
ineligible() {
  nomad_nodes | python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin) if n["Status"]=="ready" and n["SchedulingEligibility"]!="eligible"))'
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
# Its drains are marked as ours (LastDrain.Meta), which is what lets the next run roll them
# back while leaving an operator's cordon alone.
nomad_nodes | grep -q '"LastDrain":{[^}]*"Meta":{[^}]*"harvester-autoscaler/node-group":"' &&
  pass "the drains carry the group's marker" || fail "no drain marker in LastDrain.Meta"

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
# The count of ineligible nodes is the one seen when the group got there: the agent may go on
# to a legitimate scale-in of its own (3 to 2) a moment later, which drains a node again.
low=99
ineligible_left=-1
for _ in $(seq 600); do
  n=$(running_vms)
  [ "$n" -lt "$low" ] && low=$n
  if [ "$low" -le 3 ]; then
    ineligible_left=$(ineligible)
    [ "$ineligible_left" -eq 0 ] && break
  fi
  sleep 0.1
done
[ "$low" -le 3 ] && [ "$low" -ge 2 ] && pass "scaled in to $low VMs (min 2)" || fail "lowest $low VMs"
[ "$ineligible_left" -eq 0 ] && pass "no ready node left ineligible" || fail "$ineligible_left ineligible"

kill -TERM "$agent_pid"
wait "$agent_pid"
stop_cluster

if [ "$failures" -gt 0 ]; then
  echo "--- first agent"; tail -20 "$work/agent1.log"
  echo "--- second agent"; tail -30 "$work/agent2.log"
  exit 1
fi
echo "all crash-restart checks passed"
