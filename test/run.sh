#!/bin/sh
# rackroute's test command (`npm test`). Run as root on Debian: installs what is missing
# (BGP daemons, network tools) without prompting and keeps their packaged services from running
# on the machine's real interfaces, installs npm dependencies when needed, compiles, then runs
# the unit tests and the scenario tests (real BIRD/FRR/GoBGP in throw-away network namespaces,
# one file at a time). Exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 1

failed=""
fail() { failed="$failed $1"; }

# --- system packages -------------------------------------------------------------------------
SERVICES="bird frr gobgpd"
missing=""
for bin in bird birdc vtysh /usr/lib/frr/bgpd /usr/lib/frr/zebra gobgpd gobgp ip tcpdump tshark iperf3 systemd-analyze python3 openssl clang /usr/include/bpf/bpf_helpers.h /usr/lib/frr/bfdd nft; do
  { command -v "$bin" >/dev/null 2>&1 || [ -e "$bin" ]; } || missing="$missing $bin"
done
if [ -n "$missing" ]; then
  echo "run.sh: missing:$missing; installing packages" >&2
  if [ "$(id -u)" != 0 ]; then echo "run.sh: run as root to install packages" >&2; exit 1; fi
  # policy-rc.d exit 101 = "do not start services" while the packages install.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get update &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y bird2 frr gobgpd iproute2 tcpdump tshark iperf3 systemd python3 openssl clang libbpf-dev nftables
  rc=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { echo "run.sh: apt-get install failed" >&2; exit 1; }
fi
# The tests start their own daemons in namespaces; the packaged ones must not run (or start at
# boot). `systemctl disable` works offline; stop only where systemd is actually running.
if command -v systemctl >/dev/null 2>&1; then
  for unit in $SERVICES; do
    systemctl disable "$unit" >/dev/null 2>&1 || true
    if [ -d /run/systemd/system ] && systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl stop "$unit" || fail "stop-$unit"
    fi
  done
fi

# --- npm dependencies and build --------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci || { echo "run.sh: npm ci failed" >&2; exit 1; }
fi
# tsc still emits on type errors: report them as a failure but run the tests anyway.
npx tsc -p . || fail "tsc"
sh bpf/build.sh || fail "bpf build"
npx eslint . || fail "lint"

# Compiled tests whose source still exists (dist/ may hold files of deleted tests).
tests_in() {
  [ -d "dist/test/$1" ] || return 0
  find "dist/test/$1" -name '*.test.js' | sort | while read -r js; do
    src="${js#dist/}"
    [ -f "${src%.js}.ts" ] && echo "$js"
  done
}

# --- unit tests ------------------------------------------------------------------------------
unit=$(tests_in unit)
if [ -n "$unit" ]; then
  # shellcheck disable=SC2086 # one argument per file
  node --test --test-reporter=spec $unit || fail "unit"
fi

# --- scenario tests (root: namespaces, real daemons) ------------------------------------------
scenario=$(tests_in scenario)
if [ -n "$scenario" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "run.sh: scenario tests need root (network namespaces)" >&2
    fail "scenario(not root)"
  else
    # shellcheck disable=SC2086
    node --test --test-concurrency=1 --test-reporter=spec $scenario || fail "scenario"
  fi
fi

# --- bounded fuzz step -----------------------------------------------------------------------
# Properties (fast-check, >= 10,000 runs each) and the crash-corpus replay, then every
# coverage-guided target for a bounded time (FUZZ_SECONDS, default 20 s each; `npm run fuzz`
# runs 10 minutes per target). New findings are saved in test/fuzz/corpus/ and fail the run.
props=$(find dist/test/fuzz -maxdepth 1 -name '*.test.js' 2>/dev/null | sort)
if [ -n "$props" ]; then
  # shellcheck disable=SC2086
  node --test --test-reporter=spec $props || fail "fuzz-properties"
fi
node dist/test/fuzz/run-jazzer.js --seconds "${FUZZ_SECONDS:-20}" || fail "fuzz"

if [ -n "$failed" ]; then
  echo "run.sh: FAILED:$failed" >&2
  exit 1
fi
echo "run.sh: all passed"
