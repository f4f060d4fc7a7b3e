#!/usr/bin/env bash
# The plugin as HashiCorp's Nomad Autoscaler runs it: a small Go host (host.go, calls.go)
# built with Debian's go-plugin launches the binary from a plugin_dir, under the driver's
# name `harvester`, and drives it through a scale-out and a scale-in against mock-cluster.
# Usage: plugin_e2e.sh BINARY SOURCE_DIR BUILD_DIR [HOST_FLAG...]
# The environment may name another plugin (PLUGIN, e.g. the installed
# /usr/lib/nomad-autoscaler/plugins/harvester), scenario (SCENARIO) and speed (SPEED); host
# flags such as `-measure-status 200` pass on to the host.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
build=$(cd "$3" && pwd)
. "$src/tests/e2e/e2e_lib.sh"

plugin=${PLUGIN:-$work/plugins/harvester}
if [ -z "${PLUGIN:-}" ]; then
  mkdir -p "$work/plugins"
  ln -s "$bin" "$plugin"
fi
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS="" GOCACHE="$build/go-cache" CGO_ENABLED=0 \
  go build -o "$build/plugin-host" "$src/tests/plugin/host.go" "$src/tests/plugin/calls.go" ||
  { fail "go build of the host"; exit 1; }
protoc --include_imports --descriptor_set_out="$work/plugin.pb" \
  -I "$src/third_party/nomad-autoscaler" -I "$src/third_party/go-plugin" -I /usr/include \
  plugins/base/proto/v1/base.proto plugins/target/proto/v1/target.proto grpc_stdio.proto ||
  { fail "protoc"; exit 1; }

# A quiet cluster (two nodes, one small service): a scale-in's work always fits.
cluster_scenario=${SCENARIO:-$src/tests/data/plugin/quiet.json}
start_cluster "${SPEED:-20}" "plugin-nomad-$RANDOM$RANDOM" "plugin-harvester-$RANDOM$RANDOM"
# The Harvester token from its file (start_cluster's), as the Nomad job renders it into secrets/.
"$build/plugin-host" -plugin "$plugin" -descriptors "$work/plugin.pb" \
  -harvester-url "$harvester_url" -harvester-token "$harvester_token" \
  -harvester-token-file "$work/harvester.token" \
  -nomad-url "$nomad_url" -nomad-token "$nomad_token" "${@:4}" || fail "the host's checks"
[ "$failures" -eq 0 ] && echo "plugin e2e: all checks passed"
exit "$failures"
