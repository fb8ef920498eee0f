#ifndef KILN_RUNTIME_CPU_KILN_ABI_H
#define KILN_RUNTIME_CPU_KILN_ABI_H
/* The binary interface between compiled Kiln code and its callers (the
 * Python dispatcher, the C++ client). C, so any language can call it.
 *
 * Every compiled function exports one entry point:
 *
 *   int32_t entry(void* ret, void* const* args, KilnError* err);
 *
 *  - args[i] points at argument i stored in its native form: int64_t for
 *    int64, double for float64, int32_t for int32, float for float32,
 *    uint8_t (0/1) for bool; a tuple is its items laid out as a C struct.
 *  - ret points at storage for the result laid out the same way (natural
 *    C alignment; bool is one byte; none stores nothing).
 *  - an array (type "array(float64, 1d, C)", "array(int32, 2d, A)") is
 *      struct { void* meminfo; void* data; int64_t shape[ndim]; int64_t strides[ndim]; }
 *    with strides in bytes. meminfo is NULL for memory the compiled code
 *    borrows (an argument's buffer, or a view of it); for memory the compiled
 *    code allocated it is the block's KilnMemInfo (kiln_rt.h), and an array
 *    returned as a result carries one reference to it, which the receiver
 *    owns and drops with kiln_mi_decref (the Python dispatcher hands it to
 *    the NumPy array it returns). Arguments are borrowed for the call.
 *  - it returns KILN_OK, or an error kind with *err filled in: err->message
 *    points at a static string inside the shared object (valid while it is
 *    loaded), err->line is the Python source line that raised.
 */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum KilnErrorKind {
  KILN_OK = 0,
  KILN_ZERO_DIVISION_ERROR = 1,
  KILN_INDEX_ERROR = 2,
  KILN_VALUE_ERROR = 3,
  KILN_OVERFLOW_ERROR = 4,
  KILN_ASSERTION_ERROR = 5,
  KILN_RUNTIME_ERROR = 6,
  KILN_NAME_ERROR = 7,
  KILN_TYPE_ERROR = 8,
  KILN_MEMORY_ERROR = 9,
  KILN_KEY_ERROR = 10,
  KILN_STOP_ITERATION = 11,
};

typedef struct KilnError {
  int32_t kind;
  int32_t line;
  const char* message;
} KilnError;

typedef int32_t (*KilnEntryFn)(void* ret, void* const* args, KilnError* err);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_ABI_H */
