#!/usr/bin/env bash
# Runs the binary as a user would and checks exit codes, stdout and stderr.
# Usage: cli_test.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# expect NAME WANT_EXIT PATTERN -- ARGS...: runs BINARY ARGS, checks the exit code and that
# stdout+stderr matches the extended regex PATTERN.
expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out code
  out=$(timeout 120 "$bin" "$@" 2>&1)
  code=$?
  if [[ $code -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $code (want $want), output:"
    echo "$out" | head -20
  fi
}

policy="$src/scenarios/policies/harvester-cluster.json"
task="$src/scenarios/policies/web-task-group.json"

expect version 0 '^harvester-autoscaler [0-9]+\.[0-9]+\.[0-9]+$' -- --version
expect help 0 'validate' -- --help
expect no-command 2 'Usage' --
expect unknown-command 2 'unknown command "frobnicate"' -- frobnicate
expect evaluate-help 0 '--strategy' -- evaluate --help
expect validate-help 0 'FILE' -- validate --help

# The evaluate contract: exact JSON.
expect tv-up 0 '^\{"strategy":"target-value","current":2,"count":4,"direction":"up","reason":"scaling up because factor is 2.000000"\}$' \
  -- evaluate --strategy target-value --config target=13 --current 2 --metric 26
expect tv-none 0 '"count":2,"direction":"none"' \
  -- evaluate --strategy target-value --config target=13 --current 2 --metric 13
expect tv-capped 0 '"count":5,"direction":"up","reason":"capped count from 16 to 5' \
  -- evaluate --strategy target-value --config target=10 --current 4 --metric 40 --max 5
expect cap-reverses 0 '"current":8,"count":5,"direction":"down"' \
  -- evaluate --strategy fixed-value --config value=9 --current 8 --max 5
expect threshold-series 0 '"count":3,"direction":"up"' \
  -- evaluate --strategy threshold --config upper_bound=10 --config delta=1 --config within_bounds_trigger=3 --current 2 --metric 1,2,3,40
expect no-metrics 0 '"count":3,"direction":"none","reason":"no metrics' \
  -- evaluate --strategy pass-through --current 3
expect policy-eval 0 '"policy":"hashistack-cluster","current":4,"count":6,"direction":"up".*"check":"cpu_allocated"' \
  -- evaluate --policy "$policy" --current 4 --check cpu_allocated=100 --check memory_allocated=70 --check pending_up=0,0 --check pending_clear=0,0
expect policy-min 0 '"current":1,"count":2,"direction":"up"' \
  -- evaluate --policy "$policy" --current 1 --check cpu_allocated=70 --check memory_allocated=70 --check pending_up=0,0 --check pending_clear=0,0
expect task-group 0 '"count":3' -- evaluate --policy "$task" --current 2 --check load_per_alloc=120

# Bad input: one line naming what is wrong, exit 1 (2 for unknown names and usage).
expect unknown-strategy 2 'unknown strategy "bogus"; known: target-value, threshold, fixed-value, pass-through' \
  -- evaluate --strategy bogus --current 1
expect nan-metric 1 '--metric: "nan" is not a finite number' \
  -- evaluate --strategy pass-through --current 1 --metric nan
expect text-metric 1 '--metric: "abc" is not a finite number' \
  -- evaluate --strategy pass-through --current 1 --metric 1,abc
expect negative-metric 1 'negative metric value -2 not allowed' \
  -- evaluate --strategy pass-through --current 1 --metric -2
expect bad-config 1 '--config target: invalid value "x"' \
  -- evaluate --strategy target-value --config target=x --current 1 --metric 1
expect unknown-config 1 '--config tagret: unknown key' \
  -- evaluate --strategy target-value --config target=1 --config tagret=1 --current 1 --metric 1
expect min-gt-max 2 '--min is greater than --max' \
  -- evaluate --strategy fixed-value --config value=3 --current 1 --min 5 --max 2
expect negative-current 2 '--current must not be negative' \
  -- evaluate --strategy fixed-value --config value=3 --current -1
expect both-modes 2 'exactly one of --strategy or --policy' -- evaluate --current 1
expect unknown-check 2 'no such check' -- evaluate --policy "$policy" --current 1 --check nope=1
expect missing-metrics 1 'no metrics available' -- evaluate --policy "$policy" --current 1 --check cpu_allocated=1

# validate: good files print the normalized form; bad ones print FILE: POINTER: reason.
expect validate-ok 0 '"cooldown_on_scale_up": "1m0s"' -- validate "$policy" "$task"
printf '{"scaling":{"p":{"min":5,"max":2,"policy":{"cooldown":"5x","check":{"c":{"query":"q","strategy":{"target-value":{"target":1}}}},"target":{"harvester":{"node_group_name":"g","memory_request":"4Gq"}}}}}}' >"$tmp/bad.json"
expect validate-bad 1 "bad.json: /scaling/p/min: min \(5\) is greater than max \(2\)" -- validate "$tmp/bad.json"
expect validate-bad-duration 1 'bad.json: /scaling/p/policy/cooldown: invalid duration "5x"' -- validate "$tmp/bad.json"
expect validate-bad-quantity 1 'bad.json: /scaling/p/policy/target/harvester/memory_request: invalid quantity "4Gq"' -- validate "$tmp/bad.json"
printf '{"scaling":{"p":{"max":2,"policy":{"check":{"c":{"source":"datadog","query":"q","strategy":{"target-value":{"target":1}}}},"target":{"harvester":{"node_group_name":"g"}}}}}}' >"$tmp/unknown.json"
expect validate-unknown-source 2 'unknown source "datadog"; known: nomad-apm, prometheus, sim' -- validate "$tmp/unknown.json"
printf '{"scaling": {' >"$tmp/truncated.json"
expect validate-truncated 1 'truncated.json:1:14: invalid JSON: syntax error while parsing object key' -- validate "$tmp/truncated.json"
expect validate-missing 1 'nope.json: cannot open: No such file' -- validate "$tmp/nope.json"
expect validate-dir 1 'is a directory' -- validate "$tmp"
expect validate-dup 1 'duplicate policy name "hashistack-cluster"' -- validate "$policy" "$policy"
expect validate-none 2 'no files given' -- validate

# HCL: the same normalized form as JSON; errors FILE:LINE:COL: PATH: reason; job files.
hcl_policy="$src/scenarios/policies/harvester-cluster.hcl"
"$bin" validate "$policy" | sed 's/harvester-cluster.json/X/' >"$tmp/from-json.out"
"$bin" validate "$hcl_policy" | sed 's/harvester-cluster.hcl/X/' >"$tmp/from-hcl.out"
cmp -s "$tmp/from-json.out" "$tmp/from-hcl.out" && [[ -s "$tmp/from-hcl.out" ]] && passed=$((passed + 1)) || {
  failed=$((failed + 1))
  echo "FAIL validate-hcl-same: the HCL and JSON policies normalize differently"
  diff "$tmp/from-json.out" "$tmp/from-hcl.out" | head -10
}
printf 'scaling "p" {\n  min = 1\n  max = var.max\n}\n' >"$tmp/expr.hcl"
expect validate-hcl-syntax 1 'expr.hcl:3:9: expressions are not supported here; write the value' -- validate "$tmp/expr.hcl"
printf 'scaling "p" {\n  max = 2\n  policy {\n    check "c" {\n      query = "q"\n    }\n    target "harvester" {}\n  }\n}\n' >"$tmp/meaning.hcl"
expect validate-hcl-meaning 1 'meaning.hcl:4:5: scaling.p.policy.check.c: missing required block "strategy"' -- validate "$tmp/meaning.hcl"
cp "$tmp/meaning.hcl" "$tmp/no-extension"
expect validate-by-content 1 'no-extension:4:5: scaling.p.policy.check.c' -- validate "$tmp/no-extension"
printf 'job "web" {\n  group "api" {\n    scaling {\n      max = 4\n      policy {\n        check "c" {\n          strategy "fixed-value" { value = 2 }\n        }\n      }\n    }\n  }\n}\n' >"$tmp/web.nomad"
expect validate-job 0 '"web/api": \{' -- validate "$tmp/web.nomad"
sed -i 's/max = 4/max = "four"/' "$tmp/web.nomad"
expect validate-job-bad 1 'web.nomad:4:7: job.web.group.api.scaling.max: expected a whole number' -- validate "$tmp/web.nomad"

# validate --agent-config: the effective config, secrets redacted; warnings; token modes.
printf 'nomad {\n  token = "n-s3cr3t"\n}\nenable_debug = true\ntarget "harvester" {\n  driver = "harvester"\n  config = { harvester_url = "https://h:6443" }\n}\n' >"$tmp/agent.hcl"
chmod 600 "$tmp/agent.hcl"
expect agent-config 0 '"token": "<redacted>"' -- validate --agent-config "$tmp/agent.hcl"
expect agent-config-warns 0 'warning: .*agent.hcl:4:1: enable_debug: accepted, not acted on' -- validate --agent-config "$tmp/agent.hcl"
"$bin" validate --agent-config "$tmp/agent.hcl" 2>&1 | grep -q s3cr3t && {
  failed=$((failed + 1))
  echo "FAIL agent-config-secret: the token was printed"
} || passed=$((passed + 1))
chmod 644 "$tmp/agent.hcl"
expect agent-config-mode 1 'agent.hcl:2:3: nomad.token: a token in a file that group or others can read \(mode 0644\): chmod 600' -- validate --agent-config "$tmp/agent.hcl"

# simulate: the default scenario end to end, and bad scenarios.
expect simulate-help 0 'SCENARIO' -- simulate --help
expect simulate-default 0 'invariant violations 0' -- simulate "$src/scenarios/default.json" --out "$tmp/sim"
[[ -s "$tmp/sim/report.json" && -s "$tmp/sim/timeseries.csv" && -s "$tmp/sim/report.html" ]] && passed=$((passed + 1)) || {
  failed=$((failed + 1))
  echo "FAIL simulate-files: report.json or timeseries.csv missing"
}
expect simulate-missing 1 'nope.json: cannot open' -- simulate "$tmp/nope.json"
printf '{"name":"x","duration":"1x","cluster":{},"workload":[],"policies":[]}' >"$tmp/bad-scenario.json"
expect simulate-bad-duration 1 'bad-scenario.json: /duration: invalid duration "1x"' -- simulate "$tmp/bad-scenario.json"
expect simulate-bad-cluster 1 'bad-scenario.json: /cluster: missing required key "node"' -- simulate "$tmp/bad-scenario.json"
mkdir -p "$tmp/swf"
printf '; header\n' >"$tmp/swf/t.swf"
cp "$policy" "$tmp/swf/p.json"
printf '{"name":"s","duration":"1h","cluster":{"initial_nodes":1,"node":{"cpu_mhz":8000,"memory_mb":16384},"node_class":"hashistack","max_vms":5},"workload":[{"format":"swf","path":"t.swf"}],"policies":["p.json"]}' >"$tmp/swf/s.json"
expect simulate-swf-keys 1 's.json: /workload/0: missing required key "cpu_mhz_per_proc"' -- simulate "$tmp/swf/s.json"
expect simulate-nasa 0 'invariant violations 0' -- simulate "$src/scenarios/nasa-ipsc.json" --out "$tmp/nasa" --set duration=1d
expect simulate-unmoved 0 'x perfect foresight.s [0-9.]+, [0-9.]+x the [0-9.]+ it needs when work never moves' -- simulate "$src/scenarios/alibaba-sample.json" --out "$tmp/alibaba" --set duration=6h
# Refinement that has stepped as finely as it does starts again from another full-length
# run: on a 3 x 3 space with 2 drawn, every other point gets run (4 without the restart).
expect optimize-refine-restart 0 'and 7 refining at full length' -- optimize "$src/scenarios/default.json" --set duration=1d --slo pending_p95=10m --space policy.hashistack-cluster.evaluation_interval=10s,30s,1m --space policy.hashistack-cluster.cooldown=1m,2m,5m --budget 2 --refine 20 --jobs 2 --out "$tmp/opt-restart"
expect optimize-min-axis 0 '--space policy.hashistack-cluster.min=0,1,2' -- optimize "$src/scenarios/nasa-ipsc.json" --set 'policies=["policies/demand-warm.hcl"]' --set duration=1d --slo pending_p95=10m --budget 2 --refine 0 --out "$tmp/opt-min"
expect simulate-no-file 2 'no scenario file given' -- simulate
expect simulate-set 0 '24 simulated hours' -- simulate "$src/scenarios/default.json" --out "$tmp/set" --set duration=1d --set policy.hashistack-cluster.min=4
expect simulate-set-unmatched 2 '--set policy.nope.min: no policy or scenario key matches it' -- simulate "$src/scenarios/default.json" --out "$tmp/set" --set policy.nope.min=1
expect simulate-set-invalid 1 'harvester-cluster.hcl:5:3: scaling.hashistack-cluster.min: min \(99\) is greater than max \(40\)' -- simulate "$src/scenarios/default.json" --out "$tmp/set" --set policy.hashistack-cluster.min=99

# The other shipped scenarios, and bad traces of the new formats.
expect simulate-planetlab 0 'invariant violations 0' -- simulate "$src/scenarios/planetlab-two-level.json" --out "$tmp/pl" --set duration=6h
grep -q '"unserved_load_fraction"' "$tmp/pl/report.json" && passed=$((passed + 1)) || {
  failed=$((failed + 1))
  echo "FAIL simulate-planetlab-services: no services in report.json"
}
expect simulate-alibaba 0 'skipped 4 alibaba-batch jobs' -- simulate "$src/scenarios/alibaba-sample.json" --out "$tmp/ali"
mkdir -p "$tmp/ali-bad"
cp "$policy" "$tmp/ali-bad/p.json"
printf 'M1,1,j_1,1,Terminated,10,20,100,1\nR2_5,1,j_1,1,Terminated,30,40,100,1\n' >"$tmp/ali-bad/t.csv"
printf '{"name":"a","duration":"1h","cluster":{"initial_nodes":1,"node":{"cpu_mhz":8000,"memory_mb":16384},"node_class":"hashistack","max_vms":5},"workload":[{"format":"alibaba-batch","path":"t.csv","machine_memory_mb":100000}],"policies":["p.json"]}' >"$tmp/ali-bad/s.json"
expect simulate-alibaba-dangling 1 't.csv:2: job j_1: task R2_5 depends on task 5' -- simulate "$tmp/ali-bad/s.json"
printf '{"name":"r","duration":"1h","cluster":{"initial_nodes":1,"node":{"cpu_mhz":8000,"memory_mb":16384},"node_class":"hashistack","max_vms":5},"workload":[{"format":"rate-csv","path":"t.csv","job":"w","group":"g","per_alloc_capacity":0,"alloc":{"cpu_mhz":100},"policy":"p.json"}],"policies":["p.json"]}' >"$tmp/ali-bad/r.json"
expect simulate-rate-keys 1 'r.json: /workload/0/per_alloc_capacity: expected a number > 0' -- simulate "$tmp/ali-bad/r.json"
expect simulate-rate-alloc 1 'r.json: /workload/0/alloc: missing required key "memory_mb"' -- simulate "$tmp/ali-bad/r.json"

# sweep: a tiny grid end to end, and its usage errors.
expect sweep-help 0 '--grid' -- sweep --help
expect sweep-tiny 0 'Pareto-optimal' -- sweep "$src/scenarios/default.json" --set duration=6h --grid policy.hashistack-cluster.min=1,3 --grid policy.hashistack-cluster.cooldown=1m,5m --jobs 2 --out "$tmp/sweep"
if [[ $(wc -l <"$tmp/sweep/sweep.csv") -eq 5 && -s "$tmp/sweep/sweep.html" && -s "$tmp/sweep/variant-3.json" ]] &&
  head -1 "$tmp/sweep/sweep.csv" | grep -q '^variant,policy.hashistack-cluster.min,policy.hashistack-cluster.cooldown,node_hours' &&
  grep -q ',yes$' "$tmp/sweep/sweep.csv"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL sweep-files:"
  cat "$tmp/sweep/sweep.csv"
fi
# The same grid in three slices, merged: the very same sweep.csv and sweep.html.
grid=(--set duration=6h --grid policy.hashistack-cluster.min=1,3 --grid policy.hashistack-cluster.cooldown=1m,5m --jobs 2)
for i in 0 1 2; do
  expect sweep-shard-$i 0 "slice $i/3" -- sweep "$src/scenarios/default.json" "${grid[@]}" --shard $i/3 --out "$tmp/shard$((i % 2))"
done
expect sweep-merge 0 '4 variants from 3 slices' -- sweep merge "$tmp/shard0" "$tmp/shard1" --out "$tmp/merged"
if cmp -s "$tmp/sweep/sweep.csv" "$tmp/merged/sweep.csv" && cmp -s "$tmp/sweep/sweep.html" "$tmp/merged/sweep.html"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL sweep-merge-same: the merged slices differ from one run"
  diff "$tmp/sweep/sweep.csv" "$tmp/merged/sweep.csv"
fi
expect sweep-merge-missing 1 'slice 1 of 3 is missing' -- sweep merge "$tmp/shard0"
expect sweep-merge-empty 1 'no shard-I-of-N.json' -- sweep merge "$tmp/sweep"
expect sweep-bad-shard 2 '--shard "3/3": expected I/N' -- sweep "$src/scenarios/default.json" "${grid[@]}" --shard 3/3
expect sweep-no-grid 2 'no --grid given' -- sweep "$src/scenarios/default.json"
expect sweep-bad-grid 2 '--grid "min": expected KEY=V1,V2' -- sweep "$src/scenarios/default.json" --grid min
expect sweep-bad-value 1 'variant 1 \(policy.hashistack-cluster.min=99\).*min \(99\) is greater than max' -- sweep "$src/scenarios/default.json" --set duration=1h --grid policy.hashistack-cluster.min=1,99 --out "$tmp/sweep-bad"

# optimize: a small search end to end; the same seed gives the same runs; the winner's
# policy files read back as the same policies; an unreachable goal exits 1 naming the closest.
demand=(--set duration=12h --set 'policies=["policies/demand-cluster.hcl"]')
space=(--space 'policy.hashistack-cluster.check.nodes_needed.query=nodes_needed/node_class=hashistack,headroom=0;nodes_needed/node_class=hashistack,headroom=10'
  --space policy.hashistack-cluster.cooldown=30s..3m --space policy.hashistack-cluster.evaluation_interval=10s,30s)
expect optimize-help 0 'successive halving' -- optimize --help
expect optimize-run 0 'best: #[0-9]+ .*p95 pending' -- optimize "$src/scenarios/default.json" "${demand[@]}" --slo pending_p95=300s "${space[@]}" --budget 6 --seed 3 --jobs 2 --out "$tmp/opt"
expect optimize-again 0 'best: #' -- optimize "$src/scenarios/default.json" "${demand[@]}" --slo pending_p95=300s "${space[@]}" --budget 6 --seed 3 --jobs 1 --out "$tmp/opt2"
"$bin" validate "$tmp/opt/best-policy.hcl" | sed 's/"[^"]*best-policy.hcl"/"F"/' >"$tmp/opt-hcl.json" 2>&1
"$bin" validate "$tmp/opt/best-policy.json" | sed 's/"[^"]*best-policy.json"/"F"/' >"$tmp/opt-json.json" 2>&1
if cmp -s "$tmp/opt/optimize.csv" "$tmp/opt2/optimize.csv" && cmp -s "$tmp/opt-hcl.json" "$tmp/opt-json.json" &&
  grep -q 'demand-cluster\|nodes_needed' "$tmp/opt-hcl.json" && [[ -s "$tmp/opt/best-report.json" && -s "$tmp/opt/optimize.html" ]] &&
  [[ $(grep -c ',yes,[a-z]*,yes,' "$tmp/opt/optimize.csv") -eq 1 ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL optimize-files:"
  diff "$tmp/opt/optimize.csv" "$tmp/opt2/optimize.csv" | head
  diff "$tmp/opt-hcl.json" "$tmp/opt-json.json" | head
fi
expect optimize-unmet 1 'no candidate meets p95 pending at most 1 s; the closest: #' -- optimize "$src/scenarios/default.json" "${demand[@]}" --slo pending_p95=1s --space policy.hashistack-cluster.cooldown=5m,10m --out "$tmp/opt-unmet"
expect optimize-default-space 0 '--space policy.hashistack-cluster.cooldown=30s\.\.10m' -- optimize "$src/scenarios/default.json" --set duration=6h --slo pending_p95=10m --budget 4 --out "$tmp/opt-default"
expect optimize-no-slo 2 'no --slo given' -- optimize "$src/scenarios/default.json" --space policy.hashistack-cluster.min=1,2
expect optimize-bad-slo 2 '--slo "p99=1s": expected pending_p95=DURATION' -- optimize "$src/scenarios/default.json" --slo p99=1s --space policy.hashistack-cluster.min=1,2
expect optimize-bad-unserved 2 '--slo "pending_p95=1m,unserved_load=150%": unserved_load: a fraction from 0 to 1' -- optimize "$src/scenarios/default.json" --slo pending_p95=1m,unserved_load=150% --space policy.hashistack-cluster.min=1,2
# A bound on unserved load opens the service's task-group policy to the search; the CSV
# carries each run's unserved load; the refinement runs follow the halving's, one rung on.
expect optimize-unserved 0 '--space policy.twitter-ingest.check.rps_per_alloc.strategy.target=3.2\.\.4' -- optimize "$src/scenarios/twitter-stream.json" --set duration=12h --slo pending_p95=10m,unserved_load=10% --budget 4 --refine 3 --jobs 2 --out "$tmp/opt-unserved"
if [[ $(grep -c '^[0-9]*,3,' "$tmp/opt-unserved/optimize.csv") -eq 3 ]] &&
  python3 -c 'import csv, sys; rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(not rows or not all(0 < float(r["unserved_load"]) < 1 for r in rows))' \
    "$tmp/opt-unserved/optimize.csv"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL optimize-unserved-files:"
  cat "$tmp/opt-unserved/optimize.csv"
fi
expect optimize-bad-range 2 '--space "policy.x.min=5..1": the range' -- optimize "$src/scenarios/default.json" --slo pending_p95=1m --space policy.x.min=5..1
expect optimize-bad-key 1 'candidate 0 .*policy.nope.min' -- optimize "$src/scenarios/default.json" --set duration=1h --slo pending_p95=1m --space policy.nope.min=1,2 --out "$tmp/opt-bad"

# optimize --shard: the same search in two slices (each halving its own candidates), merged:
# every slice's runs in one optimize.csv, the best full-length run the winner, its policy
# readable by validate; a missing slice and a bad --shard are named.
for i in 0 1; do
  expect optimize-shard-$i 0 "slice $i/2: 3 of 6 candidates, 7 runs \(2 refining\)" -- optimize "$src/scenarios/default.json" "${demand[@]}" --slo pending_p95=300s "${space[@]}" --budget 6 --refine 2 --seed 3 --jobs 2 --shard $i/2 --out "$tmp/optshard$i"
done
expect optimize-merge 0 'from 2 slices' -- optimize merge "$tmp/optshard0" "$tmp/optshard1" --out "$tmp/optmerged"
if [[ $(wc -l <"$tmp/optmerged/optimize.csv") -eq 15 && $(grep -c ',yes,[a-z]*,yes,' "$tmp/optmerged/optimize.csv") -eq 1 ]] &&
  "$bin" validate "$tmp/optmerged/best-policy.hcl" >/dev/null && [[ -s "$tmp/optmerged/best-report.json" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL optimize-merge-files:"
  cat "$tmp/optmerged/optimize.csv"
fi
expect optimize-merge-missing 1 'slice 1 of 2 is missing' -- optimize merge "$tmp/optshard0"
expect optimize-merge-empty 1 'no optimize-shard-I-of-N.json' -- optimize merge "$tmp/opt"
expect optimize-bad-shard 2 '--shard "2/2": expected I/N' -- optimize "$src/scenarios/default.json" "${demand[@]}" --slo pending_p95=300s "${space[@]}" --budget 6 --shard 2/2

# mock-nomad: usage errors, and a clean start and stop on SIGTERM (HTTP is tested in unit tests).
expect mock-nomad-help 0 'Binds loopback unless told' -- mock-nomad --help
expect mock-nomad-listen 2 '--listen "nope": expected HOST:PORT' -- mock-nomad --listen nope
expect mock-nomad-token 1 'nope-token: cannot open' -- mock-nomad --token-file "$tmp/nope-token"
printf '  \n' >"$tmp/empty-token"
expect mock-nomad-empty-token 1 'empty-token: the token file is empty' -- mock-nomad --token-file "$tmp/empty-token"
"$bin" mock-nomad --listen 127.0.0.1:0 >"$tmp/mock.out" 2>&1 &
mock_pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/mock.out" && break; sleep 0.1; done
kill -TERM "$mock_pid"
wait "$mock_pid"
mock_exit=$?
if [[ $mock_exit -eq 0 ]] && grep -qE '^mock Nomad listening on http://127\.0\.0\.1:[1-9][0-9]* \(no token required\)$' "$tmp/mock.out" &&
  grep -q '^mock Nomad stopped$' "$tmp/mock.out"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL mock-nomad-run: exit $mock_exit, output:"
  cat "$tmp/mock.out"
fi

# mock-harvester: usage errors and bad certificate files.
expect mock-harvester-help 0 'kubectl sends its token only over TLS' -- mock-harvester --help
expect mock-harvester-tls-pair 2 '--tls-cert and --tls-key go together' -- mock-harvester --tls-cert "$src/tests/data/test-server.crt"
expect mock-harvester-bad-cert 1 'cannot use the TLS certificate /nonexistent.crt' -- mock-harvester --listen 127.0.0.1:0 --tls-cert /nonexistent.crt --tls-key /nonexistent.key
# --faults: a fault the server cannot show, or a bad field, is named with its place; exit 1.
printf '[{"kind": "vm_stuck_starting", "rate": 0.5}, {"kind": "outage", "api": "nomad"}]' >"$tmp/mock-faults.json"
expect mock-harvester-faults 1 'mock-faults.json: /1/api: this server is the harvester API' -- mock-harvester --listen 127.0.0.1:0 --faults "$tmp/mock-faults.json"
expect mock-nomad-faults 1 'mock-faults.json: /0/kind: a mock nomad server alone can show only' -- mock-nomad --listen 127.0.0.1:0 --faults "$tmp/mock-faults.json"
expect mock-nomad-faults-missing 1 'nope-faults.json: cannot open' -- mock-nomad --faults "$tmp/nope-faults.json"

# record --rate-query and mock-cluster's Prometheus: malformed options, one clear message, exit 2.
expect record-rate-query 2 '--rate-query "web=x": no JOB/ before the group' -- record --out "$tmp/r" --rate-query 'web=x'
expect record-rate-template 2 'names neither \{\{job\}\} nor \{\{group\}\}' -- record --out "$tmp/r" --prometheus-address http://127.0.0.1:9 --rate-query '*=sum(x)'
expect record-rate-address 2 '--rate-query needs --prometheus-address' -- record --out "$tmp/r" --rate-query 'web/g=x'
expect record-rate-twice 2 'web/g is given twice' -- record --out "$tmp/r" --prometheus-address http://127.0.0.1:9 --rate-query 'web/g=x' --rate-query 'web/g=y'
expect record-rate-dump 2 'not with --rate-query' -- record --out "$tmp/r" --from-dump "$tmp" --rate-query 'web/g=x'
expect mock-cluster-prometheus 2 '--prometheus-listen "nope": expected HOST:PORT' -- mock-cluster --scenario "$src/scenarios/planetlab-two-level.json" --prometheus-listen nope

echo "cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
