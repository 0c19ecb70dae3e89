#!/usr/bin/env bash
# The tensor engine against PyTorch, measured in the same invocation on the same machine.
#
# Installs (once, into a virtual environment outside the repository) PyTorch's CPU build 2.13.0+cpu — the default
# PyTorch wheel needs the CUDA packages, several GB, to import at all. Then times, on one thread each, alternating
# the two sides round by round so that a change of machine load affects both:
#   - the 64-64 ReLU MLP forward + backward at batch 64,
#   - the full DDPG update (critic + actor + Polyak; obs 17, act 6, 64-64 with LayerNorm, batch 64),
#   - the TD3 400-300 update at batch 256,
#   - the 100-100 tanh Gaussian-policy log-likelihood gradient at batch 16000 (the meta-policy-gradient shape),
# with `metaexplore bench engine` and scripts/bench/torch_engine_speed.py (the same computations in PyTorch).
# Each side's figure is the best (lowest) of its rounds' medians. The ratio is PyTorch time / engine time.
# The last line reads `ratio_vs_torch=<the smallest ratio>`.
#
# Options (environment variables): ROUNDS (default 3), REPEATS (timed repeats per measurement, default 15),
# VENV (default ~/.cache/metaexplore/torch-venv), BIN (default .build/release/metaexplore, built here).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
REPEATS=${REPEATS:-15}
VENV=${VENV:-$HOME/.cache/metaexplore/torch-venv}
BIN=${BIN:-.build/release/metaexplore}

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[compare_torch_engine] installing PyTorch (CPU) into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" numpy
fi

if [ "$BIN" = .build/release/metaexplore ]; then
  bash scripts/setup.sh >/dev/null
  swift build -c release --product metaexplore >/dev/null
fi

torch_out=""
ours_out=""
for round in $(seq 1 "$ROUNDS"); do
  echo "[compare_torch_engine] round $round/$ROUNDS: PyTorch" >&2
  torch_out+=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" scripts/bench/torch_engine_speed.py \
    --repeats "$REPEATS")$'\n'
  echo "[compare_torch_engine] round $round/$ROUNDS: MetaExplore" >&2
  ours_out+=$("$BIN" bench engine --repeats "$REPEATS" --only mlp,ddpg,td3,gauss)$'\n'
done

python3 - "$torch_out" "$ours_out" <<'PY'
import re, subprocess, sys
def best(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z0-9_]+_us)=([\d.]+)$", line)
        if m:
            out[m.group(1)] = min(out.get(m.group(1), float("inf")), float(m.group(2)))
    return out
torch, ours = best(sys.argv[1]), best(sys.argv[2])
version = next((l for l in sys.argv[1].splitlines() if l.startswith("torch=")), "torch=?")
try:
    cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
               if l.startswith("Model name"))
except Exception:
    cpu = "unknown"
blas = next((l for l in sys.argv[2].splitlines() if l.startswith("blas_core=")), "")
print(f"cpu: {cpu}; {version}; metaexplore {blas}")
print(f"{'measurement':<46}{'metaexplore_us':>15}{'torch_us':>12}{'ratio':>8}")
ratios = []
for name in ["mlp_64x64_forward_backward_batch64_us", "ddpg_update_us", "td3_400x300_update_batch256_us",
             "gaussian_100x100_logprob_grad_batch16000_us"]:
    if name in torch and name in ours:
        r = torch[name] / ours[name]
        ratios.append(r)
        print(f"{name:<46}{ours[name]:>15.2f}{torch[name]:>12.2f}{r:>8.2f}")
print(f"ratio_vs_torch={min(ratios):.2f}")
PY
