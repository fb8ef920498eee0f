"""np.dot / @ / np.matmul / np.vdot and np.linalg in compiled code
(kiln/library/numpy_linalg.py over runtime/cpu/kiln_linalg.c), checked
against NumPy itself: values, dtypes and shapes over float32/64 and
complex128, C, Fortran and strided operands; NumPy's LinAlgError for
singular and non-square matrices; the LP64 backend (a system LAPACK) and
the error when no BLAS/LAPACK is found (docs/linalg.md)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

DTYPES = [np.float64, np.float32, np.complex128]


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if np.dtype(dtype) in (np.float32, np.complex64) else dict(rtol=1e-9, atol=1e-9)


def _mat(shape, dtype, seed=0):
    r = np.random.RandomState(seed)
    m = r.rand(*shape)
    if np.dtype(dtype).kind == "c":
        m = m + 1j * r.rand(*shape)
    return m.astype(dtype)


def _close(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, **_tol(dtype))


def _layouts(m):
    """m as C-contiguous, Fortran-ordered and strided (a reversed view)."""
    return [m, np.asfortranarray(m), m[::-1, ::-1].copy()[::-1, ::-1] if m.ndim == 2 else m[::-1].copy()[::-1]]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_products(kilnd, dtype):
    from kiln import jit

    dot = jit(lambda a, b: np.dot(a, b))
    mm = jit(lambda a, b: a @ b)
    matmul = jit(lambda a, b: np.matmul(a, b))
    a, b, v = _mat((3, 4), dtype), _mat((4, 2), dtype, 1), _mat((4,), dtype, 2)
    for x in (a, np.asfortranarray(a), _mat((6, 8), dtype)[::2, ::2]):
        for f in (dot, mm, matmul):
            got = f(x, b)
            assert got.dtype == (x @ b).dtype
            _close(got, x @ b, dtype)
            _close(f(x, v), x @ v, dtype)
            _close(f(v[:3], x), v[:3] @ x, dtype)
    _close(dot(v, v), np.dot(v, v), dtype)
    _close(dot(v[::-1], v[::-1]), np.dot(v[::-1], v[::-1]), dtype)
    _close(jit(lambda a, b: np.vdot(a, b))(v, v[::-1]), np.vdot(v, v[::-1]), dtype)
    with pytest.raises(ValueError, match="incompatible array sizes"):
        dot(a, a)
    with pytest.raises(ValueError, match="incompatible array sizes"):
        dot(v, v[:3])


def _views(m):
    """m as BLAS reads it in place (C order, Fortran order, a row or column
    slice, a transpose) and as it must be copied (negative and partial
    strides)."""
    big = np.zeros((2 * m.shape[0] + 1, 2 * m.shape[1] + 3), dtype=m.dtype)
    big[1:1 + 2 * m.shape[0]:2, 2:2 + m.shape[1]] = m
    return {
        "C": m,
        "F": np.asfortranarray(m),
        "rows of a wider array": big[1:1 + 2 * m.shape[0]:2, 2:2 + m.shape[1]],
        "transposed F": np.ascontiguousarray(m.T).T,
        "reversed": m[::-1].copy()[::-1],
        "every other column": np.repeat(m, 2, axis=1)[:, ::2],
    }


@pytest.mark.parametrize("dtype", DTYPES + [np.complex64], ids=lambda d: np.dtype(d).name)
def test_products_over_layouts(kilnd, dtype):
    """Operands BLAS can read in place are passed as they lie (C order as
    the transpose of a Fortran matrix) and the result is written in place;
    the others are copied. Every combination gives NumPy's product."""
    from kiln import jit

    mm = jit(lambda a, b: a @ b)
    for shape_a, shape_b in (((5, 4), (4, 3)), ((1, 4), (4, 3)), ((5, 4), (4, 1)), ((1, 1), (1, 1)), ((3, 0), (0, 2))):
        a, b = _mat(shape_a, dtype, 3), _mat(shape_b, dtype, 4)
        for na, x in _views(a).items():
            for nb, y in _views(b).items():
                got = mm(x, y)
                assert got.dtype == (a @ b).dtype and got.flags.c_contiguous, (na, nb)
                _close(got, a @ b, dtype)
    v, w = _mat((9,), dtype, 5), _mat((9, 2), dtype, 6)
    for x in (v, v[::3][:3].copy(), v[::-1]):
        _close(mm(x[:3], w[:3]), x[:3] @ w[:3], dtype)
        _close(mm(w[:3].T, x[:3]), w[:3].T @ x[:3], dtype)
    _close(mm(v[::2], v[::2]), v[::2] @ v[::2], dtype)


def test_integer_products_are_integers(kilnd):
    from kiln import jit

    a = np.arange(6).reshape(2, 3)
    b = np.arange(12).reshape(3, 4)
    got = jit(lambda x, y: x @ y)(a, b)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, a @ b)
    assert jit(lambda x, y: np.dot(x, y))(np.arange(5), np.arange(5)) == 30
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match="np.dot\\(\\) arguments must all have the same dtype"):
        jit(lambda x, y: np.dot(x, y))(a, b.astype(np.float64))  # refused as Numba does


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_factorizations(kilnd, dtype):
    from kiln import jit

    n = 4
    a = _mat((n, n), dtype) + n * np.eye(n, dtype=dtype)
    s = a @ a.conj().T  # Hermitian positive definite
    r = _mat((5, 3), dtype, 3)
    b = _mat((n, 2), dtype, 4)

    @jit
    def square(a, b):
        sign, logdet = np.linalg.slogdet(a)
        return np.linalg.inv(a), np.linalg.solve(a, b), np.linalg.solve(a, b[:, 0]), np.linalg.det(a), sign, logdet

    for x in _layouts(a):
        inv, sol, sol1, det, sign, logdet = square(x, b)
        assert inv.flags.f_contiguous and sol.flags.f_contiguous  # LAPACK's order, as Numba's
        _close(inv, np.linalg.inv(a), dtype)
        assert inv.dtype == np.linalg.inv(a).dtype
        _close(sol, np.linalg.solve(a, b), dtype)
        _close(sol1, np.linalg.solve(a, b[:, 0]), dtype)
        _close(det, np.linalg.det(a), dtype)
        wsign, wlog = np.linalg.slogdet(a)
        _close(sign, wsign, dtype)
        _close(logdet, wlog, dtype)

    L = jit(lambda x: np.linalg.cholesky(x))(s)
    _close(L, np.linalg.cholesky(s), dtype)
    w, v = jit(lambda x: np.linalg.eigh(x))(s)
    _close(w, np.linalg.eigh(s)[0], dtype)
    assert w.dtype == np.linalg.eigh(s)[0].dtype
    _close(s @ v, v * w, dtype)  # eigenvectors up to phase
    _close(jit(lambda x: np.linalg.eigvalsh(x))(s), np.linalg.eigvalsh(s), dtype)

    u, sv, vh = jit(lambda x: np.linalg.svd(x))(r)
    assert (u.shape, sv.shape, vh.shape) == ((5, 5), (3,), (3, 3))
    _close(sv, np.linalg.svd(r)[1], dtype)
    _close((u[:, :3] * sv) @ vh, r, dtype)
    u2, sv2, vh2 = jit(lambda x: np.linalg.svd(x, full_matrices=False))(r.T)
    assert (u2.shape, vh2.shape) == ((3, 3), (3, 5))
    _close((u2 * sv2) @ vh2, r.T, dtype)

    q, rr = jit(lambda x: np.linalg.qr(x))(r)
    wq, wr = np.linalg.qr(r)
    _close(np.abs(q), np.abs(wq), dtype)
    _close(np.abs(rr), np.abs(wr), dtype)
    _close(q @ rr, r, dtype)

    x, res, rank, sing = jit(lambda a, b: np.linalg.lstsq(a, b))(r, _mat((5, 2), dtype, 5))
    wx, wres, wrank, wsing = np.linalg.lstsq(r, _mat((5, 2), dtype, 5))
    _close(x, wx, dtype)
    _close(res, wres, dtype)
    assert rank == wrank
    _close(sing, wsing, dtype)

    _close(jit(lambda x: np.linalg.pinv(x))(r), np.linalg.pinv(r), dtype)
    assert jit(lambda x: np.linalg.matrix_rank(x))(r) == np.linalg.matrix_rank(r)
    _close(jit(lambda x: np.linalg.cond(x))(a), np.linalg.cond(a), dtype)
    _close(jit(lambda x: np.linalg.norm(x))(r), np.linalg.norm(r), dtype)
    _close(jit(lambda x: np.linalg.norm(x, 2))(r), np.linalg.norm(r, 2), dtype)
    _close(jit(lambda x: np.linalg.matrix_power(x, 3))(a), np.linalg.matrix_power(a, 3), dtype)
    _close(jit(lambda x: np.linalg.matrix_power(x, -2))(a), np.linalg.matrix_power(a, -2), dtype)


def test_eig(kilnd):
    from kiln import jit

    s = _mat((4, 4), np.float64)
    s = s + s.T
    w, v = jit(lambda x: np.linalg.eig(x))(s)
    order = np.argsort(w)
    np.testing.assert_allclose(w[order], np.sort(np.linalg.eigvals(s).real), rtol=1e-9)
    np.testing.assert_allclose(s @ v, v * w, atol=1e-9)
    c = _mat((4, 4), np.complex128)
    wc = jit(lambda x: np.linalg.eigvals(x))(c)
    want = np.linalg.eigvals(c)
    np.testing.assert_allclose(np.sort_complex(wc), np.sort_complex(want), rtol=1e-9)
    wc, vc = jit(lambda x: np.linalg.eig(x))(c)
    np.testing.assert_allclose(c @ vc, vc * wc, atol=1e-9)
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])  # complex eigenvalues of a real matrix: refused as Numba does
    with pytest.raises(ValueError, match="domain change"):
        jit(lambda x: np.linalg.eigvals(x))(rot)


def test_errors_are_numpys(kilnd):
    from kiln import jit

    inv = jit(lambda x: np.linalg.inv(x))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        inv(np.ones((3, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        inv(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        jit(lambda a, b: np.linalg.solve(a, b))(np.zeros((2, 2)), np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        jit(lambda x: np.linalg.cholesky(x))(-np.eye(3))
    assert jit(lambda x: np.linalg.det(x))(np.ones((3, 3))) == 0.0
    assert jit(lambda x: np.linalg.inv(x))(np.array([[2, 1], [1, 3]])).dtype == np.float64


_SCRIPT = textwrap.dedent("""
    import numpy as np, kiln
    @kiln.jit
    def f(a, b):
        return np.linalg.solve(a, b), a @ b
    a = np.array([[4.0, 1.0], [2.0, 3.0]])
    try:
        x, y = f(a, np.array([1.0, 2.0]))
        print("ok", np.allclose(x, np.linalg.solve(a, [1.0, 2.0])), np.allclose(y, a @ [1.0, 2.0]))
    except RuntimeError as e:
        print("error", e)
""")


@pytest.mark.parametrize("backend", ["numpy", "system", "none"])
def test_backends(kilnd, backend, tmp_path):
    from kiln import _linalg_backend

    env = dict(os.environ, KILN_LINALG_BACKEND=backend)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    if backend == "none":
        assert "error no BLAS/LAPACK library was found" in out.stdout, out.stdout + out.stderr
        return
    if backend == "system" and _linalg_backend._from_system() is None:
        pytest.skip("no system LAPACK")
    assert out.stdout.strip() == "ok True True", out.stdout + out.stderr
