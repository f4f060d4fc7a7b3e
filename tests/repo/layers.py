#!/usr/bin/env python3
"""The layers of docs/architecture.md, checked on every #include of the project's own headers.

Each folder may include headers from the folders listed for it (and its own); anything
else is a dependency that runs the wrong way (an interface reaching into the engine, a
mock server into the HTTP clients, the simulator onto the network). Prints each such
include as FILE:LINE: "header" (FOLDER may not use LAYER) and exits 1 if there is any.
Usage: layers.py REPO_ROOT
"""
import os
import re
import sys

root = sys.argv[1]
# folder -> the folders it may include from (besides itself). Longest prefix wins.
ALLOWED = {
    "base": [],
    "backends/api": ["base"],
    "backends/wire": ["base", "backends/api"],
    "backends/memory": ["base", "backends/api"],
    "backends/runtime": ["base"],
    "backends/http": ["base", "backends/api", "backends/wire", "backends/runtime"],
    "backends/mock_server": ["base", "backends/api", "backends/wire", "backends/memory",
                             "backends/runtime"],
    "engine": ["base", "backends/api"],
    "sim": ["base", "backends/api", "engine", "backends/memory", "backends/runtime"],
    "agent": ["base", "backends/api", "engine", "backends/wire", "backends/http",
              "backends/runtime"],
    # The Nomad Autoscaler plugin: the agent's clients and settings, and the code generated
    # from third_party's .proto files (plugins/..., go-plugin's grpc_controller and grpc_stdio).
    "plugin": ["base", "backends/api", "engine", "backends/wire", "backends/http",
               "backends/runtime", "agent", "plugins", "grpc_controller.grpc.pb.h",
               "grpc_stdio.grpc.pb.h"],
    "apps": ["base", "backends", "engine", "sim", "agent", "plugin", "version.h"],
}
# Tests, benchmarks and fuzz targets may use every layer.
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    best = None
    for folder in ALLOWED:
        if (path + "/").startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    return best


problems = []
checked = 0
for folder in ALLOWED:
    for d, _, files in os.walk(os.path.join(root, folder)):
        for name in files:
            if not name.endswith((".h", ".cc", ".in")):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            if layer_of(os.path.dirname(rel)) != folder:
                continue  # a deeper folder with rules of its own
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    header = m.group(1)
                    checked += 1
                    ok = [folder] + ALLOWED[folder]
                    if not any(header == a or header.startswith(a + "/") for a in ok):
                        problems.append(f'{rel}:{number}: "{header}" ({folder} may not use '
                                        f'{os.path.dirname(header) or header})')

for p in problems:
    print(p)
if problems:
    print(f"{len(problems)} includes against the layers")
    sys.exit(1)
print(f"{checked} includes checked; every one follows the layers")
