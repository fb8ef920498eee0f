"""The embedded default: with KILN_SERVER unset a client starts one private
kilnd under $XDG_CACHE_HOME/kiln and later clients reuse it."""

import os
import subprocess
import sys
import time

import pytest

from conftest import PYTHON_DIR

CLIENT = """
import kiln
from kiln import _kiln
@kiln.jit
def f(x):
    return x * 3
assert f(14) == 42
print(_kiln.server_info()["pid"])
"""


@pytest.fixture
def cache_home(kilnd_binary, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KILN_SERVER"}
    env.update(XDG_CACHE_HOME=str(tmp_path), KILN_KILND=kilnd_binary, PYTHONPATH=PYTHON_DIR)
    yield tmp_path, env
    # Stop whatever server the test started.
    subprocess.run([sys.executable, "-m", "kiln.ctl", "stop"], env=env, capture_output=True, timeout=30)


def run_clients(env, n):
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    pids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        pids.append(int(out.strip()))
    return pids


def server_dirs(tmp):
    return sorted(p.name for p in (tmp / "kiln").glob("server-*"))


def test_first_client_starts_one_server(cache_home):
    tmp, env = cache_home
    [pid] = run_clients(env, 1)
    [name] = server_dirs(tmp)                    # one folder per kilnd build
    assert os.path.exists(tmp / "kiln" / name / "kilnd.sock")
    assert os.path.exists(tmp / "kiln" / name / "kilnd.log")
    os.kill(pid, 0)                              # detached: outlives its client
    assert run_clients(env, 1) == [pid]          # a later process reuses it


def test_concurrent_clients_end_with_one_server(cache_home):
    _, env = cache_home
    pids = run_clients(env, 4)
    assert len(set(pids)) == 1, pids
    assert run_clients(env, 1) == pids[:1]


def test_missing_kilnd_is_a_clear_error(cache_home):
    _, env = cache_home
    env = {**env, "KILN_KILND": "/nonexistent/kilnd"}
    out = subprocess.run([sys.executable, "-c", CLIENT], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    # A KilnError subclass (the status-code mapping of kiln/errors.py).
    assert "kiln.errors.ServerError" in out.stderr and "KILN_KILND" in out.stderr


def test_stale_socket_is_replaced(cache_home):
    tmp, env = cache_home
    [pid] = run_clients(env, 1)
    os.kill(pid, 9)
    time.sleep(0.2)
    [pid2] = run_clients(env, 1)                 # the dead server's socket file is still there
    assert pid2 != pid


def test_each_kilnd_build_has_its_own_server(cache_home, tmp_path_factory):
    """A client never reaches the embedded server of another kilnd build (an
    upgrade, a second checkout): its artifacts follow that build's ABI."""
    import shutil
    tmp, env = cache_home
    [pid] = run_clients(env, 1)
    other = tmp_path_factory.mktemp("other") / "kilnd"
    shutil.copy2(env["KILN_KILND"], other)
    os.utime(other, ns=(1, 1))                   # another build: same bytes, another identity
    env2 = {**env, "KILN_KILND": str(other)}
    try:
        [pid2] = run_clients(env2, 1)
        assert pid2 != pid
        assert len(server_dirs(tmp)) == 2
        assert run_clients(env, 1) == [pid]      # each build keeps reaching its own
        assert run_clients(env2, 1) == [pid2]
    finally:
        subprocess.run([sys.executable, "-m", "kiln.ctl", "stop"], env=env2, capture_output=True, timeout=30)
