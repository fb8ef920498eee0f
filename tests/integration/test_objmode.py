"""with objmode(out="type", ...) blocks (kiln/_objmode.py, runtime/cpu/kiln_objmode.h):
the block runs in the interpreter, the compiled code around it does not
see its bytecode. Each case compares the compiled function with the plain
Python one (objmode is a no-op context manager in the interpreter, as it is
in Numba), or with values worked out by hand."""

import json
import os
import subprocess
import sys
import textwrap
import traceback

import numba
import numpy as np
import pytest
from numba import objmode as numba_objmode

import kiln
from kiln import TypingError, UnsupportedError, jit, objmode
from kiln import types as kiln_types
from conftest import PYTHON_DIR, KilndProcess

SCALE = [2.0]  # read by a block at run time
SEEN = []      # what blocks handed out, for identity checks


def _line_of(func, text):
    """The file line of the first line of func's source containing text."""
    import inspect
    lines, start = inspect.getsourcelines(func)
    for k, line in enumerate(lines):
        if line.strip() == text:
            return start + k
    for k, line in enumerate(lines):
        if text in line:
            return start + k
    raise AssertionError(text)


# -- numbers and arrays ------------------------------------------------------


def scalars(a, n):
    acc = 0.0
    for i in range(n):
        acc += a * i
    with objmode(total="float64", count="int64", flag="boolean"):
        total = float(acc) * 2
        count = n + 10
        flag = total > 5
    return total + 1.0, count * 2, flag


def test_scalar_inputs_and_outputs(kilnd):
    f = jit(scalars)
    for a, n in [(1.5, 4), (0.25, 0), (-3.0, 7)]:
        assert f(a, n) == scalars(a, n)


def arrays(x):
    doubled = x * 2.0
    with objmode(y="float64[:]", s="float64"):
        y = np.sort(doubled)[::-1].copy()   # a NumPy call nopython mode would do too
        s = float(np.linalg.norm(doubled))  # ... and one it refuses here
    return y + 1.0, s


def test_array_inputs_and_outputs(kilnd):
    x = np.array([3.0, 1.0, 2.0])
    got = jit(arrays)(x)
    want = arrays(x)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == pytest.approx(want[1])


def writes_through(x, n):
    made = np.zeros(n)       # an array made by compiled code
    with objmode():
        x[0] = 99.0          # the caller's array, written in the block
        made[1] = 7.0        # compiled code's array, written in the block
    x[1] = x[0] + 1.0        # compiled code sees the block's write
    with objmode(seen="float64"):
        seen = float(x[1])   # ... and the block sees compiled code's
    return made, seen


def test_arrays_are_views_of_the_same_memory_both_ways(kilnd):
    x = np.zeros(3)
    made, seen = jit(writes_through)(x, 3)
    assert list(x) == [99.0, 100.0, 0.0]
    assert list(made) == [0.0, 7.0, 0.0]
    assert seen == 100.0


def two_d(m):
    with objmode(inv="float64[:, :]"):
        inv = np.linalg.inv(m)
    return inv @ m


def test_a_two_dimensional_output(kilnd):
    m = np.array([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(jit(two_d)(m), np.eye(2), atol=1e-12)


# -- strings and tuples ------------------------------------------------------


def strings_and_tuples(name, pair):
    with objmode(label="unicode_type", out="UniTuple(int64, 2)", mixed="Tuple(float64, unicode_type)"):
        label = "%s=%d" % (name.upper(), pair[0] + pair[1])
        out = tuple(sorted(pair))
        mixed = (pair[0] / 2, name * 2)
    return label + "!", out[0] - out[1], mixed


def test_str_and_tuple_inputs_and_outputs(kilnd):
    f = jit(strings_and_tuples)
    for name, pair in [("ab", (5, 3)), ("é", (1, 2))]:
        assert f(name, pair) == strings_and_tuples(name, pair)


def with_a_dict(keys):
    with objmode(n="int64", top="unicode_type"):
        counts = {}
        for k in keys.split():
            counts[k] = counts.get(k, 0) + 1
        n = len(counts)
        top = max(counts, key=counts.get)
    return n, top


def test_a_dict_and_sorted_inside_the_block(kilnd):
    assert jit(with_a_dict)("a b a c a b") == with_a_dict("a b a c a b") == (3, "a")


# -- Numba's spellings -------------------------------------------------------


def numba_attr(x):
    with numba.objmode(y="int64"):
        y = x + 1
    return y


def numba_name(x):
    with numba_objmode(y=numba.types.float64[:]):
        y = np.full(2, float(x))
    return y


def kiln_type_objects(x):
    with kiln.objmode(y=kiln_types.float64[:], s=kiln_types.unicode_type):
        y = np.full(3, float(x))
        s = str(x)
    return y.sum(), s


def test_numba_objmode_and_numba_type_objects(kilnd):
    assert jit(numba_attr)(3) == 4
    assert list(jit(numba_name)(2)) == [2.0, 2.0]
    assert jit(kiln_type_objects)(2) == (6.0, "2")


def seeded(seed):
    if seed < 0:
        with numba.objmode(seed="int64"):
            seed = 7
    return seed + 1


def test_an_output_that_is_also_a_parameter(kilnd):
    f = jit(seeded)
    assert f(3) == 4 and f(-1) == 8


# -- globals, loops, callees, closures ----------------------------------------


def reads_a_global(x):
    with objmode(y="float64"):
        y = x * SCALE[0]
    return y


def test_globals_resolve_at_run_time(kilnd):
    f = jit(reads_a_global)
    assert f(3.0) == 6.0
    SCALE[0] = 5.0
    try:
        assert f(3.0) == 15.0  # the same binary: the block reads the global as it is now
    finally:
        SCALE[0] = 2.0


def in_a_loop(n):
    total = 0
    for i in range(n):
        with objmode(sq="int64"):
            sq = i * i
        total += sq
    return total


def test_a_block_in_a_loop(kilnd):
    before = kiln.live_allocations()
    assert jit(in_a_loop)(2000) == in_a_loop(2000)
    assert kiln.live_allocations() == before


@jit
def helper_with_block(x):
    with objmode(y="float64[:]"):
        y = np.cumsum(x)
    return y


def calls_a_helper(x):
    return helper_with_block(x) * 2.0


def test_a_block_in_a_callee(kilnd):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jit(calls_a_helper)(x), [2.0, 6.0, 12.0])


def test_a_block_in_a_closure_sees_its_captured_values(kilnd):
    def make(k):
        def g(x):
            with objmode(z="int64"):
                z = int(x) + k
            return z + 1
        return g

    assert jit(make(10))(5) == 16
    assert jit(make(20))(5) == 26


# -- memory --------------------------------------------------------------------


def many_arrays(n):
    acc = np.zeros(3)
    for i in range(n):
        made = np.ones(3) * i
        with objmode(y="float64[:]", label="unicode_type"):
            y = made + np.arange(3.0)
            label = "x" * (i % 5)
        acc += y + len(label)
    return acc


def test_no_leak(kilnd):
    f = jit(many_arrays)
    f(2)
    before = kiln.live_allocations()
    got = f(200)
    np.testing.assert_array_equal(got, many_arrays(200))
    del got
    assert kiln.live_allocations() == before


def returns_the_output(x):
    with objmode(y="float64[:]"):
        y = x * 3.0
        SEEN.append(y)
    return y


def test_a_returned_output_keeps_the_python_array_alive(kilnd):
    SEEN.clear()
    got = jit(returns_the_output)(np.arange(4.0))
    SEEN.clear()  # the only reference left to the block's array is the compiled result's
    assert list(got) == [0.0, 3.0, 6.0, 9.0]


# -- errors --------------------------------------------------------------------


class BlockError(Exception):
    pass


def raises(x):
    y = x + 1
    with objmode(z="int64"):
        err = BlockError("bad value", y)
        SEEN.append(err)
        raise err
    return z


def test_an_exception_propagates_as_the_same_object(kilnd):
    SEEN.clear()
    with pytest.raises(BlockError) as info:
        jit(raises)(1)
    assert info.value is SEEN[0] and info.value.args == ("bad value", 2)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(fr.filename == __file__ and fr.lineno == _line_of(raises, "raise err") for fr in frames)
    SEEN.clear()


def test_an_exception_from_python_inside_the_block(kilnd):
    def bad(s):
        with objmode(v="int64"):
            v = int(s)
        return v

    f = jit(bad)
    assert f("12") == 12
    with pytest.raises(ValueError, match="invalid literal for int"):
        f("zz")
    assert f("5") == 5  # nothing left over from the error


def test_a_wrong_output_type_names_the_variable(kilnd):
    def wrong(x):
        with objmode(y="float64[:]"):
            y = np.arange(3)  # int64, not float64
        return y

    with pytest.raises(TypeError, match=r"output 'y' is declared array\(float64, 1d, A\)"):
        jit(wrong)(1)

    def not_a_number(x):
        with objmode(y="int64"):
            y = "abc"
        return y

    with pytest.raises(TypeError, match="output 'y'"):
        jit(not_a_number)(1)


def test_refusals_are_located(kilnd):
    def returns(x):
        with objmode(y="int64"):
            y = 1
            return y
        return x

    def breaks(n):
        for i in range(n):
            with objmode(y="int64"):
                y = i
                break
        return n

    def not_constant(x):
        t = "int64"
        with objmode(y=t):
            y = 1
        return y

    def undeclared(x):
        with objmode(y="int64"):
            y = 1
            z = 2
        return y + z

    def bad_type(x):
        with objmode(y="floot64"):
            y = 1.0
        return y

    cases = [(returns, "'return' inside a with objmode() block", "return y"),
             (breaks, "'break' out of a with objmode() block", "break"),
             (not_constant, "Error handling objmode argument 'y'", "with objmode(y=t)"),
             (undeclared, "variable 'z' is assigned in a with objmode() block and read after it", "return y + z"),
             (bad_type, "output 'y'", "with objmode")]
    for func, message, where in cases:
        with pytest.raises(UnsupportedError) as info:
            jit(func)(1)
        assert message in str(info.value), str(info.value)
        assert f"line {_line_of(func, where)}" in str(info.value), str(info.value)


def test_a_loop_inside_the_block_may_break(kilnd):
    def inner_loop(n):
        with objmode(k="int64"):
            k = 0
            for i in range(n):
                if i * i > n:
                    break
                k = i
        return k

    assert jit(inner_loop)(50) == inner_loop(50)


def test_an_unsupported_output_type_is_a_typing_error(kilnd):
    def list_out(x):
        with objmode(y="reflected list(int64)"):
            y = [x]
        return y

    with pytest.raises((TypingError, UnsupportedError), match="output 'y'"):
        jit(list_out)(1)


def test_a_plain_with_is_still_refused(kilnd):
    def plain_with(lock):
        with lock:
            return 1

    with pytest.raises(UnsupportedError, match="with statements are not supported"):
        jit(plain_with)(1)


# -- the cache, across processes --------------------------------------------

DRIVER = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import app
    import numpy as np
    print(json.dumps(app.f(np.arange(4.0), 3).tolist()))
""")

APP = """
import numpy as np
from kiln import jit, objmode

@jit
def f(x, n):
    acc = x.sum()
    with objmode(y="float64[:]"):
        y = np.cumsum(x) + acc * n
    return y * 2.0
"""


def test_a_cached_binary_finds_its_block_in_a_fresh_process(kilnd_binary, tmp_path):
    from kiln import _kiln
    (tmp_path / "srv").mkdir()
    (tmp_path / "proj").mkdir()
    server = KilndProcess(kilnd_binary, str(tmp_path / "srv"))
    try:
        (tmp_path / "driver.py").write_text(DRIVER)
        env = {**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": server.target, "PYTHONDONTWRITEBYTECODE": "1"}

        def compiles():
            old = os.environ.get("KILN_SERVER")
            os.environ["KILN_SERVER"] = server.target
            try:
                return _kiln.server_stats(False)["compiles"]
            finally:
                if old is None:
                    del os.environ["KILN_SERVER"]
                else:
                    os.environ["KILN_SERVER"] = old

        def run():
            before = compiles()
            out = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "proj")],
                                 capture_output=True, text=True, timeout=300, env=env)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout), compiles() - before

        (tmp_path / "proj" / "app.py").write_text(APP)
        x = np.arange(4.0)
        want = ((np.cumsum(x) + x.sum() * 3) * 2.0).tolist()
        assert run() == (want, 1)
        assert run() == (want, 0)  # a fresh process: the cached binary, the block found by its key
        # An edit inside the block is a new bundle, so a new compile (never the stale binary).
        (tmp_path / "proj" / "app.py").write_text(APP.replace("acc * n", "acc * n + 1.0"))
        got, n = run()
        assert got == ((np.cumsum(x) + x.sum() * 3 + 1.0) * 2.0).tolist() and n == 1
    finally:
        server.stop()


def test_an_array_output_in_a_function_of_scalars(kilnd):
    # The block's array may be the first ndarray the client converts (no array argument before it).
    def ramp(n):
        with objmode(y="float64[:]"):
            y = np.arange(float(n))
        return y.sum()

    assert jit(ramp)(5) == 10.0


def test_an_except_clause_around_the_block_catches_its_exception(kilnd):
    def caught(s):
        try:
            with objmode(y="int64"):
                y = int(s)
        except ValueError:
            y = -1
        return y

    def user_class(x):
        try:
            with objmode():
                raise BlockError("inner", x)
        except BlockError:
            return 1
        return 0

    def not_this_one(s):
        try:
            with objmode(y="int64"):
                y = int(s)
        except KeyError:
            y = -1
        return y

    def reraised(s):
        try:
            with objmode(y="int64"):
                y = int(s)
        except ValueError:
            raise
        return y

    assert jit(caught)("zz") == caught("zz") == -1 and jit(caught)("4") == 4
    assert jit(user_class)(3) == user_class(3) == 1
    for func in (not_this_one, reraised):
        with pytest.raises(ValueError, match="invalid literal") as info:
            jit(func)("zz")
        assert any(fr.lineno == _line_of(func, "y = int(s)") for fr in traceback.extract_tb(info.value.__traceback__))


def test_a_block_in_a_generator(kilnd):
    def gen(n):
        for i in range(n):
            with objmode(y="int64"):
                y = i * 10
            yield y

    assert list(jit(gen)(4)) == list(gen(4)) == [0, 10, 20, 30]


def test_a_function_without_source_is_refused_by_name(kilnd):
    namespace = {"objmode": objmode}
    exec("def made(x):\n    with objmode(y='int64'):\n        y = x\n    return y\n", namespace)
    with pytest.raises(UnsupportedError, match="needs the function's source") as info:
        jit(namespace["made"])(1)
    assert "line 1" in str(info.value)


def test_a_file_edited_after_the_import_is_refused(kilnd, tmp_path, monkeypatch):
    # The block is compiled from the file: one that no longer holds the running code is refused, never run.
    (tmp_path / "edited_mod.py").write_text(
        "from kiln import objmode\n\ndef f(x):\n    with objmode(y='int64'):\n        y = x + 1\n    return y\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    mod = importlib.import_module("edited_mod")
    (tmp_path / "edited_mod.py").write_text(
        "from kiln import objmode\n\ndef f(x):\n    with objmode(y='int64'):\n        y = x * 100\n    return y\n")
    import linecache
    linecache.checkcache(str(tmp_path / "edited_mod.py"))
    with pytest.raises(UnsupportedError, match="is not the source of its code") as info:
        jit(mod.f)(1)
    assert "line 3" in str(info.value)


def test_a_block_in_a_function_nested_in_the_jitted_one(kilnd):
    def outer(x, n):
        scale = 3

        def inner(y):
            with objmode(z="int64"):
                z = int(y) * scale + n
            return z

        return inner(x) + inner(1)

    assert jit(outer)(5, 2) == outer(5, 2) == 22


def test_rewritten_code_is_not_kept_past_its_function(kilnd, tmp_path):
    """_objmode keeps one rewrite per code object with a with statement, and
    lets it go with the code (it kept one entry, code object included, for
    every function ever bundled: code made at run time piled up; here 6
    entries after three imports, now 1)."""
    import gc
    import importlib.util
    from kiln import _objmode
    path = tmp_path / "gen_objmode_mod.py"
    path.write_text(textwrap.dedent("""
        from kiln import objmode
        def f(x):
            with objmode(y="float64"):
                y = x * 3.0
            return y + 1.0
        def plain(x):
            return x + 1.0
    """))
    before = len(_objmode._REWRITTEN)
    for k in range(3):
        spec = importlib.util.spec_from_file_location(f"gen_objmode_mod{k}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        assert jit(mod.f)(2.0) == 7.0
        assert jit(mod.plain)(2.0) == 3.0
        # The block of this import replaced the last one's (same file, same
        # text), whose module, function and code are now garbage.
        gc.collect()
        assert len(_objmode._REWRITTEN) == before + 1  # this f's; plain has no with statement
        del mod, spec
