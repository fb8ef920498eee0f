"""Device memory of the server's GPU pool belongs to the client session that
allocated it (docs/cuda.md "Device memory of a client that dies"), for real
against a kilnd with an emulated pool: a client that dies gives its memory
back once its lease lapses; a live client's lease keeps its memory however
long it idles; one that ends its session gives it back at once; one that
was stopped past its lease is told, never handed freed memory."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conftest import KilndProcess

from kiln import cuda
from kiln.errors import ResourceExhaustedError, ServerError

# 1 MiB of device memory in all: one client's 700 KB leaves no room for another's.
BIG = 700_000 // 8


def pool(kilnd_binary, path, idle):
    return KilndProcess(kilnd_binary, str(path),
                        ["--gpu-pool", "emulation", "--gpu-max-bytes", "1M",
                         "--gpu-session-idle-seconds", str(idle)])


@pytest.fixture
def remote_env(monkeypatch):
    def point_at(server):
        monkeypatch.setenv("KILN_SERVER", server.target)
        monkeypatch.setenv("KILN_CUDA_REMOTE", "1")
        from kiln.cuda import _remote
        _remote._info.clear()
    return point_at


CLIENT = textwrap.dedent("""
    import atexit, os, signal, sys
    import numpy as np
    from kiln import cuda

    held = cuda.to_device(np.arange(%d, dtype=np.float64))
    print("held", flush=True)
    how = sys.argv[1]
    if how == "crash":
        os.kill(os.getpid(), signal.SIGKILL)  # no goodbye
    elif how == "end":
        atexit._run_exitfuncs()  # what a normal exit runs: the session is ended
        print("ended", flush=True)
        os._exit(0)  # ... and the array itself is never freed by the client
    elif how == "stopped":
        sys.stdin.readline()  # the test stops this process past its lease, then wakes it
        try:
            held.copy_to_host()
            print("read: no error")
        except Exception as e:
            print("read:", type(e).__name__, e)
        try:
            cuda.to_device(np.zeros(4))
            print("alloc: no error")
        except Exception as e:
            print("alloc:", type(e).__name__, e)
        again = cuda.to_device(np.arange(4.0))  # a new session: works
        print("again:", again.copy_to_host().tolist(), flush=True)
""" % BIG)


def client(server, how, **kwargs):
    env = dict(os.environ, KILN_SERVER=server.target, KILN_CUDA_REMOTE="1")
    return subprocess.Popen([sys.executable, "-c", CLIENT, how], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def alloc_big():
    return cuda.to_device(np.zeros(BIG))


def test_a_client_that_dies_gives_its_memory_back_when_its_lease_lapses(kilnd_binary, tmp_path, remote_env):
    server = pool(kilnd_binary, tmp_path, idle=2)
    try:
        remote_env(server)
        proc = client(server, "crash")
        out, err = proc.communicate(timeout=120)
        assert "held" in out, err
        assert proc.returncode == -signal.SIGKILL
        with pytest.raises(ResourceExhaustedError, match="would pass the limit"):
            alloc_big()  # the dead client's 700 KB are still lent
        deadline = time.monotonic() + 30
        while True:
            try:
                got = alloc_big()
                break
            except ResourceExhaustedError:
                assert time.monotonic() < deadline, "the dead client's memory was never given back"
                time.sleep(0.2)
        assert got.copy_to_host().sum() == 0.0
    finally:
        server.stop()


def test_a_live_idle_client_keeps_its_memory(kilnd_binary, tmp_path, remote_env):
    server = pool(kilnd_binary, tmp_path, idle=2)
    try:
        remote_env(server)
        d = cuda.to_device(np.arange(1000.0))
        time.sleep(6)  # three times the lease: renewed by this process's lease thread
        assert d.copy_to_host().tolist() == np.arange(1000.0).tolist()
        e = cuda.to_device(np.ones(8))  # the session was not ended: no error
        assert e.copy_to_host().sum() == 8.0
    finally:
        server.stop()


def test_a_client_that_ends_its_session_gives_its_memory_back_at_once(kilnd_binary, tmp_path, remote_env):
    server = pool(kilnd_binary, tmp_path, idle=600)  # no lease lapses during the test
    try:
        remote_env(server)
        proc = client(server, "end")
        out, err = proc.communicate(timeout=120)
        assert "ended" in out and proc.returncode == 0, err
        assert alloc_big().copy_to_host().sum() == 0.0  # room at once
    finally:
        server.stop()


def test_a_client_stopped_past_its_lease_is_told_its_memory_went(kilnd_binary, tmp_path, remote_env):
    server = pool(kilnd_binary, tmp_path, idle=1)
    try:
        remote_env(server)
        proc = client(server, "stopped", stdin=subprocess.PIPE)
        assert proc.stdout.readline().strip() == "held"
        proc.send_signal(signal.SIGSTOP)
        try:
            deadline = time.monotonic() + 30
            while True:  # its memory is given back once its lease lapses
                try:
                    alloc_big()
                    break
                except ResourceExhaustedError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate("go\n", timeout=120)
        assert proc.returncode == 0, err
        lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        assert lines["read"].startswith(" ServerError") and "has no device array" in lines["read"]
        assert lines["alloc"].startswith(" ServerError") and "was ended" in lines["alloc"] \
            and "device memory freed" in lines["alloc"]
        assert lines["again"].strip() == "[0.0, 1.0, 2.0, 3.0]"
    finally:
        server.stop()


def test_an_oversized_session_key_is_refused(kilnd_binary, tmp_path, remote_env):
    from kiln import _kiln
    from kiln.errors import InvalidRequestError
    server = pool(kilnd_binary, tmp_path, idle=60)
    try:
        remote_env(server)
        with pytest.raises(InvalidRequestError, match="a session key is at most 64 bytes, not 65"):
            _kiln.gpu_alloc(0, 8, b"", b"k" * 65)
        assert len(_kiln.gpu_alloc(0, 8, b"", b"k" * 64)) == 4
    finally:
        server.stop()
