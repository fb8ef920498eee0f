/* Linear algebra through the BLAS/LAPACK the client found (kiln_linalg.h).
 *
 * Integer arguments: every integer the routines read or write is held here
 * in an int64_t and passed by address. An LP64 routine reads (and writes)
 * the low 4 bytes of it, which on this little-endian target is the value
 * itself; what it writes back is read through readInt(). Integer arrays
 * (pivots, iwork) are allocated at 8 bytes an element and read with the
 * backend's width. Single-character arguments are followed by their hidden
 * Fortran length (1), which a C implementation ignores. */
#include "kiln_linalg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { R_GEMM, R_GESV, R_GETRF, R_POTRF, R_GEQRF, R_ORGQR, R_GESDD, R_GEEV, R_SYEVD, R_GELSD };

static int g_int_bytes = 0; /* 0: no backend */
static void* g_fns[4 * KILN_LINALG_ROUTINE_COUNT];

int kiln_linalg_set_backend(int int_bytes, void* const* fns, int count) {
  if ((int_bytes != 4 && int_bytes != 8) || count != 4 * KILN_LINALG_ROUTINE_COUNT) return -1;
  memcpy(g_fns, fns, sizeof(g_fns));
  g_int_bytes = int_bytes;
  return 0;
}

int kiln_linalg_has_backend(void) { return g_int_bytes != 0; }

static void* fn(int routine, int64_t t) { return g_fns[routine * 4 + t]; }

static int64_t readInt(int64_t v) { return g_int_bytes == 4 ? (int64_t)(int32_t)v : v; }
static int64_t readIntAt(const void* base, int64_t k) {
  if (g_int_bytes == 4) return ((const int32_t*)base)[k];
  return ((const int64_t*)base)[k];
}

typedef void* P;
typedef size_t L;
/* The Fortran interfaces, by the number of pointer arguments and hidden
 * lengths. */
typedef void (*gemm_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, L, L);
typedef void (*gesv_fn)(P, P, P, P, P, P, P, P);
typedef void (*getrf_fn)(P, P, P, P, P, P);
typedef void (*potrf_fn)(P, P, P, P, P, L);
typedef void (*geqrf_fn)(P, P, P, P, P, P, P, P);
typedef void (*orgqr_fn)(P, P, P, P, P, P, P, P, P);
typedef void (*gesdd_r_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P, L);
typedef void (*gesdd_c_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, L);
typedef void (*geev_r_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P, L, L);
typedef void (*geev_c_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P, L, L);
typedef void (*syevd_fn)(P, P, P, P, P, P, P, P, P, P, P, L, L);
typedef void (*heevd_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, L, L);
typedef void (*gelsd_r_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P);
typedef void (*gelsd_c_fn)(P, P, P, P, P, P, P, P, P, P, P, P, P, P, P);

static int64_t esize(int64_t t) {
  static const int64_t sizes[] = {4, 8, 8, 16, 8, 4, 2, 1, 1, 0};
  return t >= 0 && t <= KILN_LA_OTHER ? sizes[t] : 0;
}
static int isComplex(int64_t t) { return t == KILN_LA_C64 || t == KILN_LA_C128; }
static int64_t realOf(int64_t t) { return t == KILN_LA_C64 ? KILN_LA_F32 : t == KILN_LA_C128 ? KILN_LA_F64 : t; }

static void load(const char* p, int64_t t, double* re, double* im) {
  *im = 0.0;
  switch (t) {
    case KILN_LA_F32: *re = *(const float*)p; break;
    case KILN_LA_F64: *re = *(const double*)p; break;
    case KILN_LA_C64: *re = ((const float*)p)[0]; *im = ((const float*)p)[1]; break;
    case KILN_LA_C128: *re = ((const double*)p)[0]; *im = ((const double*)p)[1]; break;
    case KILN_LA_I64: *re = (double)*(const int64_t*)p; break;
    case KILN_LA_I32: *re = *(const int32_t*)p; break;
    case KILN_LA_I16: *re = *(const int16_t*)p; break;
    case KILN_LA_I8: *re = *(const int8_t*)p; break;
    default: *re = *(const uint8_t*)p; break;
  }
}

static void store(char* p, int64_t t, double re, double im) {
  switch (t) {
    case KILN_LA_F32: *(float*)p = (float)re; break;
    case KILN_LA_F64: *(double*)p = re; break;
    case KILN_LA_C64: ((float*)p)[0] = (float)re; ((float*)p)[1] = (float)im; break;
    case KILN_LA_C128: ((double*)p)[0] = re; ((double*)p)[1] = im; break;
    case KILN_LA_I64: *(int64_t*)p = (int64_t)re; break;
    case KILN_LA_I32: *(int32_t*)p = (int32_t)(int64_t)re; break;
    case KILN_LA_I16: *(int16_t*)p = (int16_t)(int64_t)re; break;
    case KILN_LA_I8: *(int8_t*)p = (int8_t)(int64_t)re; break;
    case KILN_LA_U8: *(uint8_t*)p = (uint8_t)(int64_t)re; break;
    default: break;
  }
}

/* An integer element as int64 (bool as 0/1). */
static int64_t loadInt(const char* p, int64_t t) {
  switch (t) {
    case KILN_LA_I64: return *(const int64_t*)p;
    case KILN_LA_I32: return *(const int32_t*)p;
    case KILN_LA_I16: return *(const int16_t*)p;
    case KILN_LA_I8: return *(const int8_t*)p;
    default: return *(const uint8_t*)p;
  }
}

static void storeInt(char* p, int64_t t, int64_t v) {
  switch (t) {
    case KILN_LA_I64: *(int64_t*)p = v; break;
    case KILN_LA_I32: *(int32_t*)p = (int32_t)v; break;
    case KILN_LA_I16: *(int16_t*)p = (int16_t)v; break;
    case KILN_LA_I8: *(int8_t*)p = (int8_t)v; break;
    default: *(uint8_t*)p = (uint8_t)(t == KILN_LA_U8 ? v : v != 0); break;
  }
}

static int isInt(int64_t t) { return t >= KILN_LA_I64 && t <= KILN_LA_U8; }

/* A descriptor seen as a rows x cols matrix (a 1-d one as a row or a
 * column, a 0-d one as 1 x 1). */
typedef struct View {
  char* data;
  int64_t dtype;
  int64_t rs, cs;
} View;

static int view2d(const KilnLinalgArray* a, int64_t rows, int64_t cols, View* v) {
  v->data = (char*)a->data;
  v->dtype = a->dtype;
  if (a->ndim == 2) {
    if (a->shape[0] != rows || a->shape[1] != cols) return 0;
    v->rs = a->strides[0];
    v->cs = a->strides[1];
    return 1;
  }
  if (a->ndim == 1) {
    if (a->shape[0] != rows * cols || (rows != 1 && cols != 1)) return 0;
    v->rs = rows == 1 ? 0 : a->strides[0];
    v->cs = rows == 1 ? a->strides[0] : 0;
    return 1;
  }
  if (a->ndim == 0 && rows == 1 && cols == 1) {
    v->rs = v->cs = 0;
    return 1;
  }
  return 0;
}

/* dst (column-major, leading dimension ld, dtype t) = src. */
static void copyIn(const View* src, int64_t rows, int64_t cols, int64_t t, char* dst, int64_t ld) {
  const int64_t es = esize(t);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) {
      const char* s = src->data + i * src->rs + j * src->cs;
      char* d = dst + (i + j * ld) * es;
      if (src->dtype == t) {
        memcpy(d, s, (size_t)es);
      } else {
        double re, im;
        load(s, src->dtype, &re, &im);
        store(d, t, re, im);
      }
    }
}

/* dst = src (column-major, leading dimension ld, dtype t). */
static void copyOut(const char* src, int64_t ld, int64_t rows, int64_t cols, int64_t t, const View* dst) {
  const int64_t es = esize(t);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) {
      const char* s = src + (i + j * ld) * es;
      char* d = dst->data + i * dst->rs + j * dst->cs;
      if (dst->dtype == t) {
        memcpy(d, s, (size_t)es);
      } else {
        double re, im;
        load(s, t, &re, &im);
        store(d, dst->dtype, re, im);
      }
    }
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* A column-major scratch matrix (at least one element, zeroed). */
static char* scratch(int64_t rows, int64_t cols, int64_t t) {
  int64_t n = max64(rows, 1) * max64(cols, 1);
  return (char*)calloc((size_t)n, (size_t)esize(t));
}

/* The size a workspace query returned in its first element. */
static int64_t querySize(const char* work, int64_t t) {
  double re, im;
  load(work, t, &re, &im);
  return max64(1, (int64_t)(re * 1.0000001) + 1);
}

static int validFloat(int64_t t) { return t >= KILN_LA_F32 && t <= KILN_LA_C128; }

#define NEED(cond)                      \
  do {                                  \
    if (!(cond)) {                      \
      status = KILN_LINALG_BAD_ARGS;    \
      goto done;                        \
    }                                   \
  } while (0)
#define ALLOC(ptr, expr)                \
  do {                                  \
    ptr = (expr);                       \
    if (ptr == NULL) {                  \
      status = KILN_LINALG_NO_MEMORY;   \
      goto done;                        \
    }                                   \
  } while (0)

/* How BLAS can use v (rows x cols, dtype t) where it lies, with no copy:
 * *trans 'N' when its memory is a column-major rows x cols matrix with
 * leading dimension *ld, 'T' when it is the column-major cols x rows
 * transpose (a row-major matrix). 0 when it needs a copy: another dtype, a
 * misaligned address, or negative, zero or partial-element strides. The
 * stride of a single row or column is never used, so it counts as packed. */
static int blasLayout(const View* v, int64_t rows, int64_t cols, int64_t t, char* trans, int64_t* ld) {
  const int64_t es = esize(t);
  if (v->dtype != t || es == 0) return 0;
  const int64_t align = isComplex(t) ? es / 2 : es;
  if ((uintptr_t)v->data % (uintptr_t)align != 0) return 0;
  const int64_t rs = rows == 1 ? es : v->rs, cs = cols == 1 ? es : v->cs;
  if (rs == es && cs > 0 && cs % es == 0 && cs / es >= max64(1, rows)) {
    *trans = 'N';
    *ld = cs / es;
    return 1;
  }
  if (cs == es && rs > 0 && rs % es == 0 && rs / es >= max64(1, cols)) {
    *trans = 'T';
    *ld = rs / es;
    return 1;
  }
  return 0;
}

/* The bytes v spans (rows, cols >= 1; strides of any sign). */
static void spanOf(const View* v, int64_t rows, int64_t cols, int64_t es, uintptr_t* lo, uintptr_t* hi) {
  const int64_t dr = (rows - 1) * v->rs, dc = (cols - 1) * v->cs;
  const int64_t first = (dr < 0 ? dr : 0) + (dc < 0 ? dc : 0);
  const int64_t last = (dr > 0 ? dr : 0) + (dc > 0 ? dc : 0) + es;
  *lo = (uintptr_t)v->data + (uintptr_t)first;
  *hi = (uintptr_t)v->data + (uintptr_t)last;
}

static int overlaps(const View* x, int64_t xr, int64_t xc, const View* y, int64_t yr, int64_t yc, int64_t es) {
  uintptr_t xl, xh, yl, yh;
  spanOf(x, xr, xc, es, &xl, &xh);
  spanOf(y, yr, yc, es, &yl, &yh);
  return xl < yh && yl < xh;
}

static char flip(char trans) { return trans == 'N' ? 'T' : 'N'; }

static int64_t gemm(const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *B = NULL, *C = NULL;
  if (nargs < 3) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *b = &args[1], *c = &args[2];
  const int64_t t = c->dtype;
  NEED((validFloat(t) || isInt(t)) && a->ndim >= 1 && b->ndim >= 1);
  int64_t m = a->ndim == 2 ? a->shape[0] : 1, k = a->ndim == 2 ? a->shape[1] : a->shape[0];
  int64_t kb = b->shape[0], n = b->ndim == 2 ? b->shape[1] : 1;
  NEED(k == kb);
  View va, vb, vc;
  NEED(view2d(a, m, k, &va) && view2d(b, k, n, &vb) && view2d(c, m, n, &vc));
  if (m == 0 || n == 0) return 0;
  if (isInt(t)) {  /* integers: a plain loop, wrapping as NumPy's */
    NEED(isInt(a->dtype) && isInt(b->dtype));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        uint64_t acc = 0;
        for (int64_t q = 0; q < k; ++q)
          acc += (uint64_t)loadInt(va.data + i * va.rs + q * va.cs, a->dtype) *
                 (uint64_t)loadInt(vb.data + q * vb.rs + j * vb.cs, b->dtype);
        storeInt(vc.data + i * vc.rs + j * vc.cs, t, (int64_t)acc);
      }
    return 0;
  }
  if (k == 0) {  /* an empty sum: zeros */
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) store(vc.data + i * vc.rs + j * vc.cs, t, 0.0, 0.0);
    return 0;
  }
  /* Each operand is used where it lies when BLAS can read it there (an
   * array of the product's dtype with unit strides along one axis: C or
   * Fortran order, or a slice of one), else copied into a column-major
   * scratch matrix. The result is written in place when it can be and does
   * not overlap an operand. */
  const int64_t es = esize(t);
  char ta, tb, tc;
  int64_t lda, ldb, ldc;
  const char *pa = va.data, *pb = vb.data;
  char* pc = vc.data;
  if (!blasLayout(&va, m, k, t, &ta, &lda)) {
    ALLOC(A, scratch(m, k, t));
    copyIn(&va, m, k, t, A, m);
    pa = A, ta = 'N', lda = m;
  }
  if (!blasLayout(&vb, k, n, t, &tb, &ldb)) {
    ALLOC(B, scratch(k, n, t));
    copyIn(&vb, k, n, t, B, k);
    pb = B, tb = 'N', ldb = k;
  }
  if (!blasLayout(&vc, m, n, t, &tc, &ldc) || overlaps(&vc, m, n, &va, m, k, es) ||
      overlaps(&vc, m, n, &vb, k, n, es)) {
    ALLOC(C, scratch(m, n, t));
    pc = C, tc = 'N', ldc = m;
  }
  double alpha[2], beta[2];
  store((char*)alpha, t, 1.0, 0.0);
  store((char*)beta, t, 0.0, 0.0);
  gemm_fn call = (gemm_fn)fn(R_GEMM, t);
  if (tc == 'N') {  /* C = op(A) op(B), column-major */
    char xa[2] = {ta, 0}, xb[2] = {tb, 0};
    call(xa, xb, &m, &n, &k, alpha, (P)pa, &lda, (P)pb, &ldb, beta, pc, &ldc, 1, 1);
  } else {  /* C's memory is C^T, column-major: C^T = B^T A^T */
    char xb[2] = {flip(tb), 0}, xa[2] = {flip(ta), 0};
    call(xb, xa, &n, &m, &k, alpha, (P)pb, &ldb, (P)pa, &lda, beta, pc, &ldc, 1, 1);
  }
  if (C != NULL) copyOut(C, m, m, n, t, &vc);
done:
  free(A);
  free(B);
  free(C);
  return status;
}

/* solve and inv: gesv. */
static int64_t gesv(int64_t op, const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *B = NULL, *piv = NULL;
  if (nargs < (op == KILN_LA_INV ? 2 : 3)) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray* a = &args[0];
  const KilnLinalgArray* out = &args[op == KILN_LA_INV ? 1 : 2];
  const int64_t t = out->dtype;
  NEED(validFloat(t) && a->ndim == 2);
  int64_t n = a->shape[0], nrhs = n;
  View va, vb, vo;
  NEED(view2d(a, n, n, &va));
  if (op == KILN_LA_SOLVE) {
    const KilnLinalgArray* b = &args[1];
    NEED(b->ndim >= 1 && b->shape[0] == n);
    nrhs = b->ndim == 2 ? b->shape[1] : 1;
    NEED(view2d(b, n, nrhs, &vb));
  }
  NEED(view2d(out, n, nrhs, &vo));
  if (n == 0 || nrhs == 0) return 0;
  ALLOC(A, scratch(n, n, t));
  ALLOC(B, scratch(n, nrhs, t));
  ALLOC(piv, (char*)calloc((size_t)n, 8));
  copyIn(&va, n, n, t, A, n);
  if (op == KILN_LA_SOLVE) {
    copyIn(&vb, n, nrhs, t, B, n);
  } else {
    for (int64_t i = 0; i < n; ++i) store(B + (i + i * n) * esize(t), t, 1.0, 0.0);
  }
  int64_t info = 0, lda = n, ldb = n;
  ((gesv_fn)fn(R_GESV, t))(&n, &nrhs, A, &lda, piv, B, &ldb, &info);
  status = readInt(info);
  if (status == 0) copyOut(B, n, n, nrhs, t, &vo);
done:
  free(A);
  free(B);
  free(piv);
  return status;
}

static int64_t getrf(const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *piv = NULL;
  if (nargs < 3) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *lu = &args[1], *p = &args[2];
  const int64_t t = lu->dtype;
  NEED(validFloat(t) && a->ndim == 2 && p->dtype == KILN_LA_I64 && p->ndim == 1);
  int64_t n = a->shape[0];
  View va, vlu;
  NEED(view2d(a, n, n, &va) && view2d(lu, n, n, &vlu) && p->shape[0] == n);
  if (n == 0) return 0;
  ALLOC(A, scratch(n, n, t));
  ALLOC(piv, (char*)calloc((size_t)n, 8));
  copyIn(&va, n, n, t, A, n);
  int64_t info = 0, lda = n;
  ((getrf_fn)fn(R_GETRF, t))(&n, &n, A, &lda, piv, &info);
  status = readInt(info);
  if (status < 0) goto done;
  status = 0;  /* a zero pivot is a zero determinant, not an error */
  copyOut(A, n, n, n, t, &vlu);
  for (int64_t i = 0; i < n; ++i) *(int64_t*)((char*)p->data + i * p->strides[0]) = readIntAt(piv, i);
done:
  free(A);
  free(piv);
  return status;
}

static int64_t potrf(const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char* A = NULL;
  if (nargs < 2) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *l = &args[1];
  const int64_t t = l->dtype;
  NEED(validFloat(t) && a->ndim == 2);
  int64_t n = a->shape[0];
  View va, vl;
  NEED(view2d(a, n, n, &va) && view2d(l, n, n, &vl));
  if (n == 0) return 0;
  ALLOC(A, scratch(n, n, t));
  copyIn(&va, n, n, t, A, n);
  int64_t info = 0, lda = n;
  ((potrf_fn)fn(R_POTRF, t))("L", &n, A, &lda, &info, 1);
  status = readInt(info);
  if (status != 0) goto done;
  for (int64_t j = 1; j < n; ++j)
    for (int64_t i = 0; i < j; ++i) store(A + (i + j * n) * esize(t), t, 0.0, 0.0);
  copyOut(A, n, n, n, t, &vl);
done:
  free(A);
  return status;
}

static int64_t eigh(int64_t op, const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *w = NULL, *work = NULL, *rwork = NULL, *iwork = NULL;
  const int vectors = op == KILN_LA_EIGH;
  if (nargs < (vectors ? 3 : 2)) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *wo = &args[1], *vo = vectors ? &args[2] : NULL;
  const int64_t t = vectors ? vo->dtype : a->dtype == KILN_LA_F32 || isComplex(a->dtype) ? a->dtype : KILN_LA_F64;
  const int64_t rt = realOf(t);
  NEED(validFloat(t) && a->ndim == 2);
  int64_t n = a->shape[0];
  View va, vw, vv;
  NEED(view2d(a, n, n, &va) && view2d(wo, 1, n, &vw) && (!vectors || view2d(vo, n, n, &vv)));
  if (n == 0) return 0;
  ALLOC(A, scratch(n, n, t));
  ALLOC(w, scratch(n, 1, rt));
  copyIn(&va, n, n, t, A, n);
  int64_t info = 0, lda = n, lwork = -1, lrwork = -1, liwork = -1;
  char qwork[16] = {0}, qrwork[16] = {0};
  int64_t qiwork = 0;
  const char* jobz = vectors ? "V" : "N";
  if (isComplex(t))
    ((heevd_fn)fn(R_SYEVD, t))((P)jobz, "L", &n, A, &lda, w, qwork, &lwork, qrwork, &lrwork, &qiwork, &liwork, &info, 1, 1);
  else
    ((syevd_fn)fn(R_SYEVD, t))((P)jobz, "L", &n, A, &lda, w, qwork, &lwork, &qiwork, &liwork, &info, 1, 1);
  status = readInt(info);
  if (status != 0) goto done;
  lwork = querySize(qwork, t);
  liwork = max64(1, readInt(qiwork));
  lrwork = isComplex(t) ? querySize(qrwork, rt) : 1;
  ALLOC(work, scratch(lwork, 1, t));
  ALLOC(rwork, scratch(lrwork, 1, rt));
  ALLOC(iwork, (char*)calloc((size_t)liwork, 8));
  if (isComplex(t))
    ((heevd_fn)fn(R_SYEVD, t))((P)jobz, "L", &n, A, &lda, w, work, &lwork, rwork, &lrwork, iwork, &liwork, &info, 1, 1);
  else
    ((syevd_fn)fn(R_SYEVD, t))((P)jobz, "L", &n, A, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  status = readInt(info);
  if (status != 0) goto done;
  copyOut(w, 1, 1, n, rt, &vw);
  if (vectors) copyOut(A, n, n, n, t, &vv);
done:
  free(A);
  free(w);
  free(work);
  free(rwork);
  free(iwork);
  return status;
}

static int64_t eig(int64_t op, const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *wr = NULL, *wi = NULL, *vr = NULL, *work = NULL, *rwork = NULL;
  const int vectors = op == KILN_LA_EIG;
  if (nargs < (vectors ? 3 : 2)) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *wo = &args[1], *vo = vectors ? &args[2] : NULL;
  const int64_t t = wo->dtype;
  NEED(validFloat(t) && a->ndim == 2);
  int64_t n = a->shape[0];
  View va, vw, vv;
  NEED(view2d(a, n, n, &va) && view2d(wo, 1, n, &vw) && (!vectors || view2d(vo, n, n, &vv)));
  if (n == 0) return 0;
  ALLOC(A, scratch(n, n, t));
  ALLOC(wr, scratch(n, 1, t));
  ALLOC(wi, scratch(n, 1, t));
  ALLOC(vr, scratch(n, n, t));
  ALLOC(rwork, scratch(2 * n, 1, realOf(t)));
  copyIn(&va, n, n, t, A, n);
  int64_t info = 0, lda = n, ldvl = 1, ldvr = n, lwork = -1;
  char qwork[16] = {0}, vl[16] = {0};
  const char* jobvr = vectors ? "V" : "N";
  if (isComplex(t))
    ((geev_c_fn)fn(R_GEEV, t))("N", (P)jobvr, &n, A, &lda, wr, vl, &ldvl, vr, &ldvr, qwork, &lwork, rwork, &info, 1, 1);
  else
    ((geev_r_fn)fn(R_GEEV, t))("N", (P)jobvr, &n, A, &lda, wr, wi, vl, &ldvl, vr, &ldvr, qwork, &lwork, &info, 1, 1);
  status = readInt(info);
  if (status != 0) goto done;
  lwork = querySize(qwork, t);
  ALLOC(work, scratch(lwork, 1, t));
  if (isComplex(t))
    ((geev_c_fn)fn(R_GEEV, t))("N", (P)jobvr, &n, A, &lda, wr, vl, &ldvl, vr, &ldvr, work, &lwork, rwork, &info, 1, 1);
  else
    ((geev_r_fn)fn(R_GEEV, t))("N", (P)jobvr, &n, A, &lda, wr, wi, vl, &ldvl, vr, &ldvr, work, &lwork, &info, 1, 1);
  status = readInt(info);
  if (status != 0) goto done;
  if (!isComplex(t))
    for (int64_t i = 0; i < n; ++i) {
      double re, im;
      load(wi + i * esize(t), t, &re, &im);
      if (re != 0.0) {
        status = KILN_LINALG_DOMAIN;
        goto done;
      }
    }
  copyOut(wr, 1, 1, n, t, &vw);
  if (vectors) copyOut(vr, n, n, n, t, &vv);
done:
  free(A);
  free(wr);
  free(wi);
  free(vr);
  free(work);
  free(rwork);
  return status;
}

static int64_t gesdd(int64_t op, const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *s = NULL, *U = NULL, *VT = NULL, *work = NULL, *rwork = NULL, *iwork = NULL;
  const int vectors = op != KILN_LA_SVDVALS, full = op == KILN_LA_SVD_FULL;
  if (nargs < (vectors ? 4 : 2)) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray* a = &args[0];
  const KilnLinalgArray* so = &args[vectors ? 2 : 1];
  const int64_t t = vectors ? args[1].dtype : isComplex(a->dtype) || a->dtype == KILN_LA_F32 ? a->dtype : KILN_LA_F64;
  const int64_t rt = realOf(t);
  NEED(validFloat(t) && a->ndim == 2);
  int64_t m = a->shape[0], n = a->shape[1], k = min64(m, n);
  int64_t ucols = full ? m : k, vrows = full ? n : k;
  View va, vs, vu, vv;
  NEED(view2d(a, m, n, &va) && view2d(so, 1, k, &vs));
  if (vectors) NEED(view2d(&args[1], m, ucols, &vu) && view2d(&args[3], vrows, n, &vv));
  ALLOC(U, scratch(m, ucols, t));
  ALLOC(VT, scratch(vrows, n, t));
  if (k == 0) {  /* nothing to factor: U and V^H are identities */
    for (int64_t i = 0; i < min64(m, ucols); ++i) store(U + (i + i * m) * esize(t), t, 1.0, 0.0);
    for (int64_t i = 0; i < min64(vrows, n); ++i) store(VT + (i + i * max64(vrows, 1)) * esize(t), t, 1.0, 0.0);
    if (vectors) {
      copyOut(U, max64(m, 1), m, ucols, t, &vu);
      copyOut(VT, max64(vrows, 1), vrows, n, t, &vv);
    }
    goto done;
  }
  ALLOC(A, scratch(m, n, t));
  ALLOC(s, scratch(k, 1, rt));
  ALLOC(iwork, (char*)calloc((size_t)(8 * k), 8));
  int64_t mx = max64(m, n);
  int64_t lrwork = vectors ? max64(5 * k * k + 5 * k, 2 * mx * k + 2 * k * k + k) : 7 * k;
  ALLOC(rwork, scratch(max64(lrwork, 1), 1, rt));
  copyIn(&va, m, n, t, A, m);
  int64_t info = 0, lda = m, ldu = m, ldvt = max64(vrows, 1), lwork = -1;
  if (!vectors) ldu = ldvt = 1;
  char qwork[16] = {0};
  const char* jobz = full ? "A" : vectors ? "S" : "N";
  if (isComplex(t))
    ((gesdd_c_fn)fn(R_GESDD, t))((P)jobz, &m, &n, A, &lda, s, U, &ldu, VT, &ldvt, qwork, &lwork, rwork, iwork, &info, 1);
  else
    ((gesdd_r_fn)fn(R_GESDD, t))((P)jobz, &m, &n, A, &lda, s, U, &ldu, VT, &ldvt, qwork, &lwork, iwork, &info, 1);
  status = readInt(info);
  if (status != 0) goto done;
  lwork = querySize(qwork, t);
  ALLOC(work, scratch(lwork, 1, t));
  if (isComplex(t))
    ((gesdd_c_fn)fn(R_GESDD, t))((P)jobz, &m, &n, A, &lda, s, U, &ldu, VT, &ldvt, work, &lwork, rwork, iwork, &info, 1);
  else
    ((gesdd_r_fn)fn(R_GESDD, t))((P)jobz, &m, &n, A, &lda, s, U, &ldu, VT, &ldvt, work, &lwork, iwork, &info, 1);
  status = readInt(info);
  if (status != 0) goto done;
  copyOut(s, 1, 1, k, rt, &vs);
  if (vectors) {
    copyOut(U, m, m, ucols, t, &vu);
    copyOut(VT, ldvt, vrows, n, t, &vv);
  }
done:
  free(A);
  free(s);
  free(U);
  free(VT);
  free(work);
  free(rwork);
  free(iwork);
  return status;
}

static int64_t qr(const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *tau = NULL, *work = NULL;
  if (nargs < 3) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *qo = &args[1], *ro = &args[2];
  const int64_t t = qo->dtype;
  NEED(validFloat(t) && a->ndim == 2);
  int64_t m = a->shape[0], n = a->shape[1], k = min64(m, n);
  View va, vq, vr;
  NEED(view2d(a, m, n, &va) && view2d(qo, m, k, &vq) && view2d(ro, k, n, &vr));
  if (m == 0 || n == 0) return 0;
  ALLOC(A, scratch(m, n, t));
  ALLOC(tau, scratch(k, 1, t));
  copyIn(&va, m, n, t, A, m);
  int64_t info = 0, lda = m, lwork = -1;
  char qwork[16] = {0};
  ((geqrf_fn)fn(R_GEQRF, t))(&m, &n, A, &lda, tau, qwork, &lwork, &info);
  int64_t lw1 = querySize(qwork, t);
  lwork = -1;
  ((orgqr_fn)fn(R_ORGQR, t))(&m, &k, &k, A, &lda, tau, qwork, &lwork, &info);
  lwork = max64(lw1, querySize(qwork, t));
  ALLOC(work, scratch(lwork, 1, t));
  ((geqrf_fn)fn(R_GEQRF, t))(&m, &n, A, &lda, tau, work, &lwork, &info);
  status = readInt(info);
  if (status != 0) goto done;
  {
    View dst = vr;  /* r: the upper triangle of the first k rows */
    const int64_t es = esize(t);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i) {
        char* d = dst.data + i * dst.rs + j * dst.cs;
        double re = 0.0, im = 0.0;
        if (i <= j) load(A + (i + j * m) * es, t, &re, &im);
        store(d, dst.dtype, re, im);
      }
  }
  ((orgqr_fn)fn(R_ORGQR, t))(&m, &k, &k, A, &lda, tau, work, &lwork, &info);
  status = readInt(info);
  if (status != 0) goto done;
  copyOut(A, m, m, k, t, &vq);
done:
  free(A);
  free(tau);
  free(work);
  return status;
}

static int64_t gelsd(const KilnLinalgArray* args, int64_t nargs) {
  int64_t status = 0;
  char *A = NULL, *B = NULL, *s = NULL, *work = NULL, *rwork = NULL, *iwork = NULL;
  if (nargs < 5) return KILN_LINALG_BAD_ARGS;
  const KilnLinalgArray *a = &args[0], *b = &args[1], *xo = &args[2], *so = &args[3], *io = &args[4];
  const int64_t t = xo->dtype, rt = realOf(t);
  NEED(validFloat(t) && a->ndim == 2 && b->ndim >= 1 && io->dtype == KILN_LA_F64 && io->ndim == 1 && io->shape[0] == 2);
  int64_t m = a->shape[0], n = a->shape[1], k = min64(m, n);
  int64_t nrhs = b->ndim == 2 ? b->shape[1] : 1;
  View va, vb, vx, vs;
  NEED(view2d(a, m, n, &va) && view2d(b, m, nrhs, &vb) && view2d(xo, n, nrhs, &vx) && view2d(so, 1, k, &vs));
  double* rc = (double*)io->data;
  int64_t ldb = max64(1, max64(m, n));
  ALLOC(B, scratch(ldb, nrhs, t));
  if (m == 0 || n == 0 || nrhs == 0) {
    rc[1] = 0.0;
    copyOut(B, ldb, n, nrhs, t, &vx);
    goto done;
  }
  ALLOC(A, scratch(m, n, t));
  ALLOC(s, scratch(k, 1, rt));
  copyIn(&va, m, n, t, A, m);
  copyIn(&vb, m, nrhs, t, B, ldb);
  double rcond64 = rc[0];
  float rcond32 = (float)rcond64;
  P rcond = rt == KILN_LA_F32 ? (P)&rcond32 : (P)&rcond64;
  int64_t info = 0, lda = m, rank = 0, lwork = -1;
  char qwork[16] = {0}, qrwork[16] = {0};
  int64_t qiwork[2] = {0, 0};
  if (isComplex(t))
    ((gelsd_c_fn)fn(R_GELSD, t))(&m, &n, &nrhs, A, &lda, B, &ldb, s, rcond, &rank, qwork, &lwork, qrwork, qiwork, &info);
  else
    ((gelsd_r_fn)fn(R_GELSD, t))(&m, &n, &nrhs, A, &lda, B, &ldb, s, rcond, &rank, qwork, &lwork, qiwork, &info);
  status = readInt(info);
  if (status != 0) goto done;
  lwork = querySize(qwork, t);
  int64_t liwork = max64(1, readIntAt(qiwork, 0));
  int64_t lrwork = isComplex(t) ? querySize(qrwork, rt) : 1;
  ALLOC(work, scratch(lwork, 1, t));
  ALLOC(rwork, scratch(lrwork, 1, rt));
  ALLOC(iwork, (char*)calloc((size_t)liwork, 8));
  if (isComplex(t))
    ((gelsd_c_fn)fn(R_GELSD, t))(&m, &n, &nrhs, A, &lda, B, &ldb, s, rcond, &rank, work, &lwork, rwork, iwork, &info);
  else
    ((gelsd_r_fn)fn(R_GELSD, t))(&m, &n, &nrhs, A, &lda, B, &ldb, s, rcond, &rank, work, &lwork, iwork, &info);
  status = readInt(info);
  if (status != 0) goto done;
  rc[1] = (double)readInt(rank);
  copyOut(B, ldb, n, nrhs, t, &vx);
  copyOut(s, 1, 1, k, rt, &vs);
done:
  free(A);
  free(B);
  free(s);
  free(work);
  free(rwork);
  free(iwork);
  return status;
}

/* The routine an op needs, for dtype t (whether the backend has it). */
static int hasRoutine(int64_t op, int64_t t) {
  int r;
  if (g_int_bytes == 0) return 0;
  switch (op) {
    case KILN_LA_GEMM: r = R_GEMM; break;
    case KILN_LA_SOLVE:
    case KILN_LA_INV: r = R_GESV; break;
    case KILN_LA_GETRF: r = R_GETRF; break;
    case KILN_LA_CHOLESKY: r = R_POTRF; break;
    case KILN_LA_EIGH:
    case KILN_LA_EIGVALSH: r = R_SYEVD; break;
    case KILN_LA_EIG:
    case KILN_LA_EIGVALS: r = R_GEEV; break;
    case KILN_LA_SVD_FULL:
    case KILN_LA_SVD_REDUCED:
    case KILN_LA_SVDVALS: r = R_GESDD; break;
    case KILN_LA_QR: return fn(R_GEQRF, t) != NULL && fn(R_ORGQR, t) != NULL;
    case KILN_LA_LSTSQ: r = R_GELSD; break;
    default: return 0;
  }
  return fn(r, t) != NULL;
}

int64_t kiln_linalg_call(int64_t op, const KilnLinalgArray* args, int64_t nargs) {
  if (nargs < 3) return KILN_LINALG_BAD_ARGS;
  /* The op's dtype: its first output's (for the ops whose outputs are all
   * real, the input's, ints computing in float64). */
  int64_t t = args[1].dtype;
  if (op == KILN_LA_EIGVALSH || op == KILN_LA_SVDVALS)
    t = args[0].dtype == KILN_LA_F32 || isComplex(args[0].dtype) ? args[0].dtype : KILN_LA_F64;
  if ((op == KILN_LA_GEMM || op == KILN_LA_SOLVE || op == KILN_LA_LSTSQ) && nargs > 2) t = args[2].dtype;
  if (op == KILN_LA_GEMM && isInt(t)) return gemm(args, nargs);  /* no BLAS needed */
  if (!validFloat(t)) return KILN_LINALG_BAD_ARGS;
  if (!hasRoutine(op, t)) return KILN_LINALG_NO_BACKEND;
  switch (op) {
    case KILN_LA_GEMM: return gemm(args, nargs);
    case KILN_LA_SOLVE:
    case KILN_LA_INV: return gesv(op, args, nargs);
    case KILN_LA_GETRF: return getrf(args, nargs);
    case KILN_LA_CHOLESKY: return potrf(args, nargs);
    case KILN_LA_EIGH:
    case KILN_LA_EIGVALSH: return eigh(op, args, nargs);
    case KILN_LA_EIG:
    case KILN_LA_EIGVALS: return eig(op, args, nargs);
    case KILN_LA_SVD_FULL:
    case KILN_LA_SVD_REDUCED:
    case KILN_LA_SVDVALS: return gesdd(op, args, nargs);
    case KILN_LA_QR: return qr(args, nargs);
    case KILN_LA_LSTSQ: return gelsd(args, nargs);
    default: return KILN_LINALG_BAD_ARGS;
  }
}

const KilnLinalgApi kiln_linalg_table = {kiln_linalg_call};
