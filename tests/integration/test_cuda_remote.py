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


def replacement(kilnd_pid, device, old, seconds=5.0):
    """The pid of the worker that replaced `old` on `device`. kilnd forks it
    before it answers, but the child shows its --gpu-worker command line only
    once it has exec'd, which a loaded (or sanitized) machine may take a
    moment to do: polled, within `seconds`; None if none came."""
    deadline = time.monotonic() + seconds
    while True:
        pid = workers(kilnd_pid).get(device)
        if pid is not None and pid != old:
            return pid
        if time.monotonic() > deadline:
            return None
        time.sleep(0.02)


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
    assert replacement(kilnd_pid, 0, dead) is not None
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
        assert replacement(server.proc.pid, 0, first) is not None
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
        launch(good, arg_types=["Tuple(array(float64, 1d, C), int64)", *types[1:]])
    # a tuple is its items' bytes, flat: the count is checked against its type
    t_types = ["array(float64, 1d, C)", "UniTuple(float64, 2)", "float64"]
    t_good = [good[0], ("scalar", np.array([2.0, 3.0]).tobytes()), good[1]]
    t_bundle = tuple_saxpy._dispatcher.bundle()
    assert _kiln.gpu_launch(t_bundle, t_types, 3, False, False, "numpy", (1,), (8,), 0, 0, "tuple_saxpy",
                            t_good)["status"] == "ok"
    with pytest.raises(InvalidRequestError, match=r"argument 1 \(UniTuple\(float64, 2\)\) is given 8 bytes, not 16"):
        _kiln.gpu_launch(t_bundle, t_types, 3, False, False, "numpy", (1,), (8,), 0, 0, "tuple_saxpy",
                         [good[0], ("scalar", np.float64(1).tobytes()), good[1]])
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
    with pytest.raises(TypeError, match=r"argument 0 of type Tuple\(array\(float64, 1d, C\), float64\) cannot be "
                                        "passed to a remote launch"):
        saxpy[1, 1]((np.zeros(2), 2.0), 1.0, np.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match=r"argument 1 of type Tuple\(unicode_type, int64\) cannot be passed"):
        saxpy[1, 1](np.zeros(2), ("a", 1), np.zeros(2), np.zeros(2))


# -- the module cache, devices, streams, tuples, the automatic choice ---------

@cuda.jit
def add_one(a):
    i = cuda.grid(1)
    if i < a.shape[0]:
        a[i] += 1.0


def test_a_warm_launch_sends_no_image(remote):
    @cuda.jit
    def fresh(a, k):  # a kernel no other test launched: its module is new to the worker
        i = cuda.grid(1)
        if i < a.shape[0]:
            a[i] = k * i

    key = lambda result: ("kiln_gpu_modules_total", f'device="0",result="{result}"')  # noqa: E731
    before = scrape(remote)
    a = np.zeros(16)
    for k in range(4):
        fresh[1, 16](a, float(k))
        np.testing.assert_array_equal(a, k * np.arange(16.0))
    after = scrape(remote)
    assert after[key("loaded")] == before[key("loaded")] + 1  # the image went once
    assert after[key("hit")] == before[key("hit")] + 3
    assert after[key("resent")] == before[key("resent")]
    # A fresh worker gets the image again (the server knows its generation);
    # the server's own copy of the kernel outlives the artifact cache.
    os.kill(workers(_kiln.server_info()["pid"])[0], signal.SIGKILL)
    time.sleep(0.2)
    _kiln.server_evict_cache(all=True)
    fresh[1, 16](a, 5.0)
    np.testing.assert_array_equal(a, 5.0 * np.arange(16.0))
    again = scrape(remote)
    assert again[key("loaded")] == after[key("loaded")] + 1
    assert again[key("resent")] == after[key("resent")]


def test_select_device_picks_a_device_of_the_pool(remote):
    from kiln.cuda import _remote
    ok1 = ("kiln_gpu_launches_total", 'device="1",outcome="ok"')
    before = scrape(remote)
    assert [d.id for d in cuda.list_devices()] == [0, 1]
    try:
        assert cuda.select_device(1).id == 1
        assert cuda.get_current_device().id == 1
        d = cuda.to_device(np.arange(8.0))
        assert _remote.REMOTE.buffer_of(d._ptr)[0].handle[0] == 1  # allocated on device 1
        add_one[1, 8](d)
        np.testing.assert_array_equal(d.copy_to_host(), np.arange(8.0) + 1)
        host = np.zeros(4)
        add_one[1, 4](host)
        np.testing.assert_array_equal(host, 1.0)
        assert scrape(remote)[ok1] == before[ok1] + 2
        with pytest.raises(ValueError, match=r"there is no device 2 in the kiln server's GPU pool: it has 2 \(0 to 1\)"):
            cuda.select_device(2)
        with pytest.raises(ValueError, match="there is no device -1"):
            cuda.select_device(-1)
        with pytest.raises(TypeError, match="a device number is an int, not str"):
            cuda.select_device("1")
        assert cuda.select_device(np.int64(1)).id == 1
        assert cuda.get_current_device().id == 1  # a refused choice changes nothing
        # an array of device 1 is refused by a launch on device 0, never read from the wrong memory
        cuda.select_device(0)
        with pytest.raises(InvalidRequestError, match="is a device array of GPU 1, not of GPU 0"):
            add_one[1, 8](d)
    finally:
        cuda.select_device(0)


def test_launches_on_a_stream_run_in_order(remote):
    s = cuda.stream()
    d = cuda.to_device(np.zeros(64))
    for _ in range(10):
        add_one[1, 64, s](d)
    s.synchronize()
    np.testing.assert_array_equal(d.copy_to_host(stream=s), 10.0)
    with s.auto_synchronize():
        add_one[1, 64, s](d)
    np.testing.assert_array_equal(d.copy_to_host(), 11.0)


@cuda.jit
def read_tuple(out, t):
    out[0] = t[0]
    out[1] = t[1][0]
    out[2] = t[1][1]
    out[3] = t[2].real
    out[4] = t[2].imag


@cuda.jit
def read_nested(out, t):
    out[0] = t[0][0]
    out[1] = t[0][1]
    out[2] = t[1]


def test_tuple_arguments_are_packed_as_the_kernel_expects(remote):
    import collections
    out = np.zeros(5)
    read_tuple[1, 1](out, (np.int8(-3), (2.5, True), np.complex64(1 + 2j)))
    np.testing.assert_array_equal(out, [-3, 2.5, 1, 1, 2])
    read_tuple[1, 1](out, (7, (np.float32(1.5), np.int16(-9)), 3j))
    np.testing.assert_array_equal(out, [7, 1.5, -9, 0, 3])
    # {{int64, int8}, int8}: the inner tuple keeps its padding in the host struct
    out = np.zeros(3)
    read_nested[1, 1](out, ((np.int64(1 << 40), np.int8(-2)), np.int8(3)))
    np.testing.assert_array_equal(out, [1 << 40, -2, 3])
    read_nested[1, 1](out, ((np.float32(1.25), np.uint16(65535)), np.uint64(2**63 + 5)))
    np.testing.assert_array_equal(out, [1.25, 65535, float(np.uint64(2**63 + 5))])
    Point = collections.namedtuple("Point", "x y")
    read_nested[1, 1](out, (Point(0.5, 4), 9))
    np.testing.assert_array_equal(out, [0.5, 4, 9])
    # a tuple next to arrays and scalars, many threads
    a = np.zeros(40)
    tuple_saxpy[2, 32](a, (2.0, 3.0), np.float32(1))
    np.testing.assert_array_equal(a, 2.0 * np.arange(40) + 4.0)


@cuda.jit
def tuple_saxpy(out, t, s):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = t[0] * i + t[1] + s


@pytest.fixture
def automatic(monkeypatch):
    from kiln.cuda import _remote
    monkeypatch.delenv("KILN_CUDA_REMOTE", raising=False)
    monkeypatch.delenv("KILN_CUDA_SIM", raising=False)
    _remote._info.clear()
    yield _remote
    _remote._info.clear()


def test_the_pool_is_chosen_by_itself_without_a_local_gpu(pool_server, automatic, monkeypatch):
    from kiln.cuda import _driver
    assert not _driver.available()  # this machine has no GPU
    monkeypatch.setenv("KILN_SERVER", pool_server.target)
    ok = ("kiln_gpu_launches_total", 'device="0",outcome="ok"')
    before = scrape(pool_server)
    assert automatic.enabled()
    d = cuda.to_device(np.zeros(8))
    assert d._space is automatic.REMOTE
    add_one[1, 8](d)
    np.testing.assert_array_equal(d.copy_to_host(), 1.0)
    assert scrape(pool_server)[ok] == before[ok] + 1
    # KILN_CUDA_REMOTE=0 and KILN_CUDA_SIM=1 keep kernels in this process
    monkeypatch.setenv("KILN_CUDA_REMOTE", "0")
    assert not automatic.enabled()
    monkeypatch.delenv("KILN_CUDA_REMOTE")
    monkeypatch.setenv("KILN_CUDA_SIM", "1")
    automatic._info.clear()
    assert not automatic.enabled()


def test_a_server_without_a_pool_leaves_the_emulation_in_place(kilnd, automatic):
    assert not automatic.enabled()
    d = cuda.to_device(np.zeros(8))
    assert d._space is not automatic.REMOTE
    add_one[1, 8](d)
    np.testing.assert_array_equal(d.copy_to_host(), 1.0)


def test_no_configured_server_leaves_the_emulation_in_place(automatic, monkeypatch):
    monkeypatch.delenv("KILN_SERVER", raising=False)
    assert not automatic.enabled()
