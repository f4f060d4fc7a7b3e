#!/usr/bin/env bash
# record's round trip, shortened: mock-cluster replays tests/data/emulate/short.json (40 min)
# at 60x; `record` follows it from the start to the end of the replay, in two runs (the
# second resumes the first's recording, as `record --out DIR` again does); then `simulate` of
# the recorded scenario is compared with `simulate` of the original: the same number of
# allocations, node-hours within 5%, p95 pending within 60 s. Also: an unreachable Nomad, a
# token Nomad refuses, and a directory that holds another cluster's recording are each one
# clear error and exit 1.
# Usage: record_roundtrip.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
. "$src/tests/e2e/e2e_lib.sh"

out=$("$bin" record --out "$work/nowhere" --nomad-address http://127.0.0.1:1 --duration 5s 2>&1)
rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q "record: Nomad at http://127.0.0.1:1: no answer within 15 s" &&
  pass "an unreachable Nomad: exit 1, one clear error" || fail "unreachable Nomad: rc $rc: $out"

start_cluster 60 "record-$RANDOM$RANDOM" "unused-$RANDOM"
echo "not-the-token" >"$work/wrong.token"
out=$("$bin" record --out "$work/denied" --nomad-address "$nomad_url" \
  --nomad-token-file "$work/wrong.token" --duration 5s 2>&1)
rc=$?
[ "$rc" -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "403" &&
  pass "a token Nomad refuses: exit 1, one clear error: $out" || fail "wrong token: rc $rc: $out"
mkdir -p "$work/policies"
cp "$src/tests/data/emulate/short-policy.json" "$work/policies/"
"$bin" record --out "$work/recorded" --nomad-address "$nomad_url" \
  --nomad-token-file "$work/nomad.token" --duration 15s --clock-speed 60 \
  --node-class hashistack --policy-dir "$work/policies" >"$work/record.out" 2>"$work/record.err" &&
  pass "record: $(head -1 "$work/record.out")" || { cat "$work"/record.*; fail "record failed"; }
# The second run: the same directory, no --node-class or --policy-dir (kept from the first).
"$bin" record --out "$work/recorded" --nomad-address "$nomad_url" --checkpoint 5s \
  --nomad-token-file "$work/nomad.token" --duration 25s --clock-speed 60 \
  >"$work/record2.out" 2>"$work/record2.err" &&
  grep -q "^resuming the recording in $work/recorded/ after index" "$work/record2.err" &&
  pass "record resumed: $(head -1 "$work/record2.err")" ||
  { cat "$work"/record2.*; fail "record did not resume"; }
out=$("$bin" record --out "$work/recorded" --nomad-address "http://127.0.0.1:9" 2>&1)
rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q "holds a recording of $nomad_url" &&
  pass "resuming against another Nomad: exit 1, one clear error" ||
  fail "another Nomad: rc $rc: $out"
# A dump of the same cluster, saved as curl saves it, read by --from-dump: a scenario that
# simulate replays.
mkdir -p "$work/dump"
for e in "allocations?resources=true allocations" "nodes?resources=true nodes" "jobs jobs"; do
  set -- $e
  curl -sf -H "X-Nomad-Token: $nomad_token" "$nomad_url/v1/$1" >"$work/dump/$2.json" ||
    fail "curl /v1/$1"
done
"$bin" record --out "$work/from-dump" --from-dump "$work/dump" --node-class hashistack \
  >"$work/dump.out" 2>&1 && "$bin" simulate "$work/from-dump/scenario.json" \
  --out "$work/dump-replayed" >/dev/null &&
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["in_dump"]["allocations"] > 0 and r["allocations"]["in_trace"] > 0 else 1)' \
    "$work/from-dump/record.json" &&
  pass "record --from-dump: $(head -1 "$work/dump.out")" ||
  { cat "$work/dump.out"; fail "record --from-dump"; }
for f in trace.allocs.csv scenario.json record.json policies/short-policy.json; do
  [ -s "$work/recorded/$f" ] || fail "record wrote no $f"
done
ls "$work/recorded" | grep -q partial && fail "a partial file was left behind"

"$bin" simulate "$src/tests/data/emulate/short.json" --out "$work/original" >/dev/null &&
  "$bin" simulate "$work/recorded/scenario.json" --out "$work/replayed" >/dev/null ||
  fail "simulate failed"
python3 - "$work/original/report.json" "$work/replayed/report.json" "$work/recorded/record.json" <<'PY'
import json, sys
a, b, rec = (json.load(open(p)) for p in sys.argv[1:4])
problems = []
if a["allocations"]["total"] != b["allocations"]["total"]:
    problems.append(f"allocations {a['allocations']['total']} recorded as {b['allocations']['total']}")
ratio = b["node_hours"] / a["node_hours"]
if abs(ratio - 1) > 0.05:
    problems.append(f"node-hours {a['node_hours']:.3f} vs {b['node_hours']:.3f}")
if abs(a["pending_seconds"]["p95"] - b["pending_seconds"]["p95"]) > 60:
    problems.append(f"p95 pending {a['pending_seconds']['p95']} vs {b['pending_seconds']['p95']}")
if len(rec["gaps"]) != 1 or "resumed" not in rec["gaps"][0]["why"]:
    problems.append(f"gaps: {rec['gaps']}")
print(f"allocations {a['allocations']['total']} / {b['allocations']['total']}, node-hours ratio "
      f"{ratio:.3f}, p95 pending {a['pending_seconds']['p95']} / {b['pending_seconds']['p95']}, "
      f"record.json allocations {rec['allocations']}")
sys.exit("; ".join(problems) if problems else 0)
PY
[ $? -eq 0 ] && pass "the recorded scenario replays as the original" || fail "round trip differs"

[ "$failures" -eq 0 ] || exit 1
