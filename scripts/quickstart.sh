#!/usr/bin/env bash
# Sets up, builds, and runs examples/quickstart.py on the embedded default
# server (a private kilnd started on first use, reused afterwards).
set -euo pipefail
source "$(dirname "$0")/env.sh"
echo "building Kiln (the first build on a new machine takes several minutes; log: $KILN_BUILD.log)" >&2
mkdir -p "$(dirname "$KILN_BUILD")"
if ! bash "$KILN_ROOT/scripts/build.sh" >"$KILN_BUILD.log" 2>&1; then
  tail -30 "$KILN_BUILD.log" >&2
  exit 1
fi
unset KILN_SERVER
python3 "$KILN_ROOT/examples/quickstart.py"
