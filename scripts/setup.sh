#!/usr/bin/env bash
# Installs what MetaExplore needs on a Debian/Ubuntu machine with the Swift toolchain, idempotently:
#   - OpenBLAS (Debian libopenblas-dev) for matrix products,
#   - the MuJoCo 3.3.7 C library and headers, taken from the PyPI `mujoco==3.3.7` wheel (the very binary
#     Gymnasium loads) and exposed to SwiftPM through a `mujoco.pc` pkg-config file under /usr/local,
#   - Gymnasium 1.4.0 with its MuJoCo extras (MJCF assets, reference implementations for the checks).
# Re-running it does nothing that is already done. Set METAEXPLORE_SKIP_PYTHON=1 to skip the Python part
# (MuJoCo then has to be installed by other means).
set -euo pipefail

MUJOCO_VERSION=3.3.7
GYMNASIUM_VERSION=1.4.0
PREFIX=${METAEXPLORE_PREFIX:-/usr/local}

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run this script as root, or install sudo."
  SUDO="sudo"
fi

command -v swift >/dev/null 2>&1 || die "the Swift toolchain is not on PATH (install Swift 6.x from swift.org first)."

# --- Debian packages -------------------------------------------------------------------------------------------
need_apt=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need_apt+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
else
  say "OpenBLAS and pkg-config present"
fi

# --- Python side: MuJoCo wheel and Gymnasium --------------------------------------------------------------------
PY=${PYTHON:-python3}
if [ "${METAEXPLORE_SKIP_PYTHON:-0}" != "1" ]; then
  command -v "$PY" >/dev/null 2>&1 || die "python3 not found: install it (apt-get install python3 python3-pip)."
  have_versions=$("$PY" - <<'PYEOF' 2>/dev/null || true
import importlib.metadata as m
out = []
for name in ("mujoco", "gymnasium"):
    try:
        out.append(m.version(name))
    except m.PackageNotFoundError:
        out.append("none")
print(" ".join(out))
PYEOF
)
  if [ "$have_versions" != "$MUJOCO_VERSION $GYMNASIUM_VERSION" ]; then
    say "installing Python packages mujoco==$MUJOCO_VERSION gymnasium[mujoco]==$GYMNASIUM_VERSION (had: ${have_versions:-none})"
    "$PY" -m pip install -q --disable-pip-version-check "mujoco==$MUJOCO_VERSION" "gymnasium[mujoco]==$GYMNASIUM_VERSION"
  else
    say "Python mujoco $MUJOCO_VERSION and gymnasium $GYMNASIUM_VERSION present"
  fi
fi

# --- MuJoCo C library for Swift -------------------------------------------------------------------------------
if pkg-config --exists mujoco 2>/dev/null && [ "$(pkg-config --modversion mujoco)" = "$MUJOCO_VERSION" ] \
   && [ -f "$PREFIX/include/mujoco/mujoco.h" ] && [ -e "$PREFIX/lib/libmujoco.so" ]; then
  say "MuJoCo $MUJOCO_VERSION C library present under $PREFIX"
else
  pkgdir=$("$PY" -c 'import mujoco, os; print(os.path.dirname(mujoco.__file__))' 2>/dev/null) \
    || die "the Python package mujoco==$MUJOCO_VERSION is missing; run without METAEXPLORE_SKIP_PYTHON or: pip install mujoco==$MUJOCO_VERSION"
  lib=$(ls "$pkgdir"/libmujoco.so.$MUJOCO_VERSION 2>/dev/null | head -n1)
  [ -n "$lib" ] || die "libmujoco.so.$MUJOCO_VERSION not found in $pkgdir"
  [ -d "$pkgdir/include/mujoco" ] || die "MuJoCo headers not found in $pkgdir/include/mujoco"
  say "installing MuJoCo $MUJOCO_VERSION headers and library into $PREFIX"
  $SUDO mkdir -p "$PREFIX/include" "$PREFIX/lib/pkgconfig"
  $SUDO rm -rf "$PREFIX/include/mujoco"
  $SUDO cp -r "$pkgdir/include/mujoco" "$PREFIX/include/mujoco"
  $SUDO cp "$lib" "$PREFIX/lib/libmujoco.so.$MUJOCO_VERSION"
  $SUDO ln -sf "libmujoco.so.$MUJOCO_VERSION" "$PREFIX/lib/libmujoco.so"
  tmp=$(mktemp)
  cat > "$tmp" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: mujoco
Description: MuJoCo physics engine (from the PyPI wheel mujoco==$MUJOCO_VERSION)
Version: $MUJOCO_VERSION
Libs: -L\${libdir} -lmujoco
Cflags: -I\${includedir}
PC
  $SUDO install -m 644 "$tmp" "$PREFIX/lib/pkgconfig/mujoco.pc"
  rm -f "$tmp"
  $SUDO ldconfig
fi

# Where the MJCF assets live, for the environments (they also look this up themselves).
if [ "${METAEXPLORE_SKIP_PYTHON:-0}" != "1" ]; then
  assets=$("$PY" -c 'import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets"))')
  [ -f "$assets/half_cheetah.xml" ] || die "Gymnasium's MuJoCo assets not found at $assets"
  say "Gymnasium MJCF assets: $assets"
fi
say "done"
