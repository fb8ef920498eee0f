/* Entry points written by hand against runtime/cpu/kiln_abi.h, standing in
 * for compiled code in the loader and dispatcher tests. */
#include <stdint.h>

#include "kiln_abi.h"

/* int64(int64, int64): floor division; b == 0 raises ZeroDivisionError. */
int32_t kiln_fixture_floordiv(void* ret, void* const* args, KilnError* err) {
  int64_t a = *(const int64_t*)args[0], b = *(const int64_t*)args[1];
  if (b == 0) {
    err->kind = KILN_ZERO_DIVISION_ERROR;
    err->line = 7;
    err->message = "integer division or modulo by zero";
    return KILN_ZERO_DIVISION_ERROR;
  }
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
  *(int64_t*)ret = q;
  return KILN_OK;
}

/* float64(float64, int64) */
int32_t kiln_fixture_scale(void* ret, void* const* args, KilnError* err) {
  (void)err;
  *(double*)ret = *(const double*)args[0] * (double)*(const int64_t*)args[1];
  return KILN_OK;
}

/* Tuple(int64, float64)(UniTuple(int32, 2), bool): (a0 + a1, b ? 0.5 : -0.5) */
struct Pair32 { int32_t a, b; };
struct Out { int64_t i; double f; };
int32_t kiln_fixture_tuple(void* ret, void* const* args, KilnError* err) {
  (void)err;
  const struct Pair32* p = (const struct Pair32*)args[0];
  uint8_t flag = *(const uint8_t*)args[1];
  struct Out* o = (struct Out*)ret;
  o->i = (int64_t)p->a + p->b;
  o->f = flag ? 0.5 : -0.5;
  return KILN_OK;
}

/* none(int64): raises ValueError when negative */
int32_t kiln_fixture_check(void* ret, void* const* args, KilnError* err) {
  (void)ret;
  if (*(const int64_t*)args[0] < 0) {
    err->kind = KILN_VALUE_ERROR;
    err->line = 3;
    err->message = "negative input";
    return KILN_VALUE_ERROR;
  }
  return KILN_OK;
}

/* A value that tells two loaded copies apart. */
int64_t kiln_fixture_tag = 1;
