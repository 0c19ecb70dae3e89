#!/usr/bin/env bash
# Training speed against Stable-Baselines3, measured in the same invocation on the same machine.
#
# Installs (once, into a virtual environment outside the repository) Stable-Baselines3 2.9.2 with PyTorch's CPU
# build 2.13.0+cpu — the default PyTorch wheel needs the CUDA packages, several GB, to import at all — and
# Gymnasium 1.4.0 / MuJoCo 3.3.7. Then times DDPG (64-64, batch 64, one update per env step, one thread) on
# Pendulum-v1 and HalfCheetah-v5 with SB3 and with `metaexplore bench train`, and prints the ratios.
# The last line reads `ratio_vs_sb3=<number>`: the smaller of the two environments' ratios.
#
# Options (environment variables): STEPS (timed steps per env, default 3000), VENV (default
# ~/.cache/metaexplore/sb3-venv), ENVS (default Pendulum-v1,HalfCheetah-v5).
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${STEPS:-3000}
ENVS=${ENVS:-Pendulum-v1,HalfCheetah-v5}
VENV=${VENV:-$HOME/.cache/metaexplore/sb3-venv}

if ! "$VENV/bin/python" -c "import stable_baselines3, torch, mujoco, gymnasium.envs.mujoco.half_cheetah_v5" >/dev/null 2>&1; then
  echo "[compare_sb3] installing Stable-Baselines3 and PyTorch (CPU) into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu"
  "$VENV/bin/pip" install -q --disable-pip-version-check "stable-baselines3==2.9.2" "gymnasium[mujoco]==1.4.0" "mujoco==3.3.7"
fi

bash scripts/setup.sh >/dev/null
swift build -c release --product metaexplore >/dev/null

# The two sides alternate per environment, so a change of machine load affects both.
sb3=""
ours=""
for env in ${ENVS//,/ }; do
  echo "[compare_sb3] $env: Stable-Baselines3 ($STEPS timed steps)" >&2
  sb3+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/sb3_ddpg_speed.py --envs "$env" --steps "$STEPS")$'\n'
  echo "[compare_sb3] $env: MetaExplore" >&2
  ours+=$(.build/release/metaexplore bench train --envs "$env" --steps "$STEPS" | grep '^train_steps_per_second')$'\n'
done

python3 - "$sb3" "$ours" <<'PY'
import json, sys
sb3 = {d["env"]: d for d in map(json.loads, sys.argv[1].strip().splitlines())}
ours = {}
for line in sys.argv[2].splitlines():
    if line.startswith("train_steps_per_second[") and "]=" in line:
        name, value = line[len("train_steps_per_second["):].split("]=")
        ours[name] = float(value)
ratios = []
print(f"{'environment':<18}{'metaexplore/s':>15}{'sb3/s':>12}{'ratio':>9}")
for env, d in sb3.items():
    r = ours[env] / d["steps_per_second"]
    ratios.append(r)
    print(f"{env:<18}{ours[env]:>15.0f}{d['steps_per_second']:>12.0f}{r:>9.2f}")
print(f"sb3: stable-baselines3 on torch {next(iter(sb3.values()))['torch']}, 1 thread")
print(f"ratio_vs_sb3={min(ratios):.2f}")
PY
