#!/usr/bin/env bash
# Sets up, builds, and runs examples/quickstart.py on the embedded default
# server (a private kilnd started on first use, reused afterwards).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$KILN_ROOT/scripts/build.sh" >/dev/null
unset KILN_SERVER
python3 "$KILN_ROOT/examples/quickstart.py"
