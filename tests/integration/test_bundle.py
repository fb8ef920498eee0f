import math
import os
import subprocess
import sys

import kiln
from conftest import PYTHON_DIR

SCALE = 2
OFFSET = (1, 2.5)


@kiln.jit
def helper(x):
    return x + SCALE


def entry(x, k=3):
    return math.sin(x) + abs(helper(x)) + k + OFFSET[1]


@kiln.jit
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


@kiln.jit
def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def test_bundle_contents():
    import kiln
    from kiln.bundle import KIND_BUILTIN, KIND_CONSTANT, KIND_FUNCTION, KIND_MISSING, KIND_MODULE, bundle_spec

    major, minor, functions, intrinsics = bundle_spec(entry)
    assert intrinsics == []  # intrinsic: none read
    assert (major, minor) == sys.version_info[:2]
    assert [f[0]["name"] for f in functions] == ["entry", "helper"]
    refs = {r[0]: r for r in functions[0][1]}
    assert refs["math"][1:2] == (KIND_MODULE,) and refs["math"][4] == "math"
    assert refs["sin"][1] == KIND_MISSING           # an attribute name, not a global
    assert refs["abs"][1] == KIND_BUILTIN and refs["abs"][4] == "abs"
    assert refs["helper"][1] == KIND_FUNCTION and refs["helper"][3] == 1
    assert refs["OFFSET"][1] == KIND_CONSTANT and refs["OFFSET"][2] == ("tuple", [("int", 1), ("float", 2.5)])
    assert functions[0][2] == [("int", 3)]           # defaults
    assert {r[0]: r for r in functions[1][1]}["SCALE"][2] == ("int", 2)


def test_builtins_and_unsupported():
    import numpy as np
    import kiln
    from kiln.bundle import KIND_BUILTIN, KIND_UNSUPPORTED, bundle_spec

    g = {"sqrt": np.sqrt, "err": ValueError, "obj": object()}
    f = eval("lambda x: sqrt(x) + err + obj", g)  # never run; only resolved
    refs = {r[0]: r for r in bundle_spec(f)[2][0][1]}
    assert refs["sqrt"][1] == KIND_BUILTIN and refs["sqrt"][4] == "numpy.sqrt"
    assert refs["err"][1] == KIND_BUILTIN and refs["err"][4] == "exception:builtins:ValueError,builtins:Exception,builtins:BaseException"
    assert refs["obj"][1] == KIND_UNSUPPORTED and refs["obj"][5] == "object"


def test_mutual_recursion_lists_each_function_once():
    import kiln
    from kiln.bundle import bundle_spec

    functions = bundle_spec(is_even.py_func)[2]
    assert [f[0]["name"] for f in functions] == ["is_even", "is_odd"]
    assert {r[0]: r[3] for r in functions[1][1]}["is_even"] == 0


HASH_SCRIPT = """
import kiln
@kiln.jit
def callee(x):
    return x * {factor}
@kiln.jit
def caller(x):
    return callee(x) + 1
print(caller.bundle().hex)
"""


def _hash(factor):
    out = subprocess.run([sys.executable, "-c", HASH_SCRIPT.format(factor=factor)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": PYTHON_DIR})
    return out.stdout.strip()


def test_hash_is_stable_across_processes_and_sees_callees():
    a, b, c = _hash(2), _hash(2), _hash(3)
    assert len(a) == 64
    assert a == b
    assert a != c


def test_bundle_is_cached_per_dispatcher():
    import kiln

    @kiln.jit
    def f(x):
        return x

    assert f.bundle() is f.bundle()
    assert len(f.bundle().hash) == 32


def test_hash_matches_sha256_of_serialization():
    import hashlib
    import kiln

    @kiln.jit
    def f(x):
        return x + 1

    b = f.bundle()
    assert hashlib.sha256(b.serialize()).digest() == b.hash


def test_closure_cells_are_frozen_like_globals():
    from kiln.bundle import KIND_CONSTANT, KIND_FUNCTION, bundle_spec

    k = 5

    def f(x):
        return helper(x) + k

    functions = bundle_spec(f)[2]
    refs = {r[0]: r for r in functions[0][1]}
    assert refs["k"][1] == KIND_CONSTANT and refs["k"][2] == ("int", 5)
    assert refs["helper"][1] == KIND_FUNCTION and functions[1][0]["name"] == "helper"
