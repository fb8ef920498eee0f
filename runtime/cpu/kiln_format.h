#ifndef KILN_RUNTIME_CPU_KILN_FORMAT_H
#define KILN_RUNTIME_CPU_KILN_FORMAT_H
/* format: format(x, spec), f"{x:spec}", "{:spec}".format(x) and repr() of a
 * str in compiled code, reached through KilnRuntime.format (kiln_rt.h).
 *
 * The compiler parses and checks the (constant) format spec when it types
 * the call (compiler/typing/format_spec.h), with CPython's ValueErrors as
 * typing errors, and hands the parsed fields over here: the runtime only
 * lays values out, as CPython's int.__format__, float.__format__ and
 * str.__format__ do (floats correctly rounded through the C library's
 * printf, repr through the shortest digits that round-trip). */
#include <stdint.h>

#include "kiln_unicode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* flags */
enum { KILN_FORMAT_ALT = 1 /* '#' */, KILN_FORMAT_NO_NEG_ZERO = 2 /* 'z' */ };

/* A parsed format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type].
 * A '0' before the width has already been turned into fill '0' (and align
 * '=' for numbers when no align was given), as CPython does. */
typedef struct KilnFormatSpec {
  int32_t fill;      /* a code point (' ' by default) */
  int32_t align;     /* '<', '>', '^', '=' or 0: the type's default */
  int32_t sign;      /* '+', '-', ' ' or 0 */
  int32_t type;      /* the presentation type, or 0 for none */
  int32_t grouping;  /* ',', '_' or 0 */
  int32_t flags;     /* KILN_FORMAT_* */
  int64_t width;     /* -1: none */
  int64_t precision; /* -1: none */
} KilnFormatSpec;

/* The table compiled code calls (KilnRuntime.format). Fields are only ever
 * appended. Each returns 0 with a fresh string in *out, or an error kind of
 * kiln_abi.h. */
typedef struct KilnFormatApi {
  uint32_t size; /* sizeof(KilnFormatApi) */
  /* An integer (type one of "bcdoxXn" or 0); `is_unsigned` reads v as
   * uint64. KILN_OVERFLOW_ERROR: 'c' of a value outside range(0x110000). */
  int32_t (*format_int)(KilnStr* out, int64_t v, int32_t is_unsigned, const KilnFormatSpec* spec);
  /* A float (type one of "eEfFgGn%" or 0). */
  int32_t (*format_float)(KilnStr* out, double v, const KilnFormatSpec* spec);
  /* A str (type 's' or 0). */
  int32_t (*format_str)(KilnStr* out, const KilnStr* s, const KilnFormatSpec* spec);
  /* repr(s) (ascii != 0: ascii(s)); KILN_VALUE_ERROR when a code point
   * above U+00FF needs the Unicode database and none is installed. */
  int32_t (*repr_str)(KilnStr* out, const KilnStr* s, int32_t ascii);
} KilnFormatApi;

extern const KilnFormatApi kiln_format_table;

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_FORMAT_H */
