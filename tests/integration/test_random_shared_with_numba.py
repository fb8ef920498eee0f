"""Random streams shared with Numba (kiln/_random_streams.py,
runtime/cpu/kiln_random.c): where Numba is imported, compiled code of Kiln
draws from Numba's per-thread states, so a program mixing @numba.njit and
@kiln.jit functions has one np.random stream and one random stream per
thread, as if every function were Numba's. Each case runs in a fresh
interpreter, since whether Numba is imported is per process."""

import json
import os
import subprocess
import sys

import numpy as np
from conftest import PYTHON_DIR

PRELUDE = r"""
import json, random, sys, threading
import numpy as np
import kiln

@kiln.jit
def k_seed(n):
    np.random.seed(n)

@kiln.jit
def k_draws(n):
    return np.random.random(n)

@kiln.jit
def k_normal():
    return np.random.normal(0.0, 1.0)

@kiln.jit
def k_py_seed(n):
    random.seed(n)

@kiln.jit
def k_py_draw():
    return random.random()

out = {}
"""


def run(body, kilnd):
    out = subprocess.run([sys.executable, "-c", PRELUDE + body + "\nprint(json.dumps(out))"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": kilnd.target})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_and_kiln_draw_from_one_stream(kilnd):
    got = run(r"""
import numba

@numba.njit
def n_seed(n):
    np.random.seed(n)

@numba.njit
def n_draw():
    return np.random.random()

@numba.njit
def n_normal():
    return np.random.normal(0.0, 1.0)

@numba.njit
def n_py_seed(n):
    random.seed(n)

@numba.njit
def n_py_draw():
    return random.random()

n_seed(7)
out["numba_seeded"] = [float(k_draws(1)[0]), n_draw(), float(k_draws(1)[0]), n_draw()]
k_seed(11)
out["kiln_seeded"] = [n_draw(), float(k_draws(1)[0]), n_draw()]
# the Gaussian kept for the next call is shared too
n_seed(3)
out["normals"] = [n_normal(), k_normal(), n_normal(), k_normal()]
# the random module's stream: Numba's seeding, then draws from both
n_py_seed(5)
mixed = [k_py_draw(), n_py_draw(), k_py_draw()]
n_py_seed(5)
out["py"] = [mixed, [n_py_draw() for _ in range(3)]]
k_py_seed(5)
out["py_kiln_seeded"] = [n_py_draw(), k_py_draw()]
k_py_seed(5)
out["py_kiln_alone"] = [k_py_draw(), k_py_draw()]
# each thread has its own shared state: a seed in one thread moves no other's
n_seed(21)
def worker(k):
    n_seed(100 + k)
    out[f"thread{k}"] = [float(x) for x in k_draws(4)]
ts = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
out["main_after_threads"] = [n_draw(), float(k_draws(1)[0])]
""", kilnd)
    assert got["numba_seeded"] == list(np.random.RandomState(7).random_sample(4))
    assert got["kiln_seeded"] == list(np.random.RandomState(11).random_sample(3))
    r = np.random.RandomState(3)
    assert got["normals"] == [r.normal(0.0, 1.0) for _ in range(4)]
    mixed, numba_alone = got["py"]
    assert mixed == numba_alone
    assert got["py_kiln_seeded"] == got["py_kiln_alone"]
    for k in range(3):
        assert got[f"thread{k}"] == list(np.random.RandomState(100 + k).random_sample(4))
    assert got["main_after_threads"] == list(np.random.RandomState(21).random_sample(2))


def test_without_numba_kiln_keeps_its_own_streams(kilnd):
    got = run(r"""
k_seed(7)
out["draws"] = [float(x) for x in k_draws(3)]
out["numba_imported"] = "numba" in sys.modules
""", kilnd)
    assert got["numba_imported"] is False  # Kiln never imports Numba for this
    assert got["draws"] == list(np.random.RandomState(7).random_sample(3))


def test_a_numba_without_the_state_helpers_is_not_shared(kilnd):
    # A module standing in for a Numba whose helper table lacks the state
    # functions: Kiln keeps its own streams and draws NumPy's numbers.
    got = run(r"""
import types
fake = types.ModuleType("numba._helperlib")
fake.c_helpers = {}
sys.modules["numba._helperlib"] = fake
k_seed(8)
out["draws"] = [float(x) for x in k_draws(3)]
""", kilnd)
    assert got["draws"] == list(np.random.RandomState(8).random_sample(3))
