"""``kiln.cuda``: CUDA kernels in the numba.cuda style.

``from kiln import cuda`` is a drop-in for ``from numba import cuda``::

    @cuda.jit
    def vec_add(a, b, out):
        i = cuda.grid(1)
        if i < out.shape[0]:
            out[i] = a[i] + b[i]

    vec_add[blocks, threads](a, b, out)

Kernels are compiled by kilnd. Without a GPU (or with ``KILN_CUDA_SIM=1``)
they run in the CPU emulation (docs/cuda.md): the same kernel compiled for
the CPU, each block's threads run as fibers with real barriers, per-block
shared memory, atomic atomics and warp operations over groups of 32 lanes.
Device arrays are then host memory with the device-array API.
"""

import os as _os
import warnings as _warnings

from ._api import (  # noqa: F401
    DeviceFunction,
    DeviceNDArray,
    Event,
    Kernel,
    Stream,
    as_cuda_array,
    auto_synchronize,
    close,
    default_stream,
    detect,
    device_array,
    device_array_like,
    event,
    event_elapsed_time,
    external_stream,
    get_current_device,
    is_available,
    is_cuda_array,
    jit,
    list_devices,
    mapped_array,
    pinned,
    pinned_array,
    pinned_array_like,
    select_device,
    stream,
    synchronize,
    to_device,
)
from ._stubs import (  # noqa: F401
    activemask,
    all_sync,
    any_sync,
    atomic,
    ballot_sync,
    blockDim,
    blockIdx,
    const,
    eq_sync,
    grid,
    gridDim,
    gridsize,
    laneid,
    local,
    match_all_sync,
    match_any_sync,
    shared,
    shfl_down_sync,
    shfl_sync,
    shfl_up_sync,
    shfl_xor_sync,
    syncthreads,
    syncthreads_and,
    syncthreads_count,
    syncthreads_or,
    syncwarp,
    threadfence,
    threadfence_block,
    threadfence_system,
    threadIdx,
    warpsize,
    # cudalang:
    brev,
    cbrt,
    clz,
    ffs,
    fma,
    lanemask_lt,
    nanosleep,
    popc,
    selp,
)
from ._api import emulated as _emulated
from ._vectorize import guvectorize, vectorize  # noqa: F401
from . import fp16  # noqa: F401,E402  (fp16: numba.cuda.fp16's functions, cuda.fp16.hadd)


def __getattr__(name):
    if name == "emulated":  # whether kernels run in the CPU emulation (decided on first use)
        return _emulated()
    raise AttributeError(f"module 'kiln.cuda' has no attribute {name!r}")


del _os, _warnings
