"""kiln.cuda's local GPU path (kiln/cuda/_driver.py and libkiln_cuda.so)
run for real against fake_libcuda.so, a CPU stand-in for libcuda.so.1
(tests/unit/runtime/fake_libcuda.cpp) loaded through KILN_LIBCUDA as the
driver is: device discovery, the compile for the device's own SM, module
loading, memory and copies, launch checks, and the parameter block a launch
hands to cuLaunchKernel (the fake records it; it runs no kernel code). No GPU
here: this is how far the driver path can be run on this machine.

Each case runs in a fresh interpreter: the driver is opened once per process."""

import os
import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import ctypes, json, os, struct, sys
import numpy as np
from kiln import cuda
from kiln.cuda import _driver
fake = ctypes.CDLL(os.environ["KILN_LIBCUDA"]) if "KILN_LIBCUDA" in os.environ else None
if fake is not None:
    fake.fake_cuda_param.restype = ctypes.c_ulonglong
    fake.fake_cuda_launch_dim.restype = ctypes.c_uint
    fake.fake_cuda_last_image.restype = ctypes.c_size_t
out = {}
def launch_record(nparams):
    return {"dims": [fake.fake_cuda_launch_dim(i) for i in range(7)],
            "params": [fake.fake_cuda_param(i) for i in range(nparams)],
            "launches": fake.fake_cuda_launches()}
def last_image():
    n = fake.fake_cuda_last_image(None, 0)
    buf = ctypes.create_string_buffer(n)
    fake.fake_cuda_last_image(buf, n)
    return buf.raw
def pointer(d):
    return d.__cuda_array_interface__["data"][0]
"""


def fake_library():
    # The plain build's, as the client's own libraries are: a sanitized
    # build's (beside a sanitized kilnd) cannot load into this python3.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = os.environ.get("KILN_BUILD") or os.path.join(root, "build")
    path = os.path.join(build, "tests", "unit", "runtime", "libkiln_fake_libcuda.so")
    assert os.path.exists(path), f"{path} is not built (ninja target kiln_fake_libcuda)"
    return path


def run(body, local_gpu=True):
    env = dict(os.environ)
    env.pop("KILN_LIBCUDA", None)
    if local_gpu:
        env["KILN_LIBCUDA"] = fake_library()
    for name in ("KILN_CUDA_SIM", "KILN_CUDA_REMOTE", "KILN_CUDA_ARCH"):
        env.pop(name, None)
    code = PRELUDE + textwrap.dedent(body) + "\nprint('RESULT=' + json.dumps(out))\n"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT=")]
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    import json
    return json.loads(line[-1][len("RESULT="):])


def test_the_fake_driver_is_a_gpu_of_compute_capability_8_6(kilnd):
    r = run("""
        out["available"] = cuda.is_available()
        dev = cuda.get_current_device()
        out["name"] = dev.name.decode() if isinstance(dev.name, bytes) else dev.name
        out["cc"] = list(dev.compute_capability)
        out["emulated"] = bool(cuda.simulator_active()) if hasattr(cuda, "simulator_active") else None
    """)
    assert r["available"] is True
    assert r["name"] == "Fake GPU"
    assert r["cc"] == [8, 6]


def test_device_memory_round_trips(kilnd):
    r = run("""
        a = np.arange(12, dtype=np.float64).reshape(3, 4)
        d = cuda.to_device(a)
        out["back"] = d.copy_to_host().tolist()
        z = cuda.device_array((5,), dtype=np.int32)  # not zeroed, as numba.cuda's
        out["shape"] = [list(z.shape), str(z.dtype)]
        z.copy_to_device(np.array([5, 4, 3, 2, 1], dtype=np.int32))
        out["written"] = z.copy_to_host().tolist()
    """)
    assert r["back"] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]
    assert r["shape"] == [[5], "int32"]
    assert r["written"] == [5, 4, 3, 2, 1]


def test_a_launch_hands_the_driver_the_grid_block_and_argument_block(kilnd):
    r = run("""
        @cuda.jit
        def k(a, x, n):
            i = cuda.grid(1)
            if i < n:
                a[i] = x
        fake.fake_cuda_keep_params(5)
        a = np.zeros(8, dtype=np.float32)
        d = cuda.to_device(a)
        k[2, 8](d, 2.5, 7)
        out["first"] = launch_record(5)
        out["pointer"] = pointer(d)
        img = last_image()
        out["elf"] = img[:4] == b"\\x7fELF"
        # a cubin names its SM in e_flags (bits 8-15 from ELF ABI version 8),
        # PTX in its .target line
        out["sm"] = ((struct.unpack_from("<I", img, 0x30)[0] >> 8) & 0xFF) if out["elf"] else \\
            [ln for ln in img.decode().splitlines() if ln.startswith(".target")][0]
        # A second launch (the native fast path once the first has run).
        k[(3, 1), (4, 2)](d, -1.0, 3)
        out["second"] = launch_record(5)
        # A 2-D view: its data pointer, shape and strides in bytes.
        b = cuda.to_device(np.zeros((3, 4), dtype=np.float64))
        @cuda.jit
        def k2(m):
            m[0, 0] = 1.0
        k2[1, 1](b[:, 1:])
        out["view"] = launch_record(5)
        out["view_pointer"] = pointer(b)
    """)
    dims, params = r["first"]["dims"], r["first"]["params"]
    assert dims == [2, 1, 1, 8, 1, 1, 0]
    # k(float32[:], float64, int64): data, shape0, stride0, x, n
    assert params[0] == r["pointer"]
    assert params[1:3] == [8, 4]
    assert params[3] == int.from_bytes(__import__("struct").pack("<d", 2.5), "little")
    assert params[4] == 7
    assert r["sm"] in (86, ".target sm_86")
    assert r["second"]["launches"] == 2
    assert r["second"]["dims"] == [3, 1, 1, 4, 2, 1, 0]
    assert r["second"]["params"][3] == int.from_bytes(__import__("struct").pack("<d", -1.0), "little")
    assert r["second"]["params"][4] == 3
    # m = b[:, 1:]: element (0, 1) of a 3x4 float64 array; shape (3, 3), strides (32, 8)
    assert r["view"]["params"][:5] == [r["view_pointer"] + 8, 3, 3, 32, 8]


def test_a_launch_the_device_cannot_run_is_refused_before_it_reaches_the_driver(kilnd):
    r = run("""
        @cuda.jit
        def k(a):
            a[0] = 1
        d = cuda.to_device(np.zeros(4, dtype=np.float32))
        errors = []
        for grid, block in (((1,), (32, 32, 2)), ((1,), (1, 1, 128)), ((1, 70000), (1,))):
            try:
                k[grid, block](d)
            except Exception as e:
                errors.append(type(e).__name__ + ": " + str(e))
        out["errors"] = errors
        out["launches"] = fake.fake_cuda_launches()
    """)
    assert len(r["errors"]) == 3, r["errors"]
    for error, words in zip(r["errors"], (("2048 threads", "1024"), ("128", "64"), ("70000", "65535"))):
        assert all(w in error for w in words), (error, words)
    assert r["launches"] == 0


def test_kilnds_driver_pool_runs_on_the_fake_gpu(kilnd_binary, tmp_path, monkeypatch):
    """kilnd --gpu-pool=driver: its worker process opens fake_libcuda.so as
    its GPU (device_driver.cpp), describes it (8.6), and runs the remote
    path: device memory, copies, a kernel compiled for sm_86 loaded and
    launched (recorded by the fake, not run)."""
    from conftest import KilndProcess
    from test_cuda_remote import scrape
    server = KilndProcess(kilnd_binary, str(tmp_path), ["--gpu-pool", "driver", "--gpu-libcuda", fake_library(),
                                                        "--metrics-listen", "127.0.0.1:0"])
    try:
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        r = run("""
            dev = cuda.get_current_device()
            out["cc"] = list(dev.compute_capability)
            @cuda.jit
            def k(a, x):
                i = cuda.grid(1)
                if i < a.size:
                    a[i] += x
            d = cuda.to_device(np.arange(6, dtype=np.float64))
            k[1, 32](d, 1.0)
            cuda.synchronize()
            out["back"] = d.copy_to_host().tolist()
        """, local_gpu=False)
        metrics = scrape(server)
    finally:
        server.stop()
    log = open(server.log_path).read()
    assert r["cc"] == [8, 6]
    assert r["back"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # the fake runs no kernel code
    assert "backend driver" in log, log[-2000:]
    assert metrics[("kiln_gpu_launches_total", 'device="0",outcome="ok"')] == 1
    assert metrics[("kiln_gpu_modules_total", 'device="0",result="loaded"')] == 1



def test_server_info_never_waits_on_a_gpu_worker(kilnd_binary, tmp_path, monkeypatch):
    """GetServerInfo is the clients' liveness probe: under the driver pool it
    reports the GPUs described so far and never calls a worker itself (it
    asked each undescribed GPU's worker inline, waiting up to 1 s per GPU, on
    every call). Here the fake driver (two GPUs) takes 3 s to start:
    GetServerInfo answers at once with no compute capability, the background
    describers learn 8.6 for both GPUs (at once: 3 s, not 6), and
    get_current_device() waits for GPU 0's."""
    from conftest import KilndProcess
    monkeypatch.setenv("FAKE_CUDA_INIT_DELAY_MS", "3000")
    monkeypatch.setenv("FAKE_CUDA_DEVICE_COUNT", "2")
    server = KilndProcess(kilnd_binary, str(tmp_path), ["--gpu-pool", "driver", "--gpu-devices", "2",
                                                        "--gpu-libcuda", fake_library()])
    try:
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        r = run("""
            import time
            from kiln import _kiln
            t0 = time.monotonic()
            infos = [_kiln.gpu_pool_info() for _ in range(5)]
            out["seconds"] = time.monotonic() - t0
            out["early"] = [list(map(list, i["compute_capabilities"])) for i in infos]
            out["cc"] = list(cuda.get_current_device().compute_capability)
            while True:  # both GPUs: described side by side, not one after the other
                out["late"] = list(map(list, _kiln.gpu_pool_info()["compute_capabilities"]))
                out["both_after"] = time.monotonic() - t0
                if [0, 0] not in out["late"] or out["both_after"] > 10:
                    break
                time.sleep(0.02)
        """, local_gpu=False)
    finally:
        server.stop()
    assert r["early"] == [[[0, 0], [0, 0]]] * 5, r["early"]
    assert r["seconds"] < 2.0, r["seconds"]  # five calls: 10 s before (1 s per GPU, each call)
    assert r["cc"] == [8, 6]
    assert r["late"] == [[8, 6], [8, 6]]
    assert r["both_after"] < 5.5, r["both_after"]  # 3 s each, at once (one after the other: 6 s)


def test_a_gpu_that_cannot_be_described_is_named(kilnd_binary, tmp_path, monkeypatch):
    """A worker that cannot open its libcuda: GetServerInfo still answers,
    with no compute capability, kilnd's log says why (the describer retries
    with a backoff), and get_current_device() names the GPU."""
    from conftest import KilndProcess
    server = KilndProcess(kilnd_binary, str(tmp_path), ["--gpu-pool", "driver",
                                                        "--gpu-libcuda", str(tmp_path / "no-libcuda.so.1")])
    try:
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        r = run("""
            from kiln import _kiln
            from kiln.cuda import _api
            out["ccs"] = list(map(list, _kiln.gpu_pool_info()["compute_capabilities"]))
            _api._PoolDevice.DESCRIBE_WAIT_S = 0.5
            try:
                cuda.get_current_device()
                out["error"] = None
            except RuntimeError as e:
                out["error"] = str(e)
        """, local_gpu=False)
    finally:
        server.stop()
    log = open(server.log_path).read()
    assert r["ccs"] == [[0, 0]], r["ccs"]
    assert "GPU 0 has not been described" in (r["error"] or ""), r["error"]
    assert "GPU 0 not described (retrying in 1s)" in log and "no-libcuda.so.1" in log, log[-2000:]


def test_a_kernel_calling_an_overloaded_function_compiles_for_the_device():
    """The driver's kernel compile answers the server's @overload requests as
    kiln.jit's compile does (Dispatcher._answering_overloads): the kernel
    compiles (a cubin) and is launched."""
    r = run("""
        from kiln.extending import overload
        def twice(x):
            return 2 * x
        @overload(twice)
        def ol_twice(x):
            return lambda x: x + x
        @cuda.jit
        def k(a):
            i = cuda.grid(1)
            if i < a.size:
                a[i] = twice(a[i])
        d = cuda.to_device(np.arange(4, dtype=np.float64))
        k[1, 32](d)
        cuda.synchronize()
        out["launches"] = fake.fake_cuda_launches()
        out["cubin"] = last_image()[:4] == b"\x7fELF"
    """)
    assert r["launches"] == 1
    assert r["cubin"]
