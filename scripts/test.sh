#!/usr/bin/env bash
# Runs every Esen test project (Release), writing one TRX per project to artifacts/test-results.
# Extra arguments go to `dotnet test` (e.g. --filter "Category!=Slow").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
results=artifacts/test-results
rm -rf "$results"
dotnet test Esen.Native.sln -c Release --nologo \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
