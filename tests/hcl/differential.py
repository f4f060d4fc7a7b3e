#!/usr/bin/env python3
"""HCL read by this product and by HashiCorp's own parser: the same documents.

Builds tests/hcl/hcl2json.go with Go against Debian's github.com/hashicorp/hcl/v2 (GOPATH
mode, offline), runs it and this product's hcl_dump on every file of the corpus, and checks:
  - a file both accept gives the same document (values compared as JSON: 1000 == 1e3);
  - a file HashiCorp's parser refuses is refused here too (broken files: tests/hcl/broken/);
  - a file that only needs HCL's expression language (tests/hcl/expressions/) is accepted by
    HashiCorp's parser and refused here with "expressions are not supported".
Usage: differential.py HCL_DUMP SOURCE_DIR BUILD_DIR
"""
import glob
import json
import os
import subprocess
import sys

hcl_dump, src, build = (os.path.abspath(a) for a in sys.argv[1:4])
go_bin = os.path.join(build, "hcl2json")
env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
           GOCACHE=os.path.join(build, "go-cache"), CGO_ENABLED="0")
subprocess.run(["go", "build", "-o", go_bin, os.path.join(src, "tests/hcl/hcl2json.go")],
               check=True, env=env)

accepted = sorted(glob.glob(os.path.join(src, "tests/hcl/accepted/*.hcl")) +
                  glob.glob(os.path.join(src, "scenarios/policies/*.hcl")) +
                  glob.glob(os.path.join(src, "tests/data/agent/*.hcl")) +
                  glob.glob(os.path.join(src, "deploy/*/*.hcl")) +
                  glob.glob(os.path.join(src, "fuzz/corpus/hcl/*")))
broken = sorted(glob.glob(os.path.join(src, "tests/hcl/broken/*.hcl")))
expressions = sorted(glob.glob(os.path.join(src, "tests/hcl/expressions/*.hcl")))


def run(binary, files):
    out = subprocess.run([binary] + files, check=True, capture_output=True, text=True).stdout
    return {r["file"]: r for r in map(json.loads, out.splitlines())}


files = accepted + broken + expressions
ours, theirs = run(hcl_dump, files), run(go_bin, files)
failures = []
for f in accepted:
    o, t = ours[f], theirs[f]
    if "error" in t:
        failures.append(f"{f}: HashiCorp's parser refuses it ({t['error']}); not a corpus file")
    elif "error" in o:
        failures.append(f"{f}: refused here ({o['error']}) but HashiCorp's parser reads it")
    elif o["document"] != t["document"]:
        failures.append(f"{f}: documents differ\n  ours:   {json.dumps(o['document'], sort_keys=True)}"
                        f"\n  theirs: {json.dumps(t['document'], sort_keys=True)}")
for f in broken:
    if "error" not in theirs[f]:
        failures.append(f"{f}: HashiCorp's parser reads it; not a broken file")
    elif "error" not in ours[f]:
        failures.append(f"{f}: accepted here, refused by HashiCorp's parser ({theirs[f]['error']})")
for f in expressions:
    if "error" in theirs[f]:
        failures.append(f"{f}: HashiCorp's parser refuses it ({theirs[f]['error']})")
    elif "expressions are not supported" not in ours[f].get("error", ""):
        failures.append(f"{f}: expected 'expressions are not supported', got {ours[f]}")

for line in failures:
    print("FAIL", line)
print(f"{len(accepted)} files read alike, {len(broken)} broken files refused by both, "
      f"{len(expressions)} expression files refused here; {len(failures)} failures")
sys.exit(1 if failures else 0)
