#!/usr/bin/env bash
# The Debian package, as an operator gets it: CPack builds it from this build, dpkg-deb
# unpacks it into a scratch root, and from there: --version, `validate` of the example
# policies and of the agent config installed in /etc (its token paths pointed at scratch
# token files), `systemd-analyze verify` of the unit (its binary path pointed at the scratch
# root) with no warning, and the unit's exposure as `systemd-analyze security` scores it.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
bin=$build/harvester-autoscaler
. "$src/tests/e2e/e2e_lib.sh"

(cd "$build" && cpack -G DEB -B "$work/package" >"$work/cpack.out" 2>&1) ||
  { cat "$work/cpack.out"; fail "cpack"; exit 1; }
deb=$(ls "$work"/package/harvester-autoscaler_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] && pass "package: $(basename "$deb")" || { ls -R "$work/package"; fail "no .deb"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
echo "$depends" | grep -q "libcurl4" && echo "$depends" | grep -q "libyaml-cpp" &&
  pass "Depends (dpkg-shlibdeps): $depends" || fail "Depends: $depends"
dpkg-deb -f "$deb" Conffiles >/dev/null 2>&1
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/harvester-autoscaler/agent.hcl &&
  pass "agent.hcl is a conffile" || fail "agent.hcl is not a conffile"

root=$work/root
dpkg-deb -x "$deb" "$root" || { fail "dpkg-deb -x"; exit 1; }
for f in usr/bin/harvester-autoscaler usr/lib/systemd/system/harvester-autoscaler.service \
  etc/harvester-autoscaler/agent.hcl usr/share/man/man1/harvester-autoscaler.1.gz \
  usr/share/doc/harvester-autoscaler/deploy.md \
  usr/share/harvester-autoscaler/examples/nomad/harvester-autoscaler.nomad.hcl; do
  [ -s "$root/$f" ] || fail "the package has no /$f"
done
[ -d "$root/etc/harvester-autoscaler/policies" ] || fail "no /etc/harvester-autoscaler/policies"
# The Nomad Autoscaler's plugin_dir entry: the binary under the driver's name.
link=$root/usr/lib/nomad-autoscaler/plugins/harvester
[ -L "$link" ] && [ "$(readlink -f "$link")" = "$(readlink -f "$root/usr/bin/harvester-autoscaler")" ] &&
  pass "/usr/lib/nomad-autoscaler/plugins/harvester links to the binary" ||
  fail "no /usr/lib/nomad-autoscaler/plugins/harvester link to the binary"

version=$("$root/usr/bin/harvester-autoscaler" --version) &&
  [ "$version" = "$("$bin" --version)" ] && pass "installed --version: $version" ||
  fail "installed --version: $version"
# Each alone: the HCL and JSON examples are the same policies.
for p in "$root"/usr/share/harvester-autoscaler/examples/policies/*; do
  "$root/usr/bin/harvester-autoscaler" validate "$p" >"$work/validate.out" 2>&1 &&
    pass "installed validate of $(basename "$p")" || { cat "$work/validate.out"; fail "validate $p"; }
done
# The config as the unit's credentials would find it.
printf 'nomad-token\n' >"$work/nomad-token"
printf 'harvester-token\n' >"$work/harvester-token"
chmod 600 "$work"/*-token
sed "s|/run/credentials/harvester-autoscaler.service/|$work/|" \
  "$root/etc/harvester-autoscaler/agent.hcl" >"$work/agent.hcl"
"$root/usr/bin/harvester-autoscaler" validate --agent-config "$work/agent.hcl" \
  >"$work/agent-config.out" 2>&1 && ! grep -q nomad-token "$work/agent-config.out" &&
  pass "installed validate --agent-config of /etc/harvester-autoscaler/agent.hcl" ||
  { cat "$work/agent-config.out"; fail "validate --agent-config"; }

unit=$work/harvester-autoscaler.service
sed "s|/usr/bin/harvester-autoscaler|$root/usr/bin/harvester-autoscaler|g" \
  "$root/usr/lib/systemd/system/harvester-autoscaler.service" >"$unit"
out=$(systemd-analyze verify --man=no "$unit" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && pass "systemd-analyze verify: no warning" ||
  fail "systemd-analyze verify: $out"
exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 2.0 else 1)' "${exposure:-99}" &&
  pass "systemd-analyze security: exposure $exposure (of 10)" || fail "exposure ${exposure:-?}"

[ "$failures" -eq 0 ] || exit 1
