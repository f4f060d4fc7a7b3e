#!/usr/bin/env python3
"""The Nomad jobs of deploy/nomad, read as HCL (hcl_dump; the hcl_differential test has
HashiCorp's parser read it alike), and their templates rendered as Nomad would (env lookups
filled in, the Variable read as a token file):
- harvester-autoscaler.nomad.hcl, this product's agent: the exec driver on the package's
  binary;
- nomad-autoscaler-harvester.nomad.hcl, HashiCorp's autoscaler with this product's plugin:
  two replicas with its high availability, its release binary as an artifact, plugin_dir where the package installs the plugin, the
  Harvester token read by the plugin from its file.
Both: two replicas on distinct hosts with high availability on, the lock a Variable of the
job that the ACL policy lets it write, the workload identity in the environment, the Harvester token rendered from a Nomad
Variable into secrets/ with mode 0600, health on /v1/health, and an agent file and a policy
that `validate` accepts.
Usage: nomad_job_test.py BINARY HCL_DUMP SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

binary, hcl_dump, src = sys.argv[1:4]
problems = []


def expect(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        problems.append(what)


def read_job(name):
    out = subprocess.run([hcl_dump, os.path.join(src, "deploy/nomad", name)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[0])["document"]["job"]


def render(task, work):
    """Writes the task's templates under `work` as Nomad renders them; returns their paths."""
    dirs = {"NOMAD_TASK_DIR": os.path.join(work, "local"),
            "NOMAD_SECRETS_DIR": os.path.join(work, "secrets"),
            "NOMAD_UNIX_ADDR": "unix://" + os.path.join(work, "secrets/api.sock")}
    os.makedirs(os.path.join(work, "local/policies"), exist_ok=True)
    paths = {}
    for t in task["template"]:
        path = os.path.join(work, t["destination"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "nomadVar" in t["data"]:
            data = "harvester-token\n"
        else:
            data = re.sub(r'\{\{\s*env "([A-Z_]+)"\s*\}\}', lambda m: dirs[m.group(1)], t["data"])
        with open(path, "w") as f:
            f.write(data)
        os.chmod(path, 0o600)
        paths[t["destination"]] = path
    return paths


def validate(agent_file, policy_file, env):
    """`validate` of the rendered agent file and policy; returns the effective agent config."""
    r = subprocess.run([binary, "validate", "--agent-config", agent_file],
                       capture_output=True, text=True, env=env)
    expect(r.returncode == 0 and "workload-identity" not in r.stdout,
           "the rendered agent file validates: " + (r.stderr.strip() or "no warning"))
    m = re.search(r"\{.*\}", r.stdout, re.S)
    r2 = subprocess.run([binary, "validate", policy_file], capture_output=True, text=True)
    expect(r2.returncode == 0, "the rendered policy validates " + r2.stderr.strip())
    return json.loads(m.group(0)) if m else {}


def expect_lock(effective, job_name):
    ha = effective.get("high_availability", {})
    lock = "nomad/jobs/%s/lock" % job_name
    expect(ha.get("enabled") is True and ha.get("lock_path") == lock,
           "with high availability on, the lock under the job's Variables: " + json.dumps(ha))
    with open(os.path.join(src, "deploy/nomad/agent-acl.hcl")) as f:
        expect('path "%s"' % lock in f.read(), "the ACL policy lets the job write its lock")


def common(task, group):
    expect(group.get("count") == 2, "two replicas")
    constraints = group.get("constraint", [])
    constraints = constraints if isinstance(constraints, list) else [constraints]
    expect(any(c.get("operator") == "distinct_hosts" for c in constraints), "on distinct hosts")
    expect(task.get("driver") == "exec", "the exec driver")
    expect(task.get("identity", {}).get("env") is True, "the workload identity's NOMAD_TOKEN")
    token = [t for t in task["template"] if t["destination"] == "secrets/harvester.token"]
    expect(len(token) == 1 and "nomadVar" in token[0].get("data", "") and
           token[0].get("perms") == "0600", "the Harvester token from a Nomad Variable, mode 0600")
    expect(group["service"]["check"]["path"] == "/v1/health", "health checked on /v1/health")


# This product's agent.
print("# deploy/nomad/harvester-autoscaler.nomad.hcl")
job = read_job("harvester-autoscaler.nomad.hcl")["harvester-autoscaler"]
group = job["group"]["agent"]
task = group["task"]["agent"]
expect(job.get("type") == "service", "a service job")
expect(task["config"]["command"] == "/usr/bin/harvester-autoscaler", "the package's binary")
expect(task["config"]["args"][:2] == ["agent", "--config"], "runs `agent --config`")
common(task, group)
with tempfile.TemporaryDirectory() as work:
    paths = render(task, work)
    env = dict(os.environ, NOMAD_ADDR="http://127.0.0.1:4646", NOMAD_TOKEN="workload-identity")
    effective = validate(paths["local/agent.hcl"], paths["local/policies/cluster.hcl"], env)
    expect_lock(effective, "harvester-autoscaler")

# HashiCorp's autoscaler with the plugin.
print("# deploy/nomad/nomad-autoscaler-harvester.nomad.hcl")
job = read_job("nomad-autoscaler-harvester.nomad.hcl")["nomad-autoscaler"]
group = job["group"]["autoscaler"]
task = group["task"]["autoscaler"]
expect(job.get("type") == "service", "a service job")
common(task, group)
artifact = task.get("artifact", {})
expect(re.match(r"https://releases\.hashicorp\.com/nomad-autoscaler/[0-9.]+/"
                r"nomad-autoscaler_[0-9.]+_linux_amd64\.zip$", artifact.get("source", "")) is not None,
       "HashiCorp's release binary as an artifact: " + artifact.get("source", ""))
expect(task["config"]["command"] == "local/nomad-autoscaler" and
       task["config"]["args"][:2] == ["agent", "-config"], "runs `nomad-autoscaler agent -config`")
with open(os.path.join(src, "deploy/CMakeLists.txt")) as f:
    installed = re.search(r"PREFIX\}/(lib/nomad-autoscaler/plugins)\\\"", f.read())
with tempfile.TemporaryDirectory() as work:
    paths = render(task, work)
    with open(paths["local/autoscaler.hcl"]) as f:
        agent_file = f.read()
    plugin_dir = re.search(r'plugin_dir\s*=\s*"([^"]*)"', agent_file)
    expect(installed is not None and plugin_dir is not None and
           plugin_dir.group(1) == "/usr/" + installed.group(1),
           "plugin_dir is where the package installs the plugin: " +
           (plugin_dir.group(1) if plugin_dir else "none"))
    env = dict(os.environ, NOMAD_TOKEN="workload-identity")
    env.pop("NOMAD_ADDR", None)
    effective = validate(paths["local/autoscaler.hcl"], paths["local/policies/cluster.hcl"], env)
    expect_lock(effective, "nomad-autoscaler")
    expect(effective.get("nomad", {}).get("address", "").startswith("unix://"),
           "Nomad through the task API socket: " + effective.get("nomad", {}).get("address", ""))
    harvester = effective.get("target", {}).get("harvester", {}).get("config", {})
    expect(harvester.get("auth_token") == "<redacted>" and "auth_token_file" in agent_file,
           "the Harvester token read from its file in secrets/")

sys.exit(1 if problems else 0)
