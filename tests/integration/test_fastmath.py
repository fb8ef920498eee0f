"""fastmath=True and Numba's set form reach LLVM as fast-math flags, are part
of the cache key, keep results within tolerance, and a bad value is refused."""
import math

import pytest

from kiln import _kiln, jit
from kiln.dispatcher import EMIT_BINARY


def dot_sqrt(n, x):
    s = 0.0
    for i in range(n):
        v = x + i * 0.25
        s += v * v / (1.0 + v)
    return math.sqrt(s)


ARGS = ("int64", "float64")


def cache_hit(**options):
    """Whether the server had this (function, options) compiled already."""
    return jit(dot_sqrt, **options)._request(ARGS, "", EMIT_BINARY)["cache_hit"]


def test_fastmath_is_part_of_the_cache_key(private_kilnd):
    assert cache_hit() is False
    assert cache_hit() is True
    assert cache_hit(fastmath=True) is False
    assert cache_hit(fastmath=True) is True
    assert cache_hit(fastmath={"nnan", "nsz"}) is False
    assert cache_hit(fastmath={"nsz", "nnan"}) is True      # a set has no order
    assert cache_hit(fastmath=["nsz", "nnan", "nsz"]) is True
    assert cache_hit(fastmath={"contract"}) is False
    # Every flag named is fastmath=True, as is "fast".
    assert cache_hit(fastmath={"afn", "arcp", "contract", "ninf", "nnan", "nsz", "reassoc"}) is True
    assert cache_hit(fastmath={"fast"}) is True
    assert cache_hit(fastmath=False) is True
    assert cache_hit(fastmath=set()) is True                 # no flags: the exact build


@pytest.mark.parametrize("fastmath", [True, {"nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"},
                                      {"reassoc", "contract"}, {"arcp"}])
def test_results_within_tolerance(kilnd, fastmath):
    f = jit(dot_sqrt, fastmath=fastmath)
    for n, x in [(0, 1.0), (10, 0.5), (1000, -3.1), (100000, 2.0)]:
        assert f(n, x) == pytest.approx(dot_sqrt(n, x), rel=1e-12)


def test_flags_reach_the_llvm_ir(kilnd):
    exact = jit(dot_sqrt).emit("llvm", ARGS)
    assert " fast " not in exact and "nnan" not in exact and "unsafe-fp-math" not in exact
    fast = jit(dot_sqrt, fastmath=True).emit("llvm", ARGS)
    assert "fdiv fast double" in fast
    assert '"unsafe-fp-math"="true"' in fast
    some = jit(dot_sqrt, fastmath={"nnan", "arcp"}).emit("llvm", ARGS)
    assert "fdiv nnan arcp double" in some
    assert " fast " not in some and "unsafe-fp-math" not in some


def test_a_bogus_flag_is_refused_at_decoration():
    with pytest.raises(ValueError, match=r"unknown fastmath flag\(s\) 'bogus': expected a bool or a set of "
                                         r"afn, arcp, contract, fast, ninf, nnan, nsz, reassoc"):
        jit(dot_sqrt, fastmath={"nnan", "bogus"})
    with pytest.raises(ValueError, match="unknown fastmath flag"):
        jit(fastmath={3})(dot_sqrt)
    with pytest.raises(TypeError, match="fastmath must be a bool or a set of flag names, got str"):
        jit(dot_sqrt, fastmath="fast")


def test_the_server_refuses_a_bogus_flag_too(kilnd):
    # A client that skips the Python check (the C++ client, an old one).
    bundle = jit(dot_sqrt).bundle()
    with pytest.raises(Exception, match="unknown fastmath flag 'bogus'"):
        _kiln.compile(bundle, ARGS, "", 3, ("nnan", "bogus"), False, "python", EMIT_BINARY)
