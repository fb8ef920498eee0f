"""Asynchronous remote launches (docs/cuda.md "Streams"), for real against a
kilnd with an emulated GPU pool: a launch on a cuda.stream() returns when
the server accepted it; the stream's launches run in order; synchronizing
calls wait for them and raise what failed, naming the kernel; a client's
queue is capped (backpressure) and dropped when the client goes away."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conftest import KilndProcess

from kiln import cuda
from kiln.errors import DeadlineExceededError, InvalidRequestError

from test_cuda_remote import scrape


@pytest.fixture(scope="module")
def pool_server(kilnd_binary, tmp_path_factory):
    server = KilndProcess(kilnd_binary, str(tmp_path_factory.mktemp("gpu-streams")),
                          ["--gpu-pool", "emulation", "--gpu-devices", "2", "--gpu-max-bytes", "64M",
                           "--gpu-max-launch-seconds", "3", "--gpu-max-queued-launches", "4",
                           "--gpu-session-idle-seconds", "2", "--metrics-listen", "127.0.0.1:0"])
    yield server
    server.stop()


@pytest.fixture
def remote(pool_server, monkeypatch):
    monkeypatch.setenv("KILN_SERVER", pool_server.target)
    monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
    from kiln.cuda import _remote
    _remote._info.clear()
    yield pool_server
    _remote.sync_all()


@cuda.jit
def add_one(a):
    i = cuda.grid(1)
    if i < a.shape[0]:
        a[i] += 1.0


@cuda.jit
def slow_add(a, n):
    # one thread adds 1 n times, slowly enough to be seen queued
    if cuda.grid(1) == 0:
        for _ in range(n):
            a[0] = a[0] + 1.0


@cuda.jit
def spin(a):
    i = 0
    while a[0] >= 0.0:  # never ends
        i += 1
        a[1] = i


@cuda.jit(debug=True)
def out_of_bounds(a):
    i = cuda.grid(1)
    a[i] = 1.0


def queued(server):
    return sum(v for (name, _), v in scrape(server).items() if name == "kiln_gpu_queued_launches")


def dropped(server):
    return sum(v for (name, labels), v in scrape(server).items()
               if name == "kiln_gpu_launches_total" and 'outcome="dropped"' in labels)


def test_a_stream_launch_returns_before_its_kernel_ends(remote):
    s = cuda.stream()
    d = cuda.to_device(np.zeros(2))
    add_one[1, 2](d)  # compiled and warm, on the default stream: at once
    t0 = time.monotonic()
    spin[1, 1, s](d)  # never ends: a synchronous launch would return at the deadline (3 s)
    assert time.monotonic() - t0 < 2.5
    with pytest.raises(DeadlineExceededError, match=r"kernel 'spin' ran past its deadline of \d+ ms on GPU 0"):
        s.synchronize()
    s.synchronize()  # reported once


def test_launches_on_a_stream_run_in_order_and_copies_wait_for_them(remote):
    s = cuda.stream()
    d = cuda.to_device(np.zeros(64))
    for _ in range(10):
        add_one[1, 64, s](d)
    # no synchronize: the copy waits for the stream, as on the default stream
    np.testing.assert_array_equal(d.copy_to_host(), 10.0)
    for _ in range(5):
        add_one[1, 64, s](d)
    add_one[1, 64](d)  # the default stream runs after the queued ones
    np.testing.assert_array_equal(d.copy_to_host(), 16.0)
    for _ in range(3):
        add_one[1, 64, s](d)
    cuda.synchronize()
    np.testing.assert_array_equal(d.copy_to_host(stream=s), 19.0)


def test_two_streams_each_keep_their_order(remote):
    s, t = cuda.stream(), cuda.stream()
    a, b = cuda.to_device(np.zeros(8)), cuda.to_device(np.zeros(8))
    for _ in range(6):
        add_one[1, 8, s](a)
        add_one[1, 8, t](b)
        add_one[1, 8, t](b)
    s.synchronize()
    t.synchronize()
    np.testing.assert_array_equal(a.copy_to_host(), 6.0)
    np.testing.assert_array_equal(b.copy_to_host(), 12.0)


def test_a_kernel_error_is_raised_at_the_next_sync_and_what_followed_did_not_run(remote):
    s = cuda.stream()
    a = cuda.to_device(np.zeros(100))
    d = cuda.to_device(np.zeros(8))
    out_of_bounds[2, 64, s](a)  # accepted: the error is not known yet
    add_one[1, 8, s](d)         # behind the failed launch: not run
    with pytest.raises(IndexError, match=r"^kernel out_of_bounds: thread \(36, 0, 0\) of block \(1, 0, 0\): "
                                         r"index out of bounds$"):
        s.synchronize()
    np.testing.assert_array_equal(d.copy_to_host(), 0.0)
    add_one[1, 8, s](d)  # the stream works again
    s.synchronize()
    np.testing.assert_array_equal(d.copy_to_host(), 1.0)


def test_a_kernel_error_is_raised_by_copy_to_host_too(remote):
    s = cuda.stream()
    a = cuda.to_device(np.zeros(100))
    out_of_bounds[2, 64, s](a)
    with pytest.raises(IndexError, match="kernel out_of_bounds"):
        a.copy_to_host()
    a.copy_to_host()


def test_a_host_array_launch_on_a_stream_is_synchronous(remote):
    s = cuda.stream()
    out = np.zeros(8)
    add_one[1, 8, s](out)  # its result comes back in the reply: no queue
    np.testing.assert_array_equal(out, 1.0)


@cuda.jit
def scalar_only(x):
    pass


def test_the_queue_of_a_client_is_capped(remote):
    s = cuda.stream()
    scalar_only[1, 1, s](1.0)
    s.synchronize()
    busy = cuda.to_device(np.zeros(2))
    # The device runs four streams at once: four endless kernels hold it
    # until their deadline (3 s) kills its worker.
    spinning = [cuda.stream() for _ in range(4)]
    for t in spinning:
        spin[1, 1, t](busy)
    time.sleep(0.5)  # all four have started
    peak = 0
    t0 = time.monotonic()
    for k in range(8):
        scalar_only[1, 1, s](1.0)  # no device array: the fresh worker runs them
        if k < 4:
            peak = max(peak, queued(remote))
    waited = time.monotonic() - t0
    # --gpu-max-queued-launches 4: four were queued behind the endless
    # kernel, and the fifth waited for room until its deadline freed the device
    assert peak == 4
    assert waited > 1.0
    for t in spinning:  # one ran past its deadline; the others were lost with their worker
        with pytest.raises(Exception, match="kernel 'spin'"):
            t.synchronize()
    s.synchronize()
    assert queued(remote) == 0


def test_a_launch_arrays_stay_alive_until_the_sync(remote):
    s = cuda.stream()
    add_one[1, 8, s](cuda.to_device(np.zeros(8)))  # its only reference is the queued launch's
    s.synchronize()  # no stale handle: the array was not freed under the launch


CLIENT = textwrap.dedent("""
    import os, sys
    import numpy as np
    from kiln import cuda

    @cuda.jit
    def scalar_only(x):
        pass

    s = cuda.stream()
    for _ in range(4):
        # queued behind the test's endless kernel: none can start (no device
        # memory call, which would wait for the busy worker)
        scalar_only[1, 2, s](1.0)
    print("queued", flush=True)
    if sys.argv[1] == "crash":
        os._exit(0)  # no goodbye: the server finds out by the session's silence
""")


@pytest.mark.parametrize("how", ["exit", "crash"])
def test_a_client_that_goes_away_has_its_queue_dropped(kilnd_binary, tmp_path, monkeypatch, how):
    from test_cuda_remote import workers
    from kiln import _kiln
    from kiln.errors import ServerError
    server = KilndProcess(kilnd_binary, str(tmp_path),
                          ["--gpu-pool", "emulation", "--gpu-max-launch-seconds", "60",
                           "--gpu-session-idle-seconds", "1", "--metrics-listen", "127.0.0.1:0"])
    try:
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        from kiln.cuda import _remote
        _remote._info.clear()
        busy = cuda.to_device(np.zeros(2))
        spinning = [cuda.stream() for _ in range(4)]
        for s in spinning:  # the device runs four streams at once: these hold it until its worker is killed
            spin[1, 1, s](busy)
        time.sleep(0.5)  # all four have started
        proc = subprocess.run([sys.executable, "-c", CLIENT, how], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "queued" in proc.stdout
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and dropped(server) < 4:
            time.sleep(0.1)
        assert dropped(server) == 4 and queued(server) == 0  # none of the 4 ran, and none is held
        os.kill(workers(_kiln.server_info()["pid"])[0], signal.SIGKILL)
        for s in spinning:
            with pytest.raises(ServerError, match=r"kernel 'spin' faulted on GPU 0"):
                s.synchronize()
    finally:
        from kiln.cuda import _remote
        _remote._pending.clear()
        server.stop()


def test_a_stream_must_be_a_stream(remote):
    d = cuda.to_device(np.zeros(8))
    with pytest.raises(TypeError, match="a launch's stream is a kiln.cuda stream or 0, not str"):
        add_one[1, 8, "s"](d)


def test_a_queued_launch_is_still_checked_at_once(remote):
    s = cuda.stream()
    cuda.select_device(1)
    try:
        d = cuda.to_device(np.zeros(8))
    finally:
        cuda.select_device(0)
    with pytest.raises(InvalidRequestError, match="is a device array of GPU 1, not of GPU 0"):
        add_one[1, 8, s](d)
    s.synchronize()


def test_metrics_name_the_queue(remote):
    names = {name for name, _ in scrape(remote)}
    assert "kiln_gpu_queued_launches" in names
    assert re.search('outcome="dropped"', " ".join(labels for (_, labels) in scrape(remote)))


rec = np.dtype([("a", np.float64), ("b", np.int32), ("c", np.complex64)])
aligned = np.dtype([("x", np.int8), ("y", np.float64)], align=True)


@cuda.jit
def read_record(x, out):
    out[0] = x.a * 2 + x.b
    out[1] = x.c.imag


@cuda.jit
def read_aligned(x, out):
    out[0] = x.x + x.y


@cuda.jit
def read_wide(x, out):
    out[0] = x.f0 + x.f19


@cuda.jit
def string_length(s, out):
    out[0] = len(s)


@cuda.jit
def record_rows(r, out):
    i = cuda.grid(1)
    if i < r.shape[0]:
        out[i] = r[i]["a"]


def both(monkeypatch, launch):
    """launch() remote, then in the client's own emulation: the two results."""
    remote = launch()
    monkeypatch.setenv("KILN_CUDA_REMOTE", "0")
    monkeypatch.setenv("KILN_CUDA_SIM", "1")
    try:
        local = launch()
    finally:
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        monkeypatch.delenv("KILN_CUDA_SIM")
    return remote, local


def test_record_arguments_give_the_emulations_results(remote, monkeypatch):
    r = np.zeros(3, rec)
    r["a"], r["b"], r["c"] = [1.5, 2.5, 3.5], [1, 2, 3], [1 + 2j, 3 - 4j, 5j]

    def launch():
        out = np.zeros((3, 2))
        for k in range(3):
            read_record[1, 1](r[k], out[k])
        return out

    got, want = both(monkeypatch, launch)
    np.testing.assert_array_equal(want, [[4.0, 2.0], [7.0, -4.0], [10.0, 5.0]])
    np.testing.assert_array_equal(got, want)
    a = np.zeros(1, aligned)
    a["x"], a["y"] = 7, 0.25

    def launch_aligned():
        out = np.zeros(1)
        read_aligned[1, 1](a[0], out)
        return out

    got, want = both(monkeypatch, launch_aligned)
    np.testing.assert_array_equal(want, [7.25])
    np.testing.assert_array_equal(got, want)
    wide = np.dtype([(f"f{k}", np.float64) for k in range(20)])  # 160 bytes
    w = np.zeros(1, wide)
    w["f19"], w["f0"] = 2.5, 1.0

    def launch_wide():
        out = np.zeros(1)
        read_wide[1, 1](w[0], out)
        return out

    got, want = both(monkeypatch, launch_wide)
    np.testing.assert_array_equal(want, [3.5])
    np.testing.assert_array_equal(got, want)
    r.flags.writeable = False  # a record of read-only memory
    out = np.zeros((1, 2))
    read_record[1, 1](r[1], out[0])
    np.testing.assert_array_equal(out, [[7.0, -4.0]])


def test_str_arguments_give_the_emulations_results(remote, monkeypatch):
    texts = ["hello", "h\u00e9llo", "\u4e2d\u6587", "\U0001F600 ok", ""]

    def launch():
        out = np.zeros(len(texts))
        for k, text in enumerate(texts):
            string_length[1, 1](text, out[k:])
        return out

    got, want = both(monkeypatch, launch)
    np.testing.assert_array_equal(want, [len(t) for t in texts])
    np.testing.assert_array_equal(got, want)


def test_bytes_and_arrays_of_records_are_refused_naming_the_argument(remote):
    out = np.zeros(2)
    with pytest.raises(TypeError, match=r"^kernel string_length: argument 0 of type .* cannot be passed to a "
                                        r"remote launch"):
        string_length[1, 1](b"hello", out)
    r = np.zeros(2, rec)
    with pytest.raises(InvalidRequestError, match=r"launch of record_rows: argument 0: an argument of type "
                                                  r"array\(Record\(.*\), 1d, C\) cannot be passed to a remote launch"):
        record_rows[1, 2](r, out)
    assert not out.any()


# Streams overlap in the worker (docs/cuda.md "Streams"): the waiter spins,
# with a bound, until another kernel sets the flag. It can see the flag only
# if that kernel runs while it spins, so it ends with 1 only when the two
# streams overlap; on one stream the setter runs after it, and it ends with
# -1 at its bound.
@cuda.jit
def wait_for_flag(flag, out, bound):
    if cuda.grid(1) == 0:
        i = 0
        while cuda.atomic.add(flag, 0, 0) == 0 and i < bound:
            i += 1
        out[0] = 1 if cuda.atomic.add(flag, 0, 0) != 0 else -1


@cuda.jit
def set_flag(flag):
    if cuda.grid(1) == 0:
        cuda.atomic.add(flag, 0, 1)


def test_kernels_on_two_streams_run_at_the_same_time(remote):
    s, t = cuda.stream(), cuda.stream()
    flag, out = cuda.to_device(np.zeros(1, np.int64)), cuda.to_device(np.zeros(1, np.int64))
    wait_for_flag[1, 1](flag, out, 10)  # compiled and loaded: the pair below is not slowed by it
    set_flag[1, 1](out)
    flag.copy_to_device(np.zeros(1, np.int64))
    # Without overlap the waiter would spin until the launch deadline (3 s) kills it.
    wait_for_flag[1, 1, s](flag, out, 10**12)
    set_flag[1, 1, t](flag)
    s.synchronize()
    t.synchronize()
    assert out.copy_to_host()[0] == 1
    assert flag.copy_to_host()[0] == 1


def test_the_same_pair_on_one_stream_keeps_its_order(remote):
    s = cuda.stream()
    flag, out = cuda.to_device(np.zeros(1, np.int64)), cuda.to_device(np.zeros(1, np.int64))
    wait_for_flag[1, 1, s](flag, out, 100000)
    set_flag[1, 1, s](flag)
    s.synchronize()
    assert out.copy_to_host()[0] == -1  # the setter ran after the waiter gave up
    assert flag.copy_to_host()[0] == 1


def test_a_failure_on_one_stream_leaves_the_others_running(remote):
    s, t, u = cuda.stream(), cuda.stream(), cuda.stream()
    flag, out = cuda.to_device(np.zeros(1, np.int64)), cuda.to_device(np.zeros(1, np.int64))
    d = cuda.to_device(np.zeros(4))
    wait_for_flag[1, 1, s](flag, out, 10**12)
    out_of_bounds[1, 8, t](d)  # fails: the launch behind it on t is dropped
    add_one[1, 4, t](d)
    set_flag[1, 1, u](flag)  # runs beside the waiter all the same
    s.synchronize()
    u.synchronize()
    with pytest.raises(IndexError, match="kernel out_of_bounds"):
        t.synchronize()
    assert out.copy_to_host()[0] == 1
    assert d.copy_to_host().max() <= 1.0  # add_one did not run
