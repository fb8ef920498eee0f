#ifndef KILN_RUNTIME_CPU_KILN_RANDOM_H
#define KILN_RUNTIME_CPU_KILN_RANDOM_H
/* Random number streams of compiled code: Mersenne Twister (MT19937) states,
 * one per thread and per stream, as Numba keeps them.
 *
 * Stream 0 is `numpy.random`'s, stream 1 the `random` module's; they are
 * separate from each other and from NumPy's and CPython's own global
 * states (seeding one never moves another). A thread's state is seeded
 * from the operating system's entropy the first time that thread draws
 * from it without having seeded it.
 *
 * seed(n) is NumPy's legacy integer seeding (init_genrand of n's low 32
 * bits, the Gaussian cache emptied), so `np.random.seed(n)` followed by
 * draws gives the numbers of NumPy's `np.random.seed(n)`. Distributions are
 * written in Python over these primitives (kiln/library/numpy_random.py,
 * random_functions.py); compiled code reaches them through the runtime
 * table's `random` field (kiln_rt.h).
 *
 * Where Numba is loaded in the process, the client hands its per-thread
 * state functions to kiln_random_share: from then on compiled code of both
 * draws from Numba's states (same layout), one stream per thread and kind
 * for the whole program, as if every function were Numba's
 * (docs/numpy.md, "Random numbers"). */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { KILN_RANDOM_NUMPY = 0, KILN_RANDOM_PYTHON = 1, KILN_RANDOM_STREAMS = 2 };

typedef struct KilnRandomApi {
  /* NumPy's legacy seeding of `stream` with the low 32 bits of `seed`. */
  void (*seed)(int64_t stream, int64_t seed);
  /* The next 32 tempered bits, as a non-negative int64. */
  int64_t (*next_u32)(int64_t stream);
  /* A double in [0, 1) with 53 random bits: (a >> 5, b >> 6) of two draws. */
  double (*next_double)(int64_t stream);
  /* A standard normal: NumPy's legacy polar Box-Muller, which keeps the
   * second value of each pair for the next call (cleared by seed). */
  double (*gauss)(int64_t stream);
} KilnRandomApi;

/* The table the runtime's `random` field points at. */
extern const KilnRandomApi kiln_random_table;

void kiln_random_seed(int64_t stream, int64_t seed);
int64_t kiln_random_next_u32(int64_t stream);
double kiln_random_next_double(int64_t stream);
double kiln_random_gauss(int64_t stream);

/* Draws from then on use the states these functions return for the calling
 * thread (Numba's numba_get_np_random_state / numba_get_py_random_state,
 * whose states are laid out as ours); NULL: the runtime's own again. */
void kiln_random_share(void* (*numpy_state)(void), void* (*python_state)(void));

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_RANDOM_H */
