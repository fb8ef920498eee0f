#!/usr/bin/env bash
# libFuzzer runs of the fuzz targets (tests/fuzz, docs/security.md).
#
#   scripts/fuzz.sh                 every target, >= 10^6 inputs each (FUZZ_RUNS)
#   scripts/fuzz.sh --ci            every target for FUZZ_SECONDS (12) each, via ctest -L fuzz
#   scripts/fuzz.sh NAME...         only these targets (type_grammar value_format bundle
#                                   frontend request)
#
# Builds into build-fuzz (clang, -fsanitize=fuzzer-no-link,address,undefined on
# all of Kiln's sources; the system absl/protobuf/gRPC/LLVM 19 libraries as
# they are), regenerates the seeds from the conformance cases
# (tests/fuzz/make_seeds.py, into build-fuzz/fuzz-seeds; needs the kiln Python
# package of the ordinary build for the bundle builder), and runs each target
# with leak detection on, -timeout=10 (an input slower than that is a hang)
# and -rss_limit_mb=2048. Exit status non-zero on any crash, hang, leak or
# out-of-memory; the reproducer is left in build-fuzz/fuzz-artifacts/NAME/.
# FUZZ_JOBS>1 runs that many workers per target (-fork).
set -euo pipefail
source "$(dirname "$0")/env.sh"
FUZZ_BUILD=${FUZZ_BUILD:-$KILN_ROOT/build-fuzz}
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
FUZZ_SECONDS=${FUZZ_SECONDS:-12}
FUZZ_JOBS=${FUZZ_JOBS:-1}
ALL=(type_grammar value_format bundle frontend request)
ci=0
targets=()
for a in "$@"; do
  case "$a" in
    --ci) ci=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${ALL[@]}")

if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$KILN_ROOT" -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKILN_FUZZ=ON -DKILN_WERROR=OFF -DKILN_FUZZ_SECONDS="$FUZZ_SECONDS"
fi
cmake -S "$KILN_ROOT" -B "$FUZZ_BUILD" -DKILN_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
ninja -C "$FUZZ_BUILD" -j"${FUZZ_BUILD_JOBS:-$(nproc)}" make_value_seeds "${targets[@]/%/_fuzz}"

# Seeds: the bundle builder is the ordinary build's Python extension (an ASan
# extension cannot load into an uninstrumented python).
seeds=$FUZZ_BUILD/fuzz-seeds
if python3 -c "import kiln._kiln" 2>/dev/null; then
  ASAN_OPTIONS=detect_leaks=0 python3 "$KILN_ROOT/tests/fuzz/make_seeds.py" "$seeds" \
    --value-seeds "$FUZZ_BUILD/tests/fuzz/make_value_seeds" >/dev/null
else
  echo "fuzz.sh: the kiln Python extension is not built; using only the committed seeds" >&2
fi

if [ $ci -eq 1 ]; then
  cd "$FUZZ_BUILD"
  regex=$(IFS='|'; echo "^fuzz_(${targets[*]})\$")
  exec ctest -L fuzz -R "$regex" --output-on-failure
fi

status=0
for t in "${targets[@]}"; do
  corpus=$FUZZ_BUILD/tests/fuzz/corpus/$t
  artifacts=$FUZZ_BUILD/fuzz-artifacts/$t/
  mkdir -p "$corpus" "$artifacts" "$seeds/$t"
  log=$FUZZ_BUILD/fuzz-$t.log
  start=$(date +%s)
  fork=()
  [ "$FUZZ_JOBS" -gt 1 ] && fork=(-fork="$FUZZ_JOBS" -ignore_crashes=0)
  if "$FUZZ_BUILD/tests/fuzz/${t}_fuzz" -runs="$FUZZ_RUNS" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "${fork[@]}" \
      "$corpus" "$KILN_ROOT/tests/fuzz/seeds/$t" "$seeds/$t" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "$t: $result, ${runs:-?} inputs in $(( $(date +%s) - start )) s, corpus $(ls "$corpus" | wc -l) files (log $log)"
done
exit $status
