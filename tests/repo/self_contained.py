#!/usr/bin/env python3
"""The repository stands alone: no tracked file names a path outside it.

Users clone the repository by itself, so a scenario, test, script or doc link that reaches
outside it works only on the machine where it was written. For every tracked text file
this finds path-like tokens made of parent-folder steps (dot-dot-slash, also joined after a
slash onto a root) and checks where they lead:
  - Markdown link targets `](...)` and scenario/policy JSON paths resolve from the file's
    own folder, as a browser and the scenario loader read them;
  - everything else (code, scripts, CMake, paths named in prose) may be resolved from the
    file's folder or from the repository root (scripts `cd` there, tests join paths onto
    the source dir), so a token that escapes from either is flagged.
Absolute paths into the machine this was written on (the workplace root, `/` + `work`)
are flagged too.
Prints each finding as FILE:LINE: token (where it leads) and exits 1 if there is any.
Usage: self_contained.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

root = os.path.realpath(sys.argv[1])
# `..` steps followed by more path, with an optional leading slash (a join onto a root).
TOKEN = re.compile(r"(?<![\w.])(/?(?:\.\./)+[\w.-][\w./-]*)")
ABSOLUTE = re.compile(r"(?<![\w.])/work/[\w./-]+")


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
        return [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith((".", "build"))]
            found += [os.path.relpath(os.path.join(d, f), root) for f in files]
        return found


def escapes(base, token):
    target = os.path.normpath(os.path.join(base, token.lstrip("/")))
    return os.path.relpath(target, root).startswith(".."), target


findings = []
for rel in tracked_files():
    path = os.path.join(root, rel)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except (UnicodeDecodeError, OSError):
        continue  # binary (gzip traces, keys): no paths to follow
    here = os.path.dirname(path)
    for number, line in enumerate(lines, 1):
        for match in TOKEN.finditer(line):
            token = match.group(1)
            link = rel.endswith(".md") and line[:match.start()].endswith("](")
            bases = [here] if link or rel.endswith(".json") else [here, root]
            for base in bases:
                out, target = escapes(base, token)
                if out:
                    findings.append(f"{rel}:{number}: {token} (leads to {target})")
                    break
        for token in ABSOLUTE.findall(line):
            findings.append(f"{rel}:{number}: {token} (an absolute path on one machine)")

for f in findings:
    print(f)
if findings:
    print(f"{len(findings)} paths outside the repository; copy what they need into it")
    sys.exit(1)
print("no tracked file names a path outside the repository")
