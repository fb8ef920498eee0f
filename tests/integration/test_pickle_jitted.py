"""Pickling jitted functions and kiln.vectorize ufuncs (kiln/_pickling.py),
as Numba's dispatchers and ufuncs pickle: a module-level one by reference
(unpickled, it is the module's object), a closure or local one by value
(rebuilt from its code, globals module, cells, signatures and options), in
this process and in a fresh one."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import PYTHON_DIR

MODULE = """
import numpy as np
from kiln import jit, vectorize

@jit
def top(x):
    return x * 2

@jit("float64(float64)")
def declared(x):
    return x + 1

def factory(scale, arr):
    @jit(fastmath=True, locals={"y": "float64"})
    def inner(x):
        y = top(x) * scale
        return y + arr[0]
    return inner

@vectorize(["float64(float64)"])
def vtop(d):
    return d + 1.0

def vfactory(k):
    @vectorize
    def vin(d):
        return d * k
    return vin

def empty_cell():
    @jit
    def uses_later(x):
        return x + later
    later = None
    del later
    return uses_later
"""


@pytest.fixture
def pkmod(tmp_path, monkeypatch):
    (tmp_path / "pkmod.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("pkmod", None)
    import pkmod
    yield pkmod, tmp_path
    sys.modules.pop("pkmod", None)


def test_module_level_pickles_by_reference(kilnd, pkmod):
    mod, _ = pkmod
    assert mod.top(3) == 6
    for obj in (mod.top, mod.declared, mod.vtop):
        assert pickle.loads(pickle.dumps(obj)) is obj


def test_closures_pickle_by_value(kilnd, pkmod):
    mod, _ = pkmod
    inner = mod.factory(3.0, np.array([0.5]))
    vin = mod.vfactory(4.0)
    inner2, vin2 = pickle.loads(pickle.dumps([inner, vin]))
    assert inner2 is not inner and inner2(2.0) == inner(2.0) == 12.5
    assert inner2._options == {"fastmath": True, "locals": inner._options["locals"]}
    np.testing.assert_array_equal(vin2(np.arange(3.0)), [0.0, 4.0, 8.0])
    # a declared signature is kept: the rebuilt dispatcher is frozen to it
    from kiln import jit

    declared_closure = pickle.loads(pickle.dumps(jit("float64(float64)")(lambda x: x * 3)))
    assert declared_closure(2) == 6.0 and declared_closure._eager_signatures == ["float64(float64)"]


def test_unpickled_in_a_fresh_process(kilnd, pkmod):
    mod, tmp_path = pkmod
    blob = tmp_path / "blob.pkl"
    blob.write_bytes(pickle.dumps([mod.top, mod.factory(2.0, np.array([1.0])), mod.vfactory(5.0)]))
    script = textwrap.dedent(f"""
        import pickle, sys
        import numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        top, inner, vin = pickle.loads(open({str(blob)!r}, "rb").read())
        print(top(4), inner(3.0), vin(np.arange(2.0)).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": kilnd.target})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["8", "13.0", "[0.0,", "5.0]"]


def test_a_closure_over_an_unassigned_variable_is_refused(kilnd, pkmod):
    mod, _ = pkmod
    with pytest.raises(TypeError, match="a variable it closes over has no value"):
        pickle.dumps(mod.empty_cell())
