"""The client's deadlines, retry and fallback (docs/python.md, "Which
server"), through the drills of scripts/drills/ run small: a SIGSTOPped
embedded server is replaced by a fallback, a stopped KILN_SERVER fails fast
naming KILN_CONNECT_TIMEOUT, a server stopped mid-call fails naming
KILN_CALL_TIMEOUT, and a server SIGKILLed mid-compile is restarted and the
call retried. Each drill exits non-zero on any failure."""

import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR, ROOT

DRILLS = os.path.join(ROOT, "scripts", "drills")


def drill(kilnd_binary, name, *args):
    env = dict(os.environ, KILN_KILND=kilnd_binary, PYTHONPATH=PYTHON_DIR)
    env.pop("KILN_SERVER", None)
    p = subprocess.run([sys.executable, os.path.join(DRILLS, name), *args], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{name[:-3]}: PASS" in p.stdout
    return p.stdout


def test_sigstopped_server_falls_back_or_fails_by_deadline(kilnd_binary):
    out = drill(kilnd_binary, "sigstop.py", "--rounds", "1")
    assert "error names KILN_CONNECT_TIMEOUT = True" in out
    assert "error names KILN_CALL_TIMEOUT = True" in out


def test_server_killed_mid_compile_is_retried(kilnd_binary):
    out = drill(kilnd_binary, "kill_midcall.py", "--rounds", "2")
    assert "calls that succeeded after the retry = 2" in out


@pytest.mark.parametrize("var", ["KILN_CONNECT_TIMEOUT", "KILN_CALL_TIMEOUT"])
@pytest.mark.parametrize("value", ["abc", "0", "-1"])
def test_bad_timeout_is_a_clear_error(kilnd, var, value):
    code = "import kiln\ntry:\n    kiln.jit(lambda x: x + 1)(1)\nexcept kiln.KilnError as e:\n    print(e)\n"
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, **{var: value})
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert f"{var}='{value}' is not a number of seconds" in p.stdout, p.stdout + p.stderr
