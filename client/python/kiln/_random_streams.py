"""Random streams shared with Numba.

Where Numba is loaded in the process, compiled code of Kiln draws from
Numba's random states rather than from its own: one `numpy.random` stream
and one `random` stream per thread for the whole program, whichever of the
two compiled a function, as in a program all of whose functions are Numba's
(`np.random.seed(1)` in a Numba function seeds what a Kiln function draws
next, and the other way round). Numba's states have the layout of Kiln's
(runtime/cpu/kiln_random.h); that is checked against Numba's own reading of
one before they are taken, and where it does not hold Kiln keeps its own.
"""

import ctypes
import sys

from . import _kiln

_WORDS = 629  # an int index, 624 words of MT19937, has_gauss, a double, initialized
_shared = False


def _laid_out_as_ours(helper, address):
    """Whether the state at `address` reads, as Kiln's layout, what Numba's
    rnd_get_state reads of it."""
    index, words = helper.rnd_get_state(address)
    seen = (ctypes.c_uint32 * _WORDS).from_address(address)
    return (len(words) == 624 and seen[0] == index and list(seen[1:625]) == list(words)
            and seen[628] == 1)


def share_with_numba():
    """Takes Numba's random states once Numba is imported (called before
    each compile: cheap once done, and nothing when Numba is absent)."""
    global _shared
    if _shared:
        return
    helper = sys.modules.get("numba._helperlib")
    if helper is None:
        return
    _shared = True
    try:
        helpers = helper.c_helpers
        numpy_state, python_state = helpers["get_np_random_state"], helpers["get_py_random_state"]
        state_of = ctypes.CFUNCTYPE(ctypes.c_void_p)
        if not all(_laid_out_as_ours(helper, state_of(a)()) for a in (numpy_state, python_state)):
            return
    except (AttributeError, KeyError, TypeError, ValueError):
        return  # a Numba without these helpers: Kiln keeps its own streams
    _kiln._share_random_streams(numpy_state, python_state)
