#!/usr/bin/env bash
# Runs Kiln for real under CPython 3.12 (docs/python.md, "Python versions"):
# builds the client extension for 3.12 in build-py312 (next to the 3.11 one in
# client/python/kiln/), then runs, under that interpreter and against the
# normal build's kilnd, the IR goldens (lit: the PY312 bytecode checks), a set
# of integration test files and the conformance corpus. The 3.11 side is
# scripts/test.sh; kilnd decodes the bundles of both versions.
#
# Needs a 3.12 interpreter with NumPy and pytest (KILN_PY312, else python3.12
# on PATH, else pyenv's 3.12.*) and kilnd and kilnc built (ninja -C build
# kilnd kilnc). Without a 3.12 interpreter it says so and exits 1. Extra
# arguments go to pytest (-x, -k ...). About 10 minutes on 2 cores.
set -euo pipefail
source "$(dirname "$0")/env.sh"

is312() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
py312=
if [ -n "${KILN_PY312:-}" ]; then
  if ! is312 "$KILN_PY312"; then
    echo "test-py312: KILN_PY312=$KILN_PY312 is not CPython 3.12; nothing was run" >&2
    exit 1
  fi
  py312=$KILN_PY312
else
  # A pyenv shim named python3.12 exists even where it cannot run 3.12: each
  # candidate must answer as 3.12.
  for p in "$(command -v python3.12 || true)" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
    if [ -n "$p" ] && [ -x "$p" ] && is312 "$p"; then
      py312=$p
      break
    fi
  done
fi
if [ -z "$py312" ]; then
  echo "test-py312: no CPython 3.12 interpreter found (set KILN_PY312); nothing was run" >&2
  exit 1
fi
if ! "$py312" -c 'import numpy, pytest' 2>/dev/null; then
  echo "test-py312: $py312 lacks NumPy or pytest ($py312 -m pip install numpy pytest)" >&2
  exit 1
fi
kilnc=$KILN_BUILD/compiler/tools/kilnc
for f in "$KILN_KILND" "$kilnc"; do
  if [ ! -x "$f" ]; then
    echo "test-py312: $f is not built (ninja -C $KILN_BUILD -j2 kilnd kilnc)" >&2
    exit 1
  fi
done
echo "test-py312: $("$py312" -VV | head -1) ($py312)"

build=$KILN_ROOT/build-py312
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$KILN_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE="$py312"
fi
ninja -C "$build" -j2 kiln_python

cd "$KILN_ROOT"
# lit under 3.12 itself: lit.cfg.py picks the PY312 bytecode goldens from the
# interpreter that runs it.
"$py312" /usr/lib/llvm-19/build/utils/lit/lit.py -sv tests/lit \
  --param kilnc="$kilnc" --param filecheck=/usr/lib/llvm-19/bin/FileCheck \
  --param python="$py312" --param root="$KILN_ROOT"

# The files that exercise the frontend's version-specific paths (calls,
# jumps, loops, comprehensions, exceptions, generators, closures, literals,
# slices, f-strings) and the client's bundle building (objmode: the source
# rewrite of with objmode() blocks, compiled by the running interpreter).
files=(
  arrays array_iter bundle closures closures_cells dicts errors exception_args exceptions format
  generators generators_python iterators lists literal_containers objmode pyfuncs pysub3 pysub4 range
  realcode3 refusals slices strings tuples unroll_builtins wording
)
paths=()
for f in "${files[@]}"; do paths+=("tests/integration/test_$f.py"); done
"$py312" -m pytest -q -p no:cacheprovider "${paths[@]}" tests/conformance/test_conformance.py "$@"
