#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh, idempotent), builds the tool in release mode and runs the default
# job: DDPG on Pendulum-v1 (the ddpg-pendulum preset, 50k steps, well under a minute), logging to runs/.
# Extra arguments replace the default job: `bash scripts/run.sh bench engine`, `bash scripts/run.sh list`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product metaexplore
if [ $# -eq 0 ]; then
  set -- train --preset ddpg-pendulum
fi
exec .build/release/metaexplore "$@"
