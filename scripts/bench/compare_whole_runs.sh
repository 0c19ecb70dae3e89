#!/usr/bin/env bash
# Whole training runs with two builds of metaexplore side by side: for each preset and seed, the old and the new
# binary train at the same time (one process per core, so a change of machine load hits both alike). Reports each
# run's steps/s over its full length (total steps / wall time), page faults, peak memory and final evaluation
# return, then the mean ± std and a 95% bootstrap interval of the final returns per binary and preset.
# Usage: scripts/bench/compare_whole_runs.sh OLD_BINARY NEW_BINARY OUT_DIR [presets] [seeds]
#   presets default: ddpg-paper-pendulum,meta-pendulum; seeds default: 0,1,2,3,4.
set -euo pipefail
OLD=$1 NEW=$2 OUT=$3
PRESETS=${4:-ddpg-paper-pendulum,meta-pendulum}
SEEDS=${5:-0,1,2,3,4}
mkdir -p "$OUT"
for preset in ${PRESETS//,/ }; do
  for seed in ${SEEDS//,/ }; do
    for side in old new; do
      bin=$OLD; [ "$side" = new ] && bin=$NEW
      dir="$OUT/$preset/seed-$seed/$side"
      rm -rf "$dir"; mkdir -p "$dir"
      /usr/bin/time -v "$bin" train --preset "$preset" --seed "$seed" --out "$dir/run" --quiet \
        > "$dir/stdout" 2> "$dir/time" &
    done
    wait
    echo "[compare_whole_runs] $preset seed $seed done" >&2
  done
done
python3 - "$OUT" "$PRESETS" "$SEEDS" <<'PY'
import csv, os, random, re, statistics, sys
out, presets, seeds = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
def wall(text):
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
def field(text, name):
    return int(re.search(re.escape(name) + r": (\d+)", text).group(1))
def ci(xs, n=10000):
    rng = random.Random(0)
    means = sorted(statistics.fmean(rng.choices(xs, k=len(xs))) for _ in range(n))
    return means[int(0.025 * n)], means[int(0.975 * n) - 1]
print(f"{'preset':<22}{'seed':>5}{'side':>5}{'steps/s':>10}{'wall_s':>9}{'minflt':>10}{'maxrss_MB':>10}{'final_return':>14}")
summary = {}
for preset in presets:
    for seed in seeds:
        for side in ("old", "new"):
            d = os.path.join(out, preset, f"seed-{seed}", side)
            t = open(os.path.join(d, "time")).read()
            rows = list(csv.DictReader(open(os.path.join(d, "run", "progress.csv"))))
            steps = int(rows[-1]["step"])
            final = re.search(r"final evaluation at step \d+: return ([-\d.]+)", open(os.path.join(d, "stdout")).read())
            ret = float(final.group(1)) if final else float("nan")
            w = wall(t)
            summary.setdefault((preset, side), []).append((steps / w, ret))
            print(f"{preset:<22}{seed:>5}{side:>5}{steps / w:>10.0f}{w:>9.1f}{field(t, 'Minor (reclaiming a frame) page faults'):>10}"
                  f"{field(t, 'Maximum resident set size (kbytes)') / 1024:>10.0f}{ret:>14.2f}")
print()
for (preset, side), v in summary.items():
    rates = [r for r, _ in v]; rets = [x for _, x in v]
    lo, hi = ci(rets) if len(rets) > 1 else (rets[0], rets[0])
    sd = statistics.stdev(rets) if len(rets) > 1 else 0.0
    print(f"{preset:<22}{side:>5}: steps/s mean {statistics.fmean(rates):.0f} (min {min(rates):.0f}, max {max(rates):.0f}); "
          f"final return {statistics.fmean(rets):.1f} ± {sd:.1f}, 95% CI [{lo:.1f}, {hi:.1f}], n={len(rets)}")
PY
