"""realcode7: Numba's threading queries called in compiled code
(pynndescent sizes its per-thread work with numba.get_num_threads()).

Kiln runs a parallel=True function on one thread (its prange loops are the
range loops they stand for: docs/python.md), so in compiled code the number
of threads a parallel region uses is 1 and the running thread's id 0: the
answers that size the work for how it runs. (In Python, numba's own
functions answer for Numba's pool.)"""

from . import implements


@implements("numba.get_num_threads")
def get_num_threads():
    return 1


@implements("numba.get_thread_id")
def get_thread_id():
    return 0
