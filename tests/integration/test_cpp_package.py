"""packages: the bundle file (f.export, kilnctl export) and the C++ package.

The C++ test installs the package with `cmake --install` into a temporary
prefix, exports examples/cpp/kernels.py with kilnctl, builds examples/cpp
against the prefix with find_package(kiln), runs it on the test's kilnd and
checks its numbers against Python's.
"""

import math
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR, ROOT

KILNCTL = os.path.join(PYTHON_DIR, "bin", "kilnctl")


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def test_export_writes_a_checked_bundle_file(kilnd, tmp_path):
    from kiln import export, jit

    @jit("float64(float64, float64)", fastmath=True)
    def hyp(a, b):
        return math.sqrt(a * a + b * b)

    path = tmp_path / "hyp.kiln"
    hyp.export(path)
    [entry] = export.read(path)
    assert entry["name"] == "hyp"
    assert entry["bundle_hash"] == hyp.bundle().hex  # the bytes Python sends: C++ shares the cache
    # as compiled (NEP 50: a declared float64 argument is a NumPy scalar), so C++ compiles the same entry
    assert entry["signatures"] == ["float64(np.float64, np.float64)"]
    assert entry["writer"].startswith("kiln ")

    data = path.read_bytes()
    assert data[:8] == b"KILNBNDL" and int.from_bytes(data[8:12], "little") == 1
    assert int.from_bytes(data[16:24], "little") == len(data) - 56

    damaged = tmp_path / "damaged.kiln"
    damaged.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ValueError, match="damaged: the payload's SHA-256"):
        export.read(damaged)
    truncated = tmp_path / "truncated.kiln"
    truncated.write_bytes(data[:-3])
    with pytest.raises(ValueError, match="damaged: its header says"):
        export.read(truncated)
    newer = tmp_path / "newer.kiln"
    newer.write_bytes(data[:8] + (2).to_bytes(4, "little") + data[12:])
    with pytest.raises(ValueError, match="format version 2"):
        export.read(newer)
    other = tmp_path / "other.kiln"
    other.write_bytes(b"\x7fELF" + data[4:])
    with pytest.raises(ValueError, match="not a kiln bundle file"):
        export.read(other)
    with pytest.raises(FileNotFoundError):
        export.read(tmp_path / "missing.kiln")


def test_export_refuses_two_functions_of_one_name(tmp_path):
    from kiln import export, jit

    def f(x):
        return x

    with pytest.raises(ValueError, match="two exported functions are named 'f'"):
        export.write(tmp_path / "f.kiln", [jit(f), jit(f)])
    with pytest.raises(TypeError, match="decorated with kiln.jit"):
        export.write(tmp_path / "f.kiln", [f])


def test_kilnctl_export(kilnd, tmp_path):
    out = tmp_path / "k.kiln"
    r = subprocess.run([sys.executable, KILNCTL, "export", f"{ROOT}/examples/cpp/kernels.py:hypot,norm", "-o",
                        str(out), "--sig", "hypot=float64(float64, float64)"],
                       capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert "hypot: bundle" in r.stdout and "float64(np.float64, np.float64)" in r.stdout  # as compiled (NEP 50)
    from kiln import export
    assert [e["name"] for e in export.read(out)] == ["hypot", "norm"]
    # A signature that does not compile fails here, not later in C++.
    r = subprocess.run([sys.executable, KILNCTL, "export", f"{ROOT}/examples/cpp/kernels.py:hypot", "-o",
                        str(tmp_path / "bad.kiln"), "--sig", "float64(float64)"],
                       capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode != 0 and "TypingError" in r.stderr
    assert not (tmp_path / "bad.kiln").exists()


def _build_dir():
    build = os.environ.get("KILN_BUILD", os.path.join(ROOT, "build"))
    if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
        pytest.skip(f"no configured build in {build} (bash scripts/build.sh)")
    return build


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """The package, installed by `cmake --install build --prefix P`."""
    build = _build_dir()
    if shutil.which("cmake") is None:
        pytest.skip("needs cmake")
    prefix = tmp_path_factory.mktemp("prefix")
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True, capture_output=True,
                   timeout=300)
    return prefix


def test_cpp_example_against_the_installed_package(kilnd, prefix, tmp_path):
    cmake = "cmake"
    for f in ("include/kiln/module.h", "include/kiln/runtime/kiln_abi.h", "include/kiln/v1/kiln.pb.h",
              "lib/libkiln_client.a", "lib/cmake/kiln/kilnConfig.cmake", "lib/cmake/kiln/kilnConfigVersion.cmake",
              "bin/kilnd"):
        assert (prefix / f).exists(), f

    bundle = tmp_path / "kernels.kiln"
    r = subprocess.run([sys.executable, KILNCTL, "export",
                        f"{ROOT}/examples/cpp/kernels.py:axpy,norm,hypot,fill_squares", "-o", str(bundle)],
                       capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr

    ex = tmp_path / "example"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    r = subprocess.run([cmake, "-S", f"{ROOT}/examples/cpp", "-B", str(ex), *generator,
                        f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([cmake, "--build", str(ex), "-j2"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr

    so, obj = tmp_path / "hypot.so", tmp_path / "hypot.o"
    r = subprocess.run([str(ex / "kiln_example"), str(bundle), str(so), str(obj)], capture_output=True, text=True,
                       env=_env(), timeout=120)  # KILN_SERVER: the test's kilnd
    assert r.returncode == 0, r.stdout + r.stderr
    lines = dict(line.split(" = ", 1) if " = " in line else line.split(":", 1)
                 for line in r.stdout.splitlines() if not line.startswith("wrote "))
    assert f"wrote {so}" in r.stdout and f"wrote {obj}" in r.stdout

    x, y = [1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]
    y = [yi + 0.5 * xi for xi, yi in zip(x, y)]
    assert float(lines["hypot(3, 4)"]) == math.hypot(3, 4)
    assert [float(v) for v in lines["axpy"].split()] == y
    assert float(lines["norm(y)"]) == pytest.approx(math.sqrt(sum(v * v for v in y)), rel=1e-15)
    assert [float(v) for v in lines["fill_squares(5)"].split()] == [0.0, 1.0, 4.0, 9.0, 16.0]
    assert lines["generic hypot(5, 12)"] == "13 (float64)"
    assert so.read_bytes()[:4] == b"\x7fELF"

    # The relocatable object, linked ahead of time into a C program with the
    # package's runtime: no server, no loader.
    obj_bytes = obj.read_bytes()
    assert obj_bytes[:4] == b"\x7fELF" and obj_bytes[16] == 1  # ET_REL
    (tmp_path / "aot.c").write_text(r'''
#include <stdio.h>
#include "kiln_abi.h"
int32_t kiln_entry(void* ret, void* const* args, KilnError* err);
int main(void) {
  double a = 8, b = 15, r = 0;
  void* args[] = {&a, &b};
  KilnError err = {0};
  int32_t rc = kiln_entry(&r, args, &err);
  printf("%d %.17g\n", (int)rc, r);
  return rc;
}
''')
    cc = shutil.which("cc") or pytest.skip("needs a C compiler")
    aot = tmp_path / "aot"
    subprocess.run([cc, "-o", str(aot), str(tmp_path / "aot.c"), str(obj), f"-I{prefix}/include/kiln/runtime",
                    f"{prefix}/lib/libkiln_runtime_cpu.a", "-lm"], check=True, timeout=120)
    r = subprocess.run([str(aot)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.split() == ["0", "17"], r.stdout + r.stderr


def test_cpp_errors_are_statuses(kilnd, prefix, tmp_path):
    """A C++ caller gets Python's exception as a status, and a signature that
    does not compile as the server's located diagnostic (a second small
    program built against the installed package)."""
    src = tmp_path / "errors"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.25)\nproject(errs LANGUAGES C CXX)\nfind_package(kiln REQUIRED)\n"
        "add_executable(errs main.cpp)\ntarget_link_libraries(errs PRIVATE kiln::client)\n")
    (src / "main.cpp").write_text(r'''
#include <cstdio>
#include "kiln/module.h"
int main(int argc, char** argv) {
  auto mod = kiln::Module::load(argv[1]);
  if (!mod.ok()) { std::printf("load: %s\n", std::string(mod.status().message()).c_str()); return 0; }
  auto div = mod->function<int64_t(int64_t, int64_t)>("div");
  if (!div.ok()) return 1;
  auto q = (*div)(7, 2);
  std::printf("7 // 2 = %lld\n", static_cast<long long>(*q));
  auto z = (*div)(1, 0);
  std::printf("1 // 0: %d %s\n", static_cast<int>(z.status().code()), std::string(z.status().message()).c_str());
  auto bad = mod->function<double(bool)>("bad");
  std::printf("bad: %d %s\n", static_cast<int>(bad.status().code()), std::string(bad.status().message()).c_str());
  auto missing = mod->function<double(double)>("nope");
  std::printf("missing: %s\n", std::string(missing.status().message()).c_str());
  return 0;
}
''')
    (src / "funcs.py").write_text("from kiln import jit\n\n@jit\ndef div(a, b):\n    return a // b\n\n\n"
                                  "@jit\ndef bad(a):\n    return a.nope\n")
    bundle = tmp_path / "funcs.kiln"
    r = subprocess.run([sys.executable, KILNCTL, "export", f"{src}/funcs.py:div,bad", "-o", str(bundle)],
                       capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    ex = tmp_path / "build"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    r = subprocess.run(["cmake", "-S", str(src), "-B", str(ex), *generator, f"-DCMAKE_PREFIX_PATH={prefix}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["cmake", "--build", str(ex)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(ex / "errs"), str(bundle)], capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "7 // 2 = 3" in out
    assert "1 // 0: 2 ZeroDivisionError: " in out and "funcs.py:5 in div" in out  # kUnknown
    assert "bad: 3 TypingError compiling bad(bool)" in out  # kInvalidArgument, located
    assert "missing: no function 'nope' in the bundle file (it has: div, bad)" in out
    r = subprocess.run([str(ex / "errs"), str(tmp_path / "absent.kiln")], capture_output=True, text=True)
    assert "load: cannot read bundle file" in r.stdout
