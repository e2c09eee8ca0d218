#!/bin/sh
# `npm run install-service`: installs rackrouted on this node as a systemd service. As root:
#   /usr/lib/rackroute/      dist/, production node_modules, package.json (the code)
#   /usr/sbin/rackrouted     and /usr/bin/rackroute: small wrappers running it with this node
#   /etc/rackroute/config.yaml   the example config, only if there is none yet (edit it first!)
#   /etc/systemd/system/rackrouted.service, enabled (not started) when systemd runs.
# DESTDIR=/some/root installs under that root instead (packaging, tests) and touches nothing else.
set -eu
cd "$(dirname "$0")/.."
root="${DESTDIR:-}"
[ -n "$root" ] || [ "$(id -u)" = 0 ] || { echo "install-service: run as root (or set DESTDIR)" >&2; exit 1; }
[ -f dist/daemon/main.js ] || npx tsc -p .
# The datapath object (dist/bpf/datapath.o); without clang/libbpf-dev the daemon runs legacy and says so.
[ -f dist/bpf/datapath.o ] || sh bpf/build.sh
lib="$root/usr/lib/rackroute"
mkdir -p "$lib" "$root/usr/sbin" "$root/usr/bin" "$root/etc/rackroute" "$root/etc/systemd/system"
rm -rf "$lib/dist" "$lib/node_modules"
cp -r dist package.json package-lock.json "$lib/"
(cd "$lib" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
node="$(command -v node)"
printf '#!/bin/sh\nexec %s /usr/lib/rackroute/dist/daemon/main.js "$@"\n' "$node" >"$root/usr/sbin/rackrouted"
printf '#!/bin/sh\nexec %s /usr/lib/rackroute/dist/daemon/cli/main.js "$@"\n' "$node" >"$root/usr/bin/rackroute"
chmod 755 "$root/usr/sbin/rackrouted" "$root/usr/bin/rackroute"
if [ ! -e "$root/etc/rackroute/config.yaml" ]; then
  cp config/examples/rackroute.yaml "$root/etc/rackroute/config.yaml"
  chmod 600 "$root/etc/rackroute/config.yaml"
  echo "install-service: wrote the example config to $root/etc/rackroute/config.yaml: edit it before starting"
fi
sed 's|/usr/bin/env rackrouted|/usr/sbin/rackrouted|g' systemd/rackrouted.service >"$root/etc/systemd/system/rackrouted.service"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload && systemctl enable rackrouted
  echo "install-service: enabled; start it with: systemctl start rackrouted"
else
  echo "install-service: installed under ${root:-/} (systemd not running here: not enabled)"
fi
