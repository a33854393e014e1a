#!/usr/bin/env bash
# Installs ONNX Runtime 1.30.0 (CPU) for the side-by-side model benchmark into bench/.ort (git-ignored).
# Bench only: Esen itself never loads ONNX Runtime. The npm package bundles libonnxruntime.so.1; its
# postinstall script (a CUDA download) fails here, so it is skipped. Idempotent: does nothing when present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$here/.ort"
lib="$prefix/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
if [[ -f "$lib" ]]; then
    echo "$lib"
    exit 0
fi
mkdir -p "$prefix"
ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$prefix" --no-audit --no-fund onnxruntime-node@1.30.0 >&2
test -f "$lib"
echo "$lib"
