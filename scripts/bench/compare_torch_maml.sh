#!/usr/bin/env bash
# MAML-TRPO meta-iteration speed against PyTorch, measured in the same invocation on the same machine (issue 12).
#
# Installs (once, into a virtual environment outside the repository) PyTorch's CPU build 2.13.0+cpu and
# Gymnasium 1.4.0 / MuJoCo 3.3.7, builds `metaexplore` (release), then times on HalfCheetahDir
# (40 tasks × 20 trajectories × 200 steps by default, a 100-100 ReLU Gaussian policy):
#   - one meta-batch of pre-update sampling: MetaExplore on 1 and on 2 threads, PyTorch + SyncVectorEnv on one core;
#   - one whole MAML-TRPO meta-iteration (pre-update sampling, inner steps, post-update sampling, TRPO outer update
#     through the inner step), both sides stepping environments on one thread (`--threads 1`) and PyTorch's math on
#     one thread,
# with `metaexplore bench meta` and scripts/bench/torch_maml_speed.py. The sides alternate round by round (one
# warm-up and one timed repeat per round and side), so a change of machine load affects all; each figure is the
# median over rounds. Ratios are PyTorch time / MetaExplore time.
#
# Time: wall-clock seconds per phase, and CPU seconds of each process per meta-iteration (`meta_iteration_cpu_s`).
# Both sides run single-threaded (one sampler thread, one PyTorch/BLAS thread), so on an idle machine the two
# agree; on a machine shared with other work the wall clock swings with the others' load from one run to the next,
# while CPU time does not — so `ratio_vs_torch` is the ratio of CPU times (the wall-clock ratios are printed too).
#
# TRPO's KL Hessian products: PyTorch runs twice per round, in pytorch-maml-rl's form (double backward of the KL's
# gradient taken through the inner step: "torch direct") and in the factored form MetaExplore uses ("torch
# factored", the same matrix in fewer operations). `ratio_vs_torch` — the last line — compares like with like
# (torch factored); `ratio_vs_torch_direct` is against the form a PyTorch user of pytorch-maml-rl runs.
#
# BLAS: MetaExplore's own kernel choice applies (OPENBLAS_CORETYPE unset for its process: the tool picks OpenBLAS's
# SkylakeX kernels on AMD CPUs with AVX-512, where Debian's OpenBLAS would fall back to Haswell ones); PyTorch uses
# its bundled MKL/oneDNN with their own dispatch (its cpu_capability is printed). If the environment sets
# OPENBLAS_CORETYPE, the meta-iteration is also timed with that setting and reported on its own line.
#
# Options (environment variables): TASKS (40), TRAJECTORIES (20), HORIZON (200), ROUNDS (3),
# VENV (default ~/.cache/metaexplore/torch-venv), BIN (default .build/release/metaexplore, built here).
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${TASKS:-40}
TRAJECTORIES=${TRAJECTORIES:-20}
HORIZON=${HORIZON:-200}
ROUNDS=${ROUNDS:-3}
VENV=${VENV:-$HOME/.cache/metaexplore/torch-venv}
BIN=${BIN:-.build/release/metaexplore}

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[compare_torch_maml] installing PyTorch (CPU) into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" numpy
fi
if ! "$VENV/bin/python" -c "import gymnasium, mujoco" >/dev/null 2>&1; then
  echo "[compare_torch_maml] installing Gymnasium and MuJoCo into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "gymnasium[mujoco]==1.4.0" "mujoco==3.3.7"
fi

if [ "$BIN" = .build/release/metaexplore ]; then
  bash scripts/setup.sh >/dev/null
  swift build -c release --product metaexplore >/dev/null
fi

size=(--tasks "$TASKS" --trajectories "$TRAJECTORIES" --horizon "$HORIZON" --repeats 1)
env_coretype=${OPENBLAS_CORETYPE:-}
torch_out=""
factored_out=""
ours_out=""
ours_env_out=""
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  echo "[compare_torch_maml] round $round/$ROUNDS: PyTorch (direct KL Hessian products)" >&2
  torch_out+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_maml_speed.py "${size[@]}")$'\n'
  echo "[compare_torch_maml] round $round/$ROUNDS: PyTorch (factored KL Hessian products)" >&2
  factored_out+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_maml_speed.py "${size[@]}" \
    --fvp factored --only iteration)$'\n'
  echo "[compare_torch_maml] round $round/$ROUNDS: MetaExplore" >&2
  ours_out+=$(env -u OPENBLAS_CORETYPE "$BIN" bench meta "${size[@]}" --threads 1)$'\n'
  if [ -n "$env_coretype" ]; then
    echo "[compare_torch_maml] round $round/$ROUNDS: MetaExplore with OPENBLAS_CORETYPE=$env_coretype" >&2
    ours_env_out+=$("$BIN" bench meta "${size[@]}" --threads 1 --only iteration)$'\n'
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$torch_out" "$ours_out" "$TASKS" "$TRAJECTORIES" "$HORIZON" "$ROUNDS" "$load_before" "$load_after" \
  "$factored_out" "$ours_env_out" "$env_coretype" <<'PY'
import re, subprocess, sys
def medians(text):
    values = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z0-9_]+_s)=([\d.]+)$", line)
        if m:
            values.setdefault(m.group(1), []).append(float(m.group(2)))
    return {k: sorted(v)[len(v) // 2] for k, v in values.items()}
torch, ours = medians(sys.argv[1]), medians(sys.argv[2])
tasks, trajectories, horizon, rounds, load_before, load_after = sys.argv[3:9]
factored, ours_env, env_coretype = medians(sys.argv[9]), medians(sys.argv[10]), sys.argv[11]
version = next((l for l in sys.argv[1].splitlines() if l.startswith("torch=")), "torch=?")
trials = [l.split("=", 1)[1] for l in sys.argv[1].splitlines() if l.startswith("line_search_trials=")]
try:
    cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
               if l.startswith("Model name"))
except Exception:
    cpu = "unknown"
print(f"cpu: {cpu}; load average (1/5/15 min) before {load_before}, after {load_after}")
blas = next((l for l in sys.argv[2].splitlines() if l.startswith("blas_core=")), "blas_core=?")
capability = next((w for l in sys.argv[1].splitlines() for w in l.split() if w.startswith("cpu_capability=")), "")
print(f"metaexplore: {blas}; torch: {capability}")
print(f"{version}; HalfCheetahDir {tasks} tasks x {trajectories} trajectories x {horizon} steps; median of {rounds} rounds")
print(f"{'measurement (seconds)':<44}{'metaexplore':>12}{'torch direct':>14}{'ratio':>8}{'torch factored':>16}{'ratio':>8}")
rows = [("meta_sampling_1thread_s", "meta_sampling_1thread_s"), ("meta_sampling_2threads_s", "meta_sampling_1thread_s"),
        ("meta_iteration_sampling_s", "meta_iteration_sampling_s"), ("meta_iteration_inner_s", "meta_iteration_inner_s"),
        ("meta_iteration_outer_s", "meta_iteration_outer_s"), ("meta_iteration_s", "meta_iteration_s"),
        ("meta_iteration_cpu_s", "meta_iteration_cpu_s")]
for mine, theirs in rows:
    if mine in ours and theirs in torch:
        label = mine + (" (torch: 1 thread)" if mine != theirs else "")
        line = f"{label:<44}{ours[mine]:>12.4f}{torch[theirs]:>14.4f}{torch[theirs] / ours[mine]:>8.2f}"
        if mine == theirs and theirs in factored:
            line += f"{factored[theirs]:>16.4f}{factored[theirs] / ours[mine]:>8.2f}"
        print(line)
if env_coretype and "meta_iteration_cpu_s" in ours_env:
    k = "meta_iteration_cpu_s"
    print(f"{'meta_iteration_cpu_s, OPENBLAS_CORETYPE=' + env_coretype:<44}{ours_env[k]:>12.4f}"
          f"{torch[k]:>14.4f}{torch[k] / ours_env[k]:>8.2f}{factored[k]:>16.4f}{factored[k] / ours_env[k]:>8.2f}")
fractions = [l.split("=", 1)[1] for l in sys.argv[2].splitlines() if l.startswith("meta_iteration_step_fractions=")]
print(f"line search: torch trials per round {'; '.join(trials)}; metaexplore accepted step fraction per round "
      f"{'; '.join(fractions)} (1 = first trial, 0.8 = second)")
speedup = ours["meta_sampling_1thread_s"] / ours["meta_sampling_2threads_s"]
print(f"sampling_speedup_2threads={speedup:.2f}  (goal >= 1.7)")
wall_direct = torch["meta_iteration_s"] / ours["meta_iteration_s"]
wall = factored["meta_iteration_s"] / ours["meta_iteration_s"]
print(f"wall-clock meta-iteration ratios: {wall:.2f} like for like, {wall_direct:.2f} against torch direct "
      f"(load-sensitive; see the CPU-time ratios below)")
direct = torch["meta_iteration_cpu_s"] / ours["meta_iteration_cpu_s"]
ratio = factored["meta_iteration_cpu_s"] / ours["meta_iteration_cpu_s"]
print(f"ratio_vs_torch_direct={direct:.2f}  (CPU time; against pytorch-maml-rl's form of the KL Hessian products)")
print(f"meta-iteration goal >= 3 (CPU time, like for like: torch factored): {'met' if ratio >= 3 else 'not met'}")
print(f"ratio_vs_torch={ratio:.2f}")
PY
