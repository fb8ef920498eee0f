/* format: the layout of format specs (kiln_format.h). Numbers are split into
 * sign, prefix ("0x"), integer digits (the part thousands separators go
 * into) and the rest (fraction, exponent, '%'), then padded as the spec's
 * alignment says; a '0' fill with '=' alignment and a separator pads with
 * grouped zeros, as CPython does ("0,001,234"). */
#include "kiln_format.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_abi.h"
#include "kiln_rt.h"

/* A growing buffer of code points. */
typedef struct Out {
  uint32_t* p;
  int64_t n;
  int64_t cap;
  int failed;
} Out;

static void reserve(Out* o, int64_t more) {
  if (o->failed || o->n + more <= o->cap) return;
  int64_t cap = o->cap ? o->cap : 32;
  while (cap < o->n + more) cap *= 2;
  uint32_t* p = (uint32_t*)realloc(o->p, (size_t)cap * sizeof(uint32_t));
  if (p == NULL) {
    o->failed = 1;
    return;
  }
  o->p = p;
  o->cap = cap;
}

static void push(Out* o, uint32_t c) {
  reserve(o, 1);
  if (!o->failed) o->p[o->n++] = c;
}

static void pushAscii(Out* o, const char* s, int64_t n) {
  reserve(o, n);
  if (o->failed) return;
  for (int64_t k = 0; k < n; ++k) o->p[o->n++] = (unsigned char)s[k];
}

static void pushFill(Out* o, uint32_t c, int64_t n) {
  if (n <= 0) return;
  reserve(o, n);
  if (o->failed) return;
  for (int64_t k = 0; k < n; ++k) o->p[o->n++] = c;
}

/* The buffer as a string of the smallest kind that holds it. */
static int32_t finish(Out* o, KilnStr* out) {
  if (o->failed) {
    free(o->p);
    return KILN_MEMORY_ERROR;
  }
  uint32_t m = 0;
  for (int64_t k = 0; k < o->n; ++k)
    if (o->p[k] > m) m = o->p[k];
  int64_t kind = m < 0x100 ? 1 : m < 0x10000 ? 2 : 4;
  int32_t r;
  if (o->p == NULL) {
    uint8_t none = 0;
    r = kiln_unicode_table.from_data(out, &none, 0, 1);
  } else {
    /* Narrowed in place: position k is written after p[k] is read. */
    for (int64_t k = 0; k < o->n && kind != 4; ++k) {
      if (kind == 1) ((uint8_t*)o->p)[k] = (uint8_t)o->p[k];
      else ((uint16_t*)o->p)[k] = (uint16_t)o->p[k];
    }
    r = kiln_unicode_table.from_data(out, o->p, o->n, kind);
  }
  free(o->p);
  return r;
}

/* Pads `len` characters' worth of content with the spec's fill: how many
 * fill characters go before (*left) and after (*right). */
static void padding(const KilnFormatSpec* spec, int32_t default_align, int64_t len, int64_t* left, int64_t* right) {
  int64_t pad = spec->width > len ? spec->width - len : 0;
  int32_t align = spec->align ? spec->align : default_align;
  *left = *right = 0;
  if (align == '<') *right = pad;
  else if (align == '^') {
    *left = pad / 2;
    *right = pad - pad / 2;
  } else *left = pad; /* '>' and '=' (where the caller places it after the sign) */
}

/* Lays out a number; digits[0..ndigits) are the integer digits, grouped by
 * `group` when the spec asks for a separator. */
static int32_t layoutNumber(KilnStr* out, const KilnFormatSpec* spec, char sign, const char* prefix,
                            const char* digits, int64_t ndigits, const char* rest, int64_t nrest, int group) {
  int32_t align = spec->align ? spec->align : '>';
  int64_t lead = (sign ? 1 : 0) + (int64_t)strlen(prefix);
  char* grouped = NULL;
  int64_t ng = ndigits;
  if (spec->grouping && ndigits > 0) {
    int64_t min_width = 0;
    if (spec->fill == '0' && align == '=' && spec->width > lead + nrest) min_width = spec->width - lead - nrest;
    int64_t cap = (ndigits > min_width ? ndigits : min_width) * 2 + 2;
    grouped = (char*)malloc((size_t)cap);
    if (grouped == NULL) return KILN_MEMORY_ERROR;
    /* Built right to left, then reversed. */
    int64_t remaining = ndigits, n = 0;
    int first = 1;
    for (;;) {
      int64_t l = remaining > min_width ? remaining : min_width;
      if (l < 1) l = 1;
      if (l > group) l = group;
      int64_t nchars = remaining < l ? remaining : l;
      if (!first) grouped[n++] = (char)spec->grouping;
      first = 0;
      for (int64_t k = 0; k < nchars; ++k) grouped[n++] = digits[remaining - 1 - k];
      for (int64_t k = nchars; k < l; ++k) grouped[n++] = '0';
      remaining -= nchars;
      min_width -= l;
      if (remaining <= 0 && min_width <= 0) break;
      min_width -= 1; /* the separator before the next group */
    }
    for (int64_t k = 0; k < n / 2; ++k) {
      char t = grouped[k];
      grouped[k] = grouped[n - 1 - k];
      grouped[n - 1 - k] = t;
    }
    ng = n;
    digits = grouped;
  }
  int64_t left, right;
  padding(spec, '>', lead + ng + nrest, &left, &right);
  Out o = {0};
  if (align != '=') pushFill(&o, (uint32_t)spec->fill, left);
  if (sign) push(&o, (uint32_t)(unsigned char)sign);
  pushAscii(&o, prefix, (int64_t)strlen(prefix));
  if (align == '=') pushFill(&o, (uint32_t)spec->fill, left);
  pushAscii(&o, digits, ng);
  pushAscii(&o, rest, nrest);
  pushFill(&o, (uint32_t)spec->fill, right);
  free(grouped);
  return finish(&o, out);
}

static char signChar(const KilnFormatSpec* spec, int negative) {
  if (negative) return '-';
  if (spec->sign == '+') return '+';
  if (spec->sign == ' ') return ' ';
  return 0;
}

static int32_t formatInt(KilnStr* out, int64_t v, int32_t is_unsigned, const KilnFormatSpec* spec) {
  int negative = !is_unsigned && v < 0;
  uint64_t mag = is_unsigned || v >= 0 ? (uint64_t)v : (uint64_t)0 - (uint64_t)v;
  int32_t type = spec->type ? spec->type : 'd';
  if (type == 'c') {
    if (negative || mag >= 0x110000) return KILN_OVERFLOW_ERROR;
    int64_t left, right;
    padding(spec, '>', 1, &left, &right);
    Out o = {0};
    pushFill(&o, (uint32_t)spec->fill, left);
    push(&o, (uint32_t)mag);
    pushFill(&o, (uint32_t)spec->fill, right);
    return finish(&o, out);
  }
  unsigned base = type == 'b' ? 2 : type == 'o' ? 8 : (type == 'x' || type == 'X') ? 16 : 10;
  const char* symbols = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  char digits[72];
  int n = 0;
  do {
    digits[sizeof digits - 1 - n++] = symbols[mag % base];
    mag /= base;
  } while (mag != 0);
  const char* prefix = "";
  if (spec->flags & KILN_FORMAT_ALT)
    prefix = type == 'b' ? "0b" : type == 'o' ? "0o" : type == 'x' ? "0x" : type == 'X' ? "0X" : "";
  return layoutNumber(out, spec, signChar(spec, negative), prefix, digits + sizeof digits - n, n, "", 0,
                      base == 10 ? 3 : 4);
}

/* Trailing zeros of the fraction (and a bare '.') removed, as 'g' does
 * without '#'. */
static void stripZeros(char* s) {
  char* dot = strchr(s, '.');
  if (dot == NULL) return;
  char* end = dot;
  while (*end && *end != 'e') ++end;
  char* cut = end;
  while (cut > dot + 1 && cut[-1] == '0') --cut;
  if (cut == dot + 1) cut = dot;
  memmove(cut, end, strlen(end) + 1);
}

static int32_t formatFloat(KilnStr* out, double v, const KilnFormatSpec* spec) {
  int32_t type = spec->type;
  int alt = (spec->flags & KILN_FORMAT_ALT) != 0;
  int64_t prec = spec->precision;
  if (type == '%') v *= 100;
  int negative = signbit(v) && !isnan(v);
  double a = fabs(v);
  size_t cap = 420 + (size_t)(prec > 0 ? prec : 0) * 2;
  char* body = (char*)malloc(cap);
  if (body == NULL) return KILN_MEMORY_ERROR;
  int upper = type == 'E' || type == 'F' || type == 'G';
  int prec_i = (int)(prec < 0 ? 6 : prec);
  if (isnan(a) || isinf(a)) {
    strcpy(body, isnan(a) ? "nan" : "inf");
  } else if (type == 'e' || type == 'E') {
    snprintf(body, cap, alt ? "%#.*e" : "%.*e", prec_i, a);
  } else if (type == 'f' || type == 'F' || type == '%') {
    snprintf(body, cap, alt ? "%#.*f" : "%.*f", prec_i, a);
  } else if (type == 'g' || type == 'G' || type == 'n' || prec >= 0) {
    /* 'g' and, with a precision, no type: p significant digits, fixed when
     * -4 <= exp < p (no type: exp < p - 1, and at least one digit after the
     * point), trailing zeros dropped unless '#'. */
    int plain = type == 0;
    int p = prec_i == 0 ? 1 : prec_i;
    snprintf(body, cap, "%.*e", p - 1, a);
    int x = atoi(strchr(body, 'e') + 1);
    int fixed = x >= -4 && x < (plain ? p - 1 : p);
    if (fixed) snprintf(body, cap, alt ? "%#.*f" : "%.*f", p - 1 - x, a);
    else if (alt) snprintf(body, cap, "%#.*e", p - 1, a);
    if (!alt) stripZeros(body);
    if (plain && fixed && strchr(body, '.') == NULL) strcat(body, ".0");
  } else {
    /* No type, no precision: repr(). */
    KilnStr r;
    if (kiln_unicode_table.from_float(&r, a) != KILN_OK) {
      free(body);
      return KILN_MEMORY_ERROR;
    }
    memcpy(body, r.data, (size_t)r.length);
    body[r.length] = 0;
    kiln_mi_decref((KilnMemInfo*)r.meminfo);
    if (alt && strchr(body, '.') == NULL) {
      char* e = strchr(body, 'e');
      if (e != NULL) {
        memmove(e + 1, e, strlen(e) + 1);
        *e = '.';
      }
    }
  }
  if (upper)
    for (char* c = body; *c; ++c) *c = (char)toupper((unsigned char)*c);
  if (type == '%') strcat(body, "%");
  if (negative && (spec->flags & KILN_FORMAT_NO_NEG_ZERO)) {
    int zero = 1;
    for (const char* c = body; *c && *c != 'e' && *c != 'E' && *c != '%'; ++c)
      if (*c != '0' && *c != '.') zero = 0;
    if (isinf(a)) zero = 0;
    if (zero) negative = 0;
  }
  int64_t nd = 0;
  while (body[nd] >= '0' && body[nd] <= '9') ++nd;
  int32_t r = layoutNumber(out, spec, signChar(spec, negative), "", body, nd, body + nd,
                           (int64_t)strlen(body + nd), 3);
  free(body);
  return r;
}

static uint32_t charAt(const KilnStr* s, int64_t i) {
  switch (s->kind) {
    case 1: return ((const uint8_t*)s->data)[i];
    case 2: return ((const uint16_t*)s->data)[i];
    default: return ((const uint32_t*)s->data)[i];
  }
}

static int32_t formatStr(KilnStr* out, const KilnStr* s, const KilnFormatSpec* spec) {
  int64_t n = s->length;
  if (spec->precision >= 0 && spec->precision < n) n = spec->precision;
  int64_t left, right;
  padding(spec, '<', n, &left, &right);
  Out o = {0};
  pushFill(&o, (uint32_t)spec->fill, left);
  reserve(&o, n);
  for (int64_t k = 0; k < n && !o.failed; ++k) o.p[o.n++] = charAt(s, k);
  pushFill(&o, (uint32_t)spec->fill, right);
  return finish(&o, out);
}

static void pushHex(Out* o, char lead, uint32_t c, int digits) {
  char buf[12];
  int n = snprintf(buf, sizeof buf, "\\%c%0*x", lead, digits, c);
  pushAscii(o, buf, n);
}

static int32_t reprStr(KilnStr* out, const KilnStr* s, int32_t ascii) {
  int single = 0, dbl = 0;
  for (int64_t k = 0; k < s->length; ++k) {
    uint32_t c = charAt(s, k);
    single |= c == '\'';
    dbl |= c == '"';
  }
  uint32_t quote = single && !dbl ? '"' : '\'';
  Out o = {0};
  push(&o, quote);
  for (int64_t k = 0; k < s->length; ++k) {
    uint32_t c = charAt(s, k);
    if (c == quote || c == '\\') {
      push(&o, '\\');
      push(&o, c);
    } else if (c == '\t') {
      pushAscii(&o, "\\t", 2);
    } else if (c == '\n') {
      pushAscii(&o, "\\n", 2);
    } else if (c == '\r') {
      pushAscii(&o, "\\r", 2);
    } else if (c < 0x20 || c == 0x7f) {
      pushHex(&o, 'x', c, 2);
    } else if (c < 0x7f) {
      push(&o, c);
    } else {
      int printable = 0;
      if (!ascii) {
        KilnStr one = {NULL, &c, 1, 4};
        int32_t r = kiln_unicode_table.is(&one, KILN_STR_ISPRINTABLE);
        if (r < 0) {
          free(o.p);
          return KILN_VALUE_ERROR;
        }
        printable = r > 0;
      }
      if (printable) push(&o, c);
      else if (c < 0x100) pushHex(&o, 'x', c, 2);
      else if (c < 0x10000) pushHex(&o, 'u', c, 4);
      else pushHex(&o, 'U', c, 8);
    }
  }
  push(&o, quote);
  return finish(&o, out);
}

const KilnFormatApi kiln_format_table = {sizeof(KilnFormatApi), formatInt, formatFloat, formatStr, reprStr};
