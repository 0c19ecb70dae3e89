#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh, idempotent), then builds and runs every test in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Small networks: one BLAS thread (OpenBLAS's idle workers would otherwise spin on the other core).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
swift build -c release --build-tests
swift test -c release --skip-build "$@"
