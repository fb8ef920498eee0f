"""kiln.cuda kernels in the CPU emulation (docs/cuda.md): each feature of the
kernel language against a NumPy reference, a barrier that would give a
wrong answer if it were not real, atomics under contention from several OS
threads, warp votes and shuffles, bad launch configurations, refusals with
their source line, and out-of-bounds indices reported as IndexError naming
the kernel and the thread."""

import math
import os

import numpy as np
import pytest

os.environ["KILN_CUDA_SIM"] = "1"

from kiln import cuda, jit  # noqa: E402
from kiln.errors import TypingError, UnsupportedError  # noqa: E402

TPB = 128
CHUNK = 4


def blocks(n, t=TPB):
    return (n + t - 1) // t


# --- kernels (module level: their globals are what the bundle freezes) ------

@cuda.jit
def vec_add(a, b, out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = a[i] + b[i]


@cuda.jit
def saxpy(alpha, x, y):
    i = cuda.grid(1)
    if i < y.shape[0]:
        y[i] = alpha * x[i] + y[i]


@cuda.jit
def indices3(tid, bid, bdim, gdim):
    x = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    y = cuda.blockIdx.y * cuda.blockDim.y + cuda.threadIdx.y
    z = cuda.blockIdx.z * cuda.blockDim.z + cuda.threadIdx.z
    tid[z, y, x, 0] = cuda.threadIdx.x
    tid[z, y, x, 1] = cuda.threadIdx.y
    tid[z, y, x, 2] = cuda.threadIdx.z
    bid[z, y, x, 0] = cuda.blockIdx.x
    bid[z, y, x, 1] = cuda.blockIdx.y
    bid[z, y, x, 2] = cuda.blockIdx.z
    bdim[z, y, x, 0] = cuda.blockDim.x
    bdim[z, y, x, 1] = cuda.blockDim.y
    bdim[z, y, x, 2] = cuda.blockDim.z
    gdim[z, y, x, 0] = cuda.gridDim.x
    gdim[z, y, x, 1] = cuda.gridDim.y
    gdim[z, y, x, 2] = cuda.gridDim.z


@cuda.jit
def grid2(out, sizes):
    x, y = cuda.grid(2)
    if y < out.shape[0] and x < out.shape[1]:
        out[y, x] = y * 1000 + x
    if x == 0 and y == 0:
        w, h = cuda.gridsize(2)
        sizes[0] = w
        sizes[1] = h
        sizes[2] = cuda.gridsize(1)


@cuda.jit
def reverse_block(a, out):
    # Without a real barrier thread t would read sh[TPB-1-t] before the
    # thread that writes it ran: the emulation runs threads in order.
    sh = cuda.shared.array(TPB, np.float64)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    sh[t] = a[i]
    cuda.syncthreads()
    out[i] = sh[TPB - 1 - t]


@cuda.jit
def sync_reductions(a, out):
    t = cuda.threadIdx.x
    b = cuda.blockIdx.x
    v = a[cuda.grid(1)]
    out[b, 0] = cuda.syncthreads_count(v > 0.5)
    out[b, 1] = cuda.syncthreads_and(v >= 0.0)
    out[b, 2] = cuda.syncthreads_and(v > 0.5)
    out[b, 3] = cuda.syncthreads_or(v > 0.99)
    out[b, 4] = cuda.syncthreads_or(v > 2.0)
    if t < 0:
        out[b, 5] = 1


@cuda.jit
def early_exit_barrier(a, out):
    # Threads that return before a barrier count as arrived (sm_70+).
    sh = cuda.shared.array(TPB, np.float64)
    t = cuda.threadIdx.x
    if t >= 100:
        return
    sh[t] = a[t]
    cuda.syncthreads()
    out[t] = sh[99 - t]


@cuda.jit
def atomic_counts(counter, fsum, imax, imin, fmax, fmin, bits):
    i = cuda.grid(1)
    cuda.atomic.add(counter, 0, 1)
    cuda.atomic.sub(counter, 1, 2)
    cuda.atomic.add(fsum, 0, 0.5)
    cuda.atomic.max(imax, 0, i)
    cuda.atomic.min(imin, 0, -i)
    cuda.atomic.max(fmax, 0, i * 0.25)
    cuda.atomic.min(fmin, 0, i * -0.25)
    cuda.atomic.or_(bits, 0, 1 << (i % 40))
    cuda.atomic.xor(bits, 1, 1 << (i % 7))
    cuda.atomic.and_(bits, 2, ~(1 << (i % 13)))


@cuda.jit
def atomic_inc_dec(u, old):
    i = cuda.grid(1)
    old[i] = cuda.atomic.inc(u, 0, 9)
    cuda.atomic.dec(u, 1, 100)


@cuda.jit
def atomic_cas_lock(counter, out):
    # A spin of compare-and-swap: each thread increments counter[0] once.
    i = cuda.grid(1)
    done = False
    while not done:
        old = counter[0]
        if cuda.atomic.cas(counter, 0, old, old + 1) == old:
            done = True
    out[i] = 1


@cuda.jit
def atomic_2d_exch(grid_, last):
    i = cuda.grid(1)
    cuda.atomic.add(grid_, (i % 3, i % 5), 1.0)
    cuda.atomic.exch(last, 0, 7)


@cuda.jit
def warp_votes(pred_src, out):
    i = cuda.grid(1)
    lane = cuda.laneid
    p = pred_src[i] != 0
    out[i, 0] = cuda.ballot_sync(0xFFFFFFFF, p)
    out[i, 1] = cuda.all_sync(0xFFFFFFFF, p)
    out[i, 2] = cuda.any_sync(0xFFFFFFFF, p)
    out[i, 3] = cuda.eq_sync(0xFFFFFFFF, lane >= 0)
    out[i, 4] = lane
    out[i, 5] = cuda.warpsize
    out[i, 6] = cuda.activemask()


@cuda.jit
def warp_shuffles(a, out):
    i = cuda.grid(1)
    v = a[i]
    out[i, 0] = cuda.shfl_sync(0xFFFFFFFF, v, 0)
    out[i, 1] = cuda.shfl_up_sync(0xFFFFFFFF, v, 1)
    out[i, 2] = cuda.shfl_down_sync(0xFFFFFFFF, v, 2)
    out[i, 3] = cuda.shfl_xor_sync(0xFFFFFFFF, v, 1)
    s = v
    off = 16
    while off > 0:
        s += cuda.shfl_down_sync(0xFFFFFFFF, s, off)
        off //= 2
    out[i, 4] = s


@cuda.jit
def local_and_const(a, out):
    i = cuda.grid(1)
    base = i * CHUNK
    if base + CHUNK <= a.shape[0]:
        buf = cuda.local.array(CHUNK, np.float64)
        for k in range(CHUNK):
            buf[k] = a[base + k]
        tot = 0.0
        for k in range(CHUNK):
            tot += buf[CHUNK - 1 - k] * (k + 1)
        out[i] = tot


@cuda.jit
def local_2d(out):
    i = cuda.grid(1)
    m = cuda.local.array((2, 3), np.int32)
    for r in range(2):
        for c in range(3):
            m[r, c] = i * 10 + r * 3 + c
    out[i] = m[1, 2] - m[0, 0]


@cuda.jit
def dynamic_shared(a, out):
    sh = cuda.shared.array(0, np.float32)
    t = cuda.threadIdx.x
    sh[t] = a[cuda.grid(1)]
    cuda.syncthreads()
    out[cuda.grid(1)] = sh[(t + 1) % sh.shape[0]]


@cuda.jit(device=True)
def clamp01(x):
    return min(max(x, 0.0), 1.0)


@jit
def plain_square(x):
    return x * x


@cuda.jit
def device_calls(x, out):
    i = cuda.grid(1)
    if i < x.shape[0]:
        out[i] = clamp01(x[i]) + plain_square(x[i]) + math.sqrt(abs(x[i]))


@cuda.jit
def out_of_bounds(out):
    i = cuda.grid(1)
    out[i] = 1.0


@cuda.jit
def int_math(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        out[i] = a[i] // 3 + a[i] % 5 + (a[i] << 2)


@cuda.jit
def deadlock(out):
    t = cuda.threadIdx.x
    if t < 16:
        out[t] = cuda.shfl_sync(0xFFFFFFFF, t, 0)
    else:
        cuda.syncthreads()


# --- tests ------------------------------------------------------------------

def test_vec_add_and_saxpy(kilnd):
    rng = np.random.default_rng(1)
    a, b = rng.random(1000), rng.random(1000)
    out = np.zeros(1000)
    vec_add[blocks(1000), TPB](a, b, out)
    np.testing.assert_array_equal(out, a + b)
    x = rng.random(333).astype(np.float32)
    y = rng.random(333).astype(np.float32)
    ref = np.float32(2.5) * x + y
    saxpy[blocks(333), TPB](np.float32(2.5), x, y)
    np.testing.assert_allclose(y, ref, rtol=1e-6)
    assert y.dtype == np.float32


def test_thread_block_indices_3d(kilnd):
    grid, block = (3, 2, 2), (4, 3, 2)
    shape = (grid[2] * block[2], grid[1] * block[1], grid[0] * block[0], 3)
    tid, bid, bdim, gdim = (np.full(shape, -1, np.int32) for _ in range(4))
    indices3[grid, block](tid, bid, bdim, gdim)
    z, y, x = np.meshgrid(*(np.arange(n) for n in shape[:3]), indexing="ij")
    np.testing.assert_array_equal(tid[..., 0], x % block[0])
    np.testing.assert_array_equal(tid[..., 1], y % block[1])
    np.testing.assert_array_equal(tid[..., 2], z % block[2])
    np.testing.assert_array_equal(bid[..., 0], x // block[0])
    np.testing.assert_array_equal(bid[..., 1], y // block[1])
    np.testing.assert_array_equal(bid[..., 2], z // block[2])
    assert (bdim.reshape(-1, 3) == block).all() and (gdim.reshape(-1, 3) == grid).all()


def test_grid_and_gridsize(kilnd):
    out = np.zeros((10, 13), np.int64)
    sizes = np.zeros(3, np.int64)
    grid2[(blocks(13, 8), blocks(10, 4)), (8, 4)](out, sizes)
    yy, xx = np.meshgrid(np.arange(10), np.arange(13), indexing="ij")
    np.testing.assert_array_equal(out, yy * 1000 + xx)
    np.testing.assert_array_equal(sizes, [16, 12, 16])


def test_barrier_is_real(kilnd):
    a = np.arange(4 * TPB, dtype=np.float64)
    out = np.zeros_like(a)
    reverse_block[4, TPB](a, out)
    np.testing.assert_array_equal(out, a.reshape(4, TPB)[:, ::-1].ravel())


def test_syncthreads_reductions(kilnd):
    a = np.random.default_rng(2).random(3 * TPB)
    out = np.zeros((3, 6), np.int32)
    sync_reductions[3, TPB](a, out)
    per = a.reshape(3, TPB)
    np.testing.assert_array_equal(out[:, 0], (per > 0.5).sum(axis=1))
    np.testing.assert_array_equal(out[:, 1], 1)
    np.testing.assert_array_equal(out[:, 2], (per > 0.5).all(axis=1))
    np.testing.assert_array_equal(out[:, 3], (per > 0.99).any(axis=1))
    np.testing.assert_array_equal(out[:, 4], 0)


def test_finished_threads_count_as_arrived(kilnd):
    a = np.arange(TPB, dtype=np.float64)
    out = np.zeros(TPB)
    early_exit_barrier[1, TPB](a, out)
    np.testing.assert_array_equal(out[:100], a[:100][::-1])
    np.testing.assert_array_equal(out[100:], 0)


@pytest.mark.parametrize("threads", [1, 4])
def test_atomics_under_contention(kilnd, threads):
    from kiln.cuda._api import _rt
    _rt().set_threads(threads)
    try:
        nb, nt = 64, 256
        n = nb * nt
        counter = np.zeros(2, np.int64)
        fsum = np.zeros(1, np.float64)
        imax = np.full(1, -1, np.int64)
        imin = np.zeros(1, np.int32)
        fmax = np.full(1, -1.0, np.float32)
        fmin = np.zeros(1, np.float64)
        bits = np.array([0, 0, -1], np.int64)
        atomic_counts[nb, nt](counter, fsum, imax, imin, fmax, fmin, bits)
        assert counter.tolist() == [n, -2 * n]
        assert fsum[0] == 0.5 * n
        assert imax[0] == n - 1 and imin[0] == -(n - 1)
        assert fmax[0] == np.float32((n - 1) * 0.25) and fmin[0] == (n - 1) * -0.25
        x = 0
        for i in range(n):
            x ^= 1 << (i % 7)
        assert bits[0] == (1 << 40) - 1 and bits[1] == x and bits[2] == ~((1 << 13) - 1)
    finally:
        _rt().set_threads(0)


def test_atomic_inc_dec_wrap(kilnd):
    u = np.array([0, 0], np.uint32)
    old = np.zeros(25, np.uint32)
    atomic_inc_dec[1, 25](u, old)
    # inc: old >= 9 ? 0 : old + 1, in thread order; dec: old == 0 or old > 100 ? 100 : old - 1
    assert sorted(old.tolist()) == sorted([k % 10 for k in range(25)])
    assert u[0] == 25 % 10
    assert u[1] == 100 - 24


def test_atomic_cas_loop(kilnd):
    from kiln.cuda._api import _rt
    _rt().set_threads(4)
    try:
        counter = np.zeros(1, np.int64)
        out = np.zeros(32 * 64, np.int32)
        atomic_cas_lock[32, 64](counter, out)
        assert counter[0] == 32 * 64 and out.sum() == 32 * 64
    finally:
        _rt().set_threads(0)


def test_atomic_tuple_index_and_exch(kilnd):
    g = np.zeros((3, 5))
    last = np.zeros(1, np.int64)
    atomic_2d_exch[4, 60](g, last)
    ref = np.zeros((3, 5))
    for i in range(240):
        ref[i % 3, i % 5] += 1
    np.testing.assert_array_equal(g, ref)
    assert last[0] == 7


def test_warp_votes_and_lanes(kilnd):
    n = 64 + 40  # two full warps and a partial one (40 threads in the second block)
    pred = (np.arange(n) % 3 == 0).astype(np.int32)
    pred[32:64] = 1
    out = np.zeros((n, 7), np.int64)
    warp_votes[1, n](pred, out)
    for w in range(0, n, 32):
        lanes = min(32, n - w)
        p = pred[w:w + lanes]
        ballot = sum(1 << k for k in range(lanes) if p[k])
        assert (out[w:w + lanes, 0] == ballot).all()
        assert (out[w:w + lanes, 1] == int(p.all())).all()
        assert (out[w:w + lanes, 2] == int(p.any())).all()
        assert (out[w:w + lanes, 3] == 1).all()
        assert (out[w:w + lanes, 6] == (1 << lanes) - 1).all()
    np.testing.assert_array_equal(out[:, 4], np.arange(n) % 32)
    assert (out[:, 5] == 32).all()


def test_warp_shuffles(kilnd):
    a = np.arange(64, dtype=np.float64) * 1.5
    out = np.zeros((64, 5))
    warp_shuffles[1, 64](a, out)
    lane = np.arange(64) % 32
    base = np.arange(64) - lane
    np.testing.assert_array_equal(out[:, 0], a[base])
    np.testing.assert_array_equal(out[:, 1], np.where(lane >= 1, a[np.arange(64) - 1], a))
    np.testing.assert_array_equal(out[:, 2], np.where(lane + 2 < 32, a[np.minimum(np.arange(64) + 2, 63)], a))
    np.testing.assert_array_equal(out[:, 3], a[base + (lane ^ 1)])
    assert out[0, 4] == a[:32].sum() and out[32, 4] == a[32:].sum()


def test_local_arrays(kilnd):
    a = np.random.default_rng(3).random(CHUNK * 50)
    out = np.zeros(50)
    local_and_const[2, 32](a, out)
    ref = (a.reshape(50, CHUNK)[:, ::-1] * np.arange(1, CHUNK + 1)).sum(axis=1)
    np.testing.assert_allclose(out, ref)
    o2 = np.zeros(64, np.int32)
    local_2d[2, 32](o2)
    np.testing.assert_array_equal(o2, np.full(64, 5))


def test_dynamic_shared_memory(kilnd):
    a = np.arange(128, dtype=np.float32)
    out = np.zeros_like(a)
    dynamic_shared[2, 64, 0, 64 * 4](a, out)
    ref = a.reshape(2, 64)[:, np.r_[1:64, 0]].ravel()
    np.testing.assert_array_equal(out, ref)


def test_device_functions(kilnd):
    x = np.linspace(-1.5, 1.5, 300)
    out = np.zeros_like(x)
    device_calls[blocks(300), TPB](x, out)
    np.testing.assert_allclose(out, np.clip(x, 0, 1) + x * x + np.sqrt(np.abs(x)))
    with pytest.raises(TypeError, match="device function clamp01"):
        clamp01(0.5)


def test_integer_semantics(kilnd):
    a = np.arange(-50, 50, dtype=np.int32)
    out = np.zeros_like(a)
    int_math[1, 128](a, out)
    np.testing.assert_array_equal(out, a // 3 + a % 5 + (a << 2))


def test_out_of_bounds_is_an_index_error_naming_the_kernel(kilnd):
    out = np.zeros(100)
    with pytest.raises(IndexError, match=r"kernel out_of_bounds: thread \(100, 0, 0\) of block \(0, 0, 0\)"):
        out_of_bounds[1, 128](out)


def test_deadlock_is_reported(kilnd):
    with pytest.raises(RuntimeError, match="deadlock"):
        deadlock[1, 32](np.zeros(32, np.int64))


# --- device arrays and the host API ------------------------------------------

def test_device_arrays(kilnd):
    a = np.arange(10.0)
    d_a = cuda.to_device(a)
    d_b = cuda.device_array_like(d_a)
    d_out = cuda.device_array(10, np.float64)
    assert d_b.shape == (10,) and d_out.dtype == np.float64
    d_b.copy_to_device(np.ones(10))
    vec_add[1, 32](d_a, d_b, d_out)
    np.testing.assert_array_equal(d_out.copy_to_host(), a + 1)
    host = np.empty(10)
    d_out.copy_to_host(host)
    np.testing.assert_array_equal(host, a + 1)
    cai = d_out.__cuda_array_interface__
    assert cai["shape"] == (10,) and cai["typestr"] == "<f8" and cai["version"] == 3 and cai["data"][0]
    a[0] = 99.0  # to_device copied
    assert d_a.copy_to_host()[0] == 0.0
    s = cuda.stream()
    vec_add[1, 32, s](d_a, d_b, d_out)
    s.synchronize()
    cuda.synchronize()
    e0, e1 = cuda.event(), cuda.event()
    e0.record()
    e1.record()
    assert cuda.event_elapsed_time(e0, e1) >= 0.0
    with cuda.pinned(host):
        pass


@pytest.mark.parametrize("config, message", [
    ((1, 1025), "block dimension x is 1025, more than the maximum 1024"),
    ((1, (512, 4)), "512 x 4 x 1 = 2048 threads is more than the maximum of 1024"),
    ((1, (32, 32, 2)), "2048 threads"),
    ((1, (1, 1, 65)), "block dimension z is 65"),
    ((0, 32), "must be positive"),
    ((1, 32, 0, 49153), "49153 bytes of dynamic shared memory"),
    ((1.5, 32), "must be an int or a tuple"),
])
def test_bad_launch_configurations(kilnd, config, message):
    with pytest.raises(ValueError, match=message):
        vec_add[config]


def test_launch_without_configuration(kilnd):
    with pytest.raises(ValueError, match="without a launch configuration"):
        vec_add(np.zeros(1), np.zeros(1), np.zeros(1))


# --- refusals: located, naming the construct ---------------------------------

def k_raises(a):
    if a[0] > 0:
        raise ValueError("no")


def k_allocates(a):
    b = np.zeros(3)
    a[0] = b[0]


def k_returns(a):
    return a[0]


def k_list(a):
    xs = [1, 2]
    a[0] = xs[0]


def k_shape(a, n):
    sh = cuda.shared.array(n, np.float64)
    sh[0] = 1.0
    a[0] = sh[0]


def k_array_expr(a):
    b = a + 1.0
    a[0] = b[0]


@pytest.mark.parametrize("fn, exc, message", [
    (k_raises, UnsupportedError, r"'raise' is not supported in a CUDA kernel"),
    (k_allocates, UnsupportedError, r"'numpy.zeros' allocates an array"),
    (k_returns, TypingError, r"a kernel must return None, but it returns float64"),
    (k_list, UnsupportedError, r"a list is a Python object"),
    (k_shape, TypingError, r"the shape must be a literal"),
    (k_array_expr, UnsupportedError, r"an array expression allocates an array"),
])
def test_refusals_are_located(kilnd, fn, exc, message):
    k = cuda.jit(fn)
    args = (np.ones(4),) if fn is not k_shape else (np.ones(4), 4)
    with pytest.raises(exc, match=message) as info:
        k[1, 1](*args)
    assert "test_cuda_sim.py" in str(info.value)


def test_kernel_language_outside_a_kernel_is_refused(kilnd):
    @jit
    def host(a):
        a[0] = cuda.threadIdx.x

    with pytest.raises(UnsupportedError, match=r"'cuda.threadIdx.x' can only be used in a kernel"):
        host(np.zeros(1, np.int32))


def test_eager_signature(kilnd):
    k = cuda.jit("void(float64[:], float64[:], float64[:])")(vec_add.py_func)
    assert len(k.signatures) == 1
    out = np.zeros(5)
    k[1, 8](np.ones(5), np.ones(5), out)
    np.testing.assert_array_equal(out, 2.0)


# --- vectorize / guvectorize with target='cuda' ---------------------------------

def test_vectorize_cuda(kilnd):
    import kiln

    @kiln.vectorize(["float32(float32, float32)", "float64(float64, float64)"], target="cuda")
    def rel_diff(x, y):
        return 2 * (x - y) / (x + y)

    a = np.arange(1, 11, dtype=np.float32)
    b = a + 1
    r = rel_diff(a, b)
    assert r.dtype == np.float32
    np.testing.assert_allclose(r, 2 * (a - b) / (a + b), rtol=1e-6)
    m = np.arange(6.0).reshape(2, 3) + 1
    r = rel_diff(m, 2.0)  # broadcast, the float64 loop
    assert r.dtype == np.float64 and r.shape == (2, 3)
    np.testing.assert_allclose(r, 2 * (m - 2) / (m + 2))
    d = rel_diff(cuda.to_device(a), cuda.to_device(b))
    assert isinstance(d, cuda.DeviceNDArray)
    np.testing.assert_allclose(d.copy_to_host(), 2 * (a - b) / (a + b), rtol=1e-6)
    with pytest.raises(UnsupportedError, match="target='cpu' and 'cuda'"):  # realcode2: cpu is kiln/_ufunc.py
        kiln.vectorize(["float64(float64)"], target="gpu")(lambda x: x)


def test_guvectorize_cuda(kilnd):
    import kiln

    @kiln.guvectorize(["void(float64[:], float64[:])"], "(n)->(n)", target="cuda")
    def cumsum_rows(x, out):
        acc = 0.0
        for k in range(x.shape[0]):
            acc += x[k]
            out[k] = acc

    @kiln.guvectorize(["void(float64[:], float64, float64[:])"], "(n),()->(n)", target="cuda")
    def scale(x, s, out):
        for k in range(x.shape[0]):
            out[k] = x[k] * s

    m = np.random.default_rng(4).random((5, 7))
    np.testing.assert_allclose(cumsum_rows(m), np.cumsum(m, axis=1))
    o = np.zeros((5, 7))
    cumsum_rows(m, o)
    np.testing.assert_allclose(o, np.cumsum(m, axis=1))
    np.testing.assert_allclose(scale(m, 3.0), m * 3)


def test_no_gpu_warns_once(kilnd):
    import subprocess
    import sys
    code = ("import numpy as np\nfrom kiln import cuda\n"
            "@cuda.jit\ndef k(a):\n    a[cuda.grid(1)] = 1.0\n"
            "a = np.zeros(4)\nk[1, 4](a)\nk[1, 4](a)\nprint(a.sum())\n")
    env = {k: v for k, v in os.environ.items() if k != "KILN_CUDA_SIM"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "4.0"
    if "kernels run in the CPU emulation" in proc.stderr:  # no GPU here, or no GPU launch layer yet
        assert proc.stderr.count("kernels run in the CPU emulation") == 1


# --- cuda.random: xoroshiro128+ as Numba's --------------------------------------

from kiln.cuda.random import (create_xoroshiro128p_states, xoroshiro128p_normal_float32,  # noqa: E402
                              xoroshiro128p_uniform_float32, xoroshiro128p_uniform_float64)

_M64 = (1 << 64) - 1


def _py_next(st):
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & _M64  # noqa: E731
    s0, s1 = st
    r = (s0 + s1) & _M64
    s1 ^= s0
    st[0] = rotl(s0, 55) ^ s1 ^ ((s1 << 14) & _M64)
    st[1] = rotl(s1, 36)
    return r


def _py_states(n, seed):
    """Numba's seeding (splitmix64, then a 2**64 jump per generator), in Python."""
    z = (seed + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    z ^= z >> 31
    out = [[z, z]]
    for _ in range(1, n):
        st = list(out[-1])
        j0 = j1 = 0
        for word in (0xBEAC0467EBA5FACB, 0xD86B048B86AA9922):
            for b in range(64):
                if word & (1 << b):
                    j0 ^= st[0]
                    j1 ^= st[1]
                _py_next(st)
        out.append([j0, j1])
    return out


@cuda.jit
def draw_random(states, u32, u64, n32):
    i = cuda.grid(1)
    if i < u32.shape[0]:
        u32[i] = xoroshiro128p_uniform_float32(states, i)
        u64[i] = xoroshiro128p_uniform_float64(states, i)
        n32[i] = xoroshiro128p_normal_float32(states, i)


def test_xoroshiro128p_as_numba(kilnd):
    n = 20
    states = create_xoroshiro128p_states(n, seed=1234)
    ref = _py_states(n, 1234)
    assert states.copy_to_host().tolist() == ref
    u32, u64, n32 = np.zeros(n, np.float32), np.zeros(n), np.zeros(n, np.float32)
    draw_random[1, 32](states, u32, u64, n32)
    for i in range(n):
        st = list(ref[i])
        assert u32[i] == np.float32((_py_next(st) >> 11) * (1.0 / 2**53))
        assert u64[i] == (_py_next(st) >> 11) * (1.0 / 2**53)
    assert np.isfinite(n32).all() and n32.dtype == np.float32


def k_too_much_shared(a):
    sh = cuda.shared.array((80, 80), np.float64)  # 51200 bytes
    sh[0, 0] = a[0]
    a[0] = sh[0, 0]


def test_static_shared_memory_limit(kilnd):
    k = cuda.jit(k_too_much_shared)
    with pytest.raises(UnsupportedError, match=r"static shared memory \(cuda.shared.array\) is at least 51200 bytes"):
        k[1, 1](np.ones(1))


class _ForeignDeviceArray:
    """A CuPy/Torch-style object: only the CUDA Array Interface (host memory
    in the emulation), no NumPy base class."""

    def __init__(self, ary):
        self._keep = ary
        self.__cuda_array_interface__ = {"shape": ary.shape, "strides": ary.strides, "typestr": ary.dtype.str,
                                         "data": (ary.ctypes.data, False), "version": 3}


def test_cuda_array_interface_objects_are_accepted(kilnd):
    a = np.arange(12.0).reshape(3, 4)[:, 1:]  # strided
    b = np.ones((3, 3))
    out = np.zeros(9)
    vec_add[1, 16](_ForeignDeviceArray(np.ascontiguousarray(a).ravel()), _ForeignDeviceArray(b.ravel()),
                   _ForeignDeviceArray(out))
    np.testing.assert_array_equal(out, a.ravel() + 1)
    assert cuda.is_cuda_array(cuda.to_device(b)) and not cuda.is_cuda_array(b)
