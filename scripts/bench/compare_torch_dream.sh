#!/usr/bin/env bash
# DREAM's recurrent double-DQN updates against PyTorch, measured in the same invocation on the same machine (issue 14).
#
# Installs (once, into a virtual environment outside the repository) PyTorch's CPU build 2.13.0+cpu, builds
# `metaexplore` (release), then times with the DREAM authors' networks on the distracting-bus world, batch 32
# sequences x 50 steps (exploration trajectories of 50 steps):
#   - one exploitation update (recurrent dueling Q online + target conditioned on z, g over every prefix of the
#     exploration trajectories, f, TD + bottleneck + norm losses, backward, clip 10, Adam),
#   - one exploration update (rewards relabeled with f and g, recurrent dueling Q online + target, TD loss, backward,
#     clip 10, Adam),
# with `metaexplore bench dream` and scripts/bench/torch_dream_speed.py (PyTorch on one thread), alternating the two
# sides round by round so that a change of machine load affects both; each figure is the median over rounds.
# Then the environment steps per second of MetaExplore's DREAM training loop (the authors' cadence, both policies
# learning). The ratio is PyTorch time / MetaExplore time for one exploitation + one exploration update, in process
# CPU time (both sides single-threaded; on a shared machine wall-clock time also counts waiting for a core, so the
# wall-clock ratio is printed beside it). The last line reads `ratio_vs_torch=<number>`.
#
# Options (environment variables): ROUNDS (3), REPEATS (5), RUN_STEPS (20000), BATCH (32), SEQUENCE (50),
# VENV (default ~/.cache/metaexplore/torch-venv), BIN (default .build/release/metaexplore, built here).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
REPEATS=${REPEATS:-5}
RUN_STEPS=${RUN_STEPS:-20000}
BATCH=${BATCH:-32}
SEQUENCE=${SEQUENCE:-50}
VENV=${VENV:-$HOME/.cache/metaexplore/torch-venv}
BIN=${BIN:-.build/release/metaexplore}

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[compare_torch_dream] installing PyTorch (CPU) into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" numpy
fi

if [ "$BIN" = .build/release/metaexplore ]; then
  bash scripts/setup.sh >/dev/null
  swift build -c release --product metaexplore >/dev/null
fi

size=(--batch "$BATCH" --sequence "$SEQUENCE" --repeats "$REPEATS")
torch_out=""
ours_out=""
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  echo "[compare_torch_dream] round $round/$ROUNDS: PyTorch" >&2
  torch_out+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_dream_speed.py "${size[@]}")$'\n'
  echo "[compare_torch_dream] round $round/$ROUNDS: MetaExplore" >&2
  ours_out+=$("$BIN" bench dream "${size[@]}" --only updates)$'\n'
done
run_out=""
if [ "$RUN_STEPS" -gt 0 ]; then
  echo "[compare_torch_dream] MetaExplore DREAM training loop, $RUN_STEPS steps" >&2
  run_out=$("$BIN" bench dream --only run --run-steps "$RUN_STEPS")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$torch_out" "$ours_out" "$run_out" "$BATCH" "$SEQUENCE" "$ROUNDS" "$load_before" "$load_after" <<'PY'
import re, subprocess, sys
def medians(text):
    values = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z0-9_]+_ms)=([\d.]+)$", line)
        if m:
            values.setdefault(m.group(1), []).append(float(m.group(2)))
    return {k: sorted(v)[len(v) // 2] for k, v in values.items()}
torch, ours = medians(sys.argv[1]), medians(sys.argv[2])
run_text = sys.argv[3]
batch, sequence, rounds, load_before, load_after = sys.argv[4:9]
version = next((l for l in sys.argv[1].splitlines() if l.startswith("torch=")), "torch=?")
try:
    cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
               if l.startswith("Model name"))
except Exception:
    cpu = "unknown"
print(f"cpu: {cpu}; load average (1/5/15 min) before {load_before}, after {load_after}")
print(f"{version}; DREAM updates, batch {batch} sequences x {sequence} steps; median of {rounds} rounds")
print(f"{'measurement (milliseconds)':<32}{'metaexplore':>12}{'torch':>10}{'ratio':>8}")
names = ["exploitation_update_ms", "exploration_update_ms", "exploitation_update_cpu_ms", "exploration_update_cpu_ms"]
for name in names:
    if name in ours and name in torch:
        print(f"{name:<32}{ours[name]:>12.2f}{torch[name]:>10.2f}{torch[name] / ours[name]:>8.2f}")
def pair(values, kind):
    return values[f"exploitation_update{kind}_ms"] + values[f"exploration_update{kind}_ms"]
wall_ratio = pair(torch, "") / pair(ours, "")
m = re.search(r"dream_run_steps_per_s=([\d.]+)", run_text)
if m:
    print(f"metaexplore DREAM training loop: {m.group(1)} environment steps/s (both policies learning)")
    c = re.search(r"dream_run_cpu_seconds=([\d.]+)", run_text)
    t = re.search(r"run_steps=(\d+)", run_text)
    if c and t:
        print(f"metaexplore DREAM training loop: {int(t.group(1)) / float(c.group(1)):.1f} environment steps per CPU second")
print(f"wall-clock ratio (one exploitation + one exploration update): {wall_ratio:.2f}")
# The machine may be shared: waiting for a core inflates wall-clock times but not CPU times, so the ratio that
# decides is the CPU-time one when both sides report it (both run on one thread).
if "exploitation_update_cpu_ms" in ours and "exploitation_update_cpu_ms" in torch:
    ratio = pair(torch, "_cpu") / pair(ours, "_cpu")
    print(f"CPU-time ratio (one exploitation + one exploration update): {ratio:.2f}")
else:
    ratio = wall_ratio
print(f"goal >= 5: {'met' if ratio >= 5 else 'not met'}")
print(f"ratio_vs_torch={ratio:.2f}")
PY
