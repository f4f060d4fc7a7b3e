#!/usr/bin/env bash
# High availability over loopback HTTP: three agents with high_availability on against one
# mock-cluster, whose write log records which agent (its User-Agent) made each change.
# - one agent leads, the others stand by (/v1/health role, harvester_autoscaler_leader);
# - SIGKILL the leader: another takes over within lock_ttl + lock_delay + one evaluation
#   interval;
# - SIGSTOP the new leader past its TTL, then resume it: it steps down, and never changes the
#   cluster after another agent took the lock (checked over the whole write log: each change
#   is made by the agent that last acquired the lock);
# - the Nomad connection lost (mock-cluster stopped): the leader steps down within its TTL;
# - SIGTERM the leader: it releases the lock, and a standby takes over within a second or two.
# Usage: agent_ha_e2e.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
. "$src/tests/e2e/e2e_lib.sh"

ttl=10
delay=2
interval=1 # the test policy's evaluation_interval
token=ha-$RANDOM$RANDOM
start_cluster 120 "$token" "$token" --write-log "$work/writes.jsonl"
write_agent_config 2s "high_availability {
  enabled    = true
  lock_path  = \"e2e/autoscaler-lock\"
  lock_ttl   = \"${ttl}s\"
  lock_delay = \"${delay}s\"
}"

declare -A agent_pid agent_url
start_agent() {
  "$bin" agent --config "$work/agent.hcl" >"$work/agent$1.out" 2>"$work/agent$1.log" &
  agent_pid[$1]=$!
  pids+=($!)
  for _ in $(seq 50); do grep -q "serving" "$work/agent$1.out" && break; sleep 0.1; done
  agent_url[$1]=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/agent$1.out")
}
role() { curl -s -m 2 "${agent_url[$1]}/v1/health" | grep -o '"role":"[a-z]*"' | cut -d'"' -f4; }
gauge() { curl -sf -m 2 "${agent_url[$1]}/v1/metrics" | awk '$1=="harvester_autoscaler_leader"{print $2}'; }
# The agent (of those given) that reports itself the leader, if exactly one does.
leader_of() {
  local found=() a
  for a in "$@"; do [ "$(role "$a")" = leader ] && found+=("$a"); done
  [ "${#found[@]}" -eq 1 ] && echo "${found[0]}"
}
# wait_leader SECONDS AGENT...: polls every 0.1 s; prints the leader and the seconds waited.
wait_leader() {
  local limit=$1 start now l
  shift
  start=$(date +%s.%N)
  while :; do
    l=$(leader_of "$@")
    now=$(date +%s.%N)
    [ -n "$l" ] && { awk "BEGIN { printf \"$l %.1f\\n\", $now - $start }"; return 0; }
    awk "BEGIN { exit !($now - $start > $limit) }" && return 1
    sleep 0.1
  done
}
# Successful changes (not lock calls) by an agent's process so far.
changes_by() {
  grep -v '/v1/var/' "$work/writes.jsonl" | grep '"status":20' | grep -c -- "-${agent_pid[$1]})" || true
}

for a in 1 2 3; do start_agent $a; done
read -r first waited < <(wait_leader 5 1 2 3) || { fail "no single leader among 3 agents"; first=; }
if [ -n "$first" ]; then
  pass "agent $first leads after ${waited}s; the others stand by"
  seen=""
  for a in 1 2 3; do seen+="$a:$(role $a)/$(gauge $a) "; done
  expected=""
  for a in 1 2 3; do
    [ "$a" = "$first" ] && expected+="$a:leader/1 " || expected+="$a:standby/0 "
  done
  [ "$seen" = "$expected" ] && pass "/v1/health roles and harvester_autoscaler_leader agree: $seen" ||
    fail "roles/gauges $seen, expected $expected"
fi
# The leader scales the cluster; the standbys evaluate nothing.
for _ in $(seq 100); do [ "$(changes_by "$first")" -ge 1 ] && break; sleep 0.1; done
[ "$(changes_by "$first")" -ge 1 ] && pass "the leader changed the cluster ($(changes_by "$first") calls)" ||
  fail "the leader made no change"
for a in 1 2 3; do
  [ "$a" = "$first" ] && continue
  grep -q "policy evaluated" "$work/agent$a.log" && fail "standby $a evaluated a policy"
done

# SIGKILL the leader: a standby takes over within ttl + delay + interval.
{ kill -KILL "${agent_pid[$first]}"; wait "${agent_pid[$first]}"; } 2>/dev/null
rest=()
for a in 1 2 3; do [ "$a" != "$first" ] && rest+=("$a"); done
bound=$((ttl + delay + interval))
if read -r second took < <(wait_leader $((bound + 5)) "${rest[@]}"); then
  awk "BEGIN { exit !($took <= $bound) }" &&
    pass "after SIGKILL, agent $second took over in ${took}s (bound ${bound}s)" ||
    fail "takeover took ${took}s, over ${bound}s"
else
  fail "no takeover after SIGKILL"
  second=${rest[0]}
fi
for _ in $(seq 100); do [ "$(changes_by "$second")" -ge 1 ] && break; sleep 0.1; done

# SIGSTOP the new leader past its TTL and lock-delay; the third takes over; resume it.
third=${rest[0]}
[ "$third" = "$second" ] && third=${rest[1]}
kill -STOP "${agent_pid[$second]}"
if read -r l took < <(wait_leader $((bound + 5)) "$third") && [ "$l" = "$third" ]; then
  pass "while agent $second was stopped, agent $third took over in ${took}s"
else
  fail "no takeover while the leader was stopped"
fi
for _ in $(seq 100); do [ "$(changes_by "$third")" -ge 1 ] && break; sleep 0.1; done
kill -CONT "${agent_pid[$second]}"
sleep 3
[ "$(role "$second")" = standby ] && [ "$(gauge "$second")" = 0 ] &&
  pass "the resumed agent is a standby" || fail "the resumed agent says $(role "$second")"
grep -q "stepping down" "$work/agent$second.log" && pass "and logged why it stepped down" ||
  fail "no step-down logged"

# Nomad unreachable (the mock cluster stopped): the leader steps down within its TTL.
kill -STOP "$cluster_pid"
stepped=0
for _ in $(seq $(((ttl + 3) * 10))); do
  [ "$(role "$third")" = standby ] && { stepped=1; break; }
  sleep 0.1
done
[ "$stepped" -eq 1 ] && pass "with Nomad unreachable, the leader stepped down" ||
  fail "the leader kept its role without Nomad"
kill -CONT "$cluster_pid"
if read -r back took < <(wait_leader $((bound + 10)) "$second" "$third"); then
  pass "Nomad back: agent $back leads again after ${took}s"
else
  fail "no leader once Nomad was back"
  back=$third
fi

# SIGTERM the leader: it releases the lock, the other takes over at its next try.
other=$second
[ "$back" = "$second" ] && other=$third
kill -TERM "${agent_pid[$back]}"
wait "${agent_pid[$back]}" 2>/dev/null
if read -r l took < <(wait_leader 5 "$other"); then
  pass "after SIGTERM (lock released), agent $other took over in ${took}s"
else
  fail "no quick takeover after a clean shutdown"
fi
grep -q "lock released" "$work/agent$back.log" || fail "the stopped leader did not release the lock"

# Over the whole run: every change was made by the agent that last acquired the lock.
kill -TERM "${agent_pid[$other]}"
wait "${agent_pid[$other]}" 2>/dev/null
python3 - "$work/writes.jsonl" <<'PY' && pass "no change by an agent not holding the lock" || fail "changes by a non-leader"
import json, re, sys
holder, changes, by = None, 0, set()
for line in open(sys.argv[1]):
    w = json.loads(line)
    m = re.search(r"\(([^)]*)\)", w["client"])
    who = m.group(1) if m else w["client"]
    if not 200 <= w["status"] < 300:
        continue
    if "/v1/var/" in w["target"]:
        if "lock-acquire" in w["target"]:
            holder = who
        continue
    changes += 1
    by.add(who)
    if who != holder:
        print(f"change by {who} while {holder} held the lock: {w}")
        sys.exit(1)
print(f"{changes} changes by {len(by)} agents, each by the lock's holder")
sys.exit(0 if len(by) >= 2 else 1)
PY
stop_cluster

if [ "$failures" -gt 0 ]; then
  for a in 1 2 3; do echo "--- agent $a"; grep -E "high availability|stepping|not scaling|not sent" "$work/agent$a.log" | tail -15; done
  exit 1
fi
echo "all high-availability checks passed"
