#ifndef KILN_RUNTIME_CPU_KILN_LINALG_H
#define KILN_RUNTIME_CPU_KILN_LINALG_H
/* Linear algebra of compiled code: np.dot/matmul/@ and np.linalg through the
 * BLAS/LAPACK that the user's NumPy or SciPy already ships (docs/linalg.md).
 *
 * Kiln has no BLAS/LAPACK of its own. The Python client finds one at load
 * time (kiln/_linalg_backend.py) and hands the addresses of the Fortran
 * routines to kiln_linalg_set_backend; compiled code reaches them through
 * the runtime table's `linalg` field, so a compiled object has no undefined
 * symbols. Both integer widths are taken: ILP64 (NumPy 2 wheels'
 * scipy-openblas, `scipy_dgemm_64_`) and LP64 (SciPy's cython_lapack, a
 * system liblapack.so.3).
 *
 * One entry point, `call(op, args, nargs)`: `args` are array descriptors
 * (any strides; at most 2-d); the op reads its inputs, copies them into
 * column-major scratch, calls the routine and writes its outputs into the
 * output arrays (allocated by the caller, kiln/library/numpy_linalg.py, with
 * the shapes NumPy gives). Inputs of an integer or bool dtype are converted
 * to the op's dtype (the dtype of its first output) while copied.
 *
 * It returns 0, or KILN_LINALG_NO_BACKEND when no library was found, or
 * LAPACK's `info` (> 0: singular, not positive definite, no convergence),
 * or KILN_LINALG_DOMAIN (eig of a real matrix with complex eigenvalues),
 * or KILN_LINALG_BAD_ARGS (a descriptor the op does not take; a bug in the
 * library code). */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The dtypes of a descriptor. */
enum {
  KILN_LA_F32 = 0,
  KILN_LA_F64 = 1,
  KILN_LA_C64 = 2,
  KILN_LA_C128 = 3,
  KILN_LA_I64 = 4,
  KILN_LA_I32 = 5,
  KILN_LA_I16 = 6,
  KILN_LA_I8 = 7,
  KILN_LA_U8 = 8, /* and bool */
  KILN_LA_OTHER = 9,
};

typedef struct KilnLinalgArray {
  void* data;
  int64_t dtype; /* KILN_LA_* */
  int64_t ndim;  /* 0, 1 or 2 */
  int64_t shape[2];
  int64_t strides[2]; /* bytes */
} KilnLinalgArray;

/* The operations (kiln.linalg.call's first argument). */
enum {
  KILN_LA_GEMM = 1,     /* a (m,k) or (k), b (k,n) or (k), out (m,n)/(m)/(n)/(1) = a @ b */
  KILN_LA_SOLVE = 2,    /* a (n,n), b (n) or (n,k), out like b */
  KILN_LA_INV = 3,      /* a (n,n), out (n,n) */
  KILN_LA_GETRF = 4,    /* a (n,n), out lu (n,n), out piv int64 (n), 1-based; info > 0 is kept */
  KILN_LA_CHOLESKY = 5, /* a (n,n), out L (n,n) lower */
  KILN_LA_EIGH = 6,     /* a (n,n), out w real (n), out v (n,n); lower triangle */
  KILN_LA_EIGVALSH = 7, /* a (n,n), out w real (n) */
  KILN_LA_EIG = 8,      /* a (n,n), out w (n), out v (n,n); real a: real w, v or DOMAIN */
  KILN_LA_EIGVALS = 9,  /* a (n,n), out w (n) */
  KILN_LA_SVD_FULL = 10,    /* a (m,n), out u (m,m), out s real (k), out vh (n,n) */
  KILN_LA_SVD_REDUCED = 11, /* a (m,n), out u (m,k), out s real (k), out vh (k,n) */
  KILN_LA_SVDVALS = 12,     /* a (m,n), out s real (k) */
  KILN_LA_QR = 13,          /* a (m,n), out q (m,k), out r (k,n) */
  KILN_LA_LSTSQ = 14, /* a (m,n), b (m) or (m,nrhs), out x (n)/(n,nrhs), out s real (k), io float64 (2): rcond in, rank out */
};

enum { KILN_LINALG_NO_BACKEND = -1000, KILN_LINALG_DOMAIN = -1001, KILN_LINALG_BAD_ARGS = -1002, KILN_LINALG_NO_MEMORY = -1003 };

/* The routines the backend provides, in this order, each for s, d, c, z
 * (the complex variants of orgqr and syevd are ungqr and heevd). */
#define KILN_LINALG_ROUTINES(X) X(gemm) X(gesv) X(getrf) X(potrf) X(geqrf) X(orgqr) X(gesdd) X(geev) X(syevd) X(gelsd)
#define KILN_LINALG_ROUTINE_COUNT 10

typedef struct KilnLinalgApi {
  int64_t (*call)(int64_t op, const KilnLinalgArray* args, int64_t nargs);
} KilnLinalgApi;

/* The table the runtime's `linalg` field points at. */
extern const KilnLinalgApi kiln_linalg_table;

int64_t kiln_linalg_call(int64_t op, const KilnLinalgArray* args, int64_t nargs);

/* Installs a backend: `fns` holds 4 * KILN_LINALG_ROUTINE_COUNT addresses
 * (routine-major, then s, d, c, z; NULL where missing), `int_bytes` is 4
 * (LP64) or 8 (ILP64). Returns 0, or -1 for another width. */
int kiln_linalg_set_backend(int int_bytes, void* const* fns, int count);
/* Whether a backend is installed. */
int kiln_linalg_has_backend(void);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_LINALG_H */
