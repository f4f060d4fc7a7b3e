#!/usr/bin/env python3
"""The VM this product creates, held against Harvester's own (tests/data/harvester/).

1. Golden: `validate --render-vm --image-class lh-1234` for scenarios/policies/
   harvester-cluster.hcl prints exactly tests/data/harvester/example-policy-objects.json
   (a change to the objects shows here first).
2. Shape, field by field, names aside, against the Rancher node driver's VM and Harvester's
   upgrade-repo VM: what they agree on, ours has too.
3. Schemas: the VM, the claim and a cloud-init Secret validate against
   third_party/harvester/swagger.json and third_party/kubernetes/secret.schema.json.
Usage: vm_shape.py BINARY SRC
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

from openapi_schema import load_components, resolve

binary, src = sys.argv[1], sys.argv[2]
data = os.path.join(src, "tests", "data", "harvester")
failures = []


def render(policy, image_class="lh-1234"):
    out = subprocess.run([binary, "validate", "--render-vm", "--image-class", image_class, policy],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def load(name):
    with open(os.path.join(data, name)) as f:
        return json.load(f)


def check(what, ok):
    if ok:
        print("ok:", what)
    else:
        failures.append(what)


# 1. The golden file.
policy = os.path.join(src, "scenarios", "policies", "harvester-cluster.hcl")
objects = render(policy)
check("validate --render-vm prints example-policy-objects.json",
      objects == load("example-policy-objects.json"))
ours = objects["hashistack-cluster"]["virtualmachine"]


# 2. The shape, against each of Harvester's.
def pod(vm):
    return vm["spec"]["template"]["spec"]


def claims(vm):
    return json.loads(vm["metadata"]["annotations"]["harvesterhci.io/volumeClaimTemplates"])


def boot_claim(vm):
    disk = next(d for d in pod(vm)["domain"]["devices"]["disks"] if d.get("bootOrder") == 1)
    volume = next(v for v in pod(vm)["volumes"] if v["name"] == disk["name"])
    return volume["persistentVolumeClaim"]["claimName"]


def claim_of(vm):
    return next(c for c in claims(vm) if c["metadata"]["name"] == boot_claim(vm))


for ref_name in ("node-driver-vm.json", "upgrade-repo-vm.json"):
    ref = load(ref_name)
    same = lambda what, f: check(f"{ref_name}: {what}: {f(ref)!r}", f(ours) == f(ref))
    same("spec.runStrategy", lambda vm: vm["spec"].get("runStrategy"))
    same("no spec.running", lambda vm: "running" in vm["spec"])
    same("evictionStrategy", lambda vm: pod(vm).get("evictionStrategy"))
    same("cpu sockets and threads",
         lambda vm: (pod(vm)["domain"]["cpu"]["sockets"], pod(vm)["domain"]["cpu"]["threads"]))
    same("limits cpu and memory", lambda vm: sorted(pod(vm)["domain"]["resources"]["limits"]))
    same("the boot disk is a claim of the annotation",
         lambda vm: boot_claim(vm) in [c["metadata"]["name"] for c in claims(vm)])
    same("the claim's accessModes", lambda vm: claim_of(vm)["spec"]["accessModes"])
    same("the claim's volumeMode", lambda vm: claim_of(vm)["spec"]["volumeMode"])
    same("the claim names a storage class", lambda vm: "storageClassName" in claim_of(vm)["spec"])
    same("the claim names its image",
         lambda vm: "harvesterhci.io/imageId" in claim_of(vm)["metadata"]["annotations"])
    same("the claim has a size", lambda vm: "storage" in claim_of(vm)["spec"]["resources"]["requests"])
    same("template label harvesterhci.io/vmName is the VM's name",
         lambda vm: vm["spec"]["template"]["metadata"]["labels"].get("harvesterhci.io/vmName")
         == vm["metadata"]["name"])
    same("label harvesterhci.io/creator",
         lambda vm: "harvesterhci.io/creator" in vm["metadata"]["labels"])
    same("a cloud-init NoCloud volume",
         lambda vm: any("cloudInitNoCloud" in v for v in pod(vm)["volumes"]))
    if ref_name == "upgrade-repo-vm.json":
        same("removedPersistentVolumeClaims names the boot claim at creation",
             lambda vm: vm["metadata"]["annotations"].get(
                 "harvesterhci.io/removedPersistentVolumeClaims") == boot_claim(vm))
    else:
        anti = lambda vm: pod(vm)["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"][0]
        same("preferred anti-affinity weight", lambda vm: anti(vm)["weight"])
        same("anti-affinity across hosts", lambda vm: anti(vm)["podAffinityTerm"]["topologyKey"])
        same("no requests (the mutator derives them)",
             lambda vm: "requests" in pod(vm)["domain"]["resources"])
        same("multus network", lambda vm: "multus" in pod(vm)["networks"][0])
        same("bridge interface, virtio",
             lambda vm: ("bridge" in pod(vm)["domain"]["devices"]["interfaces"][0],
                         pod(vm)["domain"]["devices"]["interfaces"][0]["model"]))

# 3. The schemas of the VM, its claim, and a Secret of long user data.
kube = load_components(os.path.join(src, "third_party", "harvester", "swagger.json"))
kube.update(load_components(os.path.join(src, "third_party", "kubernetes", "secret.schema.json")))


def validate(what, instance, schema_name):
    errors = sorted(jsonschema.Draft7Validator(resolve({"$ref": "#/" + schema_name}, kube))
                    .iter_errors(instance), key=str)
    check(f"{what} is a valid {schema_name}" + (
        f" ({'/'.join(map(str, errors[0].absolute_path))}: {errors[0].message})" if errors else ""),
        not errors)


validate("the VM", ours, "kubevirt.io.api.core.v1.VirtualMachine")
validate("the claim", objects["hashistack-cluster"]["persistentvolumeclaim"],
         "k8s.io.v1.PersistentVolumeClaim")
with tempfile.TemporaryDirectory() as tmp:
    long_policy = os.path.join(tmp, "long.hcl")
    with open(policy) as f:
        text = f.read()
    user_data = "#cloud-config\\n# " + "x" * 3000 + "\\nhostname: {{name}}\\n"
    text = text.replace('dry-run                       = false',
                        f'dry-run = false\n      user_data = "{user_data}"')
    with open(long_policy, "w") as f:
        f.write(text)
    long = render(long_policy)["hashistack-cluster"]
check("user data over 2,048 bytes goes into a Secret", long["secret"] is not None)
check("the VM refers to it by secretRef", any(
    v.get("cloudInitNoCloud", {}).get("secretRef", {}).get("name") == long["secret"]["metadata"]["name"]
    for v in pod(long["virtualmachine"])["volumes"]))
check("the Secret holds key userdata", "userdata" in long["secret"]["data"])
check("the Secret is owned by the VM",
      long["secret"]["metadata"]["ownerReferences"][0]["kind"] == "VirtualMachine")
validate("the VM with a Secret", long["virtualmachine"], "kubevirt.io.api.core.v1.VirtualMachine")
validate("the Secret", long["secret"], "io.k8s.api.core.v1.Secret")

if failures:
    for f in failures:
        print("FAIL:", f)
    sys.exit(1)
print("the VM has the shape of Harvester's own, and its objects match the schemas")
