/* print: the runtime's own printer (no Python: the C++ client) and the hook
 * the Python client installs (kiln_print.h). */
#include "kiln_print.h"

#include <stdio.h>
#include <string.h>

#include "kiln_abi.h"
#include "kiln_rt.h"

static KilnPrintFn print_hook = NULL;

void kiln_print_set_hook(KilnPrintFn hook) { __atomic_store_n(&print_hook, hook, __ATOMIC_RELEASE); }

/* The code points of s as UTF-8 on f. */
static void writeStr(FILE* f, const KilnStr* s) {
  for (int64_t i = 0; i < s->length; ++i) {
    uint32_t c = s->kind == 1   ? ((const uint8_t*)s->data)[i]
                 : s->kind == 2 ? ((const uint16_t*)s->data)[i]
                                : ((const uint32_t*)s->data)[i];
    char b[4];
    int n;
    if (c < 0x80) {
      b[0] = (char)c;
      n = 1;
    } else if (c < 0x800) {
      b[0] = (char)(0xC0 | (c >> 6));
      b[1] = (char)(0x80 | (c & 0x3F));
      n = 2;
    } else if (c < 0x10000) {
      b[0] = (char)(0xE0 | (c >> 12));
      b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      b[2] = (char)(0x80 | (c & 0x3F));
      n = 3;
    } else {
      b[0] = (char)(0xF0 | (c >> 18));
      b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
      b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
      b[3] = (char)(0x80 | (c & 0x3F));
      n = 4;
    }
    fwrite(b, 1, (size_t)n, f);
  }
}

/* Whether the runtime itself knows how to print a value of this type. */
static int ownType(const char* t) {
  static const char* const kOwn[] = {"none",   "bool",   "int8",    "int16",   "int32",   "int64",
                                     "uint8",  "uint16", "uint32",  "uint64",  "float32", "float64",
                                     "unicode_type"};
  for (size_t k = 0; k < sizeof kOwn / sizeof kOwn[0]; ++k)
    if (strcmp(t, kOwn[k]) == 0) return 1;
  return 0;
}

static void writeFloat(FILE* f, double v) {
  KilnStr s;
  if (kiln_unicode_table.from_float(&s, v) != KILN_OK) return;
  writeStr(f, &s);
  kiln_mi_decref((KilnMemInfo*)s.meminfo);
}

static void writeValue(FILE* f, const void* p, const char* t) {
  if (strcmp(t, "none") == 0) {
    fputs("None", f);
  } else if (strcmp(t, "bool") == 0) {
    fputs(*(const uint8_t*)p ? "True" : "False", f);
  } else if (strcmp(t, "unicode_type") == 0) {
    writeStr(f, (const KilnStr*)p);
  } else if (strcmp(t, "float64") == 0) {
    writeFloat(f, *(const double*)p);
  } else if (strcmp(t, "float32") == 0) {
    writeFloat(f, (double)*(const float*)p);
  } else if (t[0] == 'u') {
    uint64_t v = strcmp(t, "uint8") == 0    ? *(const uint8_t*)p
                 : strcmp(t, "uint16") == 0 ? *(const uint16_t*)p
                 : strcmp(t, "uint32") == 0 ? *(const uint32_t*)p
                                            : *(const uint64_t*)p;
    fprintf(f, "%llu", (unsigned long long)v);
  } else {
    int64_t v = strcmp(t, "int8") == 0    ? *(const int8_t*)p
                : strcmp(t, "int16") == 0 ? *(const int16_t*)p
                : strcmp(t, "int32") == 0 ? *(const int32_t*)p
                                          : *(const int64_t*)p;
    fprintf(f, "%lld", (long long)v);
  }
}

static int32_t printValues(int64_t n, void* const* values, const char* const* types, const KilnStr* sep,
                           const KilnStr* end) {
  KilnPrintFn hook = __atomic_load_n(&print_hook, __ATOMIC_ACQUIRE);
  if (hook != NULL) return hook(n, values, types, sep, end);
  int32_t status = KILN_OK;
  for (int64_t k = 0; k < n; ++k)
    if (!ownType(types[k])) status = KILN_TYPE_ERROR;
  if (status == KILN_OK) {
    for (int64_t k = 0; k < n; ++k) {
      if (k > 0) {
        if (sep != NULL)
          writeStr(stdout, sep);
        else
          fputc(' ', stdout);
      }
      writeValue(stdout, values[k], types[k]);
    }
    if (end != NULL)
      writeStr(stdout, end);
    else
      fputc('\n', stdout);
    if (fflush(stdout) != 0) status = KILN_RUNTIME_ERROR;
  }
  return status;
}

const KilnPrintApi kiln_print_table = {sizeof(KilnPrintApi), printValues};
