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
 *  - records: a record argument (type "Record(a[type=int16;offset=0];2;False)")
 *    is a pointer to its bytes (a np.void's buffer, written through); a
 *    record result is the record's bytes themselves (itemsize bytes).
 *  - it returns KILN_OK, or an error kind with *err filled in: err->message
 *    points at a static string inside the shared object (valid while it is
 *    loaded), err->line is the Python source line that raised. A `raise`
 *    of the function's own also fills class_name (for classes outside the
 *    kinds below) and the exception's args (see KilnError).
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
  /* exceptions: the class is err->class_name ("module:qualname"), a user
   * subclass of Exception or a builtin class without a kind of its own. */
  KILN_CLASS_ERROR = 12,
  /* exceptions: a bare `raise` outside any except clause of the compiled
   * code: the caller re-raises the exception it is handling, if any, else
   * RuntimeError("No active exception to reraise"). */
  KILN_RERAISE_ACTIVE = 13,
  /* objmode: the status of the objmode hook when a `with objmode()` block
   * raised (kiln_objmode.h); compiled code raises it as KILN_CLASS_ERROR. */
  KILN_PYTHON_ERROR = 14,
};

/* exceptions: one argument of `raise Class(arg, ...)`. */
enum KilnErrorArgTag {
  KILN_ARG_NONE = 0,
  KILN_ARG_BOOL = 1,   /* bits: 0 or 1 */
  KILN_ARG_INT = 2,    /* bits: the int64_t */
  KILN_ARG_FLOAT = 3,  /* bits: the double's bits */
  KILN_ARG_STR = 4,    /* bits: a const char* (UTF-8, NUL-terminated) static in the shared object */
  KILN_ARG_UINT = 5,   /* bits: the uint64_t */
  /* Computed arguments, held on the heap: bits is a KilnMemInfo* (kiln_rt.h)
   * of which the KilnError holds one reference; kiln_error_clear
   * (kiln_error.h) drops it. */
  KILN_ARG_OWNED_STR = 6, /* a KilnErrorStr block: a str computed at run time */
  KILN_ARG_TUPLE = 7,     /* a KilnErrorTuple block: a tuple of arguments */
  KILN_ARG_OWNED_BYTES = 8, /* codec: a KilnErrorStr block of kind 1: a bytes value (UnicodeDecodeError's object) */
};

typedef struct KilnErrorArg {
  int32_t tag;
  int32_t reserved;
  int64_t bits;
} KilnErrorArg;

#define KILN_ERROR_MAX_ARGS 8

/* The data of a KILN_ARG_OWNED_STR block: the string's code points, PEP 393
 * style (kind bytes each: 1, 2 or 4), not NUL-terminated. */
typedef struct KilnErrorStr {
  int64_t length;
  int64_t kind;
  /* followed by length * kind bytes */
} KilnErrorStr;

/* The data of a KILN_ARG_TUPLE block: its items, which it owns (the block's
 * destructor drops their blocks). */
typedef struct KilnErrorTuple {
  int64_t count;
  int64_t reserved;
  /* followed by count KilnErrorArg */
} KilnErrorTuple;

typedef struct KilnError {
  int32_t kind;
  int32_t line;
  const char* message;
  /* Appended (exceptions). The caller zero-fills them; compiled code sets
   * them on every error it raises. The arguments may hold heap blocks
   * (KILN_ARG_OWNED_STR, KILN_ARG_TUPLE): whoever receives the KilnError
   * calls kiln_error_clear (kiln_error.h) once it is done with it, whether
   * the call failed or not (compiled code may have caught an exception and
   * returned normally); compiled code clears before it overwrites. */
  const char* class_name;  /* KILN_CLASS_ERROR: "module:qualname" of the class, static in the shared object */
  int32_t has_args;        /* 1: the exception is Class(*args[0..nargs)); 0: Class(message) or Class() */
  int32_t nargs;
  KilnErrorArg args[KILN_ERROR_MAX_ARGS];
  /* Where it was raised, for the traceback: the Python file and the
   * function's co_name (static strings in the shared object; NULL if unknown). */
  const char* filename;
  const char* function;
} KilnError;

typedef int32_t (*KilnEntryFn)(void* ret, void* const* args, KilnError* err);

/* genpy: a function whose result is a generator ("Generator(func=f,
 * args=(int64,), yield=float64)") stores in *ret the generator's block (a
 * KilnMemInfo* carrying one reference, which the receiver drops with
 * kiln_mi_decref; dropping the last one releases what the generator holds
 * wherever it stopped). The shared object also exports "<entry>.step":
 *
 *   int32_t step(void* generator, KilnError* err, void* out);
 *
 * runs the generator to its next yield: KILN_OK with the item at `out` (laid
 * out as a result of the yield type, owning its references as a result
 * does); KILN_GENERATOR_EXHAUSTED once it has ended (and on every call
 * after); or an error kind with *err filled in (the generator has then
 * ended, as in Python). */
#define KILN_GENERATOR_EXHAUSTED (-1)
typedef int32_t (*KilnGeneratorStepFn)(void* generator, KilnError* err, void* out);

/* pyvals: a slice object (type "slice3_type") as an argument or a result.
 * start and stop are INT64_MIN where the slice's were None (no index a slice
 * can name; a bound of -2**63 is refused when a slice is passed in), step is
 * 1 where it was None, so code that indexes reads the three fields alone;
 * nones has bit KILN_SLICE_*_NONE set for each part that was None, so the
 * slice boxes back exactly (slice(1, 2, None), not slice(1, 2, 1)). */
#define KILN_SLICE_START_NONE 1
#define KILN_SLICE_STOP_NONE 2
#define KILN_SLICE_STEP_NONE 4
typedef struct KilnSlice {
  int64_t start;
  int64_t stop;
  int64_t step;
  int64_t nones;
} KilnSlice;

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_ABI_H */
