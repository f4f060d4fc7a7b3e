#!/usr/bin/env python3
"""scripts/compare-policies on the default scenario, with a small search: its row matches
simulate run directly, the sweep column is the cheapest variant that meets the goal, the
optimize column is optimize's winner, and bad input stops it with a message.

  compare_policies_test.py BINARY SOURCE_DIR
"""

import json
import pathlib
import subprocess
import sys
import tempfile

binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
script = source / "scripts" / "compare-policies"
scenario = source / "scenarios" / "default.json"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    out = pathlib.Path(tmp) / "cmp"
    done = subprocess.run(
        [sys.executable, str(script), "--bin", binary, "--out", str(out), "--budget", "2",
         "--refine", "0", "--jobs", "2", "--grid", "policy.{P}.cooldown=1m,5m",
         "--predictive", "", str(scenario)],
        capture_output=True, text=True)
    check(done.returncode == 0, f"exit {done.returncode}: {done.stderr}")
    row = json.loads((out / "compare.json").read_text())["scenarios"]["default"]

    # (a) is simulate of the scenario as shipped, run here on its own.
    direct = pathlib.Path(tmp) / "direct"
    subprocess.run([binary, "simulate", str(scenario), "--out", str(direct)], check=True,
                   capture_output=True)
    report = json.loads((direct / "report.json").read_text())
    check(row["a shipped"]["cost_vs_oracle"] == report["cost_vs_oracle"], "a: cost differs")
    check(row["a shipped"]["pending_p95_s"] == report["pending_seconds"]["p95"], "a: p95 differs")
    unmoved = report["unmoved_node_hours"] / report["oracle_node_hours"]
    check(abs(row["a shipped"]["unmoved_vs_oracle"] - unmoved) < 1e-12, "a: unmoved differs")

    # (b): two variants; the chosen one is the cheapest among those that meet p95 <= 120 s.
    variants = [json.loads(p.read_text()) for p in sorted((out / "default" / "b").glob("variant-*.json"))]
    check(len(variants) == 2, f"b: {len(variants)} variants")
    meeting = [v["cost_vs_oracle"] for v in variants if v["pending_seconds"]["p95"] <= 120]
    if meeting:
        check(row["b sweep"]["cost_vs_oracle"] == min(meeting), "b: not the cheapest that meets")

    # (c): optimize's winner, as its best-report.json has it.
    best = out / "default" / "c" / "best-report.json"
    if best.exists():
        winner = json.loads(best.read_text())
        check(abs(row["c optimize"]["cost_vs_oracle"] - winner["cost_vs_oracle"]) < 1e-9,
              "c: not the winner's cost")
    else:
        check("error" not in row["c optimize"], "c: neither a winner nor the closest")

    # (e) turned off; (d) and (f) ran.
    check(row["e predictive"] is None, "e: ran although turned off")
    check("cost_vs_oracle" in row["d demand"] and "cost_vs_oracle" in row["f warm"], "d, f: missing")
    table = (out / "compare.md").read_text()
    check("| default | " in table and " | - | " in table, "compare.md: no row, or e not '-'")

    # Bad input: a missing scenario, a bad goal.
    missing = subprocess.run([sys.executable, str(script), "--bin", binary, "--out", str(out),
                              str(pathlib.Path(tmp) / "nope.json")], capture_output=True, text=True)
    check(missing.returncode != 0 and "nope.json: no such scenario file" in missing.stderr,
          f"missing scenario: {missing.returncode} {missing.stderr}")
    bad = subprocess.run([sys.executable, str(script), "--bin", binary, "--slo", "pending_p95=soon",
                          str(scenario)], capture_output=True, text=True)
    check(bad.returncode != 0 and "pending_p95 wants a duration" in bad.stderr,
          f"bad goal: {bad.returncode} {bad.stderr}")

for f in failures:
    print("FAIL:", f)
print("compare_policies:", "failed" if failures else "passed")
sys.exit(1 if failures else 0)
