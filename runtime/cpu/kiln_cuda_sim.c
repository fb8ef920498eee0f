/* cuda: the CPU emulation of CUDA kernels (kiln_cuda_sim.h). */
#define _GNU_SOURCE
#include "kiln_cuda_sim.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

enum { kMaxBlockThreads = 1024, kWarp = 32, kStaticShared = 48 * 1024, kMaxSites = 64 };
enum { kStackBytes = 128 * 1024 };

enum FiberState { kReady, kWaitBlock, kWaitWarp, kDone };

typedef struct Block Block;
typedef struct Worker Worker;

typedef struct Fiber {
  KilnCudaSimThread t; /* first: t.fiber is the fiber */
  Block* block;
  Worker* worker;
  int state;
  uint64_t wait_gen;
  uint64_t exit_gen; /* its warp's generation when it finished */
  int32_t status;
  KilnError err;
  char* stack; /* the usable stack's lowest address */
#if defined(__x86_64__)
  void* sp;
#else
  ucontext_t uc;
#endif
} Fiber;

typedef struct Warp {
  int live, arrived;
  uint64_t gen;
  int64_t bits[2][kWarp];
  int32_t args[2][kWarp];
  uint32_t part[2], pred[2];
} Warp;

struct Block {
  Fiber* fibers;
  int n, live;
  /* syncthreads: arrivals of this generation, and the reductions of the last two */
  int arrived;
  uint64_t gen;
  int32_t count;
  int32_t result_count[2], result_n[2];
  Warp warps[kMaxBlockThreads / kWarp];
  /* static shared memory, taken by sites in the order threads reach them */
  unsigned char* shared;
  int64_t shared_used;
  int nsites;
  const void* site_key[kMaxSites];
  void* site_ptr[kMaxSites];
  unsigned char* dyn;
};

/* One OS thread's machinery: its fibers and their stacks (kept across
 * launches in a free list), its block, and the scheduler's context. */
struct Worker {
  Worker* next_free;
  Fiber fibers[kMaxBlockThreads];
  int nstacks; /* fibers[0..nstacks) have stacks */
  Block block;
  unsigned char* dyn;
  int64_t dyn_cap;
#if defined(__x86_64__)
  void* sched_sp;
#else
  ucontext_t sched_uc;
#endif
};

typedef struct Launch {
  KilnEntryFn inner;
  int32_t flags;
  void* const* args;
  int32_t grid[3], block[3];
  int64_t dyn_bytes;
  int64_t nblocks;
  atomic_llong next_block;
  atomic_int failed;
  pthread_mutex_t lock;
  int32_t status;
  KilnError err;
  int32_t fault[6];
} Launch;

typedef struct Config {
  int set;
  int32_t grid[3], block[3];
  int64_t dyn_bytes;
} Config;

static __thread Config tls_config;
static __thread Fiber* tls_fiber;
static __thread int32_t tls_fault[7];

static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static Worker* g_free_workers;
static atomic_int g_threads;

/* ---- context switching ------------------------------------------------ */

#if defined(__x86_64__)
/* kiln_sim_switch(save, to): pushes the callee-saved registers and the
 * floating-point control words, stores rsp in *save, continues at `to`. */
void kiln_sim_switch(void** save, void* to);
void kiln_sim_trampoline(void);
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".type kiln_sim_switch,@function\n"
    "kiln_sim_switch:\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  subq $8, %rsp\n"
    "  stmxcsr (%rsp)\n"
    "  fnstcw 4(%rsp)\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  ldmxcsr (%rsp)\n"
    "  fldcw 4(%rsp)\n"
    "  addq $8, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    ".size kiln_sim_switch, .-kiln_sim_switch\n"
    ".p2align 4\n"
    ".type kiln_sim_trampoline,@function\n"
    "kiln_sim_trampoline:\n"
    "  movq %rbx, %rdi\n"
    "  callq *%r12\n"
    "  ud2\n"
    ".size kiln_sim_trampoline, .-kiln_sim_trampoline\n");
#endif

static void fiberMain(Fiber* f);

#if !defined(__x86_64__)
static void fiberMainUc(unsigned hi, unsigned lo) {
  fiberMain((Fiber*)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

static void fiberStart(Fiber* f) {
#if defined(__x86_64__)
  uintptr_t top = ((uintptr_t)f->stack + kStackBytes) & ~(uintptr_t)15;
  uint64_t* sp = (uint64_t*)(top - 16);
  uint32_t csr[2];
  __asm__ volatile("stmxcsr %0" : "=m"(csr[0]));
  __asm__ volatile("fnstcw %0" : "=m"(csr[1]));
  *--sp = (uint64_t)(uintptr_t)kiln_sim_trampoline; /* ret */
  *--sp = 0;                                       /* rbp */
  *--sp = (uint64_t)(uintptr_t)f;                  /* rbx: the argument */
  *--sp = (uint64_t)(uintptr_t)fiberMain;          /* r12: the function */
  *--sp = 0;                                       /* r13 */
  *--sp = 0;                                       /* r14 */
  *--sp = 0;                                       /* r15 */
  *--sp = (uint64_t)csr[0] | ((uint64_t)(csr[1] & 0xffff) << 32);
  f->sp = sp;
#else
  getcontext(&f->uc);
  f->uc.uc_stack.ss_sp = f->stack;
  f->uc.uc_stack.ss_size = kStackBytes;
  f->uc.uc_link = NULL;
  uintptr_t p = (uintptr_t)f;
  makecontext(&f->uc, (void (*)(void))fiberMainUc, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
#endif
}

static void toFiber(Worker* w, Fiber* f) {
  tls_fiber = f;
#if defined(__x86_64__)
  kiln_sim_switch(&w->sched_sp, f->sp);
#else
  swapcontext(&w->sched_uc, &f->uc);
#endif
  tls_fiber = NULL;
}

static void toScheduler(Fiber* f) {
#if defined(__x86_64__)
  kiln_sim_switch(&f->sp, f->worker->sched_sp);
#else
  swapcontext(&f->uc, &f->worker->sched_uc);
#endif
}

/* ---- barriers ------------------------------------------------------------ */

static void releaseBlock(Block* b) {
  int s = (int)(b->gen & 1);
  b->result_count[s] = b->count;
  b->result_n[s] = b->arrived;
  b->count = 0;
  b->arrived = 0;
  b->gen++;
}

static void releaseWarp(Warp* w) {
  w->arrived = 0;
  w->gen++;
  int s = (int)(w->gen & 1);
  w->part[s] = 0;
  w->pred[s] = 0;
}

static int32_t simBarrier(KilnCudaSimThread* t, int32_t kind, int32_t pred) {
  Fiber* f = (Fiber*)t->fiber;
  Block* b = f->block;
  uint64_t my = b->gen;
  b->count += pred != 0;
  b->arrived++;
  if (b->arrived < b->live) {
    f->state = kWaitBlock;
    f->wait_gen = my;
    toScheduler(f);
  } else {
    releaseBlock(b);
  }
  int s = (int)(my & 1);
  switch (kind) {
    case KILN_SIM_SYNC_COUNT:
      return b->result_count[s];
    case KILN_SIM_SYNC_AND:
      return b->result_count[s] == b->result_n[s];
    case KILN_SIM_SYNC_OR:
      return b->result_count[s] > 0;
    default:
      return 0;
  }
}

static int64_t simWarp(KilnCudaSimThread* t, int32_t op, int64_t bits, int32_t arg) {
  Fiber* f = (Fiber*)t->fiber;
  Block* b = f->block;
  int linear = (int)(f - b->fibers);
  Warp* w = &b->warps[linear / kWarp];
  int lane = linear % kWarp;
  if (op == KILN_SIM_ACTIVEMASK) {
    uint32_t m = 0;
    int base = linear - lane;
    /* The lanes still running, and those that finished after passing every
     * warp operation this lane has passed (the emulation lets a lane run
     * ahead to its end; on a GPU it would be executing here too). */
    for (int k = 0; k < kWarp && base + k < b->n; ++k) {
      const Fiber* o = &b->fibers[base + k];
      if (o->state != kDone || o->exit_gen >= w->gen) m |= 1u << k;
    }
    return (int64_t)m;
  }
  uint64_t my = w->gen;
  int s = (int)(my & 1);
  w->bits[s][lane] = bits;
  w->args[s][lane] = arg;
  w->part[s] |= 1u << lane;
  if (bits != 0) w->pred[s] |= 1u << lane;
  w->arrived++;
  if (w->arrived < w->live) {
    f->state = kWaitWarp;
    f->wait_gen = my;
    toScheduler(f);
  } else {
    releaseWarp(w);
  }
  uint32_t part = w->part[s], pred = w->pred[s];
  int src = lane;
  switch (op) {
    case KILN_SIM_WARP_ALL:
      return (pred & part) == part;
    case KILN_SIM_WARP_ANY:
      return pred != 0;
    case KILN_SIM_WARP_EQ:
      return pred == 0 || pred == part;
    case KILN_SIM_WARP_BALLOT:
      return (int64_t)pred;
    case KILN_SIM_MATCH_ANY:
    case KILN_SIM_MATCH_ALL: { /* fp16: the lanes that arrived with the same bits */
      uint32_t same = 0;
      for (int k = 0; k < kWarp; ++k)
        if ((part & (1u << k)) && w->bits[s][k] == bits) same |= 1u << k;
      if (op == KILN_SIM_MATCH_ANY) return (int64_t)same;
      return same == part ? (int64_t)part : 0;
    }
    case KILN_SIM_SHFL_IDX:
      src = ((arg % kWarp) + kWarp) % kWarp;
      break;
    case KILN_SIM_SHFL_UP:
      src = lane - arg;
      break;
    case KILN_SIM_SHFL_DOWN:
      src = lane + arg;
      break;
    case KILN_SIM_SHFL_XOR:
      src = lane ^ arg;
      break;
    default:
      return 0;
  }
  if (src < 0 || src >= kWarp || !(part & (1u << src))) return bits;
  return w->bits[s][src];
}

static void* simShared(KilnCudaSimThread* t, const void* key, int64_t bytes) {
  Block* b = ((Fiber*)t->fiber)->block;
  for (int k = 0; k < b->nsites; ++k)
    if (b->site_key[k] == key) return b->site_ptr[k];
  int64_t start = (b->shared_used + 15) & ~(int64_t)15;
  if (b->nsites == kMaxSites || bytes < 0 || start + bytes > kStaticShared) return NULL;
  void* p = b->shared + start;
  memset(p, 0, (size_t)bytes);
  b->shared_used = start + bytes;
  b->site_key[b->nsites] = key;
  b->site_ptr[b->nsites] = p;
  b->nsites++;
  return p;
}

static KilnCudaSimThread* simCurrent(void) { return tls_fiber ? &tls_fiber->t : NULL; }

/* ---- running blocks ------------------------------------------------------ */

static __thread Launch* tls_launch;

static void fiberMain(Fiber* f) {
  Launch* l = tls_launch;
  uint64_t ret[8];
  f->status = l->inner(ret, l->args, &f->err); /* f->err is zero: workers start zeroed, and are zeroed after an error */
  Block* b = f->block;
  f->state = kDone;
  b->live--;
  Warp* w = &b->warps[(f - b->fibers) / kWarp];
  f->exit_gen = w->gen;
  w->live--;
  if (b->arrived > 0 && b->arrived >= b->live) releaseBlock(b);
  if (w->arrived > 0 && w->arrived >= w->live) releaseWarp(w);
  for (;;) toScheduler(f);
}

static Worker* workerAcquire(void) {
  pthread_mutex_lock(&g_pool_lock);
  Worker* w = g_free_workers;
  if (w) g_free_workers = w->next_free;
  pthread_mutex_unlock(&g_pool_lock);
  if (w) return w;
  w = (Worker*)calloc(1, sizeof(Worker));
  if (w) w->block.shared = (unsigned char*)malloc(kStaticShared);
  if (w && !w->block.shared) {
    free(w);
    return NULL;
  }
  return w;
}

static void workerRelease(Worker* w) {
  pthread_mutex_lock(&g_pool_lock);
  w->next_free = g_free_workers;
  g_free_workers = w;
  pthread_mutex_unlock(&g_pool_lock);
}

static int ensureStacks(Worker* w, int n) {
  long page = sysconf(_SC_PAGESIZE);
  while (w->nstacks < n) {
    size_t total = (size_t)kStackBytes + (size_t)page;
    char* m = (char*)mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return 0;
    mprotect(m, (size_t)page, PROT_NONE); /* the guard page below the stack */
    w->fibers[w->nstacks].stack = m + page;
    w->nstacks++;
  }
  return 1;
}

static void fail(Launch* l, Fiber* f, int32_t status, const KilnError* err) {
  pthread_mutex_lock(&l->lock);
  if (!atomic_load(&l->failed)) {
    l->status = status;
    l->err = *err;
    for (int k = 0; k < 3; ++k) {
      l->fault[k] = f ? f->t.thread_idx[k] : -1; /* -1: no one thread (a deadlock) */
      l->fault[3 + k] = f ? f->t.block_idx[k] : -1;
    }
    atomic_store(&l->failed, 1);
  }
  pthread_mutex_unlock(&l->lock);
}

static void runBlock(Launch* l, Worker* w, int64_t id) {
  Block* b = &w->block;
  int n = l->block[0] * l->block[1] * l->block[2];
  b->fibers = w->fibers;
  b->n = n;
  b->live = n;
  b->arrived = 0;
  b->gen = 0;
  b->count = 0;
  b->shared_used = 0;
  b->nsites = 0;
  b->dyn = w->dyn;
  if (l->dyn_bytes > 0) memset(w->dyn, 0, (size_t)l->dyn_bytes);
  for (int k = 0; k < (n + kWarp - 1) / kWarp; ++k) {
    Warp* wp = &b->warps[k];
    wp->live = (n - k * kWarp) < kWarp ? n - k * kWarp : kWarp;
    wp->arrived = 0;
    wp->gen = 0;
    wp->part[0] = wp->part[1] = wp->pred[0] = wp->pred[1] = 0;
  }
  int32_t bid[3] = {(int32_t)(id % l->grid[0]), (int32_t)((id / l->grid[0]) % l->grid[1]),
                    (int32_t)(id / ((int64_t)l->grid[0] * l->grid[1]))};
  int direct = (l->flags & KILN_SIM_LAUNCH_NO_SYNC) != 0;
  for (int k = 0; k < n; ++k) {
    Fiber* f = &w->fibers[k];
    f->block = b;
    f->worker = w;
    f->state = kReady;
    f->t.thread_idx[0] = k % l->block[0];
    f->t.thread_idx[1] = (k / l->block[0]) % l->block[1];
    f->t.thread_idx[2] = k / (l->block[0] * l->block[1]);
    for (int d = 0; d < 3; ++d) {
      f->t.block_idx[d] = bid[d];
      f->t.block_dim[d] = l->block[d];
      f->t.grid_dim[d] = l->grid[d];
    }
    f->t.lane_id = k % kWarp;
    f->t.warp_size = kWarp;
    f->t.dyn_shared = w->dyn;
    f->t.dyn_shared_bytes = l->dyn_bytes;
    f->t.fiber = f;
    if (direct) {  /* no thread ever waits: run it here, now */
      uint64_t ret[8];
      tls_fiber = f;
      f->status = l->inner(ret, l->args, &f->err);
      tls_fiber = NULL;
      f->state = kDone;
      if (f->status != KILN_OK) {
        fail(l, f, f->status, &f->err);
        memset(&f->err, 0, sizeof f->err);
        return;
      }
      continue;
    }
    fiberStart(f);
  }
  if (direct) return;
  while (b->live > 0) {
    int progressed = 0;
    for (int k = 0; k < n; ++k) {
      Fiber* f = &w->fibers[k];
      int runnable = f->state == kReady || (f->state == kWaitBlock && b->gen != f->wait_gen) ||
                     (f->state == kWaitWarp && b->warps[k / kWarp].gen != f->wait_gen);
      if (!runnable) continue;
      f->state = kReady;
      toFiber(w, f);
      progressed = 1;
      if (f->state == kDone && f->status != KILN_OK) {
        fail(l, f, f->status, &f->err);
        memset(&f->err, 0, sizeof f->err);
      }
    }
    if (!progressed) {
      static const KilnError deadlock = {KILN_RUNTIME_ERROR, 0,
                                         "deadlock: the threads of a block wait at different barriers "
                                         "(syncthreads or a warp operation reached by only some threads)",
                                         NULL, 0, 0, {{0, 0, 0}}, NULL, NULL};
      fail(l, NULL, KILN_RUNTIME_ERROR, &deadlock);
      return; /* the block's fibers are abandoned: their stacks are reset by the next fiberStart */
    }
  }
}

static void* workerMain(void* arg) {
  Launch* l = (Launch*)arg;
  tls_launch = l;
  Worker* w = workerAcquire();
  int n = l->block[0] * l->block[1] * l->block[2];
  if (w && l->dyn_bytes > w->dyn_cap) {
    free(w->dyn);
    w->dyn = (unsigned char*)malloc((size_t)l->dyn_bytes);
    w->dyn_cap = w->dyn ? l->dyn_bytes : 0;
  }
  int fibers = !(l->flags & KILN_SIM_LAUNCH_NO_SYNC);
  if (!w || (fibers && !ensureStacks(w, n)) || (l->dyn_bytes > 0 && !w->dyn)) {
    static const KilnError oom = {KILN_MEMORY_ERROR, 0, "out of memory starting the emulated threads of a block",
                                  NULL, 0, 0, {{0, 0, 0}}, NULL, NULL};
    fail(l, NULL, KILN_MEMORY_ERROR, &oom);
    if (w) workerRelease(w);
    tls_launch = NULL;
    return NULL;
  }
  for (;;) {
    if (atomic_load(&l->failed)) break;
    int64_t id = atomic_fetch_add(&l->next_block, 1);
    if (id >= l->nblocks) break;
    runBlock(l, w, id);
  }
  workerRelease(w);
  tls_launch = NULL;
  return NULL;
}

static int defaultThreads(void) {
  int n = atomic_load(&g_threads);
  if (n > 0) return n;
  /* cudahost: read once (sysconf reads /sys on every call: microseconds a launch) */
  static atomic_int cached;
  n = atomic_load(&cached);
  if (n > 0) return n;
  const char* env = getenv("KILN_CUDA_SIM_THREADS");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  n = env && atoi(env) > 0 ? atoi(env) : cpus < 1 ? 1 : (cpus > 4 ? 4 : (int)cpus);
  atomic_store(&cached, n);
  return n;
}

static int32_t simLaunch(KilnEntryFn inner, int32_t flags, void* ret, void* const* args, KilnError* err) {
  (void)ret;
  memset(tls_fault, 0, sizeof tls_fault);
  if (!tls_config.set) {
    err->kind = KILN_RUNTIME_ERROR;
    err->message = "a kernel must be launched with a configuration: kernel[blocks, threads](args)";
    return KILN_RUNTIME_ERROR;
  }
  if (tls_fiber != NULL) {
    err->kind = KILN_RUNTIME_ERROR;
    err->message = "a kernel cannot be launched from inside a kernel";
    return KILN_RUNTIME_ERROR;
  }
  Launch l;
  memset(&l, 0, sizeof l);
  l.inner = inner;
  l.flags = flags;
  l.args = args;
  memcpy(l.grid, tls_config.grid, sizeof l.grid);
  memcpy(l.block, tls_config.block, sizeof l.block);
  l.dyn_bytes = tls_config.dyn_bytes;
  tls_config.set = 0;
  l.nblocks = (int64_t)l.grid[0] * l.grid[1] * l.grid[2];
  atomic_init(&l.next_block, 0);
  atomic_init(&l.failed, 0);
  pthread_mutex_init(&l.lock, NULL);
  /* An OS thread costs more to start than a small block takes to run: one
   * per 4 blocks at most, and none beside the caller for small launches
   * (unless the count was set explicitly, as tests do for contention). */
  int nthreads = defaultThreads();
  int64_t total = l.nblocks * l.block[0] * l.block[1] * l.block[2];
  if (atomic_load(&g_threads) == 0 && total < 8192) nthreads = 1;
  if (atomic_load(&g_threads) == 0 && nthreads > (l.nblocks + 3) / 4) nthreads = (int)((l.nblocks + 3) / 4);
  if (nthreads > l.nblocks) nthreads = (int)l.nblocks;
  if (nthreads < 1) nthreads = 1;
  pthread_t tids[64];
  if (nthreads > 64) nthreads = 64;
  int started = 0;
  for (int k = 1; k < nthreads; ++k)
    if (pthread_create(&tids[started], NULL, workerMain, &l) == 0) started++;
  Launch* outer = tls_launch;
  workerMain(&l);
  tls_launch = outer;
  for (int k = 0; k < started; ++k) pthread_join(tids[k], NULL);
  pthread_mutex_destroy(&l.lock);
  if (atomic_load(&l.failed)) {
    *err = l.err;
    tls_fault[0] = 1;
    memcpy(tls_fault + 1, l.fault, sizeof l.fault);
    return l.status;
  }
  return KILN_OK;
}

const KilnCudaSimApi kiln_cuda_sim_table = {simCurrent, simBarrier, simShared, simWarp, simLaunch};

int32_t kiln_cuda_sim_configure(int32_t gx, int32_t gy, int32_t gz, int32_t bx, int32_t by, int32_t bz,
                                int64_t dyn_shared_bytes) {
  if (gx < 1 || gy < 1 || gz < 1 || bx < 1 || by < 1 || bz < 1) return -1;
  if ((int64_t)bx * by * bz > kMaxBlockThreads || dyn_shared_bytes < 0 || dyn_shared_bytes > kStaticShared)
    return -1;
  tls_config.set = 1;
  tls_config.grid[0] = gx;
  tls_config.grid[1] = gy;
  tls_config.grid[2] = gz;
  tls_config.block[0] = bx;
  tls_config.block[1] = by;
  tls_config.block[2] = bz;
  tls_config.dyn_bytes = dyn_shared_bytes;
  return 0;
}

int32_t kiln_cuda_sim_last_fault(int32_t* out) {
  if (!tls_fault[0]) return 0;
  memcpy(out, tls_fault + 1, 6 * sizeof(int32_t));
  return 1;
}

void kiln_cuda_sim_set_threads(int32_t n) { atomic_store(&g_threads, n > 0 ? n : 0); }
