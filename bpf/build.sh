#!/bin/sh
# Builds the tc datapath program (bpf/datapath.c) into dist/bpf/datapath.o with clang -target bpf.
# No prebuilt object is committed. Needs clang and libbpf-dev (bpf_helpers.h); without them the
# daemon runs on legacy routing and says why (rackroute status: datapath).
set -e
cd "$(dirname "$0")/.."
mkdir -p dist/bpf
if ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/bpf/bpf_helpers.h ]; then
  echo "bpf/build.sh: clang or libbpf-dev missing: dist/bpf/datapath.o not built (the datapath stays legacy)" >&2
  exit 0
fi
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
clang -O2 -g -Wall -Werror -target bpf -I"/usr/include/$multiarch" \
  -c bpf/datapath.c -o dist/bpf/datapath.o.tmp
mv dist/bpf/datapath.o.tmp dist/bpf/datapath.o
