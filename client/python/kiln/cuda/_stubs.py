"""The kernel language's names on the host: what a kernel's bytecode reads
through the ``cuda`` module (``cuda.grid``, ``cuda.threadIdx.x``,
``cuda.shared.array``). Compiled code never calls these: kilnd types and
lowers them (compiler/typing/rules_cuda.cpp). Called from plain Python
they raise, as numba.cuda's stubs do.
"""


def _only_in_kernels(name):
    def stub(*args, **kwargs):
        raise RuntimeError(f"cuda.{name}() can only be called in a kernel (@kiln.cuda.jit) or a device function")

    stub.__name__ = name
    stub.__qualname__ = name
    return stub


class _Dim3:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr in ("x", "y", "z"):
            raise RuntimeError(f"cuda.{self._name}.{attr} can only be read in a kernel")
        raise AttributeError(attr)

    def __repr__(self):
        return f"<kiln.cuda.{self._name}>"


class _Namespace:
    def __init__(self, name, members):
        self._name = name
        for m in members:
            setattr(self, m, _only_in_kernels(f"{name}.{m}"))

    def __repr__(self):
        return f"<kiln.cuda.{self._name}>"


threadIdx = _Dim3("threadIdx")
blockIdx = _Dim3("blockIdx")
blockDim = _Dim3("blockDim")
gridDim = _Dim3("gridDim")
shared = _Namespace("shared", ["array"])
local = _Namespace("local", ["array"])
const = _Namespace("const", ["array_like"])
atomic = _Namespace("atomic", ["add", "sub", "max", "min", "exch", "and_", "or_", "xor", "inc", "dec", "cas",
                              "compare_and_swap", "nanmax", "nanmin"])
laneid = None   # a value in kernels (int32)
warpsize = 32

grid = _only_in_kernels("grid")
gridsize = _only_in_kernels("gridsize")
syncthreads = _only_in_kernels("syncthreads")
syncthreads_count = _only_in_kernels("syncthreads_count")
syncthreads_and = _only_in_kernels("syncthreads_and")
syncthreads_or = _only_in_kernels("syncthreads_or")
threadfence = _only_in_kernels("threadfence")
threadfence_block = _only_in_kernels("threadfence_block")
threadfence_system = _only_in_kernels("threadfence_system")
all_sync = _only_in_kernels("all_sync")
any_sync = _only_in_kernels("any_sync")
eq_sync = _only_in_kernels("eq_sync")
ballot_sync = _only_in_kernels("ballot_sync")
shfl_sync = _only_in_kernels("shfl_sync")
shfl_up_sync = _only_in_kernels("shfl_up_sync")
shfl_down_sync = _only_in_kernels("shfl_down_sync")
shfl_xor_sync = _only_in_kernels("shfl_xor_sync")
syncwarp = _only_in_kernels("syncwarp")
match_any_sync = _only_in_kernels("match_any_sync")  # fp16: warp match
match_all_sync = _only_in_kernels("match_all_sync")
activemask = _only_in_kernels("activemask")
# cudalang: bit and arithmetic intrinsics, lanemask_lt, nanosleep
popc = _only_in_kernels("popc")
brev = _only_in_kernels("brev")
clz = _only_in_kernels("clz")
ffs = _only_in_kernels("ffs")
fma = _only_in_kernels("fma")
cbrt = _only_in_kernels("cbrt")
selp = _only_in_kernels("selp")
lanemask_lt = _only_in_kernels("lanemask_lt")
nanosleep = _only_in_kernels("nanosleep")
