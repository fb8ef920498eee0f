#!/usr/bin/env bash
# cuda: the on-GPU check of issue 11 part 6, as one script that runs in a few
# minutes on a machine with an NVIDIA GPU, its driver and the CUDA toolkit:
#   1. the GPU and driver are usable from Kiln's driver layer;
#   2. the cuda_kernels conformance category on the device (kiln.cuda with
#      KILN_CUDA_SIM=0), and against numba-cuda when it is installed;
#   2b. kiln.cuda's device arrays GPU-resident (tests/integration/
#      test_cuda_device_arrays.py with KILN_CUDA_TEST_GPU=1: views, copies,
#      the CUDA Array Interface, the native launch table, the host-array
#      performance warning);
#   3. bench/cuda_launch.py: launch overhead (0, 1 and 4 array arguments)
#      against a raw cuLaunchKernel and numba-cuda, and saxpy bandwidth
#      against the device's peak.
# Results go to $OUT (default ./gpu_check_out): conformance JSON, bench JSON,
# a summary. Exit status: 0 when every step ran (targets are reported, not
# enforced), 1 when a step failed, 2 when there is no usable GPU.
#
#   scripts/gpu_check.sh [--quick]      --quick: fewer launches, smaller saxpy
#   GPU_CHECK_DRY_RUN=1 scripts/gpu_check.sh   the steps that need no GPU only
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${OUT:-$PWD/gpu_check_out}"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
mkdir -p "$OUT"
# shellcheck source=/dev/null
source "$ROOT/scripts/env.sh"
PY="${PYTHON:-python3}"
SUITE_PY="${SUITE_PYTHON:-$PY}"
CONFORMANCE="${CONFORMANCE:-$ROOT/../shared/conformance/run.py}"
status=0
log() { echo "gpu_check: $*" | tee -a "$OUT/summary.txt"; }
: > "$OUT/summary.txt"

log "$(date -u +%FT%TZ) kiln $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

if [ "${GPU_CHECK_DRY_RUN:-0}" = "1" ]; then
  log "dry run: compile + ptxas + packing tables only"
  "$PY" "$ROOT/bench/cuda_launch.py" --no-gpu --json "$OUT/bench_no_gpu.json" > /dev/null || status=1
  log "bench --no-gpu: $([ $status = 0 ] && echo ok || echo FAILED)"
  if "$PY" "$ROOT/bench/cuda_launch.py" --emulation --launches 2000 --json "$OUT/bench_emulation.json" \
      > "$OUT/bench_emulation.txt" 2>&1; then
    grep "emulated launch" "$OUT/bench_emulation.txt" | tee -a "$OUT/summary.txt"
  else
    log "bench --emulation: FAILED (see $OUT/bench_emulation.txt)"
    status=1
  fi
  exit $status
fi

# 1. The device.
if ! "$PY" - <<'EOF' | tee -a "$OUT/summary.txt"
import sys
from kiln.cuda import _driver
if not _driver.available():
    print(f"gpu_check: no usable GPU: {_driver.unavailable_reason()}")
    sys.exit(2)
d = _driver.Device.get(0)
print(f"gpu_check: device {d.name}, compute capability {d.compute_capability}, kilnd arch {d.arch}, "
      f"peak DRAM {d.peak_bandwidth() / 1e9:.0f} GB/s")
EOF
then
  exit 2
fi

# 2. The cuda_kernels category on the device (and numba-cuda as the peer).
peer=()
if "$SUITE_PY" -c "from numba import cuda; assert cuda.is_available()" 2>/dev/null; then
  peer=(--peer-cuda numba:cuda)
fi
if KILN_CUDA_SIM=0 XDG_CACHE_HOME="$(mktemp -d)" "$SUITE_PY" "$CONFORMANCE" --jit kiln:jit --cuda kiln:cuda \
    "${peer[@]}" --isolate -j 1 --only cuda_kernels --allow-fail --json "$OUT/cuda_kernels.json" \
    > "$OUT/cuda_kernels.txt" 2>&1; then
  log "cuda_kernels: $(tail -n 3 "$OUT/cuda_kernels.txt" | tr '\n' ' ')"
else
  log "cuda_kernels: FAILED to run (see $OUT/cuda_kernels.txt)"
  status=1
fi
if [ ${#peer[@]} -eq 0 ]; then
  log "numba-cuda not available: no kernel time comparison (target: kiln <= 1.1 x numba-cuda)"
else
  "$PY" - "$OUT/cuda_kernels.json" <<'EOF' | tee -a "$OUT/summary.txt"
import json, sys
data = json.load(open(sys.argv[1]))
rows = [r for r in data.get("results", data if isinstance(data, list) else []) if isinstance(r, dict)]
ratios = [r["jit_s"] / r["peer_s"] for r in rows if r.get("jit_s") and r.get("peer_s")]
if ratios:
    ratios.sort()
    print(f"gpu_check: kernel time kiln/numba-cuda: median {ratios[len(ratios) // 2]:.2f}, "
          f"worst {ratios[-1]:.2f} over {len(ratios)} kernels (target <= 1.1)")
EOF
fi

# 2b. Device arrays resident on the GPU.
if KILN_CUDA_TEST_GPU=1 XDG_CACHE_HOME="$(mktemp -d)" "$PY" -m pytest -q \
    "$ROOT/tests/integration/test_cuda_device_arrays.py" > "$OUT/device_arrays.txt" 2>&1; then
  log "device arrays on the GPU: $(tail -n 1 "$OUT/device_arrays.txt")"
else
  log "device arrays on the GPU: FAILED (see $OUT/device_arrays.txt)"
  status=1
fi

# 3. Launch overhead and saxpy bandwidth.
bench_args=()
[ $QUICK = 1 ] && bench_args=(--launches 2000 --saxpy-n $((1 << 24)))
if "$PY" "$ROOT/bench/cuda_launch.py" "${bench_args[@]}" --json "$OUT/cuda_launch.json" 2>&1 | tee -a "$OUT/summary.txt"; then
  :
else
  log "bench/cuda_launch.py FAILED"
  status=1
fi
log "done: $OUT"
exit $status
