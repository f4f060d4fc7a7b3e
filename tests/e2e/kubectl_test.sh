#!/usr/bin/env bash
# An unmodified kubectl against the mock Harvester over HTTPS with a bearer token from a
# kubeconfig: get, apply -f (create, then patch on re-apply), delete and get --watch of
# VirtualMachines, with kubectl's client-side validation on.
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
command -v "$kubectl" >/dev/null || { echo "FAIL: no kubectl (scripts/setup installs kubernetes-client)"; exit 1; }
echo "using $($kubectl version --client 2>/dev/null | head -1)"

echo "kubectl-token-$RANDOM" >"$work/token"
"$bin" mock-harvester --listen 127.0.0.1:0 --token-file "$work/token" \
  --tls-cert "$src/tests/data/test-server.crt" --tls-key "$src/tests/data/test-server.key" \
  >"$work/server.out" 2>&1 &
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
check "the patch landed" "b" k get vm kubectl-vm -o 'jsonpath={.metadata.labels.team}'
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

[ "$failures" -eq 0 ] && echo "all kubectl checks passed" || { echo "$failures failure(s)"; exit 1; }
