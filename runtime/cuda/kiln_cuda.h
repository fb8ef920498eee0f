/* The CUDA driver-API layer (docs/cuda.md "Driver layer"): libcuda.so.1
 * opened with dlopen at run time (no link-time dependency: a machine with no
 * GPU still loads Kiln), the entry points of driver_functions.def, and the
 * launch of a Kiln kernel with its parameters packed by a table built once
 * per signature.
 *
 * A C library (libkiln_cuda.so, next to the Python package's _kiln) so the
 * Python client (kiln/cuda/_driver.py, through ctypes) and C++ callers use
 * one implementation. Thread-safe: kiln_cuda_open is idempotent and
 * serialized; everything else only reads the table. */
#ifndef KILN_CUDA_H
#define KILN_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* KilnCuHandle;
typedef unsigned long long KilnCuDevptr;

/* The CUresult values Kiln names itself (cuda.h's numbering). */
enum {
  KILN_CUDA_SUCCESS = 0,
  KILN_CUDA_ERROR_NOT_INITIALIZED = 3,
  KILN_CUDA_ERROR_STUB_LIBRARY = 34,
  KILN_CUDA_ERROR_NO_DEVICE = 100,
  KILN_CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  /* Not CUDA's: the library or an entry point could not be loaded. */
  KILN_CUDA_ERROR_NOT_LOADED = -1,
};

/* Opens the driver (`path`; NULL: $KILN_LIBCUDA, else "libcuda.so.1"),
 * resolves every entry point of driver_functions.def and calls cuInit(0).
 * Returns the CUresult (KILN_CUDA_ERROR_NOT_LOADED when the library or a
 * symbol is missing) and writes a sentence saying why into `why` (no GPU, the
 * toolkit's stub library, an old driver). Once it has succeeded, later calls
 * return 0 at once; a failure is retried on the next call. */
int kiln_cuda_open(const char* path, char* why, size_t why_size);

/* Whether kiln_cuda_open has succeeded. */
int kiln_cuda_loaded(void);

/* The resolved entry point `name` ("cuMemAlloc": the names of
 * driver_functions.def), or NULL before kiln_cuda_open / for another name.
 * The Python glue calls the driver through these. */
void* kiln_cuda_function(const char* name);

/* "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered"
 * (the driver's own words when loaded, else Kiln's for the codes above),
 * written into `out`. */
void kiln_cuda_error_text(int code, char* out, size_t out_size);

/* ---- kernel parameters (docs/cuda.md "ABI") ------------------------------
 * A signature's parameter layout, from a spec with one token per argument:
 *   A<nd>       an array: data pointer, then nd shapes and nd strides (int64)
 *   b1          bool (1 byte)
 *   i1 i2 i4 i8 u1 u2 u4 u8   integers of that many bytes
 *   f2 f4 f8    floats; c8 c16 complex (two floats: real, imaginary)
 *   M8          datetime64/timedelta64 (int64)
 *   ( ... )     a tuple: its items' tokens in order
 * e.g. "A1A1f4" for (float32[:], float32[:], float32). Each parameter sits
 * in the argument block at its natural alignment, in order; a launch passes
 * cuLaunchKernel a pointer into the block per parameter. */
typedef struct KilnCudaParam {
  uint32_t offset; /* in the argument block */
  uint32_t size;   /* bytes: 1, 2, 4 or 8 */
} KilnCudaParam;

typedef struct KilnCudaLayout {
  uint32_t nparams;
  uint32_t nbytes; /* the argument block's size */
  KilnCudaParam params[];
} KilnCudaLayout;

/* NULL for a bad spec, with the reason in `why`. Free with kiln_cuda_layout_free. */
KilnCudaLayout* kiln_cuda_layout_new(const char* spec, char* why, size_t why_size);
void kiln_cuda_layout_free(KilnCudaLayout* layout);

/* Launches `function` with the parameters in `block` (layout->nbytes bytes,
 * packed as the layout says). The grid and block are 3 counts each. */
int kiln_cuda_launch(KilnCuHandle function, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                     KilnCuHandle stream, const KilnCudaLayout* layout, const void* block_bytes);

#ifdef __cplusplus
}
#endif

#endif /* KILN_CUDA_H */
