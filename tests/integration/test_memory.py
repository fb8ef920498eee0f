"""Memory of arrays made by compiled code (runtime/cpu/kiln_rt.h): every
block is reference counted and freed when its last reference goes, whether
the code returns it, drops it, raises, or hands it to NumPy; results that
are an argument or a view of one share the argument's memory."""

import gc
import os
import subprocess
import sys

import pytest

np = pytest.importorskip("numpy")

import kiln

CONFORMANCE = os.environ.get("KILN_CONFORMANCE") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "..", "shared", "conformance")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live():
    gc.collect()
    return kiln.live_allocations()


@kiln.jit
def inner(a, n):
    x = a + 1.0
    if n > 3:
        raise IndexError("inner")
    return x


@kiln.jit
def outer(a, n):
    y = a * 3.0
    z = inner(a, n)                       # z is inner's result: its reference comes back
    return (y + z).sum()


def test_counters_are_exposed(kilnd):
    stats = kiln.runtime_stats()
    assert set(stats) == {"live_allocations", "live_bytes", "total_allocations", "total_frees"}
    assert stats["total_allocations"] - stats["total_frees"] == stats["live_allocations"] == kiln.live_allocations()


def test_temporaries_are_freed_over_many_calls(kilnd):
    from kiln import jit

    @jit
    def temporaries(a, n):
        z = np.zeros(n)                  # allocated, never used again
        v = a[1:]                         # a view of the argument
        t = (a * 2 + 1).sum()             # a temporary expression
        w = (v - 1.0)[::2]                # a view of a temporary
        return t + z.sum() + w.sum() + v[0]

    @jit
    def loop_of_temporaries(a):
        s = 0.0
        for i in range(4):
            s += (a * i).sum()
        return s

    a = np.arange(1000.0)
    want = temporaries.py_func(a, 100) if hasattr(temporaries, "py_func") else None
    got = temporaries(a, 100)
    if want is not None:
        assert got == want
    loop_of_temporaries(a)
    before_live = live()
    stats = kiln.runtime_stats()
    before_rss = rss_bytes()
    for _ in range(100_000):
        temporaries(a, 100)
    for _ in range(10_000):
        loop_of_temporaries(a)
    after = kiln.runtime_stats()
    assert live() == before_live
    # 2 arrays a call (zeros, v-1.0; `(a*2+1).sum()` is one fused loop that
    # makes no array), none in the loop (its sums are fused too): all made,
    # all freed.
    assert after["total_allocations"] - stats["total_allocations"] >= 100_000 * 2
    assert after["total_frees"] - stats["total_frees"] == after["total_allocations"] - stats["total_allocations"]
    assert rss_bytes() - before_rss < 4 << 20       # ~3 GB if the temporaries leaked


def test_returned_arrays_outlive_the_call(kilnd):
    from kiln import jit

    @jit
    def make(n):
        x = np.arange(n) * 3
        return x

    @jit
    def make_pair(n):
        x = np.arange(n)
        return x, x[::2]                  # one block, two references

    start = live()
    r = make(5)
    assert live() == start + 1
    gc.collect()
    assert r.tolist() == [0, 3, 6, 9, 12]
    tail = r[2:]                          # a NumPy view keeps the block alive
    del r
    assert live() == start + 1
    assert tail.tolist() == [6, 9, 12]
    del tail
    assert live() == start
    whole, even = make_pair(7)
    assert live() == start + 1
    whole[2] = -2
    assert even.tolist() == [0, -2, 4, 6]  # they share memory
    del whole
    assert live() == start + 1 and even.tolist() == [0, -2, 4, 6]
    del even
    assert live() == start


def test_returned_argument_shares_its_memory(kilnd):
    from kiln import jit

    @jit
    def same(a):
        return a

    @jit
    def tail(a):
        return a[1:]

    @jit
    def transposed(m):
        return m.T

    @jit
    def first_of_pair(a, b):
        return (b, a[::2])

    start = live()
    a = np.arange(6.0)
    assert same(a) is a                   # the argument itself, as Numba
    t = tail(a)
    assert t.base is a and t.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    t[0] = 42.0
    assert a[1] == 42.0
    m = np.arange(6.0).reshape(2, 3)
    mt = transposed(m)
    assert mt.shape == (3, 2) and np.shares_memory(mt, m)
    b = np.ones(3)
    x, y = first_of_pair(a, b)
    assert x is b and np.shares_memory(y, a) and y.tolist() == [0.0, 2.0, 4.0]
    del a
    gc.collect()
    assert t.tolist()[0] == 42.0           # the view keeps the argument alive
    assert live() == start                 # nothing of the runtime's was involved


def test_error_paths_release_what_they_hold(kilnd):
    from kiln import jit

    @jit
    def fails_after_allocating(a, n):
        t = a * 2.0
        u = t[1:]
        if n > 3:
            raise ValueError("too big")
        return u.sum()

    @jit
    def bad_shapes(a, b):
        c = a * 2.0
        return (c + b).sum()             # broadcasting error after c exists

    @jit(boundscheck=True)
    def gather(a, idx):
        t = a + 1.0
        return t[idx].sum()              # the gathered array is allocated before an index fails

    a = np.arange(5.0)
    assert gather(a, np.array([0, 4])) == 6.0
    assert fails_after_allocating(a, 1) == 20.0
    assert outer(a, 1) == (a * 3 + a + 1).sum()
    start = live()
    for _ in range(200):
        with pytest.raises(ValueError, match="too big"):
            fails_after_allocating(a, 9)
        with pytest.raises(IndexError, match="inner"):
            outer(a, 9)
        with pytest.raises(ValueError, match="broadcast"):
            bad_shapes(a, np.ones(3))
        with pytest.raises(IndexError):
            gather(a, np.array([0, 7]))
    assert live() == start


def test_arrays_through_loops_and_branches(kilnd):
    from kiln import jit

    @jit
    def carried(a, n):
        acc = np.zeros(a.shape[0])
        for i in range(n):
            acc = acc + a * i             # a new block each iteration, the old one freed
        return acc

    @jit
    def chosen(a, flag):
        if flag:
            b = a * 2.0
        else:
            b = a[::-1]
        return b.sum()

    @jit
    def in_place(a, n):
        acc = np.zeros(a.shape[0])
        for i in range(n):
            acc += a
        return acc

    @jit
    def iterate(a):
        s = 0.0
        for x in a * 2.0:                # iterating over a temporary
            s += x
        for i, x in enumerate(a + 1.0):
            s += i * x
        for x, y in zip(a * 3.0, a[::-1] - 1.0):
            s += x * y
        return s

    a = np.arange(4.0)
    start = live()
    r = carried(a, 5)
    assert r.tolist() == (a * 10).tolist()
    assert live() == start + 1
    del r
    assert chosen(a, True) == 12.0 and chosen(a, False) == 6.0
    assert in_place(a, 3).tolist() == (a * 3).tolist()
    assert iterate(a) == 12.0 + (0 * 1 + 1 * 2 + 2 * 3 + 3 * 4) + (a * 3.0 * (a[::-1] - 1.0)).sum()
    for _ in range(1000):
        carried(a, 3)
        chosen(a, True)
        iterate(a)
    assert live() == start


CHECK_CONFORMANCE = r"""
import gc, runpy, sys
import kiln
start = kiln.live_allocations()
sys.argv = [sys.argv[1], "--jit", "kiln:jit", "--only", sys.argv[2], "--repeat", "2", "--allow-fail"]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
gc.collect()
stats = kiln.runtime_stats()
print("KILN_MEMORY", start, stats["live_allocations"], stats["total_allocations"])
"""


def test_array_conformance_corpus_frees_everything(kilnd, tmp_path):
    run_py = os.path.join(CONFORMANCE, "run.py")
    assert os.path.exists(run_py), f"conformance corpus not found at {CONFORMANCE}"
    script = tmp_path / "check.py"
    script.write_text(CHECK_CONFORMANCE)
    cats = "array_create,array_index,array_slice_views,array_expr_ufuncs,reductions"
    proc = subprocess.run([sys.executable, str(script), run_py, cats], capture_output=True, text=True, timeout=900,
                          env=dict(os.environ))
    lines = [l for l in proc.stdout.splitlines() if l.startswith("KILN_MEMORY")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    _, start, end, total = lines[-1].split()
    assert int(total) > 100, "the corpus allocated nothing: the check would prove nothing"
    assert int(end) == int(start), proc.stdout[-3000:]
    assert " passed" in proc.stdout and "Fatal Python error" not in proc.stderr


_GLOBAL_ARRAY = np.arange(6, dtype=np.float32)


def test_a_frozen_global_array_is_held_by_its_dispatcher_as_numba():
    # np0d: a global (or closure) array is frozen into the bundle; as Numba's
    # compiled function, the dispatcher holds one reference to it while it
    # lives, and each call returns a read-only copy of the frozen bytes.
    y = np.ones(4, dtype=np.float32)
    init = sys.getrefcount(y)

    def ret():
        return y

    cfunc = kiln.jit(ret)
    out = cfunc()
    assert sys.getrefcount(y) == init + 1
    assert out is not y and out.base is None and not out.flags.writeable
    np.testing.assert_array_equal(out, y)
    del out
    gc.collect()
    assert sys.getrefcount(y) == init + 1
    cfunc()
    assert sys.getrefcount(y) == init + 1  # once per dispatcher, not per call
    del cfunc
    gc.collect()
    assert sys.getrefcount(y) == init

    g_init = sys.getrefcount(_GLOBAL_ARRAY)
    f = kiln.jit(lambda: _GLOBAL_ARRAY.sum())
    got = f()
    assert sys.getrefcount(_GLOBAL_ARRAY) == g_init + 1
    assert got == 15.0
    del f
    gc.collect()
    assert sys.getrefcount(_GLOBAL_ARRAY) == g_init
