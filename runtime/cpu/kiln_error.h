#ifndef KILN_RUNTIME_CPU_KILN_ERROR_H
#define KILN_RUNTIME_CPU_KILN_ERROR_H
/* exceptions: the arguments of `raise Class(args...)` that compiled code
 * computes at run time (strings, tuples), held on the heap in the caller's
 * KilnError (kiln_abi.h), and how they are released.
 *
 * Invariants:
 *  - err->args[0..nargs) are always valid arguments: a heap argument
 *    (KILN_ARG_OWNED_STR, KILN_ARG_TUPLE) is a KilnMemInfo of which the
 *    KilnError holds one reference;
 *  - kiln_error_clear drops them and zeroes nargs: compiled code calls it
 *    before it writes a new error into a KilnError (a caught exception's
 *    arguments are dropped when the next error replaces them), and every
 *    receiver calls it once it is done with the KilnError, on every path;
 *  - an except handler keeps a copy of the error it handles (to re-raise
 *    it after a nested handler replaced it): the copy holds references of
 *    its own (kiln_error_retain), dropped when the handler ends;
 *  - the blocks come from kiln_mi_alloc, so kiln_rt_stats counts them (the
 *    leak tests see an argument that is never released).
 * Compiled code reaches these through KilnRuntime.error (kiln_rt.h).
 */
#include <stdint.h>

#include "kiln_abi.h"
#include "kiln_unicode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Drops the heap arguments of *err and sets nargs and has_args to 0. */
void kiln_error_clear(KilnError* err);

/* Takes one more reference to each heap argument of *err (a copy of it
 * that compiled code keeps aside while it handles the exception). */
void kiln_error_retain(KilnError* err);

/* Drops one argument's block (if it holds one) and makes it None. */
void kiln_error_arg_release(KilnErrorArg* arg);

/* *slot = a copy of the string s (KILN_ARG_OWNED_STR). Returns 0, or
 * KILN_MEMORY_ERROR with *slot None. */
int32_t kiln_error_str_arg(KilnErrorArg* slot, const KilnStr* s);

/* *slot = the tuple of the `count` arguments at items (KILN_ARG_TUPLE),
 * which it takes over. Returns 0, or KILN_MEMORY_ERROR with the items
 * released and *slot None. */
int32_t kiln_error_tuple_arg(KilnErrorArg* slot, KilnErrorArg* items, int64_t count);

/* codec: *slot = a copy of the `length` bytes at data (KILN_ARG_OWNED_BYTES).
 * Returns 0, or KILN_MEMORY_ERROR with *slot None. */
int32_t kiln_error_bytes_arg(KilnErrorArg* slot, const uint8_t* data, int64_t length);

/* The table compiled code calls (KilnRuntime.error). Fields are only ever
 * appended. */
typedef struct KilnErrorApi {
  uint32_t size; /* sizeof(KilnErrorApi) */
  void (*clear)(KilnError* err);
  int32_t (*str_arg)(KilnErrorArg* slot, const KilnStr* s);
  int32_t (*tuple_arg)(KilnErrorArg* slot, KilnErrorArg* items, int64_t count);
  void (*retain)(KilnError* err);
  int32_t (*bytes_arg)(KilnErrorArg* slot, const uint8_t* data, int64_t length); /* codec */
} KilnErrorApi;

extern const KilnErrorApi kiln_error_table;

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_ERROR_H */
