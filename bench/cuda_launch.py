"""cuda: launch overhead and saxpy bandwidth on a real GPU (issue 11 part 6).

  python3 bench/cuda_launch.py [--json OUT] [--launches N] [--saxpy-n N]
  python3 bench/cuda_launch.py --no-gpu      # what runs without a GPU (CI)

Launch overhead, for kernels taking 0, 1 and 4 arrays (bodies that do no
work), in microseconds per launch, back to back on one stream:
  - kiln:      kiln.cuda `kernel[grid, block](*device_arrays)` (the user path)
               when kiln.cuda launches on the device, else kiln's driver layer
               (`_driver.Kernel.launch`);
  - driver:    kiln's driver layer directly (packing table + one C call);
  - raw:       cuLaunchKernel called through ctypes with the parameter array
               prepared once (the floor a Python caller can reach);
  - numba:     numba.cuda's launch of the same kernels, if numba-cuda works.
Target: kiln <= 1.5 x raw.

saxpy: y = a * x + y over float32 arrays (3 x 4 bytes moved per element),
timed with CUDA events, against the device's theoretical DRAM bandwidth
(2 x memory clock x bus width). Target: >= 85% of peak.

--emulation measures kiln.cuda's own per-launch overhead in the CPU
emulation (KILN_CUDA_SIM=1): `kernel[1, 1](*args)` of the same empty kernels
with 0, 1 and 4 device arrays (and with host NumPy arrays), next to a plain
kiln.jit call of the same function (the native dispatcher's floor); the
kernel body is one thread doing nothing, so the time is the launch path.

--no-gpu compiles every kernel for --arch through kilnd (PTX and cubin),
checks the PTX with ptxas when present, and builds the packing tables: the
parts that do not need a device.
"""

import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("KILN_BENCH_PACKAGE") or os.path.join(ROOT, "client", "python"))

import numpy as np  # noqa: E402

from kiln import _kiln  # noqa: E402
from kiln.cuda import _driver  # noqa: E402
from kiln.dispatcher import EMITS, jit  # noqa: E402


def k0():
    pass


def k1(a):
    pass


def k4(a, b, c, d):
    pass


def saxpy_loop(alpha, x, y, start, stride):
    # The grid-stride saxpy, written without the kernel language: kiln.cuda's
    # version (when it launches on the device) is used for the measurement.
    for i in range(start, y.shape[0], stride):
        y[i] = alpha * x[i] + y[i]


ARR = "array(float32, 1d, C)"
KERNELS = {"0 arrays": (k0, ()), "1 array": (k1, (ARR,)), "4 arrays": (k4, (ARR,) * 4)}


def compile_kernel(fn, arg_types, arch, emit="binary"):
    disp = jit(fn)
    r = _kiln.compile(disp.bundle(), tuple(arg_types), "", 3, False, False, "numpy", EMITS[emit], "",
                      "nvptx64-nvidia-cuda", arch)
    if not r["ok"]:
        raise RuntimeError(f"{fn.__name__}: {r['message']}")
    return r


def no_gpu(arch):
    """Everything but the device: compile, ptxas, packing tables."""
    ptxas = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
    ptxas = ptxas if os.path.exists(ptxas) else shutil.which("ptxas")
    report = {}
    for name, (fn, types) in {**KERNELS, "saxpy": (saxpy_loop, ("float32", ARR, ARR, "int64", "int64"))}.items():
        ptx = compile_kernel(fn, types, arch, "ptx")["text"]
        binary = compile_kernel(fn, types, arch)["shared_object"]
        checked = False
        if ptxas:
            with tempfile.TemporaryDirectory() as d:
                src = os.path.join(d, "k.ptx")
                with open(src, "w") as f:
                    f.write(ptx)
                subprocess.run([ptxas, f"-arch={arch}", src, "-o", os.path.join(d, "k.cubin")], check=True,
                               capture_output=True)
                checked = True
        sig = _driver.Signature(types)
        report[name] = {"ptx_bytes": len(ptx), "artifact": "cubin" if binary[:4] == b"\x7fELF" else "ptx",
                        "artifact_bytes": len(binary), "ptxas": checked, "spec": sig.spec,
                        "param_bytes": sig.nbytes}
    return report


def time_loop(launch, n, sync):
    launch()  # warm: module, packing, first-launch costs
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        launch()
    sync()
    return (time.perf_counter() - t0) / n * 1e6


def launch_overhead(dev, arch, n):
    results = {}
    stream = _driver.Stream()
    bufs = [_driver.DeviceBuffer(4 * 1024) for _ in range(4)]

    class Arr:  # a device array by the CUDA Array Interface
        def __init__(self, buf):
            self.__cuda_array_interface__ = {"shape": (1024,), "strides": None, "typestr": "<f4",
                                             "data": (buf.ptr, False), "version": 3}
    arrays = [Arr(b) for b in bufs]
    cuLaunchKernel = ctypes.CFUNCTYPE(ctypes.c_int, *(
        [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]))(
        _driver._runtime().kiln_cuda_function(b"cuLaunchKernel"))
    try:
        from kiln import cuda as kcuda
        from kiln.cuda import _api
        kiln_on_device = not _api.emulated()
    except Exception:  # noqa: BLE001
        kcuda, kiln_on_device = None, False
    for name, (fn, types) in KERNELS.items():
        mod = _driver.Module(compile_kernel(fn, types, arch)["shared_object"], fn.__name__)
        kern = mod.kernel(types)
        args = arrays[:len(types)]
        row = {"driver_us": time_loop(lambda: kern.launch(1, 32, args, stream), n, stream.synchronize)}
        # raw: the parameter array built once, one ctypes call per launch.
        values = [ctypes.c_uint64(b.ptr) if k % 3 == 0 else ctypes.c_int64(1024 if k % 3 == 1 else 4)
                  for b in bufs[:len(types)] for k in range(3)]
        params = (ctypes.c_void_p * max(len(values), 1))(*[ctypes.cast(ctypes.byref(v), ctypes.c_void_p)
                                                            for v in values])
        fnp, sh = ctypes.c_void_p(mod.function), ctypes.c_void_p(stream.handle)
        row["raw_us"] = time_loop(lambda: cuLaunchKernel(fnp, 1, 1, 1, 32, 1, 1, 0, sh, params, None), n,
                                  stream.synchronize)
        if kiln_on_device:
            kk = kcuda.jit(fn)
            dev_args = [kcuda.device_array(1024, np.float32) for _ in types]  # GPU-resident
            row["kiln_us"] = time_loop(lambda: kk[1, 32](*dev_args), n, dev.synchronize)
        else:
            row["kiln_us"] = row["driver_us"]
            row["kiln_path"] = "driver layer (kiln.cuda does not launch on the device yet)"
        try:
            from numba import cuda as ncuda
            nk = ncuda.jit(fn)
            nargs = [ncuda.device_array(1024, np.float32) for _ in types]
            row["numba_us"] = time_loop(lambda: nk[1, 32](*nargs), n, ncuda.synchronize)
        except Exception as e:  # noqa: BLE001 - numba-cuda absent or broken
            row["numba_us"] = None
            row["numba_error"] = f"{type(e).__name__}: {e}"[:200]
        row["kiln_vs_raw"] = row["kiln_us"] / row["raw_us"]
        results[name] = row
    return results


def saxpy_bandwidth(dev, arch, n):
    stream = _driver.Stream()
    x = np.random.default_rng(0).random(n, dtype=np.float32)
    y = np.random.default_rng(1).random(n, dtype=np.float32)
    dx, dy = _driver.DeviceBuffer(x.nbytes), _driver.DeviceBuffer(y.nbytes)
    dx.copy_from_host(x.ctypes.data, x.nbytes)
    dy.copy_from_host(y.ctypes.data, y.nbytes)
    types = ("float32", ARR, ARR, "int64", "int64")
    mod = _driver.Module(compile_kernel(saxpy_loop, types, arch)["shared_object"], "saxpy")
    kern = mod.kernel(types)

    class Arr:
        def __init__(self, buf):
            self.__cuda_array_interface__ = {"shape": (n,), "strides": None, "typestr": "<f4",
                                             "data": (buf.ptr, False), "version": 3}
    block = 256
    grid = dev.attribute(_driver.ATTR_MULTIPROCESSOR_COUNT) * 32
    # saxpy_loop takes (start, stride) from the host: one launch per thread
    # index is not possible without the kernel language, so this measures
    # kiln.cuda's saxpy when it exists and the host-indexed loop otherwise.
    try:
        from kiln import cuda as kcuda

        def saxpy(alpha, xs, ys):
            i = kcuda.grid(1)
            s = kcuda.gridsize(1)
            while i < ys.shape[0]:
                ys[i] = alpha * xs[i] + ys[i]
                i += s
        from kiln.cuda import _api
        if _api.emulated():
            raise RuntimeError("kiln.cuda runs in the emulation")
        kk = kcuda.jit(saxpy)
        kx, ky = kcuda.to_device(x), kcuda.to_device(y)  # GPU-resident
        run = lambda: kk[grid, block](np.float32(2.0), kx, ky)  # noqa: E731
        sync = dev.synchronize
        path = "kiln.cuda"
    except Exception as e:  # noqa: BLE001
        args = (2.0, Arr(dx), Arr(dy), 0, 1)
        run = lambda: kern.launch(1, 1, args, stream)  # noqa: E731
        sync = stream.synchronize
        path = f"driver layer, one thread (kiln.cuda unavailable: {type(e).__name__})"
    run()
    sync()
    start, end = _driver.Event(), _driver.Event()
    reps = 20
    start.record(None)
    for _ in range(reps):
        run()
    end.record(None)
    end.synchronize()
    ms = start.elapsed_time(end) / reps
    achieved = 3 * 4 * n / (ms / 1e3)
    peak = dev.peak_bandwidth()
    return {"n": n, "ms": ms, "GBps": achieved / 1e9, "peak_GBps": peak / 1e9, "fraction_of_peak": achieved / peak,
            "path": path}


def emulation_overhead(n):
    """Per-launch overhead of kiln.cuda in the CPU emulation, microseconds."""
    from kiln import cuda
    rows = {}
    for name, (fn, types) in KERNELS.items():
        k = cuda.jit(fn)
        dev_args = [cuda.device_array(1024, np.float32) for _ in types]
        host_args = [np.zeros(1024, np.float32) for _ in types]
        plain = jit(fn)
        rows[name] = {
            "device_arrays_us": min(time_loop(lambda: k[1, 1](*dev_args), n, cuda.synchronize) for _ in range(3)),
            "host_arrays_us": min(time_loop(lambda: k[1, 1](*host_args), n, cuda.synchronize) for _ in range(3)),
            "kiln_jit_call_us": min(time_loop(lambda: plain(*host_args), n, lambda: None) for _ in range(3)),
        }
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--launches", type=int, default=20000)
    ap.add_argument("--saxpy-n", type=int, default=1 << 26)
    ap.add_argument("--arch", help="the SM (default: the GPU's; with --no-gpu: sm_80)")
    ap.add_argument("--no-gpu", action="store_true", help="compile and pack only (no device needed)")
    ap.add_argument("--emulation", action="store_true", help="kiln.cuda's launch overhead in the CPU emulation")
    opts = ap.parse_args()
    if opts.emulation:
        os.environ["KILN_CUDA_SIM"] = "1"
        out = {"emulation": emulation_overhead(opts.launches)}
        for name, row in out["emulation"].items():
            print(f"emulated launch {name:9s}: device arrays {row['device_arrays_us']:.2f} us, host arrays "
                  f"{row['host_arrays_us']:.2f} us, kiln.jit call {row['kiln_jit_call_us']:.2f} us")
    elif opts.no_gpu:
        out = {"no_gpu": no_gpu(opts.arch or "sm_80")}
    else:
        _driver.load()
        dev = _driver.Device.get(0)
        arch = opts.arch or dev.arch
        out = {"device": dev.name, "compute_capability": dev.compute_capability, "arch": arch,
               "launch": launch_overhead(dev, arch, opts.launches), "saxpy": saxpy_bandwidth(dev, arch, opts.saxpy_n)}
        for name, row in out["launch"].items():
            ok = "ok" if row["kiln_vs_raw"] <= 1.5 else "ABOVE TARGET"
            numba = f"{row['numba_us']:.2f}" if row.get("numba_us") else "-"
            print(f"launch {name:9s}: kiln {row['kiln_us']:.2f} us, driver {row['driver_us']:.2f} us, "
                  f"raw {row['raw_us']:.2f} us, numba {numba} us; kiln/raw {row['kiln_vs_raw']:.2f} "
                  f"(target <= 1.5: {ok})")
        s = out["saxpy"]
        print(f"saxpy n={s['n']}: {s['GBps']:.0f} GB/s of {s['peak_GBps']:.0f} peak = "
              f"{100 * s['fraction_of_peak']:.0f}% (target >= 85%) [{s['path']}]")
    text = json.dumps(out, indent=2)
    if opts.json:
        with open(opts.json, "w") as f:
            f.write(text)
    print(text if opts.no_gpu or opts.emulation else "")


if __name__ == "__main__":
    main()
