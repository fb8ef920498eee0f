/* Array entry points written by hand against runtime/cpu/kiln_abi.h: an
 * array is { void* meminfo; void* data; int64_t shape[ndim];
 * int64_t strides[ndim]; } with strides in bytes; meminfo is NULL for
 * borrowed memory, else a block of the memory runtime (kiln_rt.h), reached
 * as compiled code does, through the hook the loader fills; each array in a
 * result holds one reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_abi.h"
#include "kiln_rt.h"

__attribute__((weak)) const KilnRuntime* kiln_rt_hook;

static void* newBlock(size_t bytes, KilnMemInfo** mi) {
  return kiln_rt_hook->mi_alloc_data(bytes, 16, NULL, mi);
}

static void dropBlock(void* meminfo) {
  KilnMemInfo* mi = (KilnMemInfo*)meminfo;
  if (__atomic_sub_fetch(&mi->refcount, 1, __ATOMIC_ACQ_REL) == 0) kiln_rt_hook->mi_destroy(mi);
}

typedef struct Array1 {
  void* meminfo;
  void* data;
  int64_t shape[1];
  int64_t strides[1];
} Array1;

typedef struct Array2 {
  void* meminfo;
  void* data;
  int64_t shape[2];
  int64_t strides[2];
} Array2;

static int32_t fail(KilnError* err, int32_t kind, const char* message) {
  err->kind = kind;
  err->line = 1;
  err->message = message;
  return kind;
}

static double sum1(const Array1* a) {
  double s = 0;
  for (int64_t i = 0; i < a->shape[0]; ++i) s += *(const double*)((const char*)a->data + i * a->strides[0]);
  return s;
}

/* float64(array(float64, 1d, A)): the sum, following the strides. */
int32_t kiln_fixture_sum(void* ret, void* const* args, KilnError* err) {
  (void)err;
  *(double*)ret = sum1((const Array1*)args[0]);
  return KILN_OK;
}

/* float64(array(float64, 1d, C)): the sum plus 1000, telling the C overload
 * apart from the A one. */
int32_t kiln_fixture_sum_c(void* ret, void* const* args, KilnError* err) {
  (void)err;
  *(double*)ret = sum1((const Array1*)args[0]) + 1000;
  return KILN_OK;
}

/* none(array(int32, 2d, A), int32): a[i, j] = v + 10 * i + j, in place. */
int32_t kiln_fixture_fill(void* ret, void* const* args, KilnError* err) {
  (void)ret;
  (void)err;
  const Array2* a = (const Array2*)args[0];
  int32_t v = *(const int32_t*)args[1];
  for (int64_t i = 0; i < a->shape[0]; ++i)
    for (int64_t j = 0; j < a->shape[1]; ++j)
      *(int32_t*)((char*)a->data + i * a->strides[0] + j * a->strides[1]) = v + (int32_t)(10 * i + j);
  return KILN_OK;
}

static int32_t arange(Array1* out, int64_t n, KilnError* err) {
  if (n < 0) return fail(err, KILN_VALUE_ERROR, "negative dimensions are not allowed");
  KilnMemInfo* mi;
  int64_t* block = newBlock(n > 0 ? (size_t)n * 8 : 1, &mi);
  if (block == NULL) return fail(err, KILN_MEMORY_ERROR, "out of memory");
  for (int64_t i = 0; i < n; ++i) block[i] = i;
  out->meminfo = mi;
  out->data = block;
  out->shape[0] = n;
  out->strides[0] = 8;
  return KILN_OK;
}

/* array(int64, 1d, C)(int64): a new array 0..n-1 (the caller gets the reference). */
int32_t kiln_fixture_arange(void* ret, void* const* args, KilnError* err) {
  return arange((Array1*)ret, *(const int64_t*)args[0], err);
}

/* array(float64, 2d, C)(int64): the n x n identity. */
int32_t kiln_fixture_eye(void* ret, void* const* args, KilnError* err) {
  int64_t n = *(const int64_t*)args[0];
  KilnMemInfo* mi;
  double* block = newBlock((size_t)(n * n > 0 ? n * n : 1) * sizeof(double), &mi);
  if (block == NULL) return fail(err, KILN_MEMORY_ERROR, "out of memory");
  memset(block, 0, (size_t)(n * n) * sizeof(double));
  for (int64_t i = 0; i < n; ++i) block[i * n + i] = 1.0;
  Array2* out = (Array2*)ret;
  out->meminfo = mi;
  out->data = block;
  out->shape[0] = out->shape[1] = n;
  out->strides[0] = n * 8;
  out->strides[1] = 8;
  return KILN_OK;
}

/* Tuple(array(float64, 1d, C), float64)(array(float64, 1d, A)): (2 * a, sum(a)). */
struct DoubledAndSum {
  Array1 doubled;
  double sum;
};
int32_t kiln_fixture_doubled(void* ret, void* const* args, KilnError* err) {
  const Array1* a = (const Array1*)args[0];
  struct DoubledAndSum* out = (struct DoubledAndSum*)ret;
  KilnMemInfo* mi;
  double* block = newBlock(a->shape[0] > 0 ? (size_t)a->shape[0] * 8 : 1, &mi);
  if (block == NULL) return fail(err, KILN_MEMORY_ERROR, "out of memory");
  for (int64_t i = 0; i < a->shape[0]; ++i) block[i] = 2 * *(const double*)((const char*)a->data + i * a->strides[0]);
  out->doubled = (Array1){mi, block, {a->shape[0]}, {8}};
  out->sum = sum1(a);
  return KILN_OK;
}

/* Tuple(array(int64, 1d, C), array(int64, 1d, C), int64, int64)(int64, int64):
 * (arange(n), arange(m), n, m), the shape of a result the conformance
 * tests return. */
struct TwoRanges {
  Array1 a, b;
  int64_t n, m;
};
int32_t kiln_fixture_two_ranges(void* ret, void* const* args, KilnError* err) {
  struct TwoRanges* out = (struct TwoRanges*)ret;
  out->n = *(const int64_t*)args[0];
  out->m = *(const int64_t*)args[1];
  int32_t rc = arange(&out->a, out->n, err);
  if (rc != KILN_OK) return rc;
  rc = arange(&out->b, out->m, err);
  if (rc != KILN_OK) dropBlock(out->a.meminfo);
  return rc;
}

/* Tuple(array(int64, 1d, C), array(int64, 1d, A))(int64): (r, r[::2]) over
 * one block: both name it as their meminfo, each with its own reference. */
struct RangeAndView {
  Array1 all, even;
};
int32_t kiln_fixture_range_and_view(void* ret, void* const* args, KilnError* err) {
  struct RangeAndView* out = (struct RangeAndView*)ret;
  int32_t rc = arange(&out->all, *(const int64_t*)args[0], err);
  if (rc != KILN_OK) return rc;
  out->even = out->all;
  __atomic_add_fetch(&((KilnMemInfo*)out->all.meminfo)->refcount, 1, __ATOMIC_RELAXED);
  out->even.shape[0] = (out->all.shape[0] + 1) / 2;
  out->even.strides[0] = 16;
  return KILN_OK;
}

/* array(float64, 1d, A)(array(float64, 1d, C)): a[::2], a view of the
 * argument's borrowed memory (meminfo NULL): the caller gets a view based
 * on the argument. */
int32_t kiln_fixture_every_other(void* ret, void* const* args, KilnError* err) {
  (void)err;
  const Array1* a = (const Array1*)args[0];
  Array1* out = (Array1*)ret;
  *out = (Array1){NULL, a->data, {(a->shape[0] + 1) / 2}, {2 * a->strides[0]}};
  return KILN_OK;
}

/* float64(Tuple(array(float64, 1d, C), float64)): sum(t[0]) * t[1]. */
struct ArrayAndScale {
  Array1 a;
  double k;
};
int32_t kiln_fixture_scaled_sum(void* ret, void* const* args, KilnError* err) {
  (void)err;
  const struct ArrayAndScale* t = (const struct ArrayAndScale*)args[0];
  *(double*)ret = sum1(&t->a) * t->k;
  return KILN_OK;
}

/* Tuple(array(int64, 1d, C), array(int64, 1d, C))(int64): a good array and
 * one with a negative dimension (a broken result the caller must reject
 * without leaking or crashing). */
struct GoodAndBad {
  Array1 good, bad;
};
int32_t kiln_fixture_bad_shape(void* ret, void* const* args, KilnError* err) {
  struct GoodAndBad* out = (struct GoodAndBad*)ret;
  int32_t rc = arange(&out->good, *(const int64_t*)args[0], err);
  if (rc != KILN_OK) return rc;
  rc = arange(&out->bad, 4, err);
  if (rc != KILN_OK) {
    dropBlock(out->good.meminfo);
    return rc;
  }
  out->bad.shape[0] = -1;
  return KILN_OK;
}
