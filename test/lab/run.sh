#!/bin/sh
# `npm run lab [-- up|status|fail WHAT|heal|down]`: the two-rack lab (test/lab/main.ts). Run as
# root on Debian: installs what is missing (BIRD 2, FRR, iproute2, iperf3, clang and libbpf-dev
# for the eBPF datapath; their packaged
# services kept from running on the real interfaces), the npm packages and the build, then runs
# the lab command. Everything it creates lives in namespaces named rrlab-*.
set -u
cd "$(dirname "$0")/../.." || exit 1
missing=""
for bin in bird birdc vtysh /usr/lib/frr/bgpd /usr/lib/frr/zebra ip iperf3 clang /usr/include/bpf/bpf_helpers.h; do
  { command -v "$bin" >/dev/null 2>&1 || [ -e "$bin" ]; } || missing="$missing $bin"
done
if [ -n "$missing" ]; then
  echo "lab: missing:$missing; installing packages" >&2
  if [ "$(id -u)" != 0 ]; then echo "lab: run as root" >&2; exit 1; fi
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y bird2 frr iproute2 iperf3
  rc=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { echo "lab: apt-get install failed" >&2; exit 1; }
  command -v systemctl >/dev/null 2>&1 && for u in bird frr; do systemctl disable "$u" >/dev/null 2>&1 || true; done
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci || exit 1
fi
[ -f dist/test/lab/main.js ] && [ -z "$(find daemon peers config test -name '*.ts' -newer dist/test/lab/main.js | head -1)" ] || npx tsc -p . || true
[ -f dist/bpf/datapath.o ] && [ ! bpf/datapath.c -nt dist/bpf/datapath.o ] || sh bpf/build.sh || true
exec node dist/test/lab/main.js "$@"
