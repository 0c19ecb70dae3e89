#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh, idempotent), builds the tool in release mode and runs the default
# job. Extra arguments replace the default job: `bash scripts/run.sh bench engine`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product metaexplore
if [ $# -eq 0 ]; then
  set -- bench engine
fi
exec .build/release/metaexplore "$@"
