"""prange loops of parallel=True functions run on kiln's thread pool when
their iterations are independent (issue 9; docs/python-subset.md, "Parallel
loops"); every other prange loop runs serially with a performance warning
that names the reason and the loop's line. Each answer is checked against
the plain Python function (bitwise: the accepted loops are elementwise) and
against numba.njit(parallel=True)."""

import inspect
import math
import os
import warnings

import pytest

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")


def _perf_warnings(ws):
    from kiln.errors import KilnPerformanceWarning
    return [w for w in ws if issubclass(w.category, KilnPerformanceWarning)]


def _compiled(fn, *args):
    """fn(*args) compiled with parallel=True, and the performance warnings
    its compile gave."""
    from kiln import jit
    jitted = jit(parallel=True)(fn)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        out = jitted(*args)
    return jitted, out, _perf_warnings(ws)


def _line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if text in line)


def _scalar_fn(x, a, b):
    return math.exp(-0.5 * ((x - a) / b) ** 2) / (b * math.sqrt(2 * math.pi))


def _pdf_calling(scalar_fn):
    def _pdf(x, a, b):  # numba-stats' shape
        r = np.empty_like(x)
        for i in numba.prange(len(x)):
            r[i] = scalar_fn(x[i], a, b)
        return r
    return _pdf


def test_an_elementwise_loop_over_1d_runs_in_parallel_bitwise_as_serial(kilnd):
    from kiln import jit
    pdf = _pdf_calling(jit(error_model="numpy")(_scalar_fn))
    x = np.linspace(-5, 5, 100_003)
    _, out, ws = _compiled(pdf, x, 0.5, 1.5)
    assert ws == []
    assert out.tobytes() == jit(pdf)(x, 0.5, 1.5).tobytes()  # the serial loop (no parallel=True)
    numba_pdf = numba.njit(parallel=True)(_pdf_calling(numba.njit(error_model="numpy")(_scalar_fn)))
    assert np.allclose(out, numba_pdf(x, 0.5, 1.5), rtol=1e-12, atol=0)
    assert np.allclose(out, [_scalar_fn(v, 0.5, 1.5) for v in x], rtol=1e-12, atol=0)


def test_a_2d_loop_with_an_inner_serial_loop_and_locals(kilnd):
    def row_norms(x):
        out = np.empty(x.shape[0])
        for i in numba.prange(x.shape[0]):
            s = 0.0
            for j in range(x.shape[1]):
                s += x[i, j] * x[i, j]
            out[i] = np.sqrt(s)
        return out

    x = np.random.default_rng(1).normal(size=(997, 13))
    _, out, ws = _compiled(row_norms, x)
    assert ws == []
    assert out.tobytes() == row_norms(x).tobytes()
    assert np.array_equal(out, numba.njit(parallel=True)(row_norms)(x))


def test_a_2d_elementwise_store_with_a_stepped_range(kilnd):
    from kiln import prange

    def scale(x, out, k):
        for i in prange(1, x.shape[0], 3):
            for j in range(x.shape[1]):
                out[i, j] = x[i, j] * k + i
        return out

    x = np.arange(3000.0 * 7).reshape(3000, 7)
    _, out, ws = _compiled(scale, x, np.zeros_like(x), 2.5)
    assert ws == []
    assert out.tobytes() == scale(x, np.zeros_like(x), 2.5).tobytes()


def test_a_reduction_stays_serial_and_the_warning_names_it(kilnd):
    def total(x):
        s = 0.0
        for i in numba.prange(len(x)):
            s += x[i]
        return s

    x = np.arange(1000.0)
    jitted, out, ws = _compiled(total, x)
    assert out == total(x)
    assert len(ws) == 1
    msg = str(ws[0].message)
    assert "runs serially" in msg and "'s'" in msg and "carried from one iteration to the next" in msg
    assert ws[0].filename == __file__ and ws[0].lineno == _line_of(total, "for i in numba.prange")


def test_a_loop_carried_scalar_stays_serial(kilnd):
    def running(x):
        out = np.empty_like(x)
        last = 0.0
        for i in numba.prange(len(x)):
            out[i] = x[i] + last
            last = x[i]
        return out

    x = np.arange(50.0)
    _, out, ws = _compiled(running, x)
    assert np.array_equal(out, running(x))
    assert len(ws) == 1 and "'last'" in str(ws[0].message)


def test_a_value_read_after_the_loop_and_a_list_append_stay_serial(kilnd):
    def appends(n):
        xs = [0]
        for i in numba.prange(n):
            xs.append(i)
        return len(xs)

    _, out, ws = _compiled(appends, 10)
    assert out == 11
    assert len(ws) == 1 and "list" in str(ws[0].message)


def test_no_warning_without_parallel_and_prange_is_range(kilnd):
    from kiln import jit
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        x = np.arange(10.0)
        pdf = _pdf_calling(jit(_scalar_fn))
        assert np.array_equal(jit(pdf)(x, 0.0, 1.0), _pdf_calling(_scalar_fn)(x, 0.0, 1.0))
    assert _perf_warnings(ws) == []


def test_calls_of_jitted_functions_that_allocate_in_the_body(kilnd):
    from kiln import jit

    @jit
    def window_mean(x, i, w):
        return np.mean(x[max(0, i - w):i + 1].copy())

    def smooth(x, w):
        out = np.empty_like(x)
        for i in numba.prange(len(x)):
            out[i] = window_mean(x, i, w)
        return out

    x = np.random.default_rng(2).normal(size=20_000)
    _, out, ws = _compiled(smooth, x, 5)
    assert ws == []
    assert out.tobytes() == jit(smooth)(x, 5).tobytes()


def test_thread_queries_are_truthful(kilnd):
    def ids(n):
        out = np.full(n, -1, np.int64)
        for i in numba.prange(n):
            out[i] = numba.get_thread_id()
        return out, numba.get_num_threads()

    _, (out, threads), ws = _compiled(ids, 4000)
    assert ws == []
    expected = int(os.environ.get("NUMBA_NUM_THREADS") or os.environ.get("KILN_NUM_THREADS") or
                   len(os.sched_getaffinity(0)))
    assert threads == expected
    assert out.min() == 0 and out.max() < threads
    # a static schedule: each thread runs one contiguous chunk, in order
    assert np.all(np.diff(out) >= 0)
    assert len(set(out.tolist())) == min(threads, 4000)


def test_an_error_in_the_body_reaches_the_caller_as_the_serial_loops(kilnd):
    from kiln import jit

    def checked(x, idx):
        out = np.empty(len(idx))
        for i in numba.prange(len(idx)):
            out[i] = x[idx[i]]
        return out

    x = np.arange(10.0)
    idx = np.arange(4000) % 10
    idx[2500] = 12  # the first bad index, in a later chunk
    idx[3900] = 15
    par = jit(parallel=True, boundscheck=True)(checked)
    ser = jit(boundscheck=True)(checked)
    with pytest.raises(IndexError) as e_par:
        par(x, idx)
    with pytest.raises(IndexError) as e_ser:
        ser(x, idx)
    assert str(e_par.value) == str(e_ser.value)
    idx[2500] = 3
    idx[3900] = 4
    assert np.array_equal(par(x, idx), ser(x, idx))


def test_an_exception_raised_in_the_body_with_arguments(kilnd):
    from kiln import jit

    def positive(x):
        out = np.empty_like(x)
        for i in numba.prange(len(x)):
            if x[i] < 0:
                raise ValueError("negative at", i)
            out[i] = math.sqrt(x[i])
        return out

    x = np.arange(5000.0)
    x[4321] = -1.0
    x[4999] = -2.0
    par = jit(parallel=True)(positive)
    with pytest.raises(ValueError) as e:
        par(x)
    assert e.value.args == ("negative at", 4321)
    x[4321] = 1.0
    x[4999] = 1.0
    assert par(x).tobytes() == positive(x).tobytes()


def test_many_calls_in_a_row_neither_leak_nor_hang(kilnd):
    import kiln
    from kiln import jit

    def fill(out, k):
        for i in numba.prange(len(out)):
            out[i] = np.float64(i) * k + np.ones(3).sum()  # an array made and freed in each iteration
        return out

    par = jit(parallel=True)(fill)
    out = np.empty(257)
    par(out, 1.0)
    before = kiln.live_allocations()
    for k in range(2000):
        par(out, float(k))
    assert out[5] == 5.0 * 1999 + 3.0
    assert kiln.live_allocations() == before


def test_a_prange_inside_a_prange_runs_the_inner_loop_serially(kilnd):
    def outer(x):
        out = np.empty_like(x)
        for i in numba.prange(x.shape[0]):
            for j in numba.prange(x.shape[1]):
                out[i, j] = x[i, j] * 2.0
        return out

    x = np.arange(600.0).reshape(30, 20)
    _, out, ws = _compiled(outer, x)
    assert ws == []
    assert out.tobytes() == outer(x).tobytes()


def test_random_draws_in_the_body_stay_serial(kilnd):
    # One generator per process: iterations drawing from it would race.
    def noisy(x):
        out = np.empty_like(x)
        for i in numba.prange(len(x)):
            out[i] = x[i] + np.random.normal()
        return out

    _, out, ws = _compiled(noisy, np.zeros(100))
    assert out.shape == (100,)
    assert len(ws) == 1
    assert "draws random numbers" in str(ws[0].message)
    assert ws[0].lineno == _line_of(noisy, "for i in numba.prange")


def test_a_break_stays_serial(kilnd):
    def first_negative(x, out):
        for i in numba.prange(len(x)):
            if x[i] < 0:
                break
            out[i] = x[i]
        return out

    x = np.array([1.0, 2.0, -1.0, 4.0])
    _, out, ws = _compiled(first_negative, x, np.zeros(4))
    assert np.array_equal(out, first_negative(x, np.zeros(4)))
    assert len(ws) == 1 and "break" in str(ws[0].message)
