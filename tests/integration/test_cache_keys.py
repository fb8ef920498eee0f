"""Cache keys that are right, and target tiers that share (issue 10, part 1).

The cache key is everything that decides the compiled code (docs/cache.md,
"What is in the key"). Each test runs a real kilnd with a fresh cache folder
and clients in their own processes, on modules written to a temporary folder
and imported fresh, as a user editing files would. A recompile and a hit are
told apart by the server's `compiles` counter (GetStats); every answer is
compared with CPython's.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR, ROOT, KilndProcess

np = pytest.importorskip("numpy")

# A client process: imports MODULE from the folder, calls FUNC(*ARGS) compiled
# and as plain Python, prints both (a FUNC that is not jitted: its answer).
DRIVER = textwrap.dedent("""
    import importlib, json, sys
    folder, module, func, args = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    sys.path.insert(0, folder)
    f = getattr(importlib.import_module(module), func)
    def plain(v):
        return v.tolist() if hasattr(v, "tolist") else v
    got = plain(f(*args))
    # A plain Python driver function (it calls jitted ones): the test checks its answer.
    print(json.dumps({"got": got, "want": plain(f.py_func(*args)) if hasattr(f, "py_func") else got}))
""")


def _env(server, **extra):
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": server.target,
           # Python's own .pyc check is by mtime and size: an edit within the
           # same second that keeps the size would run the old bytecode.
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("KILN_TARGET_TIER", None)
    env.pop("KILN_TEST_HOST_FEATURES", None)
    env.update(extra)
    return env


class Project:
    """A folder of modules, a kilnd of its own (fresh cache), and a way to
    run a function from a fresh process."""

    def __init__(self, kilnd_binary, tmp_path):
        self.dir = tmp_path / "project"
        self.dir.mkdir()
        (tmp_path / "srv").mkdir()
        self.server = KilndProcess(kilnd_binary, str(tmp_path / "srv"))
        self.driver = tmp_path / "driver.py"
        self.driver.write_text(DRIVER)

    def write(self, name, source):
        (self.dir / name).write_text(textwrap.dedent(source))

    def edit(self, name, old, new):
        path = self.dir / name
        text = path.read_text()
        assert old in text, (old, text)
        path.write_text(text.replace(old, new, 1))

    def compiles(self):
        return server_stats(self.server)["compiles"]

    def call(self, module, func, *args, env=None):
        """(answer, compiles this call caused); the answer is checked against CPython's."""
        before = self.compiles()
        out = subprocess.run([sys.executable, str(self.driver), str(self.dir), module, func, json.dumps(args)],
                             capture_output=True, text=True, timeout=300, env=_env(self.server, **(env or {})))
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert result["got"] == pytest.approx(result["want"]), result
        return result["got"], self.compiles() - before


def built_in_fresh_process(project, module, func, *args):
    """(answer, compiles that built code, cache hits) of one fresh process
    calling module.func(*args) against the project's server."""
    before = server_stats(project.server)
    got, _ = project.call(module, func, *args)
    after = server_stats(project.server)
    built = (after["compiles"] - after["compile_errors"]) - (before["compiles"] - before["compile_errors"])
    return got, built, after["cache_hits"] - before["cache_hits"]


def server_stats(server):
    from kiln import _kiln
    old = os.environ.get("KILN_SERVER")
    os.environ["KILN_SERVER"] = server.target
    try:
        return _kiln.server_stats(False)
    finally:
        if old is None:
            del os.environ["KILN_SERVER"]
        else:
            os.environ["KILN_SERVER"] = old


@pytest.fixture
def project(kilnd_binary, tmp_path):
    p = Project(kilnd_binary, tmp_path)
    yield p
    p.server.stop()


# -- what the bundle holds ------------------------------------------------------


def test_editing_a_callee_in_another_module_recompiles_the_caller(project):
    # numba#1833: Numba's cache keys a function by its own file only.
    project.write("helpers.py", """
        from kiln import jit

        @jit
        def scale(x):
            return x * 2.0
    """)
    project.write("app.py", """
        from kiln import jit
        from helpers import scale

        @jit
        def f(x):
            return scale(x) + 1.0
    """)
    # Two compiles a run: f, and scale itself (f.py_func, for CPython's
    # answer, calls the jitted scale).
    assert project.call("app", "f", 3.0) == (7.0, 2)
    assert project.call("app", "f", 3.0) == (7.0, 0)  # a fresh process: a hit
    project.edit("helpers.py", "x * 2.0", "x * 5.0")
    assert project.call("app", "f", 3.0) == (16.0, 2)
    project.edit("helpers.py", "x * 5.0", "x * 2.0")  # back as it was: the first entries again
    assert project.call("app", "f", 3.0) == (7.0, 0)


def test_a_callee_reached_through_its_module_recompiles_the_caller(project):
    # `import helpers; helpers.scale(x)`: the callee travels in the bundle too.
    project.write("helpers.py", """
        from kiln import jit

        @jit
        def scale(x):
            return x * 2.0
    """)
    project.write("app.py", """
        import helpers
        from kiln import jit

        @jit
        def f(x):
            return helpers.scale(x) + 1.0
    """)
    assert project.call("app", "f", 3.0) == (7.0, 2)
    assert project.call("app", "f", 3.0) == (7.0, 0)
    project.edit("helpers.py", "x * 2.0", "x * 5.0")
    assert project.call("app", "f", 3.0) == (16.0, 2)
    # pysub3: a plain constant read through a user module is frozen into the
    # bundle, so an edit to it is a new key, never a stale value.
    project.edit("helpers.py", "@jit", "K = 2.0\n\n\n@jit")
    project.edit("app.py", "helpers.scale(x) + 1.0", "helpers.scale(x) + helpers.K")
    got, compiles = project.call("app", "f", 3.0)
    assert got == 17.0 and compiles > 0
    project.edit("helpers.py", "K = 2.0", "K = 4.0")
    got, compiles = project.call("app", "f", 3.0)
    assert got == 19.0 and compiles > 0
    # Anything else read through a user module is refused, not frozen stale.
    project.edit("helpers.py", "K = 4.0", "K = [4.0]")
    out = subprocess.run([sys.executable, str(project.driver), str(project.dir), "app", "f", "[3.0]"],
                         capture_output=True, text=True, timeout=300, env=_env(project.server))
    assert out.returncode != 0 and "UnsupportedError: 'helpers.K' is not supported" in out.stderr, out.stderr


APP = """
    from kiln import jit

    @jit
    def f(x):
        return x * 2.0 + 1.0  # the answer

    def g(y):
        return y - 1
"""


def test_unrelated_edits_elsewhere_in_the_file_do_not_recompile(project):
    project.write("app.py", APP)
    assert project.call("app", "f", 2.0) == (5.0, 1)
    edits = [
        ("return y - 1", "return y - 2"),                      # another function, below
        ("def g(y):", "def g(y):  # a comment"),               # a comment on a line of its own function
        ("# the answer", "# the answer, twice"),               # a comment inside f itself
        ("return y - 2\n", "return y - 2\n\n\ndef h():\n    return 3\n"),  # a new function below
        ("return 3\n", "return 3\n# the end\n\n"),             # comments and blank lines at the end
    ]
    for old, new in edits:
        project.edit("app.py", old, new)
        assert project.call("app", "f", 2.0) == (5.0, 0), (old, new)


def test_a_line_shift_recompiles_and_errors_name_the_new_line(project):
    # Line numbers are in the key on purpose: compiled code reports them (an
    # exception raised in it names its line), so code cached for the old
    # lines would name the wrong one. Only the shifted functions (and their
    # callers) recompile; see docs/cache.md.
    project.write("app.py", """
        from kiln import jit

        @jit
        def f(x):
            if x < 0.0:
                raise ValueError("negative")
            return x * 2.0
    """)
    check = textwrap.dedent("""
        import sys, traceback
        sys.path.insert(0, sys.argv[1])
        from app import f
        try:
            f(-1.0)
        except ValueError:
            print([fr.lineno for fr in traceback.extract_tb(sys.exc_info()[2]) if fr.filename.endswith("app.py")][-1])
    """)

    def raising_line():
        before = project.compiles()
        out = subprocess.run([sys.executable, "-c", check, str(project.dir)], capture_output=True, text=True,
                             timeout=300, env=_env(project.server))
        assert out.returncode == 0, out.stderr
        return int(out.stdout.strip().splitlines()[-1]), project.compiles() - before

    first_line, compiled = raising_line()
    assert compiled == 1
    source = (project.dir / "app.py").read_text().splitlines()
    assert "raise ValueError" in source[first_line - 1], (first_line, source)
    assert raising_line() == (first_line, 0)
    project.edit("app.py", "from kiln import jit\n", "from kiln import jit\n\n\n")  # two blank lines above f
    assert raising_line() == (first_line + 2, 1)


def test_changed_global_constant_or_array_recompiles(project):
    project.write("app.py", """
        import numpy as np
        from kiln import jit

        K = 3
        TABLE = np.array([1.0, 2.0, 4.0])

        @jit
        def f(i):
            return TABLE[i] * K
    """)
    assert project.call("app", "f", 2) == (12.0, 1)
    project.edit("app.py", "K = 3", "K = 5")
    assert project.call("app", "f", 2) == (20.0, 1)
    project.edit("app.py", "4.0])", "8.0])")
    assert project.call("app", "f", 2) == (40.0, 1)
    project.edit("app.py", "np.array([1.0, 2.0, 8.0])", "np.array([1.0, 2.0, 8.0], dtype=np.float32)")
    assert project.call("app", "f", 2) == (40.0, 1)  # same values, another dtype: other code
    project.edit("app.py", ", dtype=np.float32", "")  # back: the earlier entry
    assert project.call("app", "f", 2) == (40.0, 0)


def test_changed_default_argument_recompiles(project):
    project.write("app.py", """
        from kiln import jit

        @jit
        def f(x, k=2):
            return x * k
    """)
    assert project.call("app", "f", 4) == (8, 1)
    project.edit("app.py", "k=2", "k=3")
    assert project.call("app", "f", 4) == (12, 1)
    project.edit("app.py", "k=3", "k=3.5")
    assert project.call("app", "f", 4) == (14.0, 1)


def test_closure_factory_with_equal_captures_compiles_once(project):
    # numba#6264: Numba never caches closures. Kiln freezes the captured
    # values into the bundle: equal values share one entry, in this process
    # and in the next.
    project.write("app.py", """
        from kiln import jit

        def make(k):
            @jit
            def add(x):
                return x + k
            return add

        def use(a, b, x):
            return make(a)(x) + make(b)(x)
    """)
    script = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, sys.argv[1])
        from app import make
        print(json.dumps([make(k)(10) for k in json.loads(sys.argv[2])]))
    """)

    def run(ks):
        before = project.compiles()
        out = subprocess.run([sys.executable, "-c", script, str(project.dir), json.dumps(ks)], capture_output=True,
                             text=True, timeout=300, env=_env(project.server))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout), project.compiles() - before

    assert run([2, 2]) == ([12, 12], 1)
    assert run([2, 3]) == ([12, 13], 1)  # 2 is cached; 3 is new
    assert run([3, 2, 2.5]) == ([13, 12, 12.5], 1)  # 2.5 == 2.5 but not 2: another type


def test_a_local_exception_class_keys_the_same_in_every_process(project):
    # A class defined inside a function has no importable name; it used to
    # travel with its id(), so every new process compiled anew.
    project.write("app.py", """
        from kiln import jit

        def make():
            class Negative(ValueError):
                pass

            @jit
            def f(x):
                if x < 0:
                    raise Negative("negative")
                return x * 2

            return f, Negative

        f, Negative = make()
        g, Other = make()

        def check(x):
            try:
                f(x)
            except Negative:
                pass
            try:
                g(x)
            except Other:
                return g(-x)
            return f(x)
    """)
    assert project.call("app", "check", -3) == (6, 2)  # two classes of one name: two keys, each raises its own
    assert project.call("app", "check", -3) == (6, 0)
    assert project.call("app", "check", 4) == (8, 0)


def test_editing_a_library_function_recompiles_what_uses_it(project, tmp_path):
    # The library (client/python/kiln/library) travels in the bundle like
    # user code: a copy of the package with one library function edited.
    package = tmp_path / "client"
    shutil.copytree(os.path.join(PYTHON_DIR, "kiln"), package / "kiln",
                    ignore=shutil.ignore_patterns("bin", "__pycache__"))
    project.write("app.py", """
        import math
        from kiln import jit

        @jit
        def f(a, b):
            return math.gcd(a, b)
    """)
    env = {"PYTHONPATH": str(package)}
    assert project.call("app", "f", 12, 18, env=env) == (6, 1)
    assert project.call("app", "f", 12, 18, env=env) == (6, 0)
    library = package / "kiln" / "library" / "math_functions.py"
    text = library.read_text()
    assert "    a = abs(a)\n    b = abs(b)\n" in text
    library.write_text(text.replace("    a = abs(a)\n    b = abs(b)\n", "    b = abs(b)\n    a = abs(a)\n", 1))
    assert project.call("app", "f", 12, 18, env=env) == (6, 1)


# -- many writers ---------------------------------------------------------------

WRITER = textwrap.dedent("""
    import json, sys
    from kiln import jit
    n = int(sys.argv[1])
    src = "".join(f"def f{i}(x):\\n    return x * {i + 2} + {i}\\n" for i in range(n))
    ns = {}
    exec(compile(src, "shared_functions.py", "exec"), ns)
    print(json.dumps([[jit(ns[f"f{i}"])(i + 0.5), ns[f"f{i}"](i + 0.5)] for i in range(n)]))
""")


def test_concurrent_writers_never_corrupt(tmp_path):
    # numba#4807: processes that compile the same keys at once through one
    # cache folder (here, each auto-starting the embedded server in the same
    # XDG_CACHE_HOME, as separate users' notebooks would) get right answers,
    # compile each key once, and leave a cache that verifies clean and serves
    # every key afterwards.
    from conftest import find_kilnd
    kilnd = find_kilnd()
    if kilnd is None:
        pytest.skip("no kilnd built")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    cache = tmp_path / "xdg"
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR, "XDG_CACHE_HOME": str(cache), "KILN_KILND": kilnd}
    env.pop("KILN_SERVER", None)
    n, writers = 12, 4

    def run_all():
        procs = [subprocess.Popen([sys.executable, str(script), str(n)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env) for _ in range(writers)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            pairs = json.loads(out)
            assert len(pairs) == n and all(got == want for got, want in pairs), pairs

    def embedded(*args):
        code = f"import json, kiln._kiln as k; print(json.dumps(k.{args[0]}))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    try:
        run_all()
        stats = embedded("server_stats(False)")
        assert stats["compiles"] == n, stats  # single flight: once per key across the four processes
        assert stats["corrupt_values"] == 0, stats
    finally:
        subprocess.run([sys.executable, os.path.join(ROOT, "client", "python", "bin", "kilnctl"), "stop"],
                       capture_output=True, timeout=60, env=env)
    kilnctl = os.path.join(ROOT, "client", "python", "bin", "kilnctl")
    out = subprocess.run([sys.executable, kilnctl, "cache", "verify", "--json"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["clean"] and report["values"] >= n, report
    try:
        run_all()  # a new server on the same folder: every key is a hit
        stats = embedded("server_stats(False)")
        assert stats["compiles"] == 0 and stats["cache_hits"] >= n, stats
    finally:
        subprocess.run([sys.executable, kilnctl, "stop"], capture_output=True, timeout=60, env=env)


# -- target tiers ---------------------------------------------------------------

V3 = "sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf,avx,avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave"
V4 = V3 + ",avx512f,avx512bw,avx512cd,avx512dq,avx512vl"


def _key(tier, features=None, kind="binary"):
    """The cache key of one compile of `scale`, made by a client whose CPU
    has `features` (None: this CPU); the code is not loaded."""
    from kiln import _kiln, jit
    from kiln.dispatcher import EMITS

    def scale(x):
        return x * 2.5

    old = os.environ.get("KILN_TEST_HOST_FEATURES")
    if features is not None:
        os.environ["KILN_TEST_HOST_FEATURES"] = features
    try:
        reply = _kiln.compile(jit(scale).bundle(), ("float64",), "", 3, False, False, "python", EMITS[kind], tier)
    finally:
        if old is None:
            os.environ.pop("KILN_TEST_HOST_FEATURES", None)
        else:
            os.environ["KILN_TEST_HOST_FEATURES"] = old
    assert reply["ok"], reply
    return reply["cache_key"], reply["cache_hit"]


def test_two_tiers_give_two_keys_one_tier_on_two_hosts_gives_one(private_kilnd):
    v2, hit = _key("x86-64-v2", V3)
    assert not hit
    v3, hit = _key("x86-64-v3", V3)
    assert not hit and v3 != v2
    # Another host of the same level (this one has more: AVX-512, AES): the
    # same key, served from the cache.
    assert _key("x86-64-v3", V4 + ",aes,pclmul") == (v3, True)
    assert _key("best", V3) == (v3, True)
    # The exact-host tier keys on every feature: two hosts, two keys (and a
    # host with exactly a level's features sends that level's target).
    assert _key("host", V3) == (v3, True)
    host_a, _ = _key("host", V3 + ",aes")
    host_b, _ = _key("host", V3 + ",aes,avx512f")
    assert host_a != host_b and host_a not in (v2, v3)
    assert server_stats(private_kilnd)["compiles"] == 4


def test_a_tier_this_cpu_cannot_run_is_refused_before_loading(private_kilnd, monkeypatch):
    from kiln import jit
    from kiln.errors import UnsupportedTargetError
    monkeypatch.setenv("KILN_TEST_HOST_FEATURES", V3)  # a CPU without AVX-512

    def f(x):
        return x + 1.0

    with pytest.raises(UnsupportedTargetError, match=r"target tier 'x86-64-v4': it lacks avx512bw, avx512cd, avx512dq, avx512f, avx512vl"):
        jit(target_tier="x86-64-v4")(f)(1.0)
    monkeypatch.setenv("KILN_TARGET_TIER", "x86-64-v4")
    with pytest.raises(UnsupportedTargetError, match="x86-64-v4"):
        jit(f)(1.0)
    assert server_stats(private_kilnd)["compiles"] == 0  # refused before asking the server
    # Text of code for another CPU is fine to look at: nothing is loaded.
    assert "vaddsd" in jit(target_tier="x86-64-v4")(f).emit("asm", ("float64",))
    monkeypatch.setenv("KILN_TARGET_TIER", "best")
    assert jit(f)(1.0) == 2.0


def test_every_tier_this_cpu_runs_gives_right_answers(private_kilnd):
    from kiln import _kiln, jit

    def dot(a, b):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i] * b[i]
        return s

    a, b = np.arange(100.0), np.linspace(0.0, 1.0, 100)
    order = ["x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"]
    best = _kiln.best_tier()
    for tier in ["host", "best"] + order[:order.index(best) + 1]:
        assert jit(target_tier=tier)(dot)(a, b) == pytest.approx(dot(a, b)), tier
    for tier in order[order.index(best) + 1:]:
        assert not _kiln.target_for_tier(tier)["runs_here"]


def test_tier_options_and_their_errors(private_kilnd, monkeypatch):
    import kiln
    from kiln import _kiln, jit

    def f(x):
        return x * 3

    with pytest.raises(ValueError, match="'haswell' is not a target tier: expected one of host, x86-64, x86-64-v2"):
        jit(target_tier="haswell")(f)
    monkeypatch.setenv("KILN_TARGET_TIER", "x86-64-v9")
    with pytest.raises(ValueError, match="KILN_TARGET_TIER: 'x86-64-v9' is not a target tier"):
        jit(f)(2)
    monkeypatch.delenv("KILN_TARGET_TIER")
    assert _kiln.target_for_tier("x86-64-v2") == {
        "triple": "x86_64-unknown-linux-gnu", "cpu": "x86-64", "runs_here": True, "why_not": "",
        "features": ["+cx16", "+popcnt", "+sahf", "+sse3", "+sse4.1", "+sse4.2", "+ssse3"]}
    assert _kiln.target_for_tier("") == _kiln.target_for_tier("best")  # the default
    # kiln.config.TARGET_TIER, under the jit option and over the environment.
    monkeypatch.setattr(kiln.config, "TARGET_TIER", "x86-64-v2")
    monkeypatch.setenv("KILN_TARGET_TIER", "x86-64-v9")
    assert jit(f)(2) == 6
    assert jit(target_tier="x86-64")(f)(2) == 6
    monkeypatch.setattr(kiln.config, "TARGET_TIER", None)
    monkeypatch.delenv("KILN_TARGET_TIER")
    assert jit(f)(2) == 6
    assert jit(target_tier="best")(f)(2) == 6  # the default: the same key
    assert server_stats(private_kilnd)["compiles"] == 3  # v2, x86-64, best: three keys
