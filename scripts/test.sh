#!/usr/bin/env bash
# Sets up, builds, and runs every test: gtest units, lit goldens, pytest
# integration against a real kilnd, and the conformance corpus; then the
# same suite under ASan+UBSan and each fuzz target for a bounded time
# (docs/security.md). KILN_SANITIZE_CI=0 skips the sanitized part.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$KILN_ROOT/scripts/build.sh"
cd "$KILN_BUILD"
ctest --output-on-failure -j2
cd "$KILN_ROOT"
python3 -m pytest -q tests
if [ "${KILN_SANITIZE_CI:-1}" = 1 ]; then
  bash "$KILN_ROOT/scripts/sanitize.sh"
  bash "$KILN_ROOT/scripts/fuzz.sh" --ci
fi
