#!/usr/bin/env bash
# Builds ThreadSanitizer-instrumented copies of three Debian Abseil libraries
# (libabsl_synchronization, libabsl_base, libabsl_malloc_internal .so.20220623)
# that stand in for Debian's at run time (LD_LIBRARY_PATH), so TSan sees every
# absl::Mutex, absl::CondVar and SpinLock lock, unlock, wait and signal, and
# the per-thread identities Abseil recycles through them: Kiln's own and
# gRPC's (Debian's gRPC 1.51 builds its gpr_mu and grpc_core::Mutex on
# absl::Mutex). Without them TSan reports every mutex-guarded access as a
# race (docs/security.md, "TSan").
#
#   scripts/sanitizer/tsan_absl.sh OUT_DIR
#
# The sources are Abseil 20220623's, as vendored in the grpcio 1.51.1 source
# distribution on PyPI (pinned by SHA-256, fetched once into the cache dir).
# They are compiled against Debian's own Abseil headers (same LTS release,
# the same options.h and inline namespace), so the library's ABI is the one
# Debian's libraries were linked against; the script checks that it exports
# every symbol Debian's does. Idempotent: does nothing when OUT_DIR has it.
set -euo pipefail
out=$(realpath -m "${1:?usage: tsan_absl.sh OUT_DIR}")
libs=(synchronization base malloc_internal)
done_all=1
for l in "${libs[@]}"; do [ -f "$out/libabsl_$l.so.20220623" ] || done_all=0; done
[ $done_all = 1 ] && exit 0

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kiln
sdist=$cache/grpcio-1.51.1.tar.gz
sha=e6dfc2b6567b1c261739b43d9c59d201c1b89e017afd9e684d85aa7a186c9f7a
url=https://files.pythonhosted.org/packages/c4/8a/61f84aa2f061395a1aa9faaf325fa200da44191c9631082f33d46602efff/grpcio-1.51.1.tar.gz
mkdir -p "$cache" "$out"
if ! echo "$sha  $sdist" | sha256sum -c --status 2>/dev/null; then
  curl -fsS --retry 3 -o "$sdist.part" "$url"
  echo "$sha  $sdist.part" | sha256sum -c --status || { echo "tsan_absl.sh: checksum mismatch" >&2; exit 1; }
  mv "$sdist.part" "$sdist"
fi
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar xzf "$sdist" -C "$src" grpcio-1.51.1/third_party/abseil-cpp/absl/synchronization \
  grpcio-1.51.1/third_party/abseil-cpp/absl/base/internal
cd "$src/grpcio-1.51.1/third_party/abseil-cpp"

# build NAME "SOURCES" "LIBS": libabsl_NAME.so.20220623 from the sources only;
# every header comes from /usr/include (Debian's), never from the archive.
build() {
  local name=$1 lib=libabsl_$1.so.20220623 objs=()
  local system=/usr/lib/x86_64-linux-gnu/$lib
  [ -f "$system" ] || { echo "tsan_absl.sh: $system not found (Debian's libabsl20220623)" >&2; exit 1; }
  mkdir -p "objs/$name"
  for f in $2; do
    clang++ -std=c++17 -fsanitize=thread -fPIC -O1 -g -c "$f" -o "objs/$name/$(basename "$f" .cc).o"
    objs+=("objs/$name/$(basename "$f" .cc).o")
  done
  # Linked against the instrumented libraries built before it.
  clang++ -fsanitize=thread -shared -Wl,-soname,$lib "${objs[@]}" -o "$out/$lib.part" -L"$out" $3
  local missing
  # Strong symbols only: a weak one is an inline function's copy, which any
  # user of it carries itself.
  missing=$(comm -23 <(nm -D --defined-only "$system" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort) \
    <(nm -D --defined-only "$out/$lib.part" | awk '{print $3}' | sort))
  if [ -n "$missing" ]; then
    echo "tsan_absl.sh: the instrumented $lib lacks symbols Debian's exports:" >&2
    echo "$missing" >&2
    exit 1
  fi
  mv "$out/$lib.part" "$out/$lib"
  echo "tsan_absl.sh: $out/$lib"
}
b=absl/base/internal s=absl/synchronization
build base "$b/cycleclock.cc $b/spinlock.cc $b/sysinfo.cc $b/thread_identity.cc $b/unscaledcycleclock.cc" \
  "-labsl_raw_logging_internal -labsl_spinlock_wait"
build malloc_internal "$b/low_level_alloc.cc" "-l:libabsl_base.so.20220623 -labsl_raw_logging_internal -labsl_spinlock_wait"
build synchronization "$s/barrier.cc $s/blocking_counter.cc $s/mutex.cc $s/notification.cc
  $s/internal/create_thread_identity.cc $s/internal/per_thread_sem.cc $s/internal/waiter.cc" \
  "-labsl_graphcycles_internal -labsl_stacktrace -labsl_symbolize -labsl_time -l:libabsl_malloc_internal.so.20220623
   -l:libabsl_base.so.20220623 -labsl_spinlock_wait -labsl_raw_logging_internal"
