"""``kiln.cuda.random``: xoroshiro128+ generators for kernels, as
``numba.cuda.random`` has them (the same algorithm, seeding and jump-ahead,
so the same seed gives the same uniform numbers as Numba's).

``create_xoroshiro128p_states(n, seed)`` makes n independent states (each
2**64 steps after the previous one); in a kernel,
``xoroshiro128p_uniform_float32(states, i)`` (and ``_float64``, and the
``normal`` ones) draws from state i. A state is a row of two uint64 (the
array is (n, 2) uint64 here, a record array in Numba; code using the
functions does not see the difference).
"""

import math

import numpy as np

from ..dispatcher import jit
from ._api import DeviceFunction, DeviceNDArray, to_device

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_JUMP0 = np.uint64(0xBEAC0467EBA5FACB)
_JUMP1 = np.uint64(0xD86B048B86AA9922)
_ONE = np.uint64(1)
_TWO_PI_F32 = np.float32(2 * math.pi)
_TWO_PI_F64 = np.float64(2 * math.pi)
_UNIT = np.float64(1.0) / np.float64(2.0 ** 53)


def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


def _next(states, index):
    s0 = states[index, 0]
    s1 = states[index, 1]
    result = s0 + s1
    s1 ^= s0
    states[index, 0] = _rotl(s0, 55) ^ s1 ^ (s1 << np.uint64(14))
    states[index, 1] = _rotl(s1, 36)
    return result


def _unit_float64(x):
    return np.float64(x >> np.uint64(11)) * _UNIT


def _uniform_float32(states, index):
    return np.float32(_unit_float64(_next(states, index)))


def _uniform_float64(states, index):
    return _unit_float64(_next(states, index))


def _normal_float32(states, index):
    u1 = _uniform_float32(states, index)
    u2 = _uniform_float32(states, index)
    return np.float32(math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI_F32 * u2))


def _normal_float64(states, index):
    u1 = _uniform_float64(states, index)
    u2 = _uniform_float64(states, index)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI_F64 * u2)


_DEV = {"error_model": "numpy"}
# Device functions (compiled into the kernels that call them).
_rotl = DeviceFunction(_rotl, _DEV)
_next = DeviceFunction(_next, _DEV)
_unit_float64 = DeviceFunction(_unit_float64, _DEV)
_uniform_float32 = DeviceFunction(_uniform_float32, _DEV)
_uniform_float64 = DeviceFunction(_uniform_float64, _DEV)
xoroshiro128p_next = _next
xoroshiro128p_uniform_float32 = _uniform_float32
xoroshiro128p_uniform_float64 = _uniform_float64
xoroshiro128p_normal_float32 = DeviceFunction(_normal_float32, _DEV)
xoroshiro128p_normal_float64 = DeviceFunction(_normal_float64, _DEV)


# -- seeding, on the host (compiled with kiln.jit) -------------------------------

def _h_rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


_h_rotl = jit(_h_rotl)


def _h_next(states, index):
    s0 = states[index, 0]
    s1 = states[index, 1]
    result = s0 + s1
    s1 ^= s0
    states[index, 0] = _h_rotl(s0, 55) ^ s1 ^ (s1 << np.uint64(14))
    states[index, 1] = _h_rotl(s1, 36)
    return result


_h_next = jit(_h_next)


def _h_jump(states, index):
    s0 = np.uint64(0)
    s1 = np.uint64(0)
    for i in range(2):
        word = _JUMP0 if i == 0 else _JUMP1
        for b in range(64):
            if word & (_ONE << np.uint64(b)):
                s0 ^= states[index, 0]
                s1 ^= states[index, 1]
            _h_next(states, index)
    states[index, 0] = s0
    states[index, 1] = s1


_h_jump = jit(_h_jump)


def _h_init(states, seed, subsequence_start):
    n = states.shape[0]
    if n >= 1:
        z = seed + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
        states[0, 0] = z
        states[0, 1] = z
        for _ in range(subsequence_start):
            _h_jump(states, 0)
        for i in range(1, n):
            states[i, 0] = states[i - 1, 0]
            states[i, 1] = states[i - 1, 1]
            _h_jump(states, i)


_h_init = jit(_h_init)


def init_xoroshiro128p_states(states, seed, subsequence_start=0, stream=0):
    """Seeds the states in place (a device array or an (n, 2) uint64 array)."""
    host = states.copy_to_host() if isinstance(states, DeviceNDArray) else states
    _h_init(host, np.uint64(seed % 2**64), int(subsequence_start))
    if host is not states:
        states.copy_to_device(host)


def create_xoroshiro128p_states(n, seed, subsequence_start=0, stream=0):
    """n generator states on the device, seeded as Numba's."""
    states = np.zeros((n, 2), np.uint64)
    init_xoroshiro128p_states(states, seed, subsequence_start)
    return to_device(states, stream)


xoroshiro128p_dtype = np.dtype([("s0", np.uint64), ("s1", np.uint64)])  # Numba's record layout, for reference
