"""The channel to the server is connected in the background from `import
kiln` on (client/python/src/preconnect.cpp; docs/performance.md, "A fresh
process"): the first call reuses it, it never starts a server, it can be
turned off, and forked children never share their parent's connection. Each
case runs in a fresh Python process."""

import os
import subprocess
import sys
import textwrap
import time

from conftest import ROOT

PYTHON_DIR = os.path.join(ROOT, "client", "python")


def run(code, env_extra, timeout=120):
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR, **env_extra}
    for k, v in env_extra.items():
        if v is None:
            env.pop(k)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=env, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_channel_started_at_import_is_the_one_the_first_call_uses(private_kilnd):
    out = run("""
        import kiln
        from kiln import _kiln
        st = _kiln._preconnect_status(True)
        assert st["started"] and st["finished"] and st["ok"], st
        assert st["target"] == %r and st["channels"] == 1, st
        @kiln.jit
        def f(x, n):
            return x * n + 1
        assert f(2.5, 4) == 11.0
        assert f(3, 4) == 13
        st = _kiln._preconnect_status()
        assert st["channels"] == 1, st  # no second channel
        print("ok")
    """ % private_kilnd.target, {"KILN_SERVER": private_kilnd.target})
    assert out.strip() == "ok"


def test_preconnect_can_be_turned_off(private_kilnd):
    out = run("""
        import kiln
        from kiln import _kiln
        st = _kiln._preconnect_status(True)
        assert not st["started"] and st["channels"] == 0, st
        @kiln.jit
        def f(x):
            return x + 1
        assert f(1) == 2
        assert _kiln._preconnect_status()["channels"] == 1
        print("ok")
    """, {"KILN_SERVER": private_kilnd.target, "KILN_PRECONNECT": "0"})
    assert out.strip() == "ok"


def test_preconnect_never_starts_the_embedded_server(tmp_path):
    """Without KILN_SERVER, only an embedded server that is already running
    is connected to: importing kiln starts no process."""
    out = run("""
        import kiln
        from kiln import _kiln
        st = _kiln._preconnect_status(True)
        assert st["started"] and st["finished"] and not st["ok"], st
        assert "no local kilnd is running" in st["message"] and st["channels"] == 0, st
        print("ok")
    """, {"KILN_SERVER": None, "XDG_CACHE_HOME": str(tmp_path)})
    assert out.strip() == "ok"
    assert not any(name == "kilnd.sock" for _, _, files in os.walk(tmp_path) for name in files)


def test_an_unreachable_server_costs_import_and_exit_nothing(tmp_path):
    """A KILN_SERVER nobody listens on: the warm-up fails fast and exit does
    not wait for it."""
    t0 = time.monotonic()
    out = run("""
        import kiln
        print("imported")
    """, {"KILN_SERVER": "unix:" + str(tmp_path / "nobody.sock")})
    assert out.strip() == "imported"
    assert time.monotonic() - t0 < 30


FORK = """
    import os
    import kiln
    from kiln import _kiln

    @kiln.jit
    def f(x):
        return x + 1

    @kiln.jit
    def g(x):
        return x * 3

    {before}
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            assert g(2) == 6 and f(2.5) == 3.5
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    assert g(5) == 15 and f(7) == 8  # the parent's own connection still works
    print("ok")
"""


def test_a_forked_child_compiles_on_a_connection_of_its_own(private_kilnd):
    """After the parent has used its channel: the child must not write on
    the parent's HTTP/2 connection (before, the parent's next call hung)."""
    out = run(FORK.format(before="assert f(1) == 2"), {"KILN_SERVER": private_kilnd.target,
                                                       "KILN_CALL_TIMEOUT": "60"})
    assert out.strip() == "ok"


def test_fork_right_after_import_while_the_warm_up_may_run(private_kilnd):
    out = run(FORK.format(before=""), {"KILN_SERVER": private_kilnd.target, "KILN_CALL_TIMEOUT": "60"})
    assert out.strip() == "ok"
