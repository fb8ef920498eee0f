/* prange: the pool of kiln_parallel.h. A generation counter under one
 * mutex hands each worker its chunk of the current loop; the caller waits
 * on a second condition for the count of chunks still running. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "kiln_parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln_error.h"

typedef struct Chunk {
  int64_t lo, hi;
  int32_t status;
  KilnError err;
} Chunk;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;   /* the pool's state */
static pthread_mutex_t g_run = PTHREAD_MUTEX_INITIALIZER;    /* one loop on the pool at a time */
static pthread_cond_t g_work = PTHREAD_COND_INITIALIZER;     /* workers: a new generation, or stop */
static pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;     /* caller: a chunk finished */
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;
static int32_t g_size;          /* threads a loop runs on (the caller included); 0: not decided yet */
static int32_t g_started;       /* workers created (g_size - 1 once made) */
static pthread_t g_workers[KILN_PARALLEL_MAX_THREADS];
static uint64_t g_generation;   /* bumped for each loop */
static uint64_t g_born[KILN_PARALLEL_MAX_THREADS];  /* the generation when each worker was made */
static int g_stop;
static int32_t g_pending;       /* chunks of the current loop not finished */
static KilnParallelBody g_body;
static void* g_ctx;
static Chunk* g_chunks;
static __thread int32_t tls_thread_id;  /* 0: the caller or a thread outside the pool */
static __thread int tls_in_loop;        /* a chunk runs on this thread: nested loops are serial */

static int32_t envThreads(const char* name) {
  const char* s = getenv(name);
  if (s == NULL || *s == '\0') return 0;
  char* end;
  long v = strtol(s, &end, 10);
  return *end == '\0' && v > 0 ? (int32_t)(v < KILN_PARALLEL_MAX_THREADS ? v : KILN_PARALLEL_MAX_THREADS) : 0;
}

static int32_t decideSize(void) {
  int32_t n = envThreads("NUMBA_NUM_THREADS");
  if (n == 0) n = envThreads("KILN_NUM_THREADS");
  if (n == 0) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n <= 0) n = (int32_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0) n = 1;
    if (n > KILN_PARALLEL_MAX_THREADS) n = KILN_PARALLEL_MAX_THREADS;
  }
  return n;
}

static void runChunk(Chunk* c) {
  tls_in_loop = 1;
  c->status = c->lo < c->hi ? g_body(g_ctx, c->lo, c->hi, &c->err) : 0;
  tls_in_loop = 0;
}

static void* worker(void* arg) {
  int32_t id = (int32_t)(intptr_t)arg;
  tls_thread_id = id;
  pthread_mutex_lock(&g_lock);
  /* A worker made for the loop about to start waits for its generation,
   * not an earlier one whose chunks are gone. */
  uint64_t seen = g_born[id - 1];
  for (;;) {
    while (!g_stop && g_generation == seen) pthread_cond_wait(&g_work, &g_lock);
    if (g_stop) break;
    seen = g_generation;
    Chunk* c = &g_chunks[id];
    pthread_mutex_unlock(&g_lock);
    runChunk(c);
    pthread_mutex_lock(&g_lock);
    if (--g_pending == 0) pthread_cond_signal(&g_done);
  }
  pthread_mutex_unlock(&g_lock);
  return NULL;
}

/* At exit: stop the workers and join them (none is inside a loop: a loop's
 * caller is waiting for it, so it is not exiting). */
static void shutdownPool(void) {
  pthread_mutex_lock(&g_lock);
  g_stop = 1;
  pthread_cond_broadcast(&g_work);
  int32_t started = g_started;
  pthread_mutex_unlock(&g_lock);
  for (int32_t k = 0; k < started; ++k) pthread_join(g_workers[k], NULL);
  pthread_mutex_lock(&g_lock);
  g_started = 0;
  pthread_mutex_unlock(&g_lock);
}

/* The child of a fork has none of the parent's threads: it forgets the pool
 * (and any loop in flight in the parent) and makes its own when it needs one. */
static void afterForkChild(void) {
  pthread_mutex_init(&g_lock, NULL);
  pthread_mutex_init(&g_run, NULL);
  pthread_cond_init(&g_work, NULL);
  pthread_cond_init(&g_done, NULL);
  g_size = 0;
  g_started = 0;
  g_stop = 0;
  g_pending = 0;
  g_generation = 0;
  tls_in_loop = 0;
}

static void registerHooks(void) {
  pthread_atfork(NULL, NULL, afterForkChild);
  atexit(shutdownPool);
}

/* The pool's size, its workers started (under g_run). Fewer workers than
 * asked when the system refuses a thread: the loop runs on those made. */
static int32_t ensurePool(void) {
  pthread_once(&g_atfork_once, registerHooks);
  pthread_mutex_lock(&g_lock);
  if (g_size == 0) g_size = decideSize();
  int32_t want = g_size - 1;
  while (g_started < want && !g_stop) {
    g_born[g_started] = g_generation;
    if (pthread_create(&g_workers[g_started], NULL, worker, (void*)(intptr_t)(g_started + 1)) != 0) {
      g_size = g_started + 1;
      break;
    }
    ++g_started;
  }
  int32_t size = g_stop ? 1 : g_started + 1;
  pthread_mutex_unlock(&g_lock);
  return size;
}

int32_t kiln_parallel_run(KilnParallelBody body, void* ctx, int64_t n, KilnError* err) {
  if (n <= 0) return 0;
  if (n == 1 || tls_in_loop || pthread_mutex_trylock(&g_run) != 0) {
    /* serial: nested, one iteration, or the pool busy with another thread's loop */
    int outer = tls_in_loop;
    tls_in_loop = 1;
    int32_t status = body(ctx, 0, n, err);
    tls_in_loop = outer;
    return status;
  }
  int32_t size = ensurePool();
  if (size > n) size = (int32_t)n;
  if (size <= 1) {
    pthread_mutex_unlock(&g_run);
    tls_in_loop = 1;
    int32_t status = body(ctx, 0, n, err);
    tls_in_loop = 0;
    return status;
  }
  Chunk* chunks = (Chunk*)calloc((size_t)g_started + 1, sizeof(Chunk));
  if (chunks == NULL) {
    pthread_mutex_unlock(&g_run);
    tls_in_loop = 1;
    int32_t status = body(ctx, 0, n, err);
    tls_in_loop = 0;
    return status;
  }
  /* Chunk k: [k*n/size, (k+1)*n/size); the workers past `size` get none. */
  for (int32_t k = 0; k < size; ++k) {
    chunks[k].lo = (int64_t)((__int128)n * k / size);
    chunks[k].hi = (int64_t)((__int128)n * (k + 1) / size);
  }
  pthread_mutex_lock(&g_lock);
  g_body = body;
  g_ctx = ctx;
  g_chunks = chunks;
  g_pending = g_started;
  ++g_generation;
  pthread_cond_broadcast(&g_work);
  pthread_mutex_unlock(&g_lock);
  runChunk(&chunks[0]);
  pthread_mutex_lock(&g_lock);
  while (g_pending > 0) pthread_cond_wait(&g_done, &g_lock);
  g_chunks = NULL;
  pthread_mutex_unlock(&g_lock);
  pthread_mutex_unlock(&g_run);
  int32_t status = 0;
  for (int32_t k = 0; k < size; ++k) {
    if (chunks[k].status == 0) {
      kiln_error_clear(&chunks[k].err); /* a caught exception's arguments */
    } else if (status == 0) {
      status = chunks[k].status;
      kiln_error_clear(err);
      *err = chunks[k].err; /* moved: the caller's KilnError holds its arguments now */
    } else {
      kiln_error_clear(&chunks[k].err);
    }
  }
  free(chunks);
  return status;
}

int32_t kiln_parallel_num_threads(void) {
  pthread_once(&g_atfork_once, registerHooks);
  pthread_mutex_lock(&g_lock);
  if (g_size == 0) g_size = decideSize();
  int32_t size = g_size;
  pthread_mutex_unlock(&g_lock);
  return size;
}

int32_t kiln_parallel_thread_id(void) { return tls_thread_id; }

const KilnParallelApi kiln_parallel_table = {sizeof(KilnParallelApi), kiln_parallel_run, kiln_parallel_num_threads,
                                             kiln_parallel_thread_id};
