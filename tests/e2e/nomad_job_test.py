#!/usr/bin/env python3
"""The Nomad job that runs the agent (deploy/nomad/harvester-autoscaler.nomad.hcl), read
as HCL (hcl_dump; the hcl_differential test has HashiCorp's parser read it alike): two
replicas on distinct hosts with high availability on, the exec driver on the package's binary, the workload identity in the
environment, the Harvester token rendered from a Nomad Variable into secrets/ with mode
0600; and its templates rendered as Nomad would (env lookups filled in, the Variable read
as a token file) give an agent config and a policy that `validate` accepts.
Usage: nomad_job_test.py BINARY HCL_DUMP SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

binary, hcl_dump, src = sys.argv[1:4]
job_file = os.path.join(src, "deploy/nomad/harvester-autoscaler.nomad.hcl")
out = subprocess.run([hcl_dump, job_file], check=True, capture_output=True, text=True).stdout
doc = json.loads(out.splitlines()[0])["document"]
job = doc["job"]["harvester-autoscaler"]
group = job["group"]["agent"]
task = group["task"]["agent"]
problems = []


def expect(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        problems.append(what)


expect(job.get("type") == "service", "a service job")
expect(group.get("count") == 2, "two replicas")
constraints = group.get("constraint", [])
constraints = constraints if isinstance(constraints, list) else [constraints]
expect(any(c.get("operator") == "distinct_hosts" for c in constraints), "on distinct hosts")
expect(task.get("driver") == "exec", "the exec driver")
expect(task["config"]["command"] == "/usr/bin/harvester-autoscaler", "the package's binary")
expect(task["config"]["args"][:2] == ["agent", "--config"], "runs `agent --config`")
expect(task.get("identity", {}).get("env") is True, "the workload identity's NOMAD_TOKEN")
templates = {t["destination"]: t for t in task["template"]}
token = templates.get("secrets/harvester.token", {})
expect("nomadVar" in token.get("data", "") and token.get("perms") == "0600",
       "the Harvester token from a Nomad Variable, mode 0600")
expect(group["service"]["check"]["path"] == "/v1/health", "health checked on /v1/health")

with tempfile.TemporaryDirectory() as work:
    dirs = {"NOMAD_TASK_DIR": os.path.join(work, "local"),
            "NOMAD_SECRETS_DIR": os.path.join(work, "secrets")}
    for d in dirs.values():
        os.makedirs(os.path.join(d, "policies"), exist_ok=True)

    def render(text):
        return re.sub(r'\{\{\s*env "([A-Z_]+)"\s*\}\}', lambda m: dirs[m.group(1)], text)

    for dest, t in templates.items():
        path = os.path.join(work, dest)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = "harvester-token\n" if dest == "secrets/harvester.token" else render(t["data"])
        with open(path, "w") as f:
            f.write(data)
        os.chmod(path, 0o600)
    env = dict(os.environ, NOMAD_ADDR="http://127.0.0.1:4646", NOMAD_TOKEN="workload-identity")
    r = subprocess.run([binary, "validate", "--agent-config", os.path.join(work, "local/agent.hcl")],
                       capture_output=True, text=True, env=env)
    expect(r.returncode == 0 and "workload-identity" not in r.stdout,
           "the rendered agent config validates: " + (r.stderr.strip() or "no warning"))
    m = re.search(r"\{.*\}", r.stdout, re.S)
    ha = json.loads(m.group(0)).get("high_availability", {}) if m else {}
    expect(ha.get("enabled") is True and ha.get("lock_path", "").startswith("nomad/jobs/"),
           "with high availability on, the lock under the job's Variables: " + json.dumps(ha))
    r = subprocess.run([binary, "validate", os.path.join(work, "local/policies/cluster.hcl")],
                       capture_output=True, text=True)
    expect(r.returncode == 0, "the rendered policy validates " + r.stderr.strip())

sys.exit(1 if problems else 0)
