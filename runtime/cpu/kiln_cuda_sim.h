#ifndef KILN_RUNTIME_CPU_KILN_CUDA_SIM_H
#define KILN_RUNTIME_CPU_KILN_CUDA_SIM_H
/* cuda: the CPU emulation of CUDA kernels (docs/cuda.md, "Emulation").
 *
 * A kernel compiled for the emulation is an ordinary host-ABI entry
 * (kiln_abi.h) whose exported symbol calls `launch` with the inner entry:
 * the runtime runs that inner entry once per CUDA thread of the launch
 * configuration set beforehand on the calling OS thread
 * (kiln_cuda_sim_configure, called by kiln.cuda's launcher through ctypes).
 *
 * Invariants:
 *  - the threads of one block are fibers on one OS thread, each with its
 *    own stack (from a per-worker pool, a PROT_NONE guard page below it);
 *    a fiber runs until it finishes or waits (a barrier, a warp operation)
 *    and the block's scheduler then resumes the next runnable fiber, so a
 *    barrier is real: no thread passes it before every live thread of the
 *    block has reached it (a finished thread counts as arrived, as on
 *    sm_70+);
 *  - blocks are spread over a few OS threads (KILN_CUDA_SIM_THREADS, default
 *    min(4, CPUs)); each block has its own shared memory, zeroed when a
 *    site first takes its part;
 *  - compiled code reads its thread's KilnCudaSimThread (the layout below,
 *    fields at fixed offsets) through `current`, once per function: a fiber
 *    never moves to another OS thread, so the pointer stays valid;
 *  - the first error a thread returns stops the launch (no new blocks
 *    start) and is the launch's result; its thread and block are kept for
 *    kiln_cuda_sim_last_fault.
 */
#include <stdint.h>

#include "kiln_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What compiled code reads of its thread (offsets fixed: lowering reads
 * them with offsetof). */
typedef struct KilnCudaSimThread {
  int32_t thread_idx[3];
  int32_t block_idx[3];
  int32_t block_dim[3];
  int32_t grid_dim[3];
  int32_t lane_id;
  int32_t warp_size;
  void* dyn_shared;          /* the launch's dynamic shared memory of this block */
  int64_t dyn_shared_bytes;
  void* fiber;               /* the runtime's */
} KilnCudaSimThread;

/* Barrier kinds (syncthreads and its reductions). */
enum KilnCudaSimBarrier {
  KILN_SIM_SYNC = 0,       /* syncthreads(): returns 0 */
  KILN_SIM_SYNC_COUNT = 1, /* syncthreads_count(p): how many threads had p != 0 */
  KILN_SIM_SYNC_AND = 2,   /* syncthreads_and(p): 1 when all did */
  KILN_SIM_SYNC_OR = 3,    /* syncthreads_or(p): 1 when any did */
};

/* Warp operations: value bits in, result bits out. */
enum KilnCudaSimWarpOp {
  KILN_SIM_WARP_ALL = 0,    /* all_sync(mask, p) */
  KILN_SIM_WARP_ANY = 1,    /* any_sync */
  KILN_SIM_WARP_EQ = 2,     /* eq_sync: p the same on every lane */
  KILN_SIM_WARP_BALLOT = 3, /* ballot_sync: the lanes with p != 0, a bit each */
  KILN_SIM_SHFL_IDX = 4,    /* shfl_sync(mask, v, src_lane) */
  KILN_SIM_SHFL_UP = 5,     /* shfl_up_sync(mask, v, delta) */
  KILN_SIM_SHFL_DOWN = 6,   /* shfl_down_sync(mask, v, delta) */
  KILN_SIM_SHFL_XOR = 7,    /* shfl_xor_sync(mask, v, lane_mask) */
  KILN_SIM_WARP_SYNC = 8,   /* syncwarp(mask) */
  KILN_SIM_ACTIVEMASK = 9,  /* activemask(): the live lanes */
  KILN_SIM_MATCH_ANY = 10,  /* fp16: match_any_sync(mask, v): the lanes whose v equals this lane's */
  KILN_SIM_MATCH_ALL = 11,  /* match_all_sync(mask, v): the lanes when all hold v, else 0 */
};

/* Launch flags (the compiler knows them from the kernel's program). */
enum KilnCudaSimLaunchFlags {
  /* No barrier or warp operation is reachable from the kernel: no thread
   * ever waits, so the threads of a block run one after another on the
   * worker's own stack, without fibers. */
  KILN_SIM_LAUNCH_NO_SYNC = 1,
};

/* The table compiled code calls (KilnRuntime.cuda_sim). */
typedef struct KilnCudaSimApi {
  /* The calling fiber's thread (NULL outside a launch). */
  KilnCudaSimThread* (*current)(void);
  /* A barrier of the block; the reduction of `pred` as the kind says. */
  int32_t (*barrier)(KilnCudaSimThread* t, int32_t kind, int32_t pred);
  /* The block's part of static shared memory for one cuda.shared.array
   * site (`key`: a unique address in the compiled object), `bytes` long,
   * the same for every thread of the block. NULL when the block's static
   * shared memory (48 KiB) is exhausted. */
  void* (*shared)(KilnCudaSimThread* t, const void* key, int64_t bytes);
  /* A warp operation (enum KilnCudaSimWarpOp) over the live lanes of the
   * thread's warp; `bits` the lane's value (or predicate), `arg` the source
   * lane, delta or lane mask. */
  int64_t (*warp)(KilnCudaSimThread* t, int32_t op, int64_t bits, int32_t arg);
  /* Runs `inner` once per thread of the configured launch; the first error.
   * `flags`: KILN_SIM_LAUNCH_*. */
  int32_t (*launch)(KilnEntryFn inner, int32_t flags, void* ret, void* const* args, KilnError* err);
} KilnCudaSimApi;

extern const KilnCudaSimApi kiln_cuda_sim_table;

/* The launch configuration of the next kernel call on this OS thread:
 * grid and block extents, dynamic shared memory bytes. Returns 0, or -1 with
 * no change when an extent is below 1 or the block has more than 1024
 * threads. Consumed by the next launch. */
int32_t kiln_cuda_sim_configure(int32_t gx, int32_t gy, int32_t gz, int32_t bx, int32_t by, int32_t bz,
                                int64_t dyn_shared_bytes);
/* The thread and block (x, y, z each) of the last launch's first error on
 * this OS thread, into out[0..6) (all -1 for an error of no one thread, a
 * deadlock); 0 when it had none. */
int32_t kiln_cuda_sim_last_fault(int32_t* out);
/* How many OS threads launches use (0: the default), for tests. */
void kiln_cuda_sim_set_threads(int32_t n);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_CUDA_SIM_H */
