/* Mersenne Twister streams of compiled code (kiln_random.h). MT19937 as
 * published by Matsumoto and Nishimura; the seeding, the 53-bit double and
 * the Gaussian are NumPy's legacy RandomState definitions. */
#include "kiln_random.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

enum { kN = 624, kM = 397 };

/* Numba's layout of a state (its rnd_state_t), so that a state of Numba's
 * can stand in for one of ours (kiln_random_share). */
typedef struct State {
  int index; /* next word of mt to temper; kN: regenerate first */
  uint32_t mt[kN];
  int has_gauss;
  double gauss;
  int initialized;
} State;
_Static_assert(offsetof(State, mt) == 4 && offsetof(State, has_gauss) == 2500 && offsetof(State, gauss) == 2504 &&
                   offsetof(State, initialized) == 2512,
               "a state must be laid out as Numba's rnd_state_t");

/* Where a stream's state is found when Numba shares its own
 * (kiln_random_share): a function returning the calling thread's state. */
typedef void* (*StateOfThread)(void);
static _Atomic(StateOfThread) shared_states[KILN_RANDOM_STREAMS];
/* Bumped by each kiln_random_share: a thread's remembered states (below)
 * are from before it when their generation differs. */
static atomic_uint share_generation = 1;

/* The states a thread draws from, found once per thread and generation (a
 * state's address is fixed for its thread's life, Numba's too): a draw
 * costs two thread-local loads and a compare, not a call of Numba's
 * function, which reaches its states through __tls_get_addr. */
static __thread State* thread_current[KILN_RANDOM_STREAMS] __attribute__((tls_model("initial-exec")));
static __thread unsigned thread_generation __attribute__((tls_model("initial-exec")));

/* Each thread's states live in a heap block (freed when the thread exits)
 * that one initial-exec thread-local pointer reaches: a draw costs no
 * __tls_get_addr call, and the runtime, loaded with dlopen inside the
 * Python extension, takes 8 bytes of static TLS rather than 5 KB. */
static __thread State* thread_states __attribute__((tls_model("initial-exec")));
static pthread_key_t states_key;

static void freeStates(void* block) { free(block); }

static State* threadStates(void) {
  State* s = thread_states;
  if (__builtin_expect(s != NULL, 1)) return s;
  s = (State*)calloc(KILN_RANDOM_STREAMS, sizeof(State));
  if (s == NULL) abort(); /* no memory for 5 KB: nothing sensible to draw from */
  pthread_setspecific(states_key, s);
  thread_states = s;
  return s;
}

static void initGenrand(State* s, uint32_t seed) {
  s->mt[0] = seed;
  for (int i = 1; i < kN; ++i) s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + (uint32_t)i;
  s->index = kN;
  s->has_gauss = 0;
  s->gauss = 0.0;
  s->initialized = 1;
}

/* init_by_array, for seeding from entropy. */
static void initByArray(State* s, const uint32_t* key, int len) {
  initGenrand(s, 19650218u);
  int i = 1, j = 0;
  for (int k = kN > len ? kN : len; k > 0; --k) {
    s->mt[i] = (s->mt[i] ^ ((s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
    ++i;
    ++j;
    if (i >= kN) {
      s->mt[0] = s->mt[kN - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    s->mt[i] = (s->mt[i] ^ ((s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
    ++i;
    if (i >= kN) {
      s->mt[0] = s->mt[kN - 1];
      i = 1;
    }
  }
  s->mt[0] = 0x80000000u; /* a non-zero initial state */
}

/* A forked child draws its own numbers: its states (the forking thread's
 * copies) are seeded from entropy again on their next use, as Numba's. */
static void forgetAfterFork(void) {
  State* s = thread_states;
  if (s != NULL)
    for (int k = 0; k < KILN_RANDOM_STREAMS; ++k) s[k].initialized = 0;
}

__attribute__((constructor)) static void initRandom(void) {
  pthread_key_create(&states_key, freeStates);
  pthread_atfork(NULL, NULL, forgetAfterFork);
}

void kiln_random_share(void* (*numpy_state)(void), void* (*python_state)(void)) {
  atomic_store_explicit(&shared_states[KILN_RANDOM_NUMPY], numpy_state, memory_order_release);
  atomic_store_explicit(&shared_states[KILN_RANDOM_PYTHON], python_state, memory_order_release);
  atomic_fetch_add_explicit(&share_generation, 1, memory_order_acq_rel);
}

static State* stateOf(int64_t stream) {
  int k = stream == KILN_RANDOM_PYTHON ? KILN_RANDOM_PYTHON : KILN_RANDOM_NUMPY;
  unsigned generation = atomic_load_explicit(&share_generation, memory_order_acquire);
  if (__builtin_expect(thread_generation != generation, 0)) {
    for (int j = 0; j < KILN_RANDOM_STREAMS; ++j) {
      StateOfThread shared = atomic_load_explicit(&shared_states[j], memory_order_acquire);
      thread_current[j] = shared != NULL ? (State*)shared() : threadStates() + j;
    }
    thread_generation = generation;
  }
  State* s = thread_current[k];
  if (!s->initialized) {
    uint32_t key[kN];
    size_t got = 0;
    while (got < sizeof key) {
      ssize_t r = getrandom((char*)key + got, sizeof key - got, 0);
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (got < sizeof key) { /* no entropy source: the clock and the state's address */
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      for (int i = 0; i < kN; ++i)
        key[i] ^= (uint32_t)ts.tv_nsec * 2654435761u + (uint32_t)ts.tv_sec + (uint32_t)(uintptr_t)s + (uint32_t)i;
    }
    initByArray(s, key, kN);
  }
  return s;
}

static void generate(State* s) {
  static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
  uint32_t* mt = s->mt;
  int k = 0;
  uint32_t y;
  for (; k < kN - kM; ++k) {
    y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
    mt[k] = mt[k + kM] ^ (y >> 1) ^ mag01[y & 1u];
  }
  for (; k < kN - 1; ++k) {
    y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
    mt[k] = mt[k + (kM - kN)] ^ (y >> 1) ^ mag01[y & 1u];
  }
  y = (mt[kN - 1] & 0x80000000u) | (mt[0] & 0x7fffffffu);
  mt[kN - 1] = mt[kM - 1] ^ (y >> 1) ^ mag01[y & 1u];
  s->index = 0;
}

static uint32_t nextWord(State* s) {
  if (s->index >= kN) generate(s);
  uint32_t y = s->mt[s->index++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

static double nextDouble(State* s) {
  uint32_t a = nextWord(s) >> 5, b = nextWord(s) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

void kiln_random_seed(int64_t stream, int64_t seed) { initGenrand(stateOf(stream), (uint32_t)seed); }

int64_t kiln_random_next_u32(int64_t stream) { return nextWord(stateOf(stream)); }

double kiln_random_next_double(int64_t stream) { return nextDouble(stateOf(stream)); }

double kiln_random_gauss(int64_t stream) {
  State* s = stateOf(stream);
  if (s->has_gauss) {
    s->has_gauss = 0;
    double g = s->gauss;
    s->gauss = 0.0;
    return g;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * nextDouble(s) - 1.0;
    x2 = 2.0 * nextDouble(s) - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  double f = sqrt(-2.0 * log(r2) / r2);
  s->gauss = f * x1;
  s->has_gauss = 1;
  return f * x2;
}

const KilnRandomApi kiln_random_table = {kiln_random_seed, kiln_random_next_u32, kiln_random_next_double,
                                         kiln_random_gauss};
