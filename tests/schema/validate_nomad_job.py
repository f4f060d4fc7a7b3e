#!/usr/bin/env python3
"""The sweep's Nomad job (deploy/nomad/sweep-shards.nomad.json, the jobs API's JSON) against
Nomad's Job schema (third_party/nomad/openapi.yaml) with python3-jsonschema, every key of it
a field the schema knows (a misspelt key would be dropped by Nomad without a word); and the
HCL file it mirrors (read with hcl_dump) saying the same: a parameterized batch job with
the same meta, command, arguments, volume, restart policy and resources.
Usage: validate_nomad_job.py HCL_DUMP SOURCE_DIR
"""
import json
import os
import sys

import jsonschema

from openapi_schema import load_components, resolve

hcl_dump, src = sys.argv[1:3]
components = load_components(os.path.join(src, "third_party/nomad/openapi.yaml"))
problems = []


def expect(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        problems.append(what)


def unknown_keys(value, schema, at):
    """Keys of `value` the schema does not name, where it names its properties."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    out = []
    if isinstance(value, dict) and "properties" in schema:
        for k, v in value.items():
            if k not in schema["properties"]:
                out.append(f"{at}/{k}")
            else:
                out += unknown_keys(v, schema["properties"][k], f"{at}/{k}")
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for k, v in value.items():
            out += unknown_keys(v, schema["additionalProperties"], f"{at}/{k}")
    elif isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            out += unknown_keys(v, schema["items"], f"{at}/{i}")
    return out


with open(os.path.join(src, "deploy/nomad/sweep-shards.nomad.json")) as f:
    job = json.load(f)["Job"]
errors = list(jsonschema.Draft7Validator(resolve({"$ref": "#/Job"}, components)).iter_errors(job))
expect(not errors, "a valid Job: " + "; ".join(e.message for e in errors[:3]))
unknown = unknown_keys(job, components["Job"], "Job")
expect(not unknown, "every key a Job field: " + ", ".join(unknown))

import subprocess  # noqa: E402  (after the schema checks, which need no binary)

hcl = json.loads(subprocess.run([hcl_dump, os.path.join(src, "deploy/nomad/sweep-shards.nomad.hcl")],
                                check=True, capture_output=True, text=True).stdout.splitlines()[0])
h = hcl["document"]["job"][job["ID"]]
group = h["group"][job["TaskGroups"][0]["Name"]]
task = group["task"][job["TaskGroups"][0]["Tasks"][0]["Name"]]
jg, jt = job["TaskGroups"][0], job["TaskGroups"][0]["Tasks"][0]
expect(h["type"] == job["Type"] == "batch", "a batch job in both forms")
expect(h["parameterized"]["meta_required"] == job["ParameterizedJob"]["MetaRequired"],
       "the same required meta: " + ", ".join(job["ParameterizedJob"]["MetaRequired"]))
expect(task["driver"] == jt["Driver"] and task["config"]["command"] == jt["Config"]["command"] and
       task["config"]["args"] == jt["Config"]["args"], "the same command and arguments")
expect("--shard" in jt["Config"]["args"][1] and "$NOMAD_META_shard/$NOMAD_META_shards" in
       jt["Config"]["args"][1], "runs one slice: --shard from the dispatch's meta")
vol = group["volume"]["sweeps"]
expect(vol["type"] == jg["Volumes"]["sweeps"]["Type"] and
       vol["source"] == jg["Volumes"]["sweeps"]["Source"] and
       task["volume_mount"]["destination"] == jt["VolumeMounts"][0]["Destination"],
       "the same host volume and mount")
expect(group["restart"]["attempts"] == jg["RestartPolicy"]["Attempts"] and
       group["restart"]["mode"] == jg["RestartPolicy"]["Mode"] and
       jg["RestartPolicy"]["Delay"] == 10 * 10**9 and group["restart"]["delay"] == "10s",
       "the same restart policy")
expect(task["resources"]["cpu"] == jt["Resources"]["CPU"] and
       task["resources"]["memory"] == jt["Resources"]["MemoryMB"], "the same resources")
sys.exit(1 if problems else 0)
