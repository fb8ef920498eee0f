"""realcode7, prange: numba.get_num_threads() and numba.get_thread_id() in
compiled code (pynndescent sizes its per-thread work with
numba.get_num_threads()): the size of kiln's thread pool, which runs the
prange loops of parallel=True functions, and the running thread's index (0
for the caller, and outside parallel loops). The runtime answers
(runtime/cpu/kiln_parallel.h); in Python, numba's own functions answer for
Numba's pool."""

from . import implements, primitive

_num_threads = primitive("kiln.parallel.num_threads")
_thread_id = primitive("kiln.parallel.thread_id")


@implements("numba.get_num_threads")
def get_num_threads():
    return _num_threads()


@implements("numba.get_thread_id")
def get_thread_id():
    return _thread_id()
