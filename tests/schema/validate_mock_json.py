#!/usr/bin/env python3
"""The mock servers' JSON against the upstream schemas.

Starts `harvester-autoscaler mock-cluster` on loopback, reads every kind of answer the
autoscaler's clients read (Nomad node stubs, node, allocations, drain response, job list,
job scale status; KubeVirt VirtualMachine and VirtualMachineList, also as created,
VirtualMachineInstance and its list), and
validates each against third_party/nomad/openapi.yaml or
third_party/harvester/swagger.json (upstream's OpenAPI documents) with python3-jsonschema.

Go writes nil maps, slices and pointers as null, so object and array types also accept
null, as Nomad's and Kubernetes' own clients do. Usage: validate_mock_json.py BINARY SRC
"""
import json
import subprocess
import sys
import time
import urllib.request

import jsonschema

from openapi_schema import load_components, resolve

binary, src = sys.argv[1], sys.argv[2]
ref = src + "/third_party"


checked = 0
failures = []


def validate(what, instance, schema_name, components, array=False):
    global checked
    schema = resolve({"$ref": "#/" + schema_name}, components)
    if array:
        schema = {"type": "array", "items": schema}
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(instance), key=str)
    checked += 1
    if errors:
        e = errors[0]
        failures.append(f"{what} ({schema_name}): {'/'.join(map(str, e.absolute_path))}: {e.message}")
    else:
        print(f"ok: {what} is a valid {schema_name}{'[]' if array else ''}")


def request(base, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


nomad = load_components(ref + "/nomad/openapi.yaml")
kube = load_components(ref + "/harvester/swagger.json")
kube.update(load_components(ref + "/kubernetes/secret.schema.json"))

proc = subprocess.Popen(
    [binary, "mock-cluster", "--scenario", src + "/tests/data/emulate/short.json", "--speed", "60",
     "--nomad-listen", "127.0.0.1:0", "--harvester-listen", "127.0.0.1:0"],
    stdout=subprocess.PIPE, text=True)
try:
    urls = []
    while len(urls) < 2:
        line = proc.stdout.readline()
        if not line:
            sys.exit("mock-cluster did not start")
        if "listening on" in line:
            urls.append(line.split()[4])
    nomad_url, kube_url = urls
    time.sleep(0.5)  # the scenario's first allocations are placed

    nodes = request(nomad_url, "/v1/nodes")
    validate("GET /v1/nodes", nodes, "NodeListStub", nomad, array=True)
    with_resources = request(nomad_url, "/v1/nodes?resources=true")
    validate("GET /v1/nodes?resources=true", with_resources, "NodeListStub", nomad, array=True)
    if "NodeResources" not in with_resources[0]:
        failures.append("GET /v1/nodes?resources=true: no NodeResources")
    node_id = nodes[0]["ID"]
    validate("GET /v1/node/:id", request(nomad_url, "/v1/node/" + node_id), "Node", nomad)
    allocs = request(nomad_url, "/v1/node/" + node_id + "/allocations")
    if not allocs:
        failures.append("no allocations on the first node to validate")
    validate("GET /v1/node/:id/allocations", allocs, "AllocationListStub", nomad, array=True)
    stubs = request(nomad_url, "/v1/allocations?resources=true&task_states=false")
    validate("GET /v1/allocations?resources=true", stubs, "AllocationListStub", nomad, array=True)
    if not stubs or "AllocatedResources" not in stubs[0]:
        failures.append("GET /v1/allocations?resources=true: no AllocatedResources")
    jobs = request(nomad_url, "/v1/jobs")
    validate("GET /v1/jobs", jobs, "JobListStub", nomad, array=True)
    job = urllib.request.quote(jobs[0]["ID"], safe="")
    validate("GET /v1/job/:id/scale", request(nomad_url, f"/v1/job/{job}/scale"),
             "JobScaleStatusResponse", nomad)
    validate("GET /v1/job/:id", request(nomad_url, f"/v1/job/{job}"), "Job", nomad)
    # The event stream, open while the node is drained: its Node and Allocation payloads.
    stream = urllib.request.urlopen(nomad_url + "/v1/event/stream?topic=Node&topic=Allocation",
                                    timeout=10)
    if json.loads(stream.readline()) != {}:
        failures.append("GET /v1/event/stream: the first line is not a heartbeat {}")
    drain = {"NodeID": node_id, "DrainSpec": {"Deadline": 60_000_000_000, "IgnoreSystemJobs": False},
             "MarkEligible": False, "Meta": None}
    validate("drain request (as the client sends it)", drain, "NodeUpdateDrainRequest", nomad)
    validate("PUT /v1/node/:id/drain", request(nomad_url, f"/v1/node/{node_id}/drain", "PUT", drain),
             "NodeDrainUpdateResponse", nomad)
    seen = set()
    while seen != {"Node", "Allocation"}:
        frame = json.loads(stream.readline())
        for event in frame.get("Events", []):
            topic = event["Topic"]
            if topic in seen:
                continue
            seen.add(topic)
            validate(f"GET /v1/event/stream: a {topic} event's payload", event["Payload"][topic],
                     topic, nomad)
    stream.close()
    # A job scaled past the cluster's room: its blocked evaluation, as nodes_needed reads it.
    group = request(nomad_url, f"/v1/job/{job}")["TaskGroups"][0]["Name"]
    scale = {"Count": 5000, "Target": {"Job": jobs[0]["ID"], "Group": group, "Namespace": "default"},
             "Message": "schema test", "Error": False, "Meta": None, "PolicyOverride": False}
    request(nomad_url, f"/v1/job/{job}/scale", "PUT", scale)
    blocked = request(nomad_url, "/v1/evaluations?status=blocked")
    validate("GET /v1/evaluations?status=blocked", blocked, "Evaluation", nomad, array=True)
    # As Nomad's scheduler writes one: the failed placements in FailedTGAllocs, no
    # QueuedAllocations (set only on the evaluation it completes); the live count is the
    # job summary's Queued.
    if not blocked or not (blocked[0].get("FailedTGAllocs") or {}).get(group) \
            or blocked[0].get("QueuedAllocations"):
        failures.append("GET /v1/evaluations?status=blocked: no blocked evaluation with the "
                        "group's failed placements (and no QueuedAllocations) after scaling "
                        "past the cluster")
    summary = request(nomad_url, f"/v1/job/{job}/summary")
    validate("GET /v1/job/:id/summary", summary, "JobSummary", nomad)
    if not summary["Summary"].get(group, {}).get("Queued"):
        failures.append("GET /v1/job/:id/summary: no Queued allocations after scaling past "
                        "the cluster")

    vms_path = "/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines"
    vm_list = request(kube_url, vms_path)
    validate("GET virtualmachines", vm_list, "kubevirt.io.api.core.v1.VirtualMachineList", kube)
    vm = request(kube_url, vms_path + "/" + vm_list["items"][0]["metadata"]["name"])
    validate("GET virtualmachines/NAME", vm, "kubevirt.io.api.core.v1.VirtualMachine", kube)
    vmis_path = "/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachineinstances"
    vmi_list = request(kube_url, vmis_path)
    if not vmi_list["items"]:
        failures.append("no VirtualMachineInstance for the running VMs")
    validate("GET virtualmachineinstances", vmi_list,
             "kubevirt.io.api.core.v1.VirtualMachineInstanceList", kube)
    validate("GET virtualmachineinstances/NAME",
             request(kube_url, vmis_path + "/" + vmi_list["items"][0]["metadata"]["name"]),
             "kubevirt.io.api.core.v1.VirtualMachineInstance", kube)
    new = {k: v for k, v in vm.items() if k != "status"}
    new["metadata"] = {k: v for k, v in vm["metadata"].items()
                       if k not in ("uid", "resourceVersion", "creationTimestamp")}
    new["metadata"]["name"] = "schema-check"
    created = request(kube_url, vms_path, "POST", new)
    validate("POST virtualmachines (201)", created, "kubevirt.io.api.core.v1.VirtualMachine", kube)
    # A VM as the target writes one (validate --render-vm), booting the mock's image: the
    # claim Harvester makes of it, a Secret, the image and the network, as the mock serves them.
    image = request(kube_url, "/apis/harvesterhci.io/v1beta1/namespaces/default/"
                              "virtualmachineimages/ubuntu-22.04-nomad")
    validate("GET virtualmachineimages/NAME", image,
             "harvesterhci.io.v1beta1.VirtualMachineImage", kube)
    rendered = json.loads(subprocess.run(
        [binary, "validate", "--render-vm", "--image-class", image["status"]["storageClassName"],
         src + "/tests/data/agent/policies/cluster.json"],
        check=True, capture_output=True, text=True).stdout)["cluster"]
    validate("POST virtualmachines (as the target writes it)",
             request(kube_url, vms_path, "POST", rendered["virtualmachine"]),
             "kubevirt.io.api.core.v1.VirtualMachine", kube)
    pvcs = "/api/v1/namespaces/nomad-clients/persistentvolumeclaims"
    claim = rendered["persistentvolumeclaim"]["metadata"]["name"]
    validate("GET persistentvolumeclaims/NAME", request(kube_url, pvcs + "/" + claim),
             "k8s.io.v1.PersistentVolumeClaim", kube)
    validate("GET persistentvolumeclaims", request(kube_url, pvcs),
             "k8s.io.v1.PersistentVolumeClaimList", kube)
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": "schema-check-cloudinit", "namespace": "nomad-clients"},
              "data": {"userdata": "I2Nsb3VkLWNvbmZpZwo="}}
    validate("POST secrets (201)",
             request(kube_url, "/api/v1/namespaces/nomad-clients/secrets", "POST", secret),
             "io.k8s.api.core.v1.Secret", kube)
    validate("GET network-attachment-definitions",
             request(kube_url, "/apis/k8s.cni.cncf.io/v1/namespaces/default/"
                               "network-attachment-definitions"),
             "k8s.cni.cncf.io.v1.NetworkAttachmentDefinitionList", kube)
finally:
    proc.terminate()
    proc.wait(timeout=10)

if failures:
    for f in failures:
        print("FAIL:", f)
    sys.exit(1)
print(f"all {checked} answers match the upstream schemas")
