#!/usr/bin/env bash
# packages: `pip install ./client/python` into a fresh virtualenv, then
# examples/quickstart.py from outside the tree with no PYTHONPATH and no
# KILN_KILND (the wheel's kiln/bin/kilnd is the embedded default), and
# `kilnctl info` through the console script. Prints the install's time.
# tests/integration/test_wheel.py checks the same in the pytest suite.
#   bash scripts/wheel_check.sh [VENV_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${1:-$(mktemp -d)/venv}
PY=${PYTHON:-python3}
"$PY" -m venv "$VENV"
WORK=$(mktemp -d)
export XDG_CACHE_HOME=$WORK/cache  # its own embedded server, stopped below
unset PYTHONPATH KILN_KILND KILN_SERVER
start=$(date +%s.%N)
"$VENV/bin/pip" install -q "$ROOT/client/python"
end=$(date +%s.%N)
printf 'pip install: %.1f s\n' "$(echo "$end - $start" | bc)"
cd "$WORK"
"$VENV/bin/python" -c 'import kiln, os; print("kiln from", os.path.dirname(kiln.__file__))'
"$VENV/bin/python" -c 'import kiln, os; assert os.access(os.path.join(os.path.dirname(kiln.__file__), "bin", "kilnd"), os.X_OK)'
"$VENV/bin/python" "$ROOT/examples/quickstart.py"
"$VENV/bin/kilnctl" info
"$VENV/bin/kilnctl" stop
echo "wheel check: ok"
