#ifndef KILN_RUNTIME_CPU_KILN_PARALLEL_H
#define KILN_RUNTIME_CPU_KILN_PARALLEL_H
/* prange: the thread pool that runs the chunks of a parallel loop
 * (parallel=True, docs/architecture.md "Parallel loops"), reached through
 * KilnRuntime.parallel (kiln_rt.h).
 *
 * Invariants:
 *  - the pool is created lazily, by the first loop that has more than one
 *    iteration and more than one thread to run on; its size is fixed then:
 *    NUMBA_NUM_THREADS, else KILN_NUM_THREADS, else the CPUs this process
 *    may run on, at most KILN_PARALLEL_MAX_THREADS;
 *  - one loop runs on the pool at a time: a loop that finds the pool busy
 *    (another host thread's loop) or that starts inside a chunk (a nested
 *    prange, a parallel function called from a loop body) runs all its
 *    iterations on its own thread, in order;
 *  - [0, n) is cut into one contiguous chunk per thread (a static
 *    schedule); the calling thread runs chunk 0 and waits for the others;
 *  - each chunk has a KilnError of its own, zero-filled; the loop's error is
 *    that of the lowest chunk that failed (the one whose iterations come
 *    first, so the error the serial loop would have raised: each chunk runs
 *    its iterations in order and stops at its first error), moved into the
 *    caller's KilnError; the other chunks' errors are cleared. The chunks
 *    after the failed iteration may have run (their stores are made);
 *  - the pool's threads are joined at exit; a forked child starts with no
 *    pool and makes its own on its first parallel loop. */
#include <stdint.h>

#include "kiln_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_PARALLEL_MAX_THREADS 256

/* One chunk of a loop: iterations [lo, hi) of the body, with the loop's
 * captured values at ctx. Returns 0, or an error kind with *err filled. */
typedef int32_t (*KilnParallelBody)(void* ctx, int64_t lo, int64_t hi, KilnError* err);

/* The table compiled code calls (KilnRuntime.parallel). Fields are only ever
 * appended. */
typedef struct KilnParallelApi {
  uint32_t size; /* sizeof(KilnParallelApi) */
  /* Runs body over [0, n) in chunks; 0, or the first failed chunk's error
   * kind with *err filled. */
  int32_t (*run)(KilnParallelBody body, void* ctx, int64_t n, KilnError* err);
  /* numba.get_num_threads(): the threads a parallel loop runs on. */
  int32_t (*num_threads)(void);
  /* numba.get_thread_id(): 0 for the caller, 1.. for the pool's threads. */
  int32_t (*thread_id)(void);
} KilnParallelApi;

extern const KilnParallelApi kiln_parallel_table;

int32_t kiln_parallel_run(KilnParallelBody body, void* ctx, int64_t n, KilnError* err);
int32_t kiln_parallel_num_threads(void);
int32_t kiln_parallel_thread_id(void);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_PARALLEL_H */
