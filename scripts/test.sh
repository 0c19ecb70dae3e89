#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh, idempotent), then builds and runs every test in release mode.
# A single-node Slurm cluster (scripts/slurm/local-cluster.sh: Debian's slurm-wlm and munge) is started for the Slurm
# backend's end-to-end test and stopped at the end; where it cannot be set up, that test is skipped and says why.
# METAEXPLORE_SLURM_TEST=0 skips starting it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Small networks: one BLAS thread (OpenBLAS's idle workers would otherwise spin on the other core).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
swift build -c release --build-tests
if [ "${METAEXPLORE_SLURM_TEST:-1}" = "1" ]; then
  if conf=$(bash scripts/slurm/local-cluster.sh start); then
    export SLURM_CONF="$conf"
    trap 'bash scripts/slurm/local-cluster.sh stop' EXIT
  else
    echo "[test] a local Slurm cluster could not be started: the Slurm backend test will be skipped" >&2
  fi
fi
swift test -c release --skip-build "$@"
