#ifndef KILN_RUNTIME_CPU_KILN_PRINT_H
#define KILN_RUNTIME_CPU_KILN_PRINT_H
/* print: print(*args, sep=..., end=...) in compiled code, reached through
 * KilnRuntime.print (kiln_rt.h).
 *
 * Compiled code does not format values itself: each argument is handed over
 * stored as a result of its type (kiln_abi.h), with the type's spelling, so
 * that the loader can box it and print it as Python prints the boxed object
 * (Numba's behaviour: str() of the object, NumPy's formatting for arrays),
 * to Python's sys.stdout as it is at the time of the call. The Python client
 * installs that printer with kiln_print_set_hook; without one (the C++
 * client) the runtime writes scalars and strings to C stdout itself, with
 * Python's formatting, and flushes it, and refuses other types. */
#include <stdint.h>

#include "kiln_unicode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prints values[0..n) (values[k] stored as a result of the type spelled
 * types[k], borrowed for the call: the printer takes no reference),
 * separated by sep and followed by end (NULL: Python's defaults " " and
 * "\n"). Returns 0, or an error kind of kiln_abi.h (KILN_TYPE_ERROR for a
 * type the printer cannot box, KILN_RUNTIME_ERROR when writing failed). */
typedef int32_t (*KilnPrintFn)(int64_t n, void* const* values, const char* const* types, const KilnStr* sep,
                               const KilnStr* end);

/* The table compiled code calls (KilnRuntime.print). Fields are only ever
 * appended. */
typedef struct KilnPrintApi {
  uint32_t size; /* sizeof(KilnPrintApi) */
  KilnPrintFn print;
} KilnPrintApi;

extern const KilnPrintApi kiln_print_table;

/* Installs the printer every print goes to (NULL: the runtime's own). */
void kiln_print_set_hook(KilnPrintFn hook);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_PRINT_H */
