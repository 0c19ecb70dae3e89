#!/usr/bin/env bash
# Heap allocations per call of one `metaexplore bench engine` measurement (default: the DDPG update).
# Two runs differing by N timed calls; the difference of their allocation counts divided by N.
# Usage: scripts/bench/allocations_per_update.sh [binary] [measurement]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/release/metaexplore}
WHAT=${2:-ddpg}
SHIM=${TMPDIR:-/tmp}/metaexplore_malloc_count.so
gcc -O2 -shared -fPIC -o "$SHIM" scripts/bench/malloc_count.c -ldl
count() {  # iterations -> "allocations bytes"; warm-up is iterations/4, so the run makes 1.25·iterations calls
  LD_PRELOAD="$SHIM" "$BIN" bench engine --only "$WHAT" --repeats 1 --iterations "$1" 2>&1 >/dev/null \
    | sed -n 's/^malloc_count: allocations=\([0-9]*\) bytes=\([0-9]*\)$/\1 \2/p' | tail -n1
}
read -r a1 b1 < <(count 80)
read -r a2 b2 < <(count 160)
python3 -c "
calls = 100  # 1.25 * (160 - 80)
print(f'allocations_per_call[$WHAT]={($a2 - $a1) / calls:.1f} bytes_per_call[$WHAT]={($b2 - $b1) / calls:.0f}')"
