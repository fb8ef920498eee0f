"""cuda: the NVPTX target end to end without a GPU (docs/cuda.md "Targets and
codegen", "ABI", "Driver layer").

- kilnctl --target cuda:sm_XX prints PTX, cubin summaries and writes the
  binary artifact; the toolkit's ptxas accepts the PTX (these tests fail where
  ptxas is missing: CI must have the CUDA toolkit);
- artifacts are cached per SM;
- the Python driver layer (kiln/cuda/_driver.py) refuses a missing or stub
  libcuda with a reason, and its packing table matches a hand-computed layout.
"""

import ctypes
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR, ROOT

KILNCTL = os.path.join(ROOT, "client", "python", "bin", "kilnctl")
CUDA_HOME = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def ptxas():
    path = os.path.join(CUDA_HOME, "bin", "ptxas")
    if not os.path.exists(path):
        path = shutil.which("ptxas")
    assert path, "the CUDA toolkit's ptxas is required (set CUDA_HOME): the PTX must be checked"
    return path


def kilnctl(*args, check=True, env=None):
    out = subprocess.run([sys.executable, KILNCTL, *args], capture_output=True, timeout=180,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR, **(env or {})})
    if check:
        assert out.returncode == 0, out.stderr.decode()
    return out


def assemble(ptx_text, tmp_path, arch="sm_80"):
    src = tmp_path / f"k_{arch}.ptx"
    src.write_text(ptx_text)
    out = subprocess.run([ptxas(), f"-arch={arch}", str(src), "-o", str(tmp_path / f"k_{arch}.cubin")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"ptxas -arch={arch} refused the PTX:\n{out.stderr}\n{ptx_text}"


@pytest.fixture
def kernels(tmp_path):
    path = tmp_path / "kernels.py"
    path.write_text(textwrap.dedent("""
        import math

        def vec_add(a, b, out):
            for i in range(out.shape[0]):
                out[i] = a[i] + b[i]

        def scaled(out, x, alpha, n):
            for i in range(n):
                out[i, 0] = math.tanh(x[i]) * alpha

        def returns(a):
            return a[0]
    """))
    return path


SIG = "void(float32[:], float32[:], float32[:])"


@pytest.mark.parametrize("arch", ["sm_75", "sm_80", "sm_86", "sm_89", "sm_90"])
def test_kilnctl_prints_ptx_that_ptxas_accepts(kilnd, kernels, tmp_path, arch):
    out = kilnctl("compile", f"{kernels}:vec_add", "--sig", SIG, "--target", f"cuda:{arch}", "--emit=ptx")
    text = out.stdout.decode()
    assert f".target {arch}" in text
    assert ".visible .entry kiln_kernel(" in text
    assert text.count(".param .u64 kiln_kernel_param_") == 9  # 3 x (data, shape, stride)
    assemble(text, tmp_path, arch)


def test_scalars_tuples_and_libdevice(kilnd, kernels, tmp_path):
    out = kilnctl("compile", f"{kernels}:scaled", "--sig", "void(float64[:, :], float32[:], float64, int32)",
                  "--target", "cuda:sm_80", "--emit=ptx")
    text = out.stdout.decode()
    # (data, 2 shapes, 2 strides), (data, shape, stride), f64, i32
    assert text.count("kiln_kernel_param_") >= 10
    assert ".param .f64 kiln_kernel_param_8" in text and ".param .u32 kiln_kernel_param_9" in text
    assert ".extern" not in text and "__nv_tanh" not in text  # libdevice linked in and inlined
    assemble(text, tmp_path)


def test_cubin_and_binary_artifact(kilnd, kernels, tmp_path):
    summary = kilnctl("compile", f"{kernels}:vec_add", "--sig", SIG, "--target", "cuda:sm_80",
                      "--emit=cubin").stdout.decode()
    assert summary.startswith("; cubin ") and "for sm_80" in summary, summary
    assert "registers" in summary
    out = tmp_path / "vec_add.cubin"
    line = kilnctl("compile", f"{kernels}:vec_add", "--sig", SIG, "--target", "cuda:sm_80", "--emit=binary",
                   "-o", str(out)).stdout.decode()
    assert "cubin" in line and "kernel kiln_kernel" in line, line
    data = out.read_bytes()
    assert data[:4] == b"\x7fELF" and data[18] == 190  # e_machine EM_CUDA


def test_refusals_are_located(kilnd, kernels):
    out = kilnctl("compile", f"{kernels}:returns", "--sig", "float32(float32[:])", "--target", "cuda:sm_80",
                  "--emit=ptx", check=False)
    assert out.returncode != 0
    err = out.stderr.decode()
    assert "UnsupportedError" in err and "a GPU kernel must return None, not 'float32'" in err
    assert 'kernels.py", line 12, in returns' in err  # def returns(a)
    out = kilnctl("compile", f"{kernels}:vec_add", "--sig", SIG, "--target", "cuda:sm_70", "--emit=ptx",
                  check=False)
    assert out.returncode != 0 and "'sm_70' is not a recognized processor" in out.stderr.decode()
    out = kilnctl("compile", f"{kernels}:vec_add", "--sig", SIG, "--emit=ptx", check=False)
    assert out.returncode != 0 and "needs the CUDA target" in out.stderr.decode()


def test_artifacts_are_cached_per_sm(kilnd):
    from kiln import _kiln
    from kiln.dispatcher import EMITS, jit

    def k(a, b):
        for i in range(a.shape[0]):
            a[i] = b[i] * 2.0

    disp = jit(k)
    args = ("array(float32, 1d, C)", "array(float32, 1d, C)")

    def compile_for(sm):
        r = _kiln.compile(disp.bundle(), args, "", 3, False, False, "python", EMITS["binary"], "",
                          "nvptx64-nvidia-cuda", sm)
        assert r["ok"], r
        return r

    first, again, other = compile_for("sm_80"), compile_for("sm_80"), compile_for("sm_86")
    assert again["cache_hit"] and again["shared_object"] == first["shared_object"]
    assert not other["cache_hit"] and other["cache_key"] != first["cache_key"]
    assert first["entry_symbol"] == "kiln_kernel"


# ---- the driver layer without a GPU ----------------------------------------


def driver():
    from kiln.cuda import _driver
    try:
        _driver._runtime()
    except OSError as e:
        pytest.fail(f"libkiln_cuda.so is not built (ninja kiln_runtime_cuda): {e}")
    return _driver


def test_a_missing_or_stub_libcuda_is_a_clean_error():
    d = driver()
    with pytest.raises(d.CudaUnavailable, match="cannot load the CUDA driver"):
        d.load("/nonexistent/libcuda.so.1")
    stub = os.path.join(CUDA_HOME, "lib64", "stubs", "libcuda.so")
    if os.path.exists(stub):
        with pytest.raises(d.CudaUnavailable, match="stub library|has no"):
            d.load(stub)
    # This machine has no GPU: kiln.cuda falls back to emulation, with the reason.
    if not d.available():
        assert d.unavailable_reason()
        assert d.default_arch() is None or os.environ.get("KILN_CUDA_ARCH")


def test_arch_for_compute_capabilities():
    d = driver()
    assert d.arch_for(8, 0) == "sm_80"
    assert d.arch_for(8, 6) == "sm_86"
    assert d.arch_for(8, 8) == "sm_87"
    assert d.arch_for(9, 0) == "sm_90"
    assert d.arch_for(10, 0) == "sm_90"  # Blackwell runs sm_90 PTX through the JIT
    assert d.arch_for(7, 0) is None       # below what CUDA 13 supports
    # The client's list is kilnd's (base/cuda_sms.def), the arch-specific
    # sm_90a included, which is only ever chosen by name.
    assert d.SUPPORTED_ARCHS[0] == "sm_75" and "sm_90a" in d.SUPPORTED_ARCHS
    assert all(d.arch_for(int(sm[3]), int(sm[4])) == sm for sm in d.SUPPORTED_ARCHS if not sm.endswith("a"))


def test_packing_table_matches_a_hand_computed_layout():
    d = driver()
    sig = d.Signature(["int8", "array(float64, 2d, C)", "int32", "bool", "float32", "complex64", "int16",
                       "uint64"])
    assert sig.spec == "i1A2i4b1f4c8i2u8"
    assert sig.offsets == [(0, 1), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 4), (52, 1), (56, 4),
                           (60, 4), (64, 4), (68, 2), (72, 8)]
    assert sig.nbytes == 80

    class Dev:  # a device array as the CUDA Array Interface describes it
        __cuda_array_interface__ = {"shape": (3, 4), "strides": None, "typestr": "<f8", "data": (0xABC000, False),
                                    "version": 3}

    buf = sig.pack((-2, Dev(), 7, True, 1.5, complex(2, -3), -9, 2**63))
    raw = bytes(buf)[:80]
    assert struct.unpack_from("<b", raw, 0)[0] == -2
    assert struct.unpack_from("<Q", raw, 8)[0] == 0xABC000
    assert struct.unpack_from("<4q", raw, 16) == (3, 4, 32, 8)  # shapes, then C strides in bytes
    assert struct.unpack_from("<i", raw, 48)[0] == 7
    assert raw[52] == 1
    assert struct.unpack_from("<f", raw, 56)[0] == 1.5
    assert struct.unpack_from("<2f", raw, 60) == (2.0, -3.0)
    assert struct.unpack_from("<h", raw, 68)[0] == -9
    assert struct.unpack_from("<Q", raw, 72)[0] == 2**63


def test_packing_tuples_and_three_arrays():
    d = driver()
    sig = d.Signature(["array(float32, 1d, C)"] * 3)
    assert sig.spec == "A1A1A1" and sig.nbytes == 72
    assert [o for o, _ in sig.offsets] == list(range(0, 72, 8))
    tup = d.Signature(["UniTuple(int64 x 3)", "Tuple(float32, int8)"])
    assert tup.spec == "(i8i8i8)(f4i1)"
    raw = bytes(tup.pack(((1, 2, 3), (0.5, 4))))
    assert struct.unpack_from("<3qfb", raw, 0) == (1, 2, 3, 0.5, 4)
    with pytest.raises(TypeError, match="cannot take an argument of type 'unicode_type'"):
        d.Signature(["unicode_type"])


# ---- the part-6 script without a GPU -----------------------------------------


def test_gpu_check_script_is_valid_bash_and_its_dry_run_works(kilnd, tmp_path):
    """scripts/gpu_check.sh needs a GPU; here: it parses, shellcheck (if
    installed) finds nothing, and its GPU_CHECK_DRY_RUN mode (bench
    --no-gpu: every benchmark kernel compiled to PTX and a cubin, checked by
    ptxas, its packing table built) passes."""
    script = os.path.join(ROOT, "scripts", "gpu_check.sh")
    subprocess.run(["bash", "-n", script], check=True)
    if shutil.which("shellcheck"):
        out = subprocess.run(["shellcheck", script], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR, "GPU_CHECK_DRY_RUN": "1", "OUT": str(tmp_path),
           "PYTHON": sys.executable}
    out = subprocess.run(["bash", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    import json
    report = json.loads((tmp_path / "bench_no_gpu.json").read_text())["no_gpu"]
    assert set(report) == {"0 arrays", "1 array", "4 arrays", "saxpy"}
    assert report["4 arrays"]["spec"] == "A1A1A1A1" and report["4 arrays"]["param_bytes"] == 96
    assert report["0 arrays"]["param_bytes"] == 0
    assert all(r["ptxas"] and r["artifact"] == "cubin" for r in report.values()), report
    # cudahost: the emulation's launch overhead (bench --emulation), per argument count.
    emul = json.loads((tmp_path / "bench_emulation.json").read_text())["emulation"]
    assert set(emul) == {"0 arrays", "1 array", "4 arrays"}
    assert all(0 < r["device_arrays_us"] < 1e4 and 0 < r["host_arrays_us"] < 1e4 for r in emul.values()), emul


# ---- every cuda_kernels conformance kernel through ptxas -----------------------

CORPUS = os.environ.get("KILN_CONFORMANCE", os.path.join(os.path.dirname(ROOT), "shared", "conformance"))


def _conformance_kernels():
    import importlib.util
    path = os.path.join(CORPUS, "cases", "cuda_kernels.py")
    if not os.path.exists(path):
        pytest.skip(f"no conformance corpus at {CORPUS} (set KILN_CONFORMANCE)")
    sys.path.insert(0, CORPUS)
    spec = importlib.util.spec_from_file_location("kiln_ptx_cuda_kernels", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_conformance_kernel_compiles_to_ptx_that_ptxas_accepts(kilnd, tmp_path):
    """issue 11 part 2: each kernel of the cuda_kernels category, bound as the
    conformance runner binds it (device functions with cuda.jit(device=True)),
    compiled by kilnd for sm_80 with the argument types of its first argument
    set, is PTX the toolkit's ptxas -arch=sm_80 assembles."""
    from kiln import _kiln, cuda
    from kiln.cuda import _driver
    mod = _conformance_kernels()
    mod.cuda = cuda
    plain = dict(mod.__dict__)
    failures, done = [], 0
    for case in mod.CASES:
        for u in case.uses:
            mod.__dict__[u] = cuda.jit(device=True)(plain[u])
        kernel = cuda.jit(plain[case.fn.__name__])
        spec = case.args[0] if isinstance(case.args, list) else case.args
        args = spec() if callable(spec) else spec
        args = args if isinstance(args, tuple) else (args,)
        types = [_kiln.typeof(a) for a in args]
        try:
            ptx = _driver.compile_kernel(kernel, types, "sm_80", "ptx")["text"]
            assemble(ptx, tmp_path)
            done += 1
        except (Exception, AssertionError) as e:  # noqa: BLE001 - listed below
            failures.append(f"{case.name}{tuple(types)}: {type(e).__name__}: {str(e)[:300]}")
    assert not failures, "\n".join(failures)
    assert done == len(mod.CASES) >= 20


def test_cuda_array_interface_types():
    """What a device launch compiles for a CUDA Array Interface object
    (CuPy, Torch, _driver.DeviceArray): the Kiln spelling of its layout."""
    d = driver()
    cai = {"shape": (4, 3), "strides": None, "typestr": "<f4", "data": (1, False), "version": 3}
    assert d._array_type(cai) == "array(float32, 2d, C)"
    assert d._array_type({**cai, "strides": (12, 4)}) == "array(float32, 2d, C)"
    assert d._array_type({**cai, "strides": (4, 16)}) == "array(float32, 2d, F)"
    assert d._array_type({**cai, "strides": (24, 8)}) == "array(float32, 2d, A)"
    assert d._array_type({**cai, "typestr": "<i8", "data": (1, True)}) == "readonly array(int64, 2d, C)"
    # kiln's own typeof agrees on NumPy arrays of those layouts.
    import numpy as np
    from kiln import _kiln
    assert _kiln.typeof(np.zeros((4, 3), np.float32)) == d._array_type(cai)
    assert _kiln.typeof(np.zeros((4, 3), np.float32, order="F")) == "array(float32, 2d, F)"


def test_in_place_array_stores_compile_for_a_kernel(kilnd, tmp_path):
    # An in-place store checks its inputs for overlap (mustBuffer); a kernel
    # cannot allocate the copy, so there the overlap raises at run time and
    # the store itself allocates nothing: it compiles, and ptxas accepts it.
    path = tmp_path / "inplace.py"
    path.write_text(textwrap.dedent("""
        def add(a, b):
            a += b

        def store(a, b):
            a[:] = b

        def fused(a, b):
            a += b * 2.0 + b

        def shift(a, b):
            a[1:] += a[:-1]
    """))
    for name in ("add", "store", "fused", "shift"):
        out = kilnctl("compile", f"{path}:{name}", "--sig", "void(float32[:], float32[:])", "--target", "cuda:sm_80",
                      "--emit=ptx")
        text = out.stdout.decode()
        assert ".visible .entry kiln_kernel(" in text, name
        assemble(text, tmp_path)
