import pytest
import numpy as np

from kiln import jit


# Module level: jitted functions that call each other are globals, not closures.
@jit
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


@jit
def square(x):
    return x * x


@jit
def sum_squares(n):
    total = 0
    for i in range(n):
        total += square(i)
    return total


@jit
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


@jit
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def test_several_signatures_in_order(kilnd):
    from kiln import jit

    @jit
    def add(a, b):
        return a + b

    assert add(1, 2) == 3 and type(add(1, 2)) is int
    assert add(1.5, 2.25) == 3.75
    assert add(True, 2) == 3
    assert add(1, 2.5) == 3.5
    assert add.signatures == [("int64", "int64"), ("float64", "float64"), ("bool", "int64"),
                              ("int64", "float64")]
    assert add(3, 4) == 7                       # dispatches, no new compile
    assert len(add.signatures) == 4


def test_eager_list_of_signatures(kilnd):
    from kiln import jit

    @jit(["int64(int64)", "float64(float64)"])
    def twice(x):
        return x * 2

    assert twice.signatures == [("int64",), ("float64",)]
    assert twice(21) == 42 and type(twice(21)) is int
    assert twice(1.25) == 2.5
    assert twice(True) == 2                     # bool -> int64, the first safe conversion


def test_keywords_defaults_and_wrapping(kilnd):
    from kiln import jit

    @jit(fastmath=True, boundscheck=False, nopython=True, error_model="numpy", nogil=True, cache=True)
    def affine(x, a=2.0, b=1.0):
        """ax + b"""
        return a * x + b

    assert affine(3.0) == 7.0
    assert affine(3.0, b=0.5) == 6.5
    assert affine(b=1.0, x=1.0, a=1.0) == 2.0
    assert affine.__name__ == "affine" and affine.__doc__ == "ax + b"
    assert affine.__wrapped__ is affine.py_func
    assert affine.py_func(3.0) == 7.0
    with pytest.raises(TypeError):
        affine()


def test_callees_and_recursion(kilnd):
    assert fib(20) == 6765
    assert sum_squares(10) == 285
    assert is_even(10) is True and is_odd(7) is True and is_even(7) is False


def test_tuples_in_and_out(kilnd):
    from kiln import jit

    @jit
    def swap_sum(t, u):
        return t[1] + u, t[0]

    assert swap_sum((1, 2), 10) == (12, 1)
    assert swap_sum((1.5, 2.5), 1.0) == (3.5, 1.5)
    assert swap_sum.signatures == [("UniTuple(int64, 2)", "int64"), ("UniTuple(float64, 2)", "float64")]


def test_numpy_scalars(kilnd):
    import numpy as np
    from kiln import jit

    @jit
    def half(x):
        return x / 2

    assert half(np.float64(3.0)) == 1.5
    assert half.signatures == [("float64",)]


def test_inspect(kilnd):
    from kiln import jit

    @jit
    def inc(x):
        return x + 1

    inc(1)
    llvm = inc.inspect_llvm()
    assert list(llvm) == [("int64",)] and "define" in llvm[("int64",)]
    assert ".text" in inc.inspect_asm(("int64",)) or "inc" in inc.inspect_asm(("int64",))
    assert inc.inspect_types()[("int64",)].strip()


def _many_params(n):
    """def f(a0, ..., a{n-1}): return a0*1 + a1*2 + ... (a real function of n
    parameters, built with exec since Python has no other spelling for it)."""
    params = ", ".join(f"a{i}" for i in range(n))
    body = " + ".join(f"a{i} * {i + 1}" for i in range(n))
    ns = {}
    exec(f"def many_{n}({params}):\n    return {body}\n", ns)
    return ns[f"many_{n}"]


@pytest.mark.parametrize("n", [16, 17, 40])
def test_more_than_16_parameters(kilnd, n):
    f = _many_params(n)
    jf = jit(f)
    ints = list(range(1, n + 1))
    assert jf(*ints) == f(*ints)
    floats = [0.5 * i for i in range(n)]
    assert jf(*floats) == f(*floats)
    # Keywords and a second call on the compiled overloads.
    kw = {f"a{i}": i - 3 for i in range(n)}
    assert jf(**kw) == f(**kw)
    assert jf(*ints) == f(*ints)
    assert len(jf.signatures) == 2
    with pytest.raises(TypeError):
        jf(*ints[:-1])


def _halve(x):
    return x / 2


def test_compile_and_overloads_as_numba(kilnd):
    # Numba's Dispatcher.compile(sig) and overloads[args]: compile ahead of a
    # call, then find the result by Kiln's spellings or by Numba's types.
    f = jit(_halve)
    entry = f.compile("(float32,)")
    assert f.signatures == [("float32",)]
    result = f.overloads[("float32",)]
    assert result.entry_point is entry
    assert str(result.signature.return_type) == "float64"
    assert entry(np.float32(3.0)) == 1.5
    assert ("int64",) not in f.overloads and f.overloads.get(("int64",)) is None
    with pytest.raises(KeyError):
        f.overloads[("int64",)]
    f.compile("float32(int64)")  # a return type given: converted to it
    assert str(f.overloads["i8",].signature.return_type) == "float32"
    assert f(7) == 3.5 and f.signatures == [("float32",), ("int64",)]


def test_overloads_keyed_by_numba_types(kilnd):
    import numba  # installed by scripts/setup.sh: a missing Numba fails here

    f = jit(_halve)
    a = np.arange(4, dtype=np.float32)
    f.compile((numba.typeof(a),))
    result = f.overloads[(numba.typeof(a),)]
    assert result.signature.return_type == numba.float32[::1]  # NEP 50: float32 / 2 stays float32
    assert result.signature.args == (numba.typeof(a),)
    assert (result.entry_point(a) == a / 2).all()
    f.compile(numba.float32(numba.int64))
    assert f.overloads[(numba.int64,)].signature.return_type == numba.float32
