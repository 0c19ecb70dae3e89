#!/usr/bin/env bash
# MAML-TRPO meta-iteration speed (issue 12) and MAME iteration speed (issue 13) against PyTorch, measured in the same
# invocation on the same machine.
#
# Installs (once, into a virtual environment outside the repository) PyTorch's CPU build 2.13.0+cpu and
# Gymnasium 1.4.0 / MuJoCo 3.3.7, builds `metaexplore` (release), then times on HalfCheetahDir
# (40 tasks × 20 trajectories × 200 steps by default, 100-100 ReLU networks):
#   - one meta-batch of pre-update sampling: MetaExplore on 1 and on 2 threads, PyTorch + SyncVectorEnv on one core;
#   - one whole MAML-TRPO meta-iteration (pre-update sampling, inner steps, post-update sampling, TRPO outer update
#     through the inner step), both sides stepping environments on one thread (`--threads 1`) and PyTorch's math on
#     one thread,
# with `metaexplore bench meta` and scripts/bench/torch_maml_speed.py;
#   - one whole MAME iteration on the same task and batch (exploration samples of μφ, the inner step on z, post-update
#     samples of πθ,z′, the outer update through the inner step with the low-variance estimator for φ, Adam), with
#     `metaexplore bench mame --env HalfCheetahDir-v1 --only mame` and torch_maml_speed.py --algorithm mame, both
#     single-threaded as above.
# The sides alternate round by round (one warm-up and one timed repeat per round and side), so a change of machine
# load affects all; each figure is the median over rounds. Ratios are PyTorch time / MetaExplore time.
#
# Before timing MAME, the PyTorch MAME is checked against MetaExplore's: `bench mame --dump` records one iteration
# at a small size (2 tasks × 2 trajectories × CHECK_HORIZON steps: parameters before and after, both batches, z′,
# the logged statistics) and `torch_maml_speed.py --check-mame` recomputes it from the same parameters and samples;
# its comparison is printed, and the script stops if they differ.
#
# Time: wall-clock seconds per phase, and CPU seconds of each process per iteration (`*_iteration_cpu_s`).
# Both sides run single-threaded (one sampler thread, one PyTorch/BLAS thread), so on an idle machine the two
# agree; on a machine shared with other work the wall clock swings with the others' load from one run to the next,
# while CPU time does not — so `ratio_vs_torch` and `ratio_vs_torch_mame` are ratios of CPU times (the wall-clock
# ratios are printed too).
#
# TRPO's KL Hessian products: PyTorch runs twice per round, in pytorch-maml-rl's form (double backward of the KL's
# gradient taken through the inner step: "torch direct") and in the factored form MetaExplore uses ("torch
# factored", the same matrix in fewer operations). `ratio_vs_torch` — the last line — compares like with like
# (torch factored); `ratio_vs_torch_direct` is against the form a PyTorch user of pytorch-maml-rl runs. MAME has no
# such choice (one PyTorch form). When only MAME is timed (ALGORITHMS=mame), the last line is `ratio_vs_torch_mame`.
#
# BLAS: MetaExplore's own kernel choice applies (OPENBLAS_CORETYPE unset for its process: the tool picks OpenBLAS's
# SkylakeX kernels on AMD CPUs with AVX-512, where Debian's OpenBLAS would fall back to Haswell ones); PyTorch uses
# its bundled MKL/oneDNN with their own dispatch (its cpu_capability is printed). If the environment sets
# OPENBLAS_CORETYPE, each iteration is also timed with that setting and reported on its own line.
#
# Options (environment variables): TASKS (40), TRAJECTORIES (20), HORIZON (200), ROUNDS (3),
# ALGORITHMS (maml-trpo,mame: which iterations to time), CHECK_HORIZON (50; 0 skips the MAME check),
# VENV (default ~/.cache/metaexplore/torch-venv), BIN (default .build/release/metaexplore, built here).
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${TASKS:-40}
TRAJECTORIES=${TRAJECTORIES:-20}
HORIZON=${HORIZON:-200}
ROUNDS=${ROUNDS:-3}
VENV=${VENV:-$HOME/.cache/metaexplore/torch-venv}
BIN=${BIN:-.build/release/metaexplore}
ALGORITHMS=${ALGORITHMS:-maml-trpo,mame}
CHECK_HORIZON=${CHECK_HORIZON:-50}
run_maml=0
run_mame=0
for algorithm in ${ALGORITHMS//,/ }; do
  case "$algorithm" in
    maml-trpo) run_maml=1 ;;
    mame) run_mame=1 ;;
    *) echo "[compare_torch_maml] ALGORITHMS takes maml-trpo, mame (comma-separated); got '$algorithm'" >&2; exit 2 ;;
  esac
done
if [ "$run_maml$run_mame" = 00 ]; then
  echo "[compare_torch_maml] ALGORITHMS names no algorithm (maml-trpo, mame)" >&2
  exit 2
fi

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[compare_torch_maml] installing PyTorch (CPU) into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" numpy
fi
# The MuJoCo environments' module, not just the package: a Gymnasium without its mujoco extra imports fine but
# fails on its first MuJoCo environment (imageio missing).
if ! "$VENV/bin/python" -c "import mujoco, gymnasium.envs.mujoco.half_cheetah_v5" >/dev/null 2>&1; then
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
torch_mame_out=""
ours_mame_out=""
ours_mame_env_out=""
check_out=""
if [ "$run_mame" = 1 ] && [ "$CHECK_HORIZON" -gt 0 ]; then
  echo "[compare_torch_maml] checking the PyTorch MAME against MetaExplore's (2 tasks x 2 trajectories x $CHECK_HORIZON steps)" >&2
  check_file=$(mktemp --suffix=.safetensors)
  env -u OPENBLAS_CORETYPE "$BIN" bench mame --env HalfCheetahDir-v1 --tasks 2 --trajectories 2 --horizon "$CHECK_HORIZON" \
    --threads 1 --dump "$check_file" >/dev/null
  if ! check_out=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_maml_speed.py \
      --check-mame "$check_file"); then
    rm -f "$check_file"
    echo "$check_out" >&2
    echo "[compare_torch_maml] the PyTorch MAME does not compute what MetaExplore's does; not timing it" >&2
    exit 1
  fi
  rm -f "$check_file"
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  if [ "$run_maml" = 1 ]; then
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
  fi
  if [ "$run_mame" = 1 ]; then
    echo "[compare_torch_maml] round $round/$ROUNDS: PyTorch MAME" >&2
    torch_mame_out+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_maml_speed.py "${size[@]}" \
      --algorithm mame --only iteration)$'\n'
    echo "[compare_torch_maml] round $round/$ROUNDS: MetaExplore MAME" >&2
    ours_mame_out+=$(env -u OPENBLAS_CORETYPE "$BIN" bench mame --env HalfCheetahDir-v1 "${size[@]}" --threads 1 \
      --only mame)$'\n'
    if [ -n "$env_coretype" ]; then
      echo "[compare_torch_maml] round $round/$ROUNDS: MetaExplore MAME with OPENBLAS_CORETYPE=$env_coretype" >&2
      ours_mame_env_out+=$("$BIN" bench mame --env HalfCheetahDir-v1 "${size[@]}" --threads 1 --only mame)$'\n'
    fi
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$torch_out" "$ours_out" "$TASKS" "$TRAJECTORIES" "$HORIZON" "$ROUNDS" "$load_before" "$load_after" \
  "$factored_out" "$ours_env_out" "$env_coretype" "$torch_mame_out" "$ours_mame_out" "$ours_mame_env_out" \
  "$check_out" <<'PY'
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
torch_mame, ours_mame, ours_mame_env = medians(sys.argv[12]), medians(sys.argv[13]), medians(sys.argv[14])
check = sys.argv[15]
run_maml, run_mame = bool(sys.argv[2].strip()), bool(sys.argv[13].strip())
torch_text = sys.argv[1] if run_maml else sys.argv[12]
version = next((l for l in torch_text.splitlines() if l.startswith("torch=")), "torch=?")
try:
    cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
               if l.startswith("Model name"))
except Exception:
    cpu = "unknown"
print(f"cpu: {cpu}; load average (1/5/15 min) before {load_before}, after {load_after}")
capability = next((w for l in torch_text.splitlines() for w in l.split() if w.startswith("cpu_capability=")), "")
if run_maml:
    blas = next((l for l in sys.argv[2].splitlines() if l.startswith("blas_core=")), "blas_core=?")
    print(f"metaexplore: {blas}; torch: {capability}")
else:
    print(f"torch: {capability}")
print(f"{version}; HalfCheetahDir {tasks} tasks x {trajectories} trajectories x {horizon} steps; median of {rounds} rounds")
if check:
    print(check)

mame_ratio = None
if run_mame:
    print(f"MAME iteration (exploration + post-update samples, inner step on z, outer update; the same task and batch "
          f"as MAML-TRPO):")
    print(f"{'measurement (seconds)':<44}{'metaexplore':>12}{'torch':>14}{'ratio':>8}")
    for key in ["mame_iteration_sampling_s", "mame_iteration_inner_s", "mame_iteration_outer_s", "mame_iteration_s",
                "mame_iteration_cpu_s"]:
        if key in ours_mame and key in torch_mame:
            print(f"{key:<44}{ours_mame[key]:>12.4f}{torch_mame[key]:>14.4f}{torch_mame[key] / ours_mame[key]:>8.2f}")
    if env_coretype and "mame_iteration_cpu_s" in ours_mame_env:
        k = "mame_iteration_cpu_s"
        print(f"{k + ', OPENBLAS_CORETYPE=' + env_coretype:<44}{ours_mame_env[k]:>12.4f}{torch_mame[k]:>14.4f}"
              f"{torch_mame[k] / ours_mame_env[k]:>8.2f}")
    mame_ratio = torch_mame["mame_iteration_cpu_s"] / ours_mame["mame_iteration_cpu_s"]

if run_maml:
    print("MAML-TRPO meta-iteration:")
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
    trials = [l.split("=", 1)[1] for l in sys.argv[1].splitlines() if l.startswith("line_search_trials=")]
    fractions = [l.split("=", 1)[1] for l in sys.argv[2].splitlines() if l.startswith("meta_iteration_step_fractions=")]
    print(f"line search: torch trials per round {'; '.join(trials)}; metaexplore accepted step fraction per round "
          f"{'; '.join(fractions)} (1 = first trial, 0.8 = second)")
    speedup = ours["meta_sampling_1thread_s"] / ours["meta_sampling_2threads_s"]
    print(f"sampling_speedup_2threads={speedup:.2f}  (goal >= 1.7)")

if run_mame and run_maml:
    k, m = "mame_iteration_cpu_s", "meta_iteration_cpu_s"
    print(f"per iteration, CPU seconds, same task and batch: MAME {ours_mame[k]:.2f} (torch {torch_mame[k]:.2f}), "
          f"MAML-TRPO {ours[m]:.2f} (torch factored {factored[m]:.2f}, direct {torch[m]:.2f}); "
          f"MAME / MAML-TRPO: metaexplore {ours_mame[k] / ours[m]:.2f}, torch {torch_mame[k] / factored[m]:.2f} (factored)")
if run_mame:
    wall = torch_mame["mame_iteration_s"] / ours_mame["mame_iteration_s"]
    print(f"wall-clock MAME iteration ratio: {wall:.2f} (load-sensitive; see the CPU-time ratio)")
    if run_maml:
        print(f"ratio_vs_torch_mame={mame_ratio:.2f}  (CPU time, like for like)")
if run_maml:
    wall_direct = torch["meta_iteration_s"] / ours["meta_iteration_s"]
    wall = factored["meta_iteration_s"] / ours["meta_iteration_s"]
    print(f"wall-clock meta-iteration ratios: {wall:.2f} like for like, {wall_direct:.2f} against torch direct "
          f"(load-sensitive; see the CPU-time ratios below)")
    direct = torch["meta_iteration_cpu_s"] / ours["meta_iteration_cpu_s"]
    ratio = factored["meta_iteration_cpu_s"] / ours["meta_iteration_cpu_s"]
    print(f"ratio_vs_torch_direct={direct:.2f}  (CPU time; against pytorch-maml-rl's form of the KL Hessian products)")
    print(f"meta-iteration goal >= 3 (CPU time, like for like: torch factored): {'met' if ratio >= 3 else 'not met'}")
    print(f"ratio_vs_torch={ratio:.2f}")
elif run_mame:
    print(f"ratio_vs_torch_mame={mame_ratio:.2f}")
PY
