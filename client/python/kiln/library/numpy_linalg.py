"""``numpy.linalg`` and the matrix products (``np.dot``, ``np.vdot``,
``np.matmul`` and ``@``) in the supported Python subset (see
kiln/library/__init__.py), over one compiler primitive,
``kiln.linalg.call(op, a, b, c, d, e)``: a BLAS/LAPACK operation on arrays
of any strides (runtime/cpu/kiln_linalg.h), through the BLAS/LAPACK that
the user's NumPy or SciPy ships (kiln/_linalg_backend.py, docs/linalg.md).

This code checks shapes, allocates the results with NumPy's shapes and
dtypes (integer and bool inputs compute in float64, float32 and complex64
stay single precision) and raises NumPy's errors: ``LinAlgError`` for a
singular matrix, a non-square one, one that is not positive definite.
"""

import numpy as np
from numpy.linalg import LinAlgError

from kiln import _linalg_backend
from kiln.library import implements, primitive

_call = primitive("kiln.linalg.call")
_same_dtype = primitive("kiln.linalg.same_dtype")
_error = primitive("kiln.static.error")

# runtime/cpu/kiln_linalg.h: the ops and the statuses.
_GEMM = 1
_SOLVE = 2
_INV = 3
_GETRF = 4
_CHOLESKY = 5
_EIGH = 6
_EIGVALSH = 7
_EIG = 8
_EIGVALS = 9
_SVD_FULL = 10
_SVD_REDUCED = 11
_SVDVALS = 12
_QR = 13
_LSTSQ = 14
_NO_BACKEND = -1000
_DOMAIN = -1001

_linalg_backend.install()  # the library is imported before anything using it is compiled


def _raise_status(status):
    """The error of a negative status (a positive one is the caller's)."""
    if status == _NO_BACKEND:
        raise RuntimeError("no BLAS/LAPACK library was found for compiled linear algebra "
                           "(Kiln uses the one NumPy or SciPy ships; see docs/linalg.md)")
    if status == _DOMAIN:
        raise ValueError("eig() argument must not cause a domain change.")
    raise RuntimeError("a BLAS/LAPACK call failed: invalid arguments")


def _work(a):
    """A 1-element array of the dtype LAPACK works in for `a`: float64 for
    integers and bools, else a's own (the array operand keeps its dtype
    against the weak 1.0, as NumPy does)."""
    return np.zeros(1, dtype=a.dtype) * 1.0


def _empty(shape, w):
    """Zeros of `shape` with the dtype of the 1-element array `w`."""
    return np.zeros(shape, dtype=w.dtype)


def _fortran(rows, cols, w):
    """Zeros of shape (rows, cols), Fortran-ordered (LAPACK's results are,
    as Numba's), with the dtype of `w`."""
    return np.zeros((cols, rows), dtype=w.dtype).T


def _real(w):
    """A 1-element array of the real dtype of `w` (float32 for complex64)."""
    return np.abs(w)


def _eps(r):
    """Machine epsilon of the real 1-element array `r` (float32 or float64)."""
    if r.itemsize == 4:
        return 1.1920928955078125e-07
    return 2.220446049250313e-16


def _square(a):
    if a.ndim != 2:
        raise LinAlgError("%d-dimensional array given. Array must be at least two-dimensional")
    if a.shape[0] != a.shape[1]:
        raise LinAlgError("Last 2 dimensions of the array must be square.")


# -- products ---------------------------------------------------------------


def _product(a, b):
    """a @ b for 1-d and 2-d arrays, through gemm (integers: a plain loop
    in the runtime), in NumPy's result dtype."""
    z = np.zeros(1, dtype=a.dtype) * np.zeros(1, dtype=b.dtype)
    if a.ndim == 1 and b.ndim == 1:
        if a.shape[0] != b.shape[0]:
            raise ValueError("incompatible array sizes for np.dot(a, b) (vector * vector)")
        out = _empty(1, z)
        st = _call(_GEMM, a, b, out, out, out)
        if st != 0:
            _raise_status(st)
        return out[0]
    if a.ndim == 2 and b.ndim == 1:
        if a.shape[1] != b.shape[0]:
            raise ValueError("incompatible array sizes for np.dot(a, b) (matrix * vector)")
        out = _empty(a.shape[0], z)
        st = _call(_GEMM, a, b, out, out, out)
        if st != 0:
            _raise_status(st)
        return out
    if a.ndim == 1 and b.ndim == 2:
        if a.shape[0] != b.shape[0]:
            raise ValueError("incompatible array sizes for np.dot(a, b) (vector * matrix)")
        out = _empty(b.shape[1], z)
        st = _call(_GEMM, a, b, out, out, out)
        if st != 0:
            _raise_status(st)
        return out
    if a.shape[1] != b.shape[0]:
        raise ValueError("incompatible array sizes for np.dot(a, b) (matrix * matrix)")
    out = _empty((a.shape[0], b.shape[1]), z)
    st = _call(_GEMM, a, b, out, out, out)
    if st != 0:
        _raise_status(st)
    return out


# Operands of two dtypes are refused at compile time, as Numba does
# (NumPy would promote them).
@implements("numpy.dot")
def dot(a, b, out=None):
    _same_dtype("np.dot()", a, b)
    if out is None:
        return _product(a, b)
    # out=: the product is computed apart and then copied in, so an `out`
    # that overlaps a or b gets NumPy's answer. Its dtype must be the
    # product's (refused when compiling, as Numba does).
    if a.ndim == 1 and b.ndim == 1:
        return _error("np.dot(a, b, out) of two vectors is not supported (as in Numba); out is", out)
    r = _product(a, b)
    _same_dtype("np.dot() out=", r, out)
    if out.shape != r.shape:
        raise ValueError("incompatible output array size for np.dot(a, b, out)")
    out[:] = r
    return out


@implements("numpy.matmul")
def matmul(a, b):
    _same_dtype("'@'", a, b)
    return _product(a, b)


@implements("numpy.vdot")
def vdot(a, b):
    _same_dtype("np.vdot()", a, b)
    a1 = np.conj(a.ravel())
    b1 = b.ravel()
    if a1.shape[0] != b1.shape[0]:
        raise ValueError("incompatible array sizes for np.vdot(a, b) (vector * vector)")
    return _product(a1, b1)


# -- np.linalg ----------------------------------------------------------------


@implements("numpy.linalg.inv")
def inv(a):
    _square(a)
    out = _fortran(a.shape[0], a.shape[1], _work(a))
    st = _call(_INV, a, out, out, out, out)
    if st > 0:
        raise LinAlgError("Singular matrix")
    if st != 0:
        _raise_status(st)
    return out


@implements("numpy.linalg.solve")
def solve(a, b):
    _square(a)
    if b.ndim < 1 or b.ndim > 2 or b.shape[0] != a.shape[0]:
        raise ValueError("solve: Input operand 1 has a mismatch in its core dimension 0")
    if b.ndim == 1:
        out = _empty(b.shape[0], _work(a) * _work(b))
    else:
        out = _fortran(b.shape[0], b.shape[1], _work(a) * _work(b))
    st = _call(_SOLVE, a, b, out, out, out)
    if st > 0:
        raise LinAlgError("Singular matrix")
    if st != 0:
        _raise_status(st)
    return out


def _lu(a):
    _square(a)
    n = a.shape[0]
    lu = _empty((n, n), _work(a))
    piv = np.zeros(n, dtype=np.int64)
    st = _call(_GETRF, a, lu, piv, piv, piv)
    if st != 0:
        _raise_status(st)
    return lu, piv


@implements("numpy.linalg.det")
def det(a):
    # NumPy's: sign * exp(logdet) of the LU factorization.
    sign, logdet = slogdet(a)
    return sign * np.exp(logdet)


@implements("numpy.linalg.slogdet")
def slogdet(a):
    lu, piv = _lu(a)
    w = _work(a)
    sign = w + 1.0
    logdet = _real(w)
    for i in range(lu.shape[0]):
        x = lu[i, i]
        ax = np.abs(x)
        if ax == 0:
            return w[0], (logdet - np.inf)[0]
        sign = sign * (x / ax)
        logdet = logdet + np.log(ax)
        if piv[i] != i + 1:
            sign = -sign
    return sign[0], logdet[0]


@implements("numpy.linalg.cholesky")
def cholesky(a):
    _square(a)
    out = _empty(a.shape, _work(a))  # C-ordered, as Numba's cholesky
    st = _call(_CHOLESKY, a, out, out, out, out)
    if st > 0:
        raise LinAlgError("Matrix is not positive definite")
    if st != 0:
        _raise_status(st)
    return out


@implements("numpy.linalg.eigh")
def eigh(a):
    _square(a)
    z = _work(a)
    w = _empty(a.shape[0], _real(z))
    v = _fortran(a.shape[0], a.shape[1], z)
    st = _call(_EIGH, a, w, v, v, v)
    if st > 0:
        raise LinAlgError("Eigenvalues did not converge")
    if st != 0:
        _raise_status(st)
    return w, v


@implements("numpy.linalg.eigvalsh")
def eigvalsh(a):
    _square(a)
    w = _empty(a.shape[0], _real(_work(a)))
    st = _call(_EIGVALSH, a, w, w, w, w)
    if st > 0:
        raise LinAlgError("Eigenvalues did not converge")
    if st != 0:
        _raise_status(st)
    return w


@implements("numpy.linalg.eig")
def eig(a):
    _square(a)
    z = _work(a)
    w = _empty(a.shape[0], z)
    v = _fortran(a.shape[0], a.shape[1], z)
    st = _call(_EIG, a, w, v, v, v)
    if st > 0:
        raise LinAlgError("Eigenvalues did not converge")
    if st != 0:
        _raise_status(st)
    return w, v


@implements("numpy.linalg.eigvals")
def eigvals(a):
    _square(a)
    w = _empty(a.shape[0], _work(a))
    st = _call(_EIGVALS, a, w, w, w, w)
    if st > 0:
        raise LinAlgError("Eigenvalues did not converge")
    if st != 0:
        _raise_status(st)
    return w


def _svdvals(a):
    if a.ndim != 2:
        raise LinAlgError("Array must be at least two-dimensional")
    k = min(a.shape[0], a.shape[1])
    s = _empty(k, _real(_work(a)))
    st = _call(_SVDVALS, a, s, s, s, s)
    if st > 0:
        raise LinAlgError("SVD did not converge")
    if st != 0:
        _raise_status(st)
    return s


@implements("numpy.linalg.svd")
def svd(a, full_matrices=True):
    if a.ndim != 2:
        raise LinAlgError("Array must be at least two-dimensional")
    z = _work(a)
    m = a.shape[0]
    n = a.shape[1]
    k = min(m, n)
    s = _empty(k, _real(z))
    if full_matrices:
        u = _fortran(m, m, z)
        vh = _fortran(n, n, z)
        st = _call(_SVD_FULL, a, u, s, vh, vh)
    else:
        u = _fortran(m, k, z)
        vh = _fortran(k, n, z)
        st = _call(_SVD_REDUCED, a, u, s, vh, vh)
    if st > 0:
        raise LinAlgError("SVD did not converge")
    if st != 0:
        _raise_status(st)
    return u, s, vh


@implements("numpy.linalg.qr")
def qr(a):
    if a.ndim != 2:
        raise LinAlgError("Array must be at least two-dimensional")
    z = _work(a)
    k = min(a.shape[0], a.shape[1])
    q = _fortran(a.shape[0], k, z)
    r = _fortran(k, a.shape[1], z)
    st = _call(_QR, a, q, r, r, r)
    if st != 0:
        _raise_status(st)
    return q, r


@implements("numpy.linalg.lstsq")
def lstsq(a, b, rcond=None):
    if a.ndim != 2:
        raise LinAlgError("Array must be at least two-dimensional")
    if b.ndim < 1 or b.ndim > 2 or b.shape[0] != a.shape[0]:
        raise LinAlgError("Incompatible dimensions")
    z = _work(a) * _work(b)
    m = a.shape[0]
    n = a.shape[1]
    io = np.zeros(2)
    if rcond is None:
        io[0] = _eps(_real(z)) * max(m, n)
    else:
        io[0] = rcond
    if b.ndim == 1:
        x = _empty(n, z)
    else:
        x = _fortran(n, b.shape[1], z)
    s = _empty(min(m, n), _real(z))
    st = _call(_LSTSQ, a, b, x, s, io)
    if st > 0:
        raise LinAlgError("SVD did not converge in Linear Least Squares")
    if st != 0:
        _raise_status(st)
    rank = int(io[1])
    # NumPy's residuals: the squared norms of the columns of b - a @ x, only
    # when a has full column rank and more rows than columns; else empty.
    if rank == n and m > n:
        r = b - _product(a, x)
        if b.ndim == 1:
            res = _empty(1, _real(z))
            res[0] = np.sum(np.abs(r) ** 2)
        else:
            res = _empty(b.shape[1], _real(z))
            for j in range(b.shape[1]):
                res[j] = np.sum(np.abs(r[:, j]) ** 2)
    else:
        res = _empty(0, _real(z))
    return x, res, rank, s


@implements("numpy.linalg.pinv")
def pinv(a, rcond=1e-15):
    # NumPy's: V diag(1/s) U^H of the reduced SVD, singular values at most
    # rcond * max(s) dropped.
    u, s, vh = svd(a, False)
    k = s.shape[0]
    if k == 0:
        return _empty((a.shape[1], a.shape[0]), _work(a))
    cutoff = rcond * np.max(s)
    sinv = np.zeros(k, dtype=s.dtype)
    for j in range(k):
        if s[j] > cutoff:
            sinv[j] = 1.0 / s[j]
    return _product(np.conj(vh).T * sinv, np.conj(u).T)


@implements("numpy.linalg.matrix_rank")
def matrix_rank(A, tol=None):
    if A.ndim < 2:
        return int(not np.all(A == 0))
    s = _svdvals(A)
    if s.shape[0] == 0:
        return 0
    if tol is None:
        t = np.max(s) * max(A.shape[0], A.shape[1]) * _eps(s)
    else:
        t = tol
    r = 0
    for i in range(s.shape[0]):
        if s[i] > t:
            r += 1
    return r


@implements("numpy.linalg.norm")
def norm(x, ord=None):
    if x.ndim == 1:
        if ord is None:
            return np.sqrt(np.sum(np.abs(x) ** 2) * 1.0)
        if ord == np.inf:
            return np.max(np.abs(x)) * 1.0
        if ord == -np.inf:
            return np.min(np.abs(x)) * 1.0
        if ord == 0:
            return np.sum(x != 0) * 1.0
        if ord == 1:
            return np.sum(np.abs(x)) * 1.0
        if ord == 2:
            return np.sqrt(np.sum(np.abs(x) ** 2) * 1.0)
        return np.sum(np.abs(x) ** ord) ** (1.0 / ord)
    if x.ndim != 2:
        raise ValueError("Improper number of dimensions to norm.")
    if ord is None:
        return np.sqrt(np.sum(np.abs(x) ** 2) * 1.0)
    if ord == 2:
        s = _svdvals(x)
        return np.max(s) * 1.0
    if ord == -2:
        s = _svdvals(x)
        return np.min(s) * 1.0
    if ord == 1:
        return np.max(np.sum(np.abs(x), axis=0)) * 1.0
    if ord == -1:
        return np.min(np.sum(np.abs(x), axis=0)) * 1.0
    if ord == np.inf:
        return np.max(np.sum(np.abs(x), axis=1)) * 1.0
    if ord == -np.inf:
        return np.min(np.sum(np.abs(x), axis=1)) * 1.0
    raise ValueError("Invalid norm order for matrices.")


@implements("numpy.linalg.cond")
def cond(x, p=None):
    if p is None or p == 2 or p == -2:
        s = _svdvals(x)
        if p == -2:
            return s[s.shape[0] - 1] / s[0]
        return s[0] / s[s.shape[0] - 1]
    return norm(x, p) * norm(inv(x), p)


@implements("numpy.linalg.matrix_power")
def matrix_power(a, n):
    _square(a)
    if n == 0:
        out = np.zeros(a.shape, dtype=a.dtype)
        for i in range(a.shape[0]):
            out[i, i] = 1
        return out
    if n < 0:
        b = inv(a)
        n = -n
    else:
        b = a.copy()
    # Binary powering, as NumPy: integers stay integers (np.dot's loop).
    result = b
    first = True
    while n > 0:
        if n & 1:
            if first:
                result = b.copy()
                first = False
            else:
                result = _product(result, b)
        n >>= 1
        if n > 0:
            b = _product(b, b)
    return result
