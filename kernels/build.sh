#!/usr/bin/env bash
# Compiles every kernels/*.cu to PTX for each architecture in ARCHS, writing
# <out>/<name>.sm_<arch>.ptx (default <out>: kernels/ptx, the committed copies that Esen.Kernels
# embeds). Needs clang-19 only (no CUDA SDK); set CLANG to use another binary.
#
#   kernels/build.sh            regenerate the committed PTX
#   kernels/build.sh /tmp/ptx   write elsewhere (the freshness test compares the two)
#
# Flags (kernels/README.md explains each): -x cuda --cuda-device-only -nocudainc -nocudalib
# --cuda-gpu-arch=sm_XX -O2 -S.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/ptx}"
clang="${CLANG:-clang-19}"
archs=(70 80 90)

mkdir -p "$out"
# One background job per source file and architecture; fail if any of them fails.
jobs=()
for source in "$here"/*.cu; do
    name="$(basename "$source" .cu)"
    for arch in "${archs[@]}"; do
        "$clang" -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch="sm_$arch" \
            -O2 -S -o "$out/$name.sm_$arch.ptx" "$source" &
        jobs+=($!)
    done
done
status=0
for job in "${jobs[@]}"; do
    wait "$job" || status=1
done
exit "$status"
