#!/usr/bin/env bash
# Installs what is missing (idempotent), configures and builds everything.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$KILN_ROOT/scripts/setup.sh"
if [ ! -f "$KILN_BUILD/build.ninja" ]; then
  cmake -S "$KILN_ROOT" -B "$KILN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C "$KILN_BUILD" -j"$(nproc)"
