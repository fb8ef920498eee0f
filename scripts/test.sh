#!/usr/bin/env bash
# Sets up, builds, and runs every test: gtest units, lit goldens, pytest
# integration against a real kilnd, and the conformance corpus.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$KILN_ROOT/scripts/build.sh"
cd "$KILN_BUILD"
ctest --output-on-failure -j2
cd "$KILN_ROOT"
python3 -m pytest -q tests
