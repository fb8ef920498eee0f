"""kiln.cuda on the server's GPU pool (docs/cuda.md "Remote launches"), the
whole path for real without a GPU: the client (KILN_CUDA_REMOTE=1) -> the
Launch / device-memory RPCs -> kilnd's pool supervisor -> a worker process
(`kilnd --gpu-worker N --gpu-backend emulation`) -> the kernel compiled for
the emulation, run there -> results back. A kernel's own error fails only
its request; a killed worker is replaced and the handles it made are
refused; a runaway kernel is killed at --gpu-max-launch-seconds."""

import os
import re
import signal
import time

import numpy as np
import pytest

from conftest import KilndProcess

from kiln import _kiln, cuda
from kiln.errors import (DeadlineExceededError, InvalidRequestError, PermissionDeniedError,
                         ResourceExhaustedError, ServerError)


@pytest.fixture(scope="module")
def pool_server(kilnd_binary, tmp_path_factory):
    server = KilndProcess(kilnd_binary, str(tmp_path_factory.mktemp("gpu-pool")),
                          ["--gpu-pool", "emulation", "--gpu-devices", "2", "--gpu-max-bytes", "64M",
                           "--gpu-max-launch-seconds", "20", "--metrics-listen", "127.0.0.1:0"])
    yield server
    server.stop()


@pytest.fixture
def remote(pool_server, monkeypatch):
    monkeypatch.setenv("KILN_SERVER", pool_server.target)
    monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
    from kiln.cuda import _remote
    _remote._info.clear()
    return pool_server


def scrape(server):
    """{(name, labels): value} of the server's /metrics."""
    import urllib.request
    with open(server.log_path) as f:
        port = re.search(r"metrics on http://127.0.0.1:(\d+)/metrics", f.read()).group(1)
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(kiln_gpu_\w+)\{([^}]*)\} (\S+)$", line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def workers(kilnd_pid):
    """{device: pid} of kilnd's GPU workers."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if ppid == kilnd_pid and b"--gpu-worker" in argv:
            out[int(argv[argv.index(b"--gpu-worker") + 1])] = int(entry)
    return out


@cuda.jit
def saxpy(out, a, x, y):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


@cuda.jit
def add_rows(m, k):
    i, j = cuda.grid(2)
    if i < m.shape[0] and j < m.shape[1]:
        m[i, j] += k * i + j


@cuda.jit
def block_sums(a, partial):
    sh = cuda.shared.array(64, np.float64)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    sh[t] = a[i] if i < a.shape[0] else 0.0
    cuda.syncthreads()
    s = 32
    while s > 0:
        if t < s:
            sh[t] += sh[t + s]
        cuda.syncthreads()
        s //= 2
    if t == 0:
        partial[cuda.blockIdx.x] = sh[0]


@cuda.jit(debug=True)
def out_of_bounds(a):
    i = cuda.grid(1)
    a[i] = 1.0  # no bounds test: threads past the end index out of bounds


@cuda.jit
def spin(a, n):
    i = 0
    while a[0] >= 0.0:  # never ends
        i += n
        a[1] = i


def test_the_server_says_it_has_a_pool(remote):
    from kiln.cuda import _remote
    info = _remote.pool_info()
    assert info["backend"] == "emulation"
    assert info["devices"] == 2
    assert info["max_device_bytes"] == 64 << 20


def test_host_arrays_are_copied_in_and_back(remote):
    n = 1000
    x = np.random.rand(n).astype(np.float32)
    y = np.random.rand(n).astype(np.float32)
    out = np.zeros(n, np.float32)
    saxpy[(n + 127) // 128, 128](out, np.float32(2.5), x, y)
    np.testing.assert_array_equal(out, np.float32(2.5) * x + y)
    # float64 and a Python float scalar: another signature
    xd, yd, outd = x.astype(np.float64), y.astype(np.float64), np.zeros(n)
    saxpy[8, 128](outd, 0.5, xd, yd)
    np.testing.assert_allclose(outd, 0.5 * xd + yd)
    # a read-only input is not written back; a non-contiguous output is
    ro = x.copy()
    ro.flags.writeable = False
    big = np.zeros(2 * n, np.float32)
    saxpy[8, 128](big[::2], np.float32(1.0), ro, y)
    np.testing.assert_array_equal(big[::2], ro + y)
    assert not big[1::2].any()


def test_2d_and_shared_memory_kernels(remote):
    m = np.arange(12.0).reshape(3, 4)
    want = m + 10 * np.arange(3)[:, None] + np.arange(4)[None, :]
    add_rows[(1, 1), (4, 4)](m, 10)
    np.testing.assert_array_equal(m, want)
    a = np.random.rand(300)
    partial = np.zeros(5)
    block_sums[5, 64](a, partial)
    np.testing.assert_allclose(partial.sum(), a.sum())
    np.testing.assert_allclose(partial[0], a[:64].sum())


def test_device_arrays_stay_on_the_server(remote):
    n = 256
    x = np.random.rand(n)
    y = np.random.rand(n)
    dx, dy = cuda.to_device(x), cuda.to_device(y)
    dout = cuda.device_array(n)
    assert dout._space.name == "the kiln server's GPU pool"
    saxpy[2, 128](dout, 3.0, dx, dy)
    np.testing.assert_allclose(dout.copy_to_host(), 3.0 * x + y)
    # a view of a device array is an argument at its offset
    saxpy[1, 128](dout[10:20], 1.0, dx[:10], dy[5:15])
    got = dout.copy_to_host()
    np.testing.assert_allclose(got[10:20], x[:10] + y[5:15])
    np.testing.assert_allclose(got[:10], 3.0 * x[:10] + y[:10])
    # element reads and writes go through ReadDevice/WriteDevice
    dout[3] = 42.0
    assert dout[3] == 42.0
    assert dout.copy_to_host()[3] == 42.0
    # device and host arrays in one launch
    host_out = np.zeros(n)
    saxpy[2, 128](host_out, 2.0, dx, y)
    np.testing.assert_allclose(host_out, 2.0 * x + y)


def test_a_kernel_error_fails_only_its_request(remote):
    saxpy[1, 8](np.zeros(8), 1.0, np.zeros(8), np.zeros(8))  # device 0's worker runs
    before = workers(_kiln.server_info()["pid"])
    d = cuda.to_device(np.arange(10.0))
    a = np.zeros(100)
    # worded as the emulation in the client words it (thread 36 of block 1 is index 100)
    with pytest.raises(IndexError, match=r"^kernel out_of_bounds: thread \(36, 0, 0\) of block \(1, 0, 0\): "
                                         r"index out of bounds$"):
        out_of_bounds[2, 64](a)
    # the worker is the same one, and what it holds is still there
    assert workers(_kiln.server_info()["pid"]).get(0) == before.get(0) is not None
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(10.0))
    out = np.zeros(10)
    saxpy[1, 32](out, 1.0, np.ones(10), np.ones(10))
    np.testing.assert_array_equal(out, 2.0)


def test_a_killed_worker_is_replaced_and_its_handles_refused(remote):
    d = cuda.to_device(np.arange(8.0))
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(8.0))
    kilnd_pid = _kiln.server_info()["pid"]
    dead = workers(kilnd_pid)[0]
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.2)
    with pytest.raises(ServerError, match=r"a device array of GPU 0 worker generation \d+ is gone: that worker "
                                          r"was restarted"):
        d.copy_to_host()
    out = np.zeros(8)
    with pytest.raises(ServerError, match="is gone"):
        saxpy[1, 32](out, 1.0, d, d)
    assert not out.any()
    new = workers(kilnd_pid)
    assert new[0] != dead
    # a fresh worker serves new arrays
    e = cuda.to_device(np.arange(8.0))
    saxpy[1, 32](out, 2.0, e, e)
    np.testing.assert_array_equal(out, 3.0 * np.arange(8.0))
    del d  # its FreeDevice is refused quietly


def test_a_runaway_kernel_is_killed_at_the_deadline(kilnd_binary, tmp_path, monkeypatch):
    server = KilndProcess(kilnd_binary, str(tmp_path), ["--gpu-pool", "emulation", "--gpu-max-launch-seconds", "1"])
    try:
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        from kiln.cuda import _remote
        _remote._info.clear()
        a = np.zeros(2)
        saxpy[1, 2](a, 1.0, np.ones(2), np.ones(2))  # compiled and warm
        first = workers(server.proc.pid)[0]
        t0 = time.monotonic()
        with pytest.raises(DeadlineExceededError, match=r"kernel 'spin' ran past its deadline of \d+ ms on GPU 0"):
            spin[1, 1](a, 1)
        assert time.monotonic() - t0 < 15
        assert workers(server.proc.pid)[0] != first
        saxpy[1, 2](a, 1.0, np.ones(2), np.ones(2))
        np.testing.assert_array_equal(a, 2.0)
    finally:
        server.stop()


def test_bad_requests_are_invalid_argument(remote):
    bundle = saxpy._dispatcher.bundle()
    types = ["array(float64, 1d, C)", "float64", "array(float64, 1d, C)", "array(float64, 1d, C)"]
    eight = np.zeros(8).tobytes()

    def launch(args, grid=(1,), block=(8,), device=0, arg_types=types):
        return _kiln.gpu_launch(bundle, arg_types, 3, False, False, "numpy", grid, block, 0, device, "saxpy", args)

    good = [("host", eight, 8, (8,), (8,), 0, True), ("scalar", np.float64(1).tobytes()),
            ("host", eight, 8, (8,), (8,), 0, False), ("host", eight, 8, (8,), (8,), 0, False)]
    assert launch(good)["status"] == "ok"
    cases = {
        "arguments for": good[:3],
        "is given a scalar": [good[1]] + good[1:],
        "is given an array": [good[0], good[0]] + good[2:],
        "is given 4 bytes, not 8": [good[0], ("scalar", b"\0" * 4)] + good[2:],
        "reach bytes": [("host", eight, 8, (9,), (8,), 0, True)] + good[1:],
        "1 dimensions of 4-byte items": [("host", eight, 4, (16,), (4,), 0, True)] + good[1:],
    }
    for words, args in cases.items():
        with pytest.raises(InvalidRequestError, match=words):
            launch(args)
    with pytest.raises(InvalidRequestError, match="grid and block need 1 to 3 extents"):
        launch(good, grid=())
    with pytest.raises(InvalidRequestError, match="a block of 2048 threads"):
        launch(good, block=(2048,))
    with pytest.raises(InvalidRequestError, match="there is no GPU 7"):
        launch(good, device=7)
    with pytest.raises(InvalidRequestError, match="cannot be passed to a remote launch"):
        launch(good, arg_types=["UniTuple(int64, 2)", *types[1:]])
    with pytest.raises(ServerError, match="another kilnd"):
        _kiln.gpu_read((0, 1, 1, 12345), 0, 8)
    h = _kiln.gpu_alloc(1, 16)
    with pytest.raises(InvalidRequestError, match="is a device array of GPU 1, not of GPU 0"):
        launch([("device", h, 8, (2,), (8,), 0)] + good[1:])
    with pytest.raises(InvalidRequestError, match="reading bytes"):
        _kiln.gpu_read(h, 8, 9)
    _kiln.gpu_free(h)
    with pytest.raises(ServerError, match="has no device array"):
        _kiln.gpu_read(h, 0, 1)
    with pytest.raises(ResourceExhaustedError, match="would pass the limit"):
        _kiln.gpu_alloc(0, 65 << 20)


def test_a_server_without_a_pool_says_so(kilnd, monkeypatch):
    monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
    from kiln.cuda import _remote
    _remote._info.clear()
    with pytest.raises(RuntimeError, match="has no GPU pool"):
        saxpy[1, 8](np.zeros(8), 1.0, np.zeros(8), np.zeros(8))
    with pytest.raises(ServerError, match="has no GPU pool"):
        _kiln.gpu_alloc(0, 8)


def test_launches_need_the_launch_right_over_tcp(kilnd_binary, tmp_path, monkeypatch):
    server = KilndProcess(kilnd_binary, str(tmp_path), ["--gpu-pool", "emulation", "--listen", "127.0.0.1:0"])
    try:
        target = None
        for _ in range(400):
            with open(server.log_path) as f:
                m = re.search(r"serving on (\S+?)(?:, (\S+?))?, cache", f.read())
            if m:
                target = next(t for t in m.groups() if t and t.startswith("127.0.0.1:"))
                break
            time.sleep(0.05)
        assert target, open(server.log_path).read()
        monkeypatch.setenv("KILN_SERVER", target)
        with pytest.raises(PermissionDeniedError, match="AllocDevice needs the 'launch' right"):
            _kiln.gpu_alloc(0, 8)
    finally:
        server.stop()


def test_metrics_count_launch_outcomes_and_restarts(remote):
    before = scrape(remote)
    ok = ("kiln_gpu_launches_total", 'device="0",outcome="ok"')
    kernel_error = ("kiln_gpu_launches_total", 'device="0",outcome="kernel_error"')
    restarts = ("kiln_gpu_worker_restarts_total", 'device="0"')
    assert ("kiln_gpu_launches_total", 'device="1",outcome="fault"') in before
    saxpy[1, 8](np.zeros(8), 1.0, np.zeros(8), np.zeros(8))
    with pytest.raises(IndexError):
        out_of_bounds[2, 64](np.zeros(100))
    os.kill(workers(_kiln.server_info()["pid"])[0], signal.SIGKILL)
    time.sleep(0.2)
    saxpy[1, 8](np.zeros(8), 1.0, np.zeros(8), np.zeros(8))  # notices the death, runs on a fresh worker
    after = scrape(remote)
    assert after[ok] == before[ok] + 2
    assert after[kernel_error] == before[kernel_error] + 1
    assert after[restarts] == before[restarts] + 1


@cuda.jit
def stores_a_string(a):
    a[0] = "x"


def test_a_compile_error_is_the_located_error_of_a_local_launch(remote):
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match=r"cannot store unicode_type into array\(float64, 1d, C\)") as info:
        stores_a_string[1, 1](np.zeros(2))
    assert "test_cuda_remote.py" in str(info.value) and "stores_a_string" in str(info.value)
    with pytest.raises(TypeError, match="cannot be passed to a remote launch"):
        saxpy[1, 1]((1.0, 2.0), 1.0, np.zeros(2), np.zeros(2))
