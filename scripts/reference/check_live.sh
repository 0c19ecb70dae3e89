#!/usr/bin/env bash
# Regenerates the Gymnasium reference trajectories into a temporary directory and replays them through the
# Swift environments (max |Δobservation|, |Δreward| ≤ 1e-9, identical terminated/truncated flags).
# Needs gymnasium==1.4.0 and mujoco==3.3.7 (bash scripts/setup.sh).
# Usage: bash scripts/reference/check_live.sh     (SCRATCH_PATH=<dir> to choose SwiftPM's build directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 scripts/reference/record_trajectories.py "$tmp"
METAEXPLORE_FIXTURES_DIR="$tmp" swift test -c release --scratch-path "${SCRATCH_PATH:-.build}" \
    --filter ReferenceTrajectoryTests 2>&1 | grep -E '\[reference\]|✔|✘|error' 
