#!/usr/bin/env bash
# An unmodified kubectl against the mock Harvester over HTTPS with a bearer token from a
# kubeconfig: get, apply -f (create, then patch on re-apply), delete and get --watch of
# VirtualMachines, with kubectl's client-side validation on; the images, storage classes,
# networks, claims and Secrets a VM stands on; and RBAC: a token bound to a Role missing
# delete (`auth can-i`, a Forbidden delete).
# Usage: kubectl_test.sh BINARY SOURCE_DIR
set -u
bin=$1
src=$2
kubectl=${KUBECTL:-kubectl}
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() { # check NAME EXPECTED-SUBSTRING COMMAND...
  local name=$1 want=$2
  shift 2
  local got
  got=$("$@" 2>&1)
  if [[ "$got" == *"$want"* ]]; then
    echo "ok: $name"
  else
    echo "FAIL: $name: wanted \"$want\", got: $got"
    failures=$((failures + 1))
  fi
}
exact() { # exact NAME EXPECTED COMMAND...: the whole output (stdout and stderr) is EXPECTED
  local name=$1 want=$2
  shift 2
  local got
  got=$("$@" 2>&1)
  if [[ "$got" == "$want" ]]; then
    echo "ok: $name"
  else
    echo "FAIL: $name: wanted exactly \"$want\", got: $got"
    failures=$((failures + 1))
  fi
}
command -v "$kubectl" >/dev/null || { echo "FAIL: no kubectl (scripts/setup installs kubernetes-client)"; exit 1; }
echo "using $($kubectl version --client 2>/dev/null | head -1)"

echo "kubectl-token-$RANDOM" >"$work/token"
"$bin" mock-harvester --listen 127.0.0.1:0 --token-file "$work/token" \
  --tls-cert "$src/tests/data/test-server.crt" --tls-key "$src/tests/data/test-server.key" \
  --image default/image-8zr4m --network default/vlan100 >"$work/server.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/server.out" && break; sleep 0.1; done
url=$(grep -o 'https://127.0.0.1:[0-9]*' "$work/server.out")
[ -n "$url" ] || { cat "$work/server.out"; echo "FAIL: mock-harvester did not start"; exit 1; }

kubeconfig() { # kubeconfig FILE TOKEN
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: $url
    certificate-authority: $src/tests/data/test-server.crt
users:
- name: me
  user:
    token: $2
contexts:
- name: mock
  context: {cluster: mock, user: me, namespace: nomad-clients}
current-context: mock
YAML
}
kubeconfig "$work/kubeconfig" "$(cat "$work/token")"
kubeconfig "$work/wrong" "not-the-token"
k() { "$kubectl" --kubeconfig "$work/kubeconfig" "$@"; }

vm() { # vm TEAM
  cat <<YAML
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: kubectl-vm
  namespace: nomad-clients
  labels: {team: $1}
spec:
  running: false
  template:
    spec:
      domain:
        cpu: {cores: 2}
        resources: {limits: {memory: 4Gi}}
YAML
}
vm a >"$work/vm-a.yaml"
vm b >"$work/vm-b.yaml"

check "a namespace that is not there" "namespaces \"nomad-clients\" not found" k get namespace nomad-clients
check "create the namespace" "namespace/nomad-clients created" k create namespace nomad-clients
check "get on an empty namespace" "No resources found" k get vm
check "apply creates" "kubectl-vm created" k apply -f "$work/vm-a.yaml"
check "get lists it" "kubectl-vm" k get vms
check "a stopped VM has no instance" "No resources found" k get vmi
check "apply again patches" "kubectl-vm configured" k apply -f "$work/vm-b.yaml"
exact "the patch landed" "b" k get vm kubectl-vm -o 'jsonpath={.metadata.labels.team}'
check "get -o json is a VirtualMachine" '"kind": "VirtualMachine"' k get vm kubectl-vm -o json
check "a wrong token is refused" "nauthorized" "$kubectl" --kubeconfig "$work/wrong" get vm
# A watch started now sees the deletion as it happens (the VM goes Terminating, then away;
# kubectl delete itself waits on a watch of the one VM).
k get vm --watch-only -o custom-columns=NAME:.metadata.name,STATUS:.status.printableStatus \
  >"$work/watch.out" 2>&1 &
watcher=$!
sleep 1
check "delete" "deleted" k delete vm kubectl-vm
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
check "get --watch saw it terminating" "kubectl-vm   Terminating" cat "$work/watch.out"
check "gone after delete" "NotFound" k get vm kubectl-vm

# What a VM stands on, on its real paths.
check "images" "image-8zr4m" k get virtualmachineimages -n default
check "the image's storage class" "lh-" k get vmimage image-8zr4m -n default -o 'jsonpath={.status.storageClassName}'
check "storage classes" "harvester-longhorn" k get storageclasses
check "networks" "vlan100" k get network-attachment-definitions -n default
check "create a secret" "secret/cloudinit created" k create secret generic cloudinit --from-literal=userdata=hello
exact "read it back" "aGVsbG8=" k get secret cloudinit -o 'jsonpath={.data.userdata}'
check "claims" "No resources found" k get pvc

# RBAC: the shipped Role without delete, bound to a second server's token.
sed 's/verbs: \["get", "list", "watch", "create", "patch", "delete"\]/verbs: ["get", "list", "watch", "create", "patch"]/' \
  "$src/deploy/harvester/rbac.yaml" >"$work/role.yaml"
grep -q '"create", "patch"\]' "$work/role.yaml" || { echo "FAIL: could not edit the Role"; exit 1; }
"$bin" mock-harvester --listen 127.0.0.1:0 --token-file "$work/token" --role-file "$work/role.yaml" \
  --tls-cert "$src/tests/data/test-server.crt" --tls-key "$src/tests/data/test-server.key" \
  --namespace nomad-clients >"$work/rbac.out" 2>&1 &
rbac_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/rbac.out" && break; sleep 0.1; done
url=$(grep -o 'https://127.0.0.1:[0-9]*' "$work/rbac.out")
kubeconfig "$work/rbac-kubeconfig" "$(cat "$work/token")"
r() { "$kubectl" --kubeconfig "$work/rbac-kubeconfig" "$@"; }
exact "auth can-i create (SelfSubjectAccessReview)" "yes" r auth can-i create virtualmachines.kubevirt.io
exact "auth can-i delete" "no" r auth can-i delete virtualmachines.kubevirt.io
check "create is allowed" "kubectl-vm created" r apply -f "$work/vm-a.yaml"
check "delete is Forbidden" 'cannot delete resource "virtualmachines" in API group "kubevirt.io" in the namespace "nomad-clients"' r delete vm kubectl-vm --wait=false
check "secrets elsewhere are not readable" "Forbidden" r get secrets -n default
kill "$rbac_pid" 2>/dev/null

[ "$failures" -eq 0 ] && echo "all kubectl checks passed" || { echo "$failures failure(s)"; exit 1; }
