#ifndef KILN_RUNTIME_CPU_KILN_RT_H
#define KILN_RUNTIME_CPU_KILN_RT_H
/* The memory runtime of compiled Kiln code: reference-counted allocations.
 *
 * Every array that compiled code allocates has a KilnMemInfo header and a
 * data block, both from one allocator table; the array struct's meminfo
 * field points at the header and its data field into the data (kiln_abi.h).
 * The header holds an atomic reference count and the allocator table, so
 * the memory always goes back to the allocator that made it (the hook for
 * user array types with their own allocators). The data block is exactly
 * the size asked for, apart from the header: a program that drops a NumPy
 * array and then makes one of the same size in compiled code (or the other
 * way round) reuses the freed block, as it would with NumPy alone.
 *
 * Invariants:
 *  - refcount is the number of references that exist (array structs held by
 *    compiled code, NumPy arrays that own the block, C++ callers); the block
 *    is freed, through its allocator, when the count drops to zero;
 *  - a NULL meminfo means borrowed memory (an argument's buffer): every
 *    function here accepts NULL and does nothing with it;
 *  - refcount is the first field: compiled code increments and decrements it
 *    inline with atomic instructions and calls the runtime only to destroy;
 *  - the live counters are process-wide (one runtime per process, however
 *    many compiled libraries are loaded).
 *
 * How compiled code reaches the runtime: each shared object the compiler
 * builds defines a weak, exported `const KilnRuntime* kiln_rt_hook` (NULL);
 * the loader (kiln::client::Library::load) stores kiln_runtime() in it right
 * after dlopen, before any entry point runs. Code that links a compiled
 * object ahead of time sets the hook itself.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An allocator table: where blocks come from and go back to. */
typedef struct KilnAllocator {
  /* Returns `size` bytes aligned to `align` (a power of two), or NULL. */
  void* (*alloc)(void* ctx, size_t size, size_t align);
  /* Releases a block alloc returned; `size` is the size asked for. */
  void (*free)(void* ctx, void* block, size_t size);
  void* ctx;        /* passed to both */
  const char* name; /* for diagnostics */
} KilnAllocator;

typedef struct KilnMemInfo {
  int64_t refcount; /* atomic; first field (compiled code touches it) */
  const KilnAllocator* allocator;
  void* data;        /* the array's bytes */
  size_t size;       /* bytes of data asked for */
  size_t alloc_size; /* bytes of the data block (size, at least 1) */
  /* Called with the data just before the block is freed, or NULL. Containers
   * (lists, dicts, strings' owners) drop the references their data holds
   * here; the function lives in the compiled object, which stays loaded
   * while compiled code holds the block (a dict handed to Python gets the
   * client's own destructor: kiln_dict.h). */
  void (*dtor)(void* data);
} KilnMemInfo;

/* Counters of allocations made through this runtime and not yet freed. */
typedef struct KilnRtStats {
  int64_t live_count;   /* meminfos alive */
  int64_t live_bytes;   /* data bytes they hold */
  int64_t total_allocs; /* since the process started */
  int64_t total_frees;
} KilnRtStats;

/* The table compiled code calls through kiln_rt_hook. Fields are only ever
 * appended; abi_version changes when one changes meaning. */
#define KILN_RT_ABI_VERSION 1
typedef struct KilnRuntime {
  uint32_t abi_version;
  uint32_t size; /* sizeof(KilnRuntime) of the runtime that filled it */
  /* kiln_mi_alloc. */
  KilnMemInfo* (*mi_alloc)(size_t size, size_t align, const KilnAllocator* allocator);
  /* Frees a meminfo whose count compiled code has dropped to zero. */
  void (*mi_destroy)(KilnMemInfo* mi);
  /* kiln_mi_alloc_data: what compiled code calls (the data pointer is its
   * result, so the optimiser knows it is fresh memory). */
  void* (*mi_alloc_data)(size_t size, size_t align, const KilnAllocator* allocator, KilnMemInfo** mi);
  /* kiln_mi_alloc_data_dtor. */
  void* (*mi_alloc_data_dtor)(size_t size, size_t align, void (*dtor)(void* data), KilnMemInfo** mi);
  /* kiln_mi_resize. */
  void* (*mi_resize)(KilnMemInfo* mi, size_t new_size);
  /* random: the random number streams (kiln_random.h: KilnRandomApi). */
  const struct KilnRandomApi* random;
  /* strings: the helpers of kiln_unicode.h. */
  const struct KilnUnicodeApi* unicode;
  /* dicts: the hash table of dicts and sets (kiln_dict.h). */
  const struct KilnDictOps* dict;
  /* linalg: BLAS/LAPACK calls (kiln_linalg.h). */
  const struct KilnLinalgApi* linalg;
  /* cuda: the CPU emulation of kernels (kiln_cuda_sim.h). */
  const struct KilnCudaSimApi* cuda_sim;
  /* print: print() (kiln_print.h). */
  const struct KilnPrintApi* print;
  /* format: format specs and repr(str) (kiln_format.h). */
  const struct KilnFormatApi* format;
  /* exceptions: heap arguments of a raise (kiln_error.h: KilnErrorApi). */
  const struct KilnErrorApi* error;
  /* objmode: `with objmode()` blocks run by the Python client (kiln_objmode.h). */
  const struct KilnObjmodeApi* objmode;
  /* native: addresses of C functions called by address (kiln_native.h). */
  const struct KilnNativeApi* native;
  /* prange: the pool that runs parallel loops (kiln_parallel.h). */
  const struct KilnParallelApi* parallel;
} KilnRuntime;

/* The name of the hook every compiled shared object defines. */
#define KILN_RT_HOOK_SYMBOL "kiln_rt_hook"

/* The process's runtime table. */
const KilnRuntime* kiln_runtime(void);
/* malloc/free (posix_memalign for alignments above 16). */
const KilnAllocator* kiln_default_allocator(void);

/* A new meminfo with `size` data bytes aligned to `align` (a power of two;
 * at least 16 is used) from `allocator` (NULL: the default), with refcount
 * 1; NULL when the allocator fails or align is not a power of two. */
KilnMemInfo* kiln_mi_alloc(size_t size, size_t align, const KilnAllocator* allocator);
/* The same, returning the data (NULL on failure) and the meminfo in *mi. */
void* kiln_mi_alloc_data(size_t size, size_t align, const KilnAllocator* allocator, KilnMemInfo** mi);
/* kiln_mi_alloc_data from the default allocator, with a destructor that
 * runs on the data just before the block is freed (NULL: none). */
void* kiln_mi_alloc_data_dtor(size_t size, size_t align, void (*dtor)(void* data), KilnMemInfo** mi);

/* Grows or shrinks the data block of `mi` to `new_size` bytes, keeping the
 * first min(size, new_size) bytes and the alignment of the first
 * allocation; returns the new data pointer (also in mi->data) or NULL, with
 * the block unchanged, when the allocator fails. Only the sole owner of a
 * block may resize it (containers grow their element buffer this way). */
void* kiln_mi_resize(KilnMemInfo* mi, size_t new_size);

void kiln_mi_incref(KilnMemInfo* mi);
/* Frees the block through its allocator when the count reaches zero. */
void kiln_mi_decref(KilnMemInfo* mi);
/* Frees now, whatever the count (the count is already zero). */
void kiln_mi_destroy(KilnMemInfo* mi);
int64_t kiln_mi_refcount(const KilnMemInfo* mi);

void kiln_rt_stats(KilnRtStats* out);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_RT_H */
