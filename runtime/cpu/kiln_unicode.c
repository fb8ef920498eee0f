/* Strings in compiled code: the helpers of kiln_unicode.h. */
#include "kiln_unicode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_abi.h"
#include "kiln_rt.h"

static const KilnUnicodeCtype* ctype_hooks = NULL;

void kiln_unicode_set_ctype(const KilnUnicodeCtype* hooks) { ctype_hooks = hooks; }

static inline uint32_t at(const KilnStr* s, int64_t i) {
  switch (s->kind) {
    case 1: return ((const uint8_t*)s->data)[i];
    case 2: return ((const uint16_t*)s->data)[i];
    default: return ((const uint32_t*)s->data)[i];
  }
}

static inline void put(void* data, int64_t kind, int64_t i, uint32_t c) {
  switch (kind) {
    case 1: ((uint8_t*)data)[i] = (uint8_t)c; break;
    case 2: ((uint16_t*)data)[i] = (uint16_t)c; break;
    default: ((uint32_t*)data)[i] = c; break;
  }
}

static int64_t kindFor(uint32_t max_char) { return max_char < 0x100 ? 1 : max_char < 0x10000 ? 2 : 4; }

static int32_t alloc(KilnStr* out, int64_t length, int64_t kind) {
  KilnMemInfo* mi = NULL;
  void* data = kiln_mi_alloc_data_dtor((size_t)(length * kind), 16, NULL, &mi);
  if (data == NULL) return KILN_MEMORY_ERROR;
  out->meminfo = mi;
  out->data = data;
  out->length = length;
  out->kind = kind;
  return KILN_OK;
}

/* Copies s[start:start+n] into out at position pos. */
static void copyInto(KilnStr* out, int64_t pos, const KilnStr* s, int64_t start, int64_t n) {
  if (s->kind == out->kind) {
    memcpy((char*)out->data + pos * out->kind, (const char*)s->data + start * s->kind, (size_t)(n * s->kind));
    return;
  }
  for (int64_t k = 0; k < n; ++k) put(out->data, out->kind, pos + k, at(s, start + k));
}

static uint32_t maxChar(const KilnStr* s, int64_t start, int64_t step, int64_t count) {
  uint32_t m = 0;
  if (s->kind == 1) {
    for (int64_t k = 0; k < count; ++k) {
      uint32_t c = at(s, start + k * step);
      if (c > m) m = c;
    }
    return m;
  }
  for (int64_t k = 0; k < count; ++k) {
    uint32_t c = at(s, start + k * step);
    if (c > m) m = c;
  }
  return m;
}

static int32_t eq(const KilnStr* a, const KilnStr* b) {
  if (a->length != b->length) return 0;
  if (a->kind == b->kind) return memcmp(a->data, b->data, (size_t)(a->length * a->kind)) == 0;
  for (int64_t i = 0; i < a->length; ++i)
    if (at(a, i) != at(b, i)) return 0;
  return 1;
}

static int32_t cmp(const KilnStr* a, const KilnStr* b) {
  int64_t n = a->length < b->length ? a->length : b->length;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t x = at(a, i), y = at(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return a->length < b->length ? -1 : a->length > b->length ? 1 : 0;
}

static int matchAt(const KilnStr* s, int64_t i, const KilnStr* sub) {
  if (s->kind == sub->kind)
    return memcmp((const char*)s->data + i * s->kind, sub->data, (size_t)(sub->length * s->kind)) == 0;
  for (int64_t k = 0; k < sub->length; ++k)
    if (at(s, i + k) != at(sub, k)) return 0;
  return 1;
}

static int64_t find(const KilnStr* s, const KilnStr* sub, int64_t start, int64_t end, int32_t reverse) {
  if (end - start < sub->length) return -1;
  if (!reverse) {
    for (int64_t i = start; i + sub->length <= end; ++i)
      if (matchAt(s, i, sub)) return i;
  } else {
    for (int64_t i = end - sub->length; i >= start; --i)
      if (matchAt(s, i, sub)) return i;
  }
  return -1;
}

static int64_t count(const KilnStr* s, const KilnStr* sub, int64_t start, int64_t end) {
  if (end - start < sub->length) return 0;
  if (sub->length == 0) return end - start + 1;
  int64_t n = 0;
  for (int64_t i = start; i + sub->length <= end;) {
    if (matchAt(s, i, sub)) {
      ++n;
      i += sub->length;
    } else {
      ++i;
    }
  }
  return n;
}

static int32_t concat(KilnStr* out, const KilnStr* a, const KilnStr* b) {
  int64_t kind = a->kind > b->kind ? a->kind : b->kind;
  if (alloc(out, a->length + b->length, kind) != KILN_OK) return KILN_MEMORY_ERROR;
  copyInto(out, 0, a, 0, a->length);
  copyInto(out, a->length, b, 0, b->length);
  return KILN_OK;
}

static int32_t repeat(KilnStr* out, const KilnStr* a, int64_t n) {
  if (n < 0 || a->length == 0) n = 0;
  if (n > 0 && a->length > INT64_MAX / 4 / n) return KILN_MEMORY_ERROR;
  if (alloc(out, a->length * n, a->kind) != KILN_OK) return KILN_MEMORY_ERROR;
  for (int64_t k = 0; k < n; ++k) copyInto(out, k * a->length, a, 0, a->length);
  return KILN_OK;
}

static int32_t slice(KilnStr* out, const KilnStr* s, int64_t start, int64_t step, int64_t n) {
  int64_t kind = s->kind == 1 ? 1 : kindFor(maxChar(s, start, step, n));
  if (alloc(out, n, kind) != KILN_OK) return KILN_MEMORY_ERROR;
  if (step == 1) {
    copyInto(out, 0, s, start, n);
    return KILN_OK;
  }
  for (int64_t k = 0; k < n; ++k) put(out->data, kind, k, at(s, start + k * step));
  return KILN_OK;
}

static int32_t chr_(KilnStr* out, int64_t c) {
  if (alloc(out, 1, kindFor((uint32_t)c)) != KILN_OK) return KILN_MEMORY_ERROR;
  put(out->data, out->kind, 0, (uint32_t)c);
  return KILN_OK;
}

/* hash(str) as CPython 3.11+ computes it: SipHash-1-3 of the characters'
 * bytes in their canonical (smallest) kind, keyed by the process's hash
 * secret, which the Python client installs (kiln_unicode_set_hash_key);
 * 0 for the empty string, never -1. */
static uint64_t hash_k0 = 0, hash_k1 = 0;

void kiln_unicode_set_hash_key(uint64_t k0, uint64_t k1) {
  hash_k0 = k0;
  hash_k1 = k1;
}

#define KILN_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define KILN_HALF_ROUND(a, b, c, d, s, t) \
  a += b;                                  \
  c += d;                                  \
  b = KILN_ROTL(b, s) ^ a;                 \
  d = KILN_ROTL(d, t) ^ c;                 \
  a = KILN_ROTL(a, 32);
#define KILN_SIP_ROUND(v0, v1, v2, v3)        \
  KILN_HALF_ROUND(v0, v1, v2, v3, 13, 16); \
  KILN_HALF_ROUND(v2, v1, v0, v3, 17, 21);

/* SipHash-1-3 of the bytes the string's characters take in width `kind`
 * (little-endian, as CPython stores them). */
static uint64_t siphash13(uint64_t k0, uint64_t k1, const KilnStr* s, int64_t kind) {
  size_t n = (size_t)s->length * (size_t)kind;
  uint64_t b = (uint64_t)n << 56;
  uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
  uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
  const uint8_t* raw = kind == s->kind ? (const uint8_t*)s->data : NULL;
  size_t pos = 0;
#define KILN_BYTE(j) \
  (raw ? (uint64_t)raw[j] : (uint64_t)((at(s, (int64_t)((j) / (size_t)kind)) >> (8 * ((j) % (size_t)kind))) & 0xff))
  while (n - pos >= 8) {
    uint64_t m = 0;
    for (size_t k = 0; k < 8; ++k) m |= KILN_BYTE(pos + k) << (8 * k);
    pos += 8;
    v3 ^= m;
    KILN_SIP_ROUND(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t t = 0;
  for (size_t k = 0; pos + k < n; ++k) t |= KILN_BYTE(pos + k) << (8 * k);
#undef KILN_BYTE
  b |= t;
  v3 ^= b;
  KILN_SIP_ROUND(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  KILN_SIP_ROUND(v0, v1, v2, v3);
  KILN_SIP_ROUND(v0, v1, v2, v3);
  KILN_SIP_ROUND(v0, v1, v2, v3);
  return (v0 ^ v1) ^ (v2 ^ v3);
}

static int64_t hash(const KilnStr* s) {
  if (s->length == 0) return 0;
  /* CPython hashes the canonical (smallest) kind. */
  int64_t kind = s->kind == 1 ? 1 : kindFor(maxChar(s, 0, 1, s->length));
  uint64_t h = siphash13(hash_k0, hash_k1, s, kind);
  int64_t r = (int64_t)h;
  return r == -1 ? -2 : r;
}

/* Latin-1 character classes (CPython's unicodedata for U+0000..U+00FF). */
static int l1Space(uint32_t c) { return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0; }
static int l1Upper(uint32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7); }
static int l1Lower(uint32_t c) {
  return (c >= 'a' && c <= 'z') || c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
static int l1Alpha(uint32_t c) { return l1Upper(c) || l1Lower(c); }
static int l1Decimal(uint32_t c) { return c >= '0' && c <= '9'; }
static int l1Digit(uint32_t c) { return l1Decimal(c) || c == 0xB2 || c == 0xB3 || c == 0xB9; }
static int l1Numeric(uint32_t c) { return l1Digit(c) || c == 0xBC || c == 0xBD || c == 0xBE; }
static int l1Printable(uint32_t c) { return (c >= 0x20 && c <= 0x7E) || (c >= 0xA1 && c <= 0xFF && c != 0xAD); }

/* A class of c: 1, 0, or -1 when c is beyond Latin-1 and no Unicode
 * database is installed (kiln_unicode_set_ctype). */
enum Class {
  kSpace, kUpper, kLower, kTitle, kAlpha, kDecimal, kDigit, kNumeric, kPrintable, kCased, kCaseIgnorable,
  kXidStart, kXidContinue /* pysub3: str.isidentifier (UAX #31, as Python's) */
};

static int classOf(uint32_t c, enum Class k) {
  if (c < 0x100 && k == kCaseIgnorable) /* Latin-1's case-ignorable: ' . : ^ ` and a few signs */
    return c == 0x27 || c == 0x2E || c == 0x3A || c == 0x5E || c == 0x60 || c == 0xA8 || c == 0xAD || c == 0xAF ||
           c == 0xB4 || c == 0xB7 || c == 0xB8;
  if (c < 0x100) {
    switch (k) {
      case kSpace: return l1Space(c);
      case kUpper: return l1Upper(c);
      case kLower: return l1Lower(c);
      case kTitle: return 0;
      case kAlpha: return l1Alpha(c);
      case kDecimal: return l1Decimal(c);
      case kDigit: return l1Digit(c);
      case kNumeric: return l1Numeric(c);
      case kPrintable: return l1Printable(c);
      case kCased: return l1Upper(c) || l1Lower(c);
      case kCaseIgnorable: break;
      /* Latin-1's identifier characters: letters (ª µ º among them) and _; digits and · continue one */
      case kXidStart: return l1Alpha(c) || c == '_';
      case kXidContinue: return l1Alpha(c) || c == '_' || l1Decimal(c) || c == 0xB7;
    }
  }
  if (ctype_hooks == NULL) return -1;
  switch (k) {
    case kSpace: return ctype_hooks->is_space(c) != 0;
    case kUpper: return ctype_hooks->is_upper(c) != 0;
    case kLower: return ctype_hooks->is_lower(c) != 0;
    case kTitle: return ctype_hooks->is_title(c) != 0;
    case kAlpha: return ctype_hooks->is_alpha(c) != 0;
    case kDecimal: return ctype_hooks->is_decimal(c) != 0;
    case kDigit: return ctype_hooks->is_digit(c) != 0;
    case kNumeric: return ctype_hooks->is_numeric(c) != 0;
    case kPrintable: return ctype_hooks->is_printable(c) != 0;
    case kCased: return ctype_hooks->is_cased(c) != 0;
    case kCaseIgnorable: return ctype_hooks->is_case_ignorable(c) != 0;
    case kXidStart: return ctype_hooks->is_xid_start(c) != 0;
    case kXidContinue: return ctype_hooks->is_xid_continue(c) != 0;
  }
  return -1;
}

/* Up to 3 code points of c's full upper (lower) case mapping in res; their
 * number, or -1 when unknown (beyond Latin-1 without a database). */
static int caseMap(uint32_t c, int upper, uint32_t res[3]) {
  if (c < 0x100) {
    if (upper) {
      if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7)) c -= 0x20;
      else if (c == 0xFF) c = 0x178;
      else if (c == 0xB5) c = 0x39C;
      else if (c == 0xDF) {
        res[0] = res[1] = 'S';
        return 2;
      }
    } else if (l1Upper(c)) {
      c += 0x20;
    }
    res[0] = c;
    return 1;
  }
  if (ctype_hooks == NULL) return -1;
  return upper ? ctype_hooks->to_upper_full(c, res) : ctype_hooks->to_lower_full(c, res);
}

/* CPython's lower() of U+03A3 (capital sigma): final sigma (U+03C2) when a
 * cased letter comes before it and none after it (case-ignorable code
 * points skipped both ways); -1 when that cannot be known. */
static int finalSigma(const KilnStr* s, int64_t i) {
  int64_t j = i - 1;
  for (; j >= 0; --j) {
    int ign = classOf(at(s, j), kCaseIgnorable);
    if (ign < 0) return -1;
    if (!ign) break;
  }
  int before = 0;
  if (j >= 0) {
    before = classOf(at(s, j), kCased);
    if (before < 0) return -1;
  }
  if (!before) return 0;
  for (j = i + 1; j < s->length; ++j) {
    int ign = classOf(at(s, j), kCaseIgnorable);
    if (ign < 0) return -1;
    if (!ign) break;
  }
  if (j == s->length) return 1;
  int after = classOf(at(s, j), kCased);
  return after < 0 ? -1 : !after;
}

/* caseMap of the code point at i of s, in its context. */
static int caseMapAt(const KilnStr* s, int64_t i, int upper, uint32_t res[3]) {
  uint32_t c = at(s, i);
  if (!upper && c == 0x3A3) {
    int f = finalSigma(s, i);
    if (f < 0) return -1;
    res[0] = f ? 0x3C2 : 0x3C3;
    return 1;
  }
  return caseMap(c, upper, res);
}

static int32_t changeCase(KilnStr* out, const KilnStr* s, int upper) {
  /* Two passes: the length and widest code point, then the characters. */
  int64_t n = 0;
  uint32_t m = 0, res[3];
  for (int64_t i = 0; i < s->length; ++i) {
    int k = caseMapAt(s, i, upper, res);
    if (k < 0) return KILN_VALUE_ERROR;
    for (int j = 0; j < k; ++j)
      if (res[j] > m) m = res[j];
    n += k;
  }
  if (alloc(out, n, kindFor(m)) != KILN_OK) return KILN_MEMORY_ERROR;
  int64_t pos = 0;
  for (int64_t i = 0; i < s->length; ++i) {
    int k = caseMapAt(s, i, upper, res);
    for (int j = 0; j < k; ++j) put(out->data, out->kind, pos++, res[j]);
  }
  return KILN_OK;
}

/* The mapping of the code point at i for recase's `which` (0 title, 1
 * capitalize, 2 swapcase, 3 casefold); *cased carries title's state. */
static int recaseAt(const KilnStr* s, int64_t i, int32_t which, int* previous_cased, uint32_t res[3]) {
  uint32_t c = at(s, i);
  int upper_c, lower_c;
  switch (which) {
    case 0: { /* title: titlecase after a non-cased character, else lowercase */
      int k;
      if (*previous_cased) {
        k = caseMapAt(s, i, 0, res);
      } else if (c < 0x100) {
        k = caseMap(c, 1, res); /* Latin-1: title is upper, except ß -> Ss */
        if (c == 0xDF) res[1] = 's';
      } else {
        k = ctype_hooks ? ctype_hooks->to_title_full(c, res) : -1;
      }
      int cased = classOf(c, kCased);
      if (cased < 0) return -1;
      *previous_cased = cased;
      return k;
    }
    case 1: /* capitalize: the first titlecased, the rest lowercased */
      if (i == 0) {
        if (c < 0x100) {
          int k = caseMap(c, 1, res);
          if (c == 0xDF) res[1] = 's';
          return k;
        }
        return ctype_hooks ? ctype_hooks->to_title_full(c, res) : -1;
      }
      return caseMapAt(s, i, 0, res);
    case 2: /* swapcase */
      upper_c = classOf(c, kUpper);
      lower_c = classOf(c, kLower);
      if (upper_c < 0 || lower_c < 0) return -1;
      if (upper_c) return caseMapAt(s, i, 0, res);
      if (lower_c) return caseMap(c, 1, res);
      res[0] = c;
      return 1;
    default: /* casefold: Latin-1's is lower, except ß -> ss and µ -> μ */
      if (c < 0x100) {
        if (c == 0xDF) {
          res[0] = res[1] = 's';
          return 2;
        }
        if (c == 0xB5) {
          res[0] = 0x3BC;
          return 1;
        }
        return caseMap(c, 0, res);
      }
      return ctype_hooks ? ctype_hooks->to_folded_full(c, res) : -1;
  }
}

static int32_t recase(KilnStr* out, const KilnStr* s, int32_t which) {
  int64_t n = 0;
  uint32_t m = 0, res[3];
  int state = 0;
  for (int64_t i = 0; i < s->length; ++i) {
    int k = recaseAt(s, i, which, &state, res);
    if (k < 0) return KILN_VALUE_ERROR;
    for (int j = 0; j < k; ++j)
      if (res[j] > m) m = res[j];
    n += k;
  }
  if (alloc(out, n, kindFor(m)) != KILN_OK) return KILN_MEMORY_ERROR;
  int64_t pos = 0;
  state = 0;
  for (int64_t i = 0; i < s->length; ++i) {
    int k = recaseAt(s, i, which, &state, res);
    for (int j = 0; j < k; ++j) put(out->data, out->kind, pos++, res[j]);
  }
  return KILN_OK;
}

static int32_t upper(KilnStr* out, const KilnStr* s) { return changeCase(out, s, 1); }
static int32_t lower(KilnStr* out, const KilnStr* s) { return changeCase(out, s, 0); }

/* 1, 0, or -1 (a code point beyond what is known). */
static int32_t is(const KilnStr* s, int32_t predicate) {
  if (predicate == KILN_STR_ISASCII) {
    for (int64_t i = 0; i < s->length; ++i)
      if (at(s, i) >= 0x80) return 0;
    return 1;
  }
  if (predicate == KILN_STR_ISPRINTABLE) {
    for (int64_t i = 0; i < s->length; ++i) {
      int c = classOf(at(s, i), kPrintable);
      if (c <= 0) return c;
    }
    return 1;
  }
  if (s->length == 0) return 0;
  if (predicate == KILN_STR_ISIDENTIFIER) { /* Python's: an XID_Start or _, then XID_Continue */
    for (int64_t i = 0; i < s->length; ++i) {
      uint32_t ch = at(s, i);
      int c = i == 0 ? (ch == '_' ? 1 : classOf(ch, kXidStart)) : classOf(ch, kXidContinue);
      if (c <= 0) return c;
    }
    return 1;
  }
  if (predicate == KILN_STR_ISUPPER || predicate == KILN_STR_ISLOWER) {
    int cased = 0;
    enum Class same = predicate == KILN_STR_ISUPPER ? kUpper : kLower;
    enum Class other = predicate == KILN_STR_ISUPPER ? kLower : kUpper;
    for (int64_t i = 0; i < s->length; ++i) {
      uint32_t ch = at(s, i);
      int o = classOf(ch, other), t = classOf(ch, kTitle), x = classOf(ch, same);
      if (o < 0 || t < 0 || x < 0) return -1;
      if (o || t) return 0;
      if (x) cased = 1;
    }
    return cased;
  }
  if (predicate == KILN_STR_ISTITLE) {
    int cased = 0, previous_cased = 0;
    for (int64_t i = 0; i < s->length; ++i) {
      uint32_t ch = at(s, i);
      int up = classOf(ch, kUpper), ti = classOf(ch, kTitle), lo = classOf(ch, kLower);
      if (up < 0 || ti < 0 || lo < 0) return -1;
      if (up || ti) {
        if (previous_cased) return 0;
        previous_cased = cased = 1;
      } else if (lo) {
        if (!previous_cased) return 0;
        previous_cased = cased = 1;
      } else {
        previous_cased = 0;
      }
    }
    return cased;
  }
  for (int64_t i = 0; i < s->length; ++i) {
    uint32_t ch = at(s, i);
    int r;
    switch (predicate) {
      case KILN_STR_ISDIGIT: r = classOf(ch, kDigit); break;
      case KILN_STR_ISALPHA: r = classOf(ch, kAlpha); break;
      case KILN_STR_ISSPACE: r = classOf(ch, kSpace); break;
      case KILN_STR_ISDECIMAL: r = classOf(ch, kDecimal); break;
      case KILN_STR_ISNUMERIC: r = classOf(ch, kNumeric); break;
      case KILN_STR_ISALNUM: {
        int a = classOf(ch, kAlpha), d = classOf(ch, kDecimal), g = classOf(ch, kDigit), n = classOf(ch, kNumeric);
        if (a < 0 || d < 0 || g < 0 || n < 0) return -1;
        r = a || d || g || n;
        break;
      }
      default: return -1;
    }
    if (r <= 0) return r;
  }
  return 1;
}

static int32_t strip(KilnStr* out, const KilnStr* s, const KilnStr* chars, int32_t which) {
  int64_t lo = 0, hi = s->length;
  for (int side = 1; side <= 2; ++side) {
    if (!(which & side)) continue;
    while (lo < hi) {
      uint32_t c = at(s, side == 1 ? lo : hi - 1);
      int hit = 0;
      if (chars == NULL) {
        hit = classOf(c, kSpace);
        if (hit < 0) return KILN_VALUE_ERROR;
      } else {
        for (int64_t k = 0; k < chars->length && !hit; ++k) hit = at(chars, k) == c;
      }
      if (!hit) break;
      if (side == 1) ++lo;
      else --hi;
    }
  }
  /* strings2: a view into s's block (one more reference), not a copy. */
  kiln_mi_incref((KilnMemInfo*)s->meminfo);
  out->meminfo = s->meminfo;
  out->data = (char*)s->data + lo * s->kind;
  out->length = hi - lo;
  out->kind = s->kind;
  return KILN_OK;
}

static int32_t replace(KilnStr* out, const KilnStr* s, const KilnStr* old, const KilnStr* repl, int64_t limit) {
  /* Count the replacements, then build. An empty `old` matches between
   * every two code points and at both ends, as CPython. */
  int64_t n = 0;
  if (old->length == 0) {
    n = s->length + 1;
  } else {
    for (int64_t i = 0; i + old->length <= s->length;) {
      if (matchAt(s, i, old)) {
        ++n;
        i += old->length;
      } else {
        ++i;
      }
    }
  }
  if (limit >= 0 && n > limit) n = limit;
  int64_t kind = s->kind;
  if (n > 0 && repl->kind > kind) kind = repl->kind;
  if (alloc(out, s->length + n * (repl->length - old->length), kind) != KILN_OK) return KILN_MEMORY_ERROR;
  int64_t pos = 0, i = 0, done = 0;
  while (i <= s->length) {
    if (done < n && (old->length == 0 || (i + old->length <= s->length && matchAt(s, i, old)))) {
      copyInto(out, pos, repl, 0, repl->length);
      pos += repl->length;
      ++done;
      if (old->length == 0) {
        if (i < s->length) put(out->data, out->kind, pos++, at(s, i));
        ++i;
      } else {
        i += old->length;
      }
      continue;
    }
    if (i == s->length) break;
    put(out->data, out->kind, pos++, at(s, i));
    ++i;
  }
  return KILN_OK;
}

static int32_t fromAscii(KilnStr* out, const char* text, size_t n) {
  if (alloc(out, (int64_t)n, 1) != KILN_OK) return KILN_MEMORY_ERROR;
  memcpy(out->data, text, n);
  return KILN_OK;
}

static int32_t fromInt(KilnStr* out, int64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
  return fromAscii(out, buf, (size_t)n);
}

/* repr(float): the shortest digits that round-trip, laid out as CPython's
 * float_repr_style 'short' (exponent form when the decimal point is more
 * than 16 places right or 4 places left of the first digit). */
static int32_t fromFloat(KilnStr* out, double v) {
  char buf[64];
  if (isnan(v)) return fromAscii(out, "nan", 3);
  if (isinf(v)) return v > 0 ? fromAscii(out, "inf", 3) : fromAscii(out, "-inf", 4);
  if (v == 0) return signbit(v) ? fromAscii(out, "-0.0", 4) : fromAscii(out, "0.0", 3);
  char sci[40];
  for (int p = 1; p <= 17; ++p) {
    snprintf(sci, sizeof sci, "%.*e", p - 1, v);
    if (strtod(sci, NULL) == v) break;
  }
  /* sci: [-]d[.ddd]e[+-]XX */
  const char* q = sci;
  int neg = 0;
  if (*q == '-') {
    neg = 1;
    ++q;
  }
  char digits[24];
  int nd = 0;
  for (; *q && *q != 'e'; ++q)
    if (*q >= '0' && *q <= '9') digits[nd++] = *q;
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  int exp10 = atoi(q + 1);
  int decpt = exp10 + 1; /* value = 0.digits * 10^decpt */
  char* w = buf;
  if (neg) *w++ = '-';
  if (decpt > 16 || decpt < -3) {
    *w++ = digits[0];
    if (nd > 1) {
      *w++ = '.';
      for (int k = 1; k < nd; ++k) *w++ = digits[k];
    }
    w += snprintf(w, 16, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
  } else if (decpt <= 0) {
    *w++ = '0';
    *w++ = '.';
    for (int k = 0; k < -decpt; ++k) *w++ = '0';
    for (int k = 0; k < nd; ++k) *w++ = digits[k];
  } else {
    for (int k = 0; k < decpt; ++k) *w++ = k < nd ? digits[k] : '0';
    *w++ = '.';
    if (nd > decpt) {
      for (int k = decpt; k < nd; ++k) *w++ = digits[k];
    } else {
      *w++ = '0';
    }
  }
  return fromAscii(out, buf, (size_t)(w - buf));
}

/* The ASCII form of a number's text for int()/float(): surrounding
 * whitespace removed, Unicode decimal digits mapped to ASCII, underscores
 * dropped where Python allows them (one, between two digits); 0, or
 * KILN_VALUE_ERROR when the text cannot be a number. */
static int32_t numberText(const KilnStr* s, char* buf, size_t cap) {
  int64_t lo = 0, hi = s->length;
  while (lo < hi && classOf(at(s, lo), kSpace) == 1) ++lo;
  while (hi > lo && classOf(at(s, hi - 1), kSpace) == 1) --hi;
  size_t n = 0;
  for (int64_t i = lo; i < hi; ++i) {
    uint32_t c = at(s, i);
    if (c >= 0x80) {
      int d = ctype_hooks != NULL ? ctype_hooks->to_decimal(c) : -1;
      if (d < 0) return KILN_VALUE_ERROR;
      c = (uint32_t)('0' + d);
    }
    if (c == '_') {
      int before = i > lo && ((at(s, i - 1) >= '0' && at(s, i - 1) <= '9') || at(s, i - 1) >= 0x80);
      int after = i + 1 < hi && ((at(s, i + 1) >= '0' && at(s, i + 1) <= '9') || at(s, i + 1) >= 0x80);
      if (!before || !after) return KILN_VALUE_ERROR;
      continue;
    }
    if (c == 0 || n + 1 >= cap) return KILN_VALUE_ERROR;
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  return n == 0 ? KILN_VALUE_ERROR : KILN_OK;
}

static int32_t toInt(const KilnStr* s, int64_t* out) {
  char buf[128];
  if (numberText(s, buf, sizeof buf) != KILN_OK) return KILN_VALUE_ERROR;
  const char* p = buf;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if (*p == '\0') return KILN_VALUE_ERROR;
  uint64_t v = 0;
  int overflow = 0;
  for (; *p; ++p) {
    if (*p < '0' || *p > '9') return KILN_VALUE_ERROR;
    uint64_t d = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = 1;
    else v = v * 10 + d;
  }
  if (overflow || v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) return KILN_OVERFLOW_ERROR;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return KILN_OK;
}

static int32_t toFloat(const KilnStr* s, double* out) {
  char buf[512];
  if (numberText(s, buf, sizeof buf) != KILN_OK) return KILN_VALUE_ERROR;
  /* Python's float() takes decimal text, inf, infinity and nan (any case,
   * signed); not C's hexadecimal or nan(...) forms. */
  for (const char* p = buf; *p; ++p)
    if (*p == 'x' || *p == 'X' || *p == '(' || *p == ')') return KILN_VALUE_ERROR;
  const char* body = buf + (buf[0] == '+' || buf[0] == '-');
  if ((body[0] == 'n' || body[0] == 'N') && strlen(body) != 3) return KILN_VALUE_ERROR;
  char* end = NULL;
  double v = strtod(buf, &end);
  if (end == buf || *end != '\0') return KILN_VALUE_ERROR;
  *out = v;
  return KILN_OK;
}

static int64_t charAt(const KilnStr* s, int64_t i) { return at(s, i); }

static int32_t fromData(KilnStr* out, const void* data, int64_t length, int64_t kind) {
  if (alloc(out, length, kind) != KILN_OK) return KILN_MEMORY_ERROR;
  memcpy(out->data, data, (size_t)(length * kind));
  return KILN_OK;
}

static int32_t eqFields(const void* a, int64_t a_length, int64_t a_kind, const void* b, int64_t b_length,
                        int64_t b_kind) {
  KilnStr x = {NULL, (void*)a, a_length, a_kind}, y = {NULL, (void*)b, b_length, b_kind};
  return eq(&x, &y);
}

const KilnUnicodeApi kiln_unicode_table = {
    sizeof(KilnUnicodeApi), eq, cmp, find, count, concat, repeat, slice, chr_, hash, upper, lower, is, strip,
    replace, fromInt, fromFloat, toInt, toFloat, charAt, fromData, eqFields, recase,
};
