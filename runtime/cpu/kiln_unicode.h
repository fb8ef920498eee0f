#ifndef KILN_RUNTIME_CPU_KILN_UNICODE_H
#define KILN_RUNTIME_CPU_KILN_UNICODE_H
/* Strings (unicode_type) in compiled code: the value and the C helpers that
 * compiled code reaches through KilnRuntime.unicode (kiln_rt.h).
 *
 * A string is PEP 393's representation, as CPython keeps it, so a Python str
 * argument is borrowed without a copy:
 *
 *   struct KilnStr { void* meminfo; void* data; int64_t length; int64_t kind; }
 *
 * kind is the bytes per code point (1: Latin-1, 2: UCS-2, 4: UCS-4); data
 * holds `length` code points of that width, not NUL-terminated. meminfo is
 * NULL for memory the code borrows (an argument's characters, a constant in
 * the shared object, the one-character table); otherwise it is the block the
 * characters live in (a new string, or the string a one-character view
 * points into), and the value holds one reference to it. Strings are
 * immutable, so data never moves. A string made here has the smallest kind
 * its code points need when that is cheap to know (concatenation keeps the
 * wider kind of its operands): equality never assumes it (docs/strings.md).
 *
 * Every helper that makes a string returns 0 and fills *out with a fresh
 * block holding one reference, or returns KILN_MEMORY_ERROR (kiln_abi.h).
 */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KilnStr {
  void* meminfo;
  void* data;
  int64_t length;
  int64_t kind;
} KilnStr;

/* Which predicate kiln_unicode_is tests (str.isdigit() ...). */
enum KilnStrPredicate {
  KILN_STR_ISDIGIT = 0,
  KILN_STR_ISALPHA = 1,
  KILN_STR_ISSPACE = 2,
  KILN_STR_ISALNUM = 3,
  KILN_STR_ISUPPER = 4,
  KILN_STR_ISLOWER = 5,
  KILN_STR_ISDECIMAL = 6,
  KILN_STR_ISNUMERIC = 7,
  KILN_STR_ISASCII = 8,
  KILN_STR_ISTITLE = 9,
  KILN_STR_ISIDENTIFIER = 10,
  KILN_STR_ISPRINTABLE = 11,
};

/* The table compiled code calls (KilnRuntime.unicode). Fields are only
 * ever appended. */
typedef struct KilnUnicodeApi {
  uint32_t size; /* sizeof(KilnUnicodeApi) */
  /* 1 when a and b hold the same code points. */
  int32_t (*eq)(const KilnStr* a, const KilnStr* b);
  /* <0, 0, >0 as a is before, equal to or after b (code point order). */
  int32_t (*cmp)(const KilnStr* a, const KilnStr* b);
  /* The index of the first (last, with `reverse`) occurrence of sub in
   * s[start:end] (bounds already clamped to [0, len]), or -1. */
  int64_t (*find)(const KilnStr* s, const KilnStr* sub, int64_t start, int64_t end, int32_t reverse);
  /* Non-overlapping occurrences of sub in s[start:end] (clamped). */
  int64_t (*count)(const KilnStr* s, const KilnStr* sub, int64_t start, int64_t end);
  int32_t (*concat)(KilnStr* out, const KilnStr* a, const KilnStr* b);
  int32_t (*repeat)(KilnStr* out, const KilnStr* a, int64_t n);
  /* s[start:stop:step] for the `count` positions the slice selects
   * (computed by the caller as Python's slice.indices). */
  int32_t (*slice)(KilnStr* out, const KilnStr* s, int64_t start, int64_t step, int64_t count);
  /* chr(c) for 0 <= c < 0x110000 (the caller checked). */
  int32_t (*chr)(KilnStr* out, int64_t c);
  /* hash(s): CPython's (SipHash-1-3 keyed by kiln_unicode_set_hash_key). */
  int64_t (*hash)(const KilnStr* s);
  int32_t (*upper)(KilnStr* out, const KilnStr* s);
  int32_t (*lower)(KilnStr* out, const KilnStr* s);
  /* 1 when s is not empty and every code point passes (str.isdigit() ...);
   * istitle/isidentifier/isprintable by their own rules. */
  int32_t (*is)(const KilnStr* s, int32_t predicate);
  /* s.strip(chars) (chars NULL: whitespace); which: 1 left, 2 right, 3 both. */
  int32_t (*strip)(KilnStr* out, const KilnStr* s, const KilnStr* chars, int32_t which);
  /* s.replace(old, new, count) (count < 0: all). */
  int32_t (*replace)(KilnStr* out, const KilnStr* s, const KilnStr* old, const KilnStr* repl, int64_t count);
  /* str(int), str(float) (repr: the shortest string that round-trips). */
  int32_t (*from_int)(KilnStr* out, int64_t v);
  int32_t (*from_float)(KilnStr* out, double v);
  /* int(s) (base 10, Python's syntax: spaces, sign, underscores); returns
   * 0, KILN_VALUE_ERROR (not a number) or KILN_OVERFLOW_ERROR (not int64). */
  int32_t (*to_int)(const KilnStr* s, int64_t* out);
  /* float(s): 0 or KILN_VALUE_ERROR. */
  int32_t (*to_float)(const KilnStr* s, double* out);
  /* The code point at i (0 <= i < length). */
  int64_t (*at)(const KilnStr* s, int64_t i);
  /* A string of width-`kind` code points (length of them, from data). */
  int32_t (*from_data)(KilnStr* out, const void* data, int64_t length, int64_t kind);
  /* eq on the fields, passed by value: reads only the characters, so
   * compiled code can mark the call read-only and hoist it out of loops. */
  int32_t (*eq_fields)(const void* a, int64_t a_length, int64_t a_kind, const void* b, int64_t b_length,
                       int64_t b_kind);
  /* s.title(), s.capitalize(), s.swapcase(), s.casefold() (which: 0..3),
   * with CPython's rules (titlecase mappings, final sigma in context). */
  int32_t (*recase)(KilnStr* out, const KilnStr* s, int32_t which);
} KilnUnicodeApi;

/* The table (KilnRuntime.unicode points at it). */
extern const KilnUnicodeApi kiln_unicode_table;

/* The Unicode database beyond Latin-1. The helpers know U+0000..U+00FF
 * themselves; for other code points they ask these functions, which the
 * Python client installs (CPython's own tables, so answers are Python's).
 * Without them, a case mapping or character class of a code point above
 * U+00FF fails with KILN_VALUE_ERROR instead of guessing. */
typedef struct KilnUnicodeCtype {
  int (*to_upper_full)(uint32_t c, uint32_t res[3]); /* the number of code points */
  int (*to_lower_full)(uint32_t c, uint32_t res[3]);
  int (*to_title_full)(uint32_t c, uint32_t res[3]);
  int (*to_folded_full)(uint32_t c, uint32_t res[3]);
  int (*to_decimal)(uint32_t c); /* its decimal digit value, or -1 */
  int (*is_space)(uint32_t c);
  int (*is_upper)(uint32_t c);
  int (*is_lower)(uint32_t c);
  int (*is_title)(uint32_t c);
  int (*is_alpha)(uint32_t c);
  int (*is_decimal)(uint32_t c);
  int (*is_digit)(uint32_t c);
  int (*is_numeric)(uint32_t c);
  int (*is_printable)(uint32_t c);
  int (*is_cased)(uint32_t c);
  int (*is_case_ignorable)(uint32_t c);
  int (*is_xid_start)(uint32_t c); /* pysub3: str.isidentifier */
  int (*is_xid_continue)(uint32_t c);
} KilnUnicodeCtype;

/* The key of hash(str) (CPython's _Py_HashSecret.siphash), installed by the
 * Python client so that compiled hash(s) equals Python's; 0, 0 otherwise. */
void kiln_unicode_set_hash_key(uint64_t k0, uint64_t k1);

/* Installs the database (once, before compiled code runs; NULL removes it). */
void kiln_unicode_set_ctype(const KilnUnicodeCtype* hooks);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_UNICODE_H */
