#!/usr/bin/env python3
"""Kiln against Numba, side by side, in one run.

    PYTHONPATH=client/python python3 bench/bench.py [--quick] [--only a,b,...] [--json FILE]

Sections (see bench/README.md for what each number means):
  a  `import kiln` vs `import numba`, each in a fresh process
  b  first call of a NEW function in a fresh process (warm kilnd, cache miss)
  c  first call in a fresh process of an already-cached function
  d  per-call dispatch overhead of `def f(x): return x`
  e  steady-state time of the conformance corpus' benchmark cases

kilnd comes from $KILN_KILND (default build/server/kilnd under the repository
root); the benchmark starts its own on a private socket and cache folder and
stops it at the end. Every measurement that says "fresh process" runs in its
own `python3` subprocess; only the parent orchestrates and prints.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
SECTIONS = "abcde"
E_CATEGORIES = "scalars,control_flow,integer_semantics,math_funcs,recursion,calls_between_jit"

# The functions timed by (b) and (c). `_salt = {salt}` is a dead store of a
# unique constant: it changes the code object (hence kiln's bundle hash) and
# nothing else, so each trial is a function no cache has seen. CPython keeps
# the store (it does no dead-store elimination), unlike a folded `0 * salt`.
FUNCTIONS = {
    "tiny": ("""
def tiny(x):
    _salt = {salt}
    return x * 2 + 1
""", [3]),
    "collatz_steps": ("""
def collatz_steps(n):
    _salt = {salt}
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
""", [27]),
    "poly": ("""
import math

def poly(x, k):
    _salt = {salt}
    s = 0.0
    for i in range(k):
        s += math.sin(x) ** i / (i + 1)
    return s
""", [0.5, 10]),
}

# Run in a fresh process: load the module from a file (untimed), then time
# decoration + the first call.
FIRST_CALL = r"""
import importlib.util, json, sys, time
impl, path, name, args, cache = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5] == "1"
if impl == "kiln":
    from kiln import jit
    make = jit
else:
    from numba import njit
    make = njit(cache=cache)
spec = importlib.util.spec_from_file_location("bench_fn_" + name, path)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod   # numba's cache pickles the module by name
spec.loader.exec_module(mod)
py = getattr(mod, name)
t0 = time.perf_counter()
f = make(py)
r = f(*args)
t1 = time.perf_counter()
print(json.dumps({"s": t1 - t0, "result": r}))
"""

DISPATCH = r"""
import json, sys, timeit
impl, number, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def f(x):
    return x
if impl == "kiln":
    from kiln import jit
    f = jit(f)
elif impl == "numba":
    from numba import njit
    f = njit(f)
assert f(1) == 1
best = min(timeit.repeat("f(1)", globals={"f": f}, number=number, repeat=repeat))
print(json.dumps({"ns": best / number * 1e9}))
"""

IMPORT = "import time; t=time.perf_counter(); import {mod}; print(time.perf_counter()-t)"


class Failed(Exception):
    pass


# One BLAS thread, unless the caller chose. Kiln calls NumPy's OpenBLAS and
# Numba SciPy's, and each starts a thread pool per CPU: on the shared 2-core
# machine their spinning made one 300x300 matmul take 1.6 to 40 ms from call
# to call, for either library. One thread each compares the same BLAS work,
# not the pools' luck.
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def pin_blas_threads(env):
    """BLAS_THREADS into `env` (a dict or os.environ) where not set."""
    for name, value in BLAS_THREADS.items():
        env.setdefault(name, value)
    return env


def child_env(server=None):
    """The parent's environment with client/python first on PYTHONPATH (made
    absolute, so children see the same packages whatever their cwd), and one
    BLAS thread (BLAS_THREADS)."""
    env = pin_blas_threads(os.environ.copy())
    paths = [os.path.join(REPO, "client", "python")]
    paths += [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if server:
        env["KILN_SERVER"] = server
    return env


def run_child(argv, env, timeout=120):
    """Run a Python child; return its last stdout line parsed as JSON (or a
    float). Raises Failed with the child's last stderr line."""
    try:
        p = subprocess.run([PY, *argv], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failed(f"timed out after {timeout} s") from None
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        err = [l for l in p.stderr.strip().splitlines() if l.strip()]
        why = err[-1] if err else f"exit status {p.returncode}"
        if p.returncode < 0:
            why = f"killed by signal {-p.returncode}; " + why
        raise Failed(why)
    return json.loads(lines[-1])


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_ms(s):
    return "n/a" if s is None else f"{s * 1e3:9.2f} ms"


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.3f}x"


# --------------------------------------------------------------------------
# kilnd
# --------------------------------------------------------------------------

class Server:
    """One kilnd for the whole benchmark, on a private socket and cache."""

    def __init__(self, workdir):
        self.error = None
        self.proc = None
        self.address = None
        path = os.environ.get("KILN_KILND") or os.path.join(REPO, "build", "server", "kilnd")
        if not os.path.isabs(path):
            path = os.path.join(REPO, path)
        self.kilnd = path
        if not os.access(path, os.X_OK):
            self.error = f"no kilnd at {path} (build it, or set KILN_KILND)"
            return
        sock = os.path.join(workdir, "kilnd.sock")
        cache = os.path.join(workdir, "kilnd-cache")
        os.makedirs(cache)
        self.log_path = os.path.join(workdir, "kilnd.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([path, "--socket", sock, "--cache-dir", cache],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.error = f"kilnd exited with status {self.proc.returncode}: {self.tail()}"
                return
            if os.path.exists(sock):
                try:
                    with socket.socket(socket.AF_UNIX) as s:
                        s.connect(sock)
                    self.address = f"unix:{sock}"
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        self.error = f"kilnd did not listen on {sock} within 20 s"

    def tail(self):
        try:
            with open(self.log_path, "rb") as fh:
                lines = fh.read().decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else "(no output)"
        except OSError:
            return "(no log)"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------

class Bench:
    def __init__(self, opts, workdir):
        self.opts = opts
        self.workdir = workdir
        self.trials = 3 if opts.quick else 5
        self.salt = int.from_bytes(os.urandom(5), "little") * 1000
        self.server = None
        self.kiln_error = None
        self.results = {}

    # -- helpers --

    def next_salt(self):
        self.salt += 1
        return self.salt

    def write_function(self, name, salt, folder=None):
        src, args = FUNCTIONS[name]
        folder = folder or self.workdir
        path = os.path.join(folder, f"{name}_{salt}.py")
        with open(path, "w") as fh:
            fh.write(src.format(salt=salt))
        return path, args

    def expected(self, name, args):
        ns = {}
        exec(FUNCTIONS[name][0].format(salt=0), ns)
        return ns[name](*args)

    def first_call(self, impl, path, name, args, cache=False, env=None):
        out = run_child(["-c", FIRST_CALL, impl, path, name, json.dumps(args), "1" if cache else "0"],
                        env or self.env(impl))
        want = self.expected(name, args)
        if not (out["result"] == want or (isinstance(want, float) and math.isclose(out["result"], want))):
            raise Failed(f"wrong result {out['result']!r}, expected {want!r}")
        return out["s"]

    def env(self, impl):
        if impl == "kiln":
            return child_env(self.server.address if self.server else None)
        return child_env()

    def kiln_ready(self):
        """Start kilnd once and warm it with one untimed compile; None when
        kiln can run, else why not."""
        if self.server is None and self.kiln_error is None:
            try:
                run_child(["-c", "import kiln; print(1)"], child_env(), timeout=60)
            except Failed as e:
                self.kiln_error = f"import kiln failed: {e}"
                return self.kiln_error
            self.server = Server(self.workdir)
            if self.server.error:
                self.kiln_error = self.server.error
                return self.kiln_error
            path, args = self.write_function("tiny", self.next_salt())
            try:
                self.first_call("kiln", path, "tiny", args)
            except Failed as e:
                self.kiln_error = f"warm-up compile failed: {e}"
        return self.kiln_error

    def trial(self, impl, fn):
        """fn() -> seconds, or the error as a string."""
        if impl == "kiln":
            if self.kiln_ready():
                return self.kiln_error
            if not self.server.alive():
                return f"kilnd died: {self.server.tail()}"
        try:
            return fn()
        except Failed as e:
            return str(e)

    def server_stats(self):
        """kilnd's counters (hits, misses, compiles), or None without kiln."""
        if self.server is None or not self.server.address:
            return None
        try:
            return run_child(["-c", "import json, kiln; print(json.dumps(kiln._kiln.server_stats(False)))"],
                             self.env("kiln"), timeout=30)
        except Failed:
            return None

    def cache_check(self, before, section, expect):
        """Print and record kilnd's cache hits/misses during a section: the
        proof that (b) missed and (c) hit."""
        after = self.server_stats()
        if before is None or after is None:
            return
        d = {k: after[k] - before[k] for k in ("cache_hits", "cache_misses", "compiles")}
        self.results[f"{section}_kilnd"] = d
        print(f"  kilnd during this section: {d['cache_misses']} misses, {d['cache_hits']} hits, "
              f"{d['compiles']} compiles (expected: {expect})")

    @staticmethod
    def summarize(samples):
        times = [s for s in samples if isinstance(s, float)]
        errors = [s for s in samples if not isinstance(s, float)]
        return {"median_s": median(times) if len(times) == len(samples) else None,
                "samples_s": times, "error": errors[0] if errors else None}

    # -- (a) --

    def section_a(self):
        print(f"\n(a) import time, fresh process, median of {self.trials}")
        res = {}
        for mod in ("kiln", "numba"):
            samples = [self.trial_import(mod) for _ in range(self.trials)]
            res[mod] = self.summarize(samples)
        self.results["a"] = res
        print(f"  {'import kiln':<14} {fmt_ms(res['kiln']['median_s'])}  {res['kiln']['error'] or ''}")
        print(f"  {'import numba':<14} {fmt_ms(res['numba']['median_s'])}  {res['numba']['error'] or ''}")
        print(f"  kiln/numba     {fmt_ratio(res['kiln']['median_s'], res['numba']['median_s'])}")

    def trial_import(self, mod):
        try:
            return float(run_child(["-c", IMPORT.format(mod=mod)], child_env()))
        except Failed as e:
            return str(e)

    # -- (b) --

    def section_b(self):
        print(f"\n(b) first call of a NEW function, fresh process, warm kilnd, cache miss "
              f"(decoration + first call), median of {self.trials}")
        res = {}
        before = self.server_stats() if not self.kiln_ready() else None
        for name in FUNCTIONS:
            samples = {"kiln": [], "numba": []}
            for _ in range(self.trials):   # interleaved, so load drift hits both
                for impl in samples:
                    path, args = self.write_function(name, self.next_salt())
                    samples[impl].append(self.trial(impl, lambda: self.first_call(impl, path, name, args)))
            res[name] = {impl: self.summarize(s) for impl, s in samples.items()}
        self.print_pairs(res)
        self.cache_check(before, "b", "every kiln trial a miss")
        self.results["b"] = res

    # -- (c) --

    def section_c(self):
        print(f"\n(c) first call in a fresh process of an already-cached function "
              f"(kiln: kilnd cache hit; numba: njit(cache=True) hit), median of {self.trials}")
        res = {}
        before = self.server_stats() if not self.kiln_ready() else None
        for name in FUNCTIONS:
            res[name] = {}
            for impl in ("kiln", "numba"):
                folder = tempfile.mkdtemp(prefix=f"c-{impl}-", dir=self.workdir)
                path, args = self.write_function(name, self.next_salt(), folder)
                env = self.env(impl)
                env["NUMBA_CACHE_DIR"] = os.path.join(folder, "numba-cache")
                run = lambda: self.first_call(impl, path, name, args, cache=True, env=env)
                fill = self.trial(impl, run)           # the first process fills the cache
                if isinstance(fill, str):
                    samples = [fill]
                else:
                    samples = [self.trial(impl, run) for _ in range(self.trials)]
                res[name][impl] = self.summarize(samples)
                res[name][impl]["fill_s"] = fill if isinstance(fill, float) else None
        self.print_pairs(res)
        self.cache_check(before, "c", "one miss per function, then hits")
        self.results["c"] = res

    def print_pairs(self, res):
        print(f"  {'function':<15} {'kiln':>12} {'numba':>12} {'kiln/numba':>11}")
        for name, r in res.items():
            k, n = r["kiln"]["median_s"], r["numba"]["median_s"]
            print(f"  {name:<15} {fmt_ms(k):>12} {fmt_ms(n):>12} {fmt_ratio(k, n):>11}")
            for impl in ("kiln", "numba"):
                if r[impl]["error"]:
                    print(f"    {impl}: {r[impl]['error']}")

    # -- (d) --

    def section_d(self):
        number, repeat = (200_000, 3) if self.opts.quick else (1_000_000, 5)
        print(f"\n(d) per-call dispatch overhead of `def f(x): return x`, f(1), "
              f"timeit best of {repeat} x {number:,} calls")
        res = {}
        for impl in ("python", "kiln", "numba"):
            def run(impl=impl):
                return run_child(["-c", DISPATCH, impl, str(number), str(repeat)], self.env(impl))["ns"] * 1e-9
            s = self.trial(impl, run)
            res[impl] = {"ns": s * 1e9 if isinstance(s, float) else None,
                         "error": None if isinstance(s, float) else s}
        self.results["d"] = res
        for impl, r in res.items():
            v = "n/a" if r["ns"] is None else f"{r['ns']:8.1f} ns/call"
            print(f"  {impl:<8} {v:>16}  {r['error'] or ''}")

    # -- (e) --

    def section_e(self):
        corpus = os.environ.get("KILN_CONFORMANCE") or os.path.join(os.path.dirname(REPO), "shared", "conformance")
        runner = os.path.join(corpus, "run.py")
        cats = self.opts.e_categories
        print(f"\n(e) steady state of the conformance benchmark cases ({cats})")
        res = {"cases": [], "geomean": None, "error": None}
        self.results["e"] = res
        if not os.path.exists(runner):
            res["error"] = f"no conformance runner at {runner} (set KILN_CONFORMANCE)"
            print(f"  skipped: {res['error']}")
            return
        # Without kiln, still time numba (as the runner's --jit) so the peer
        # half of the table is there.
        kiln_ok = not self.kiln_ready()
        jits = ["--jit", "kiln:jit", "--peer", "numba:njit"] if kiln_ok else ["--jit", "numba:njit"]
        if not kiln_ok:
            print(f"  kiln unavailable ({self.kiln_error}); timing numba only")
        out = os.path.join(self.workdir, "conformance.json")
        argv = [PY, runner, *jits, "--bench", "--only", cats, "--json", out, "--allow-fail"]
        if self.opts.quick:
            argv += ["--repeat", "2"]
        try:
            p = subprocess.run(argv, env=self.env("kiln"), capture_output=True, text=True, timeout=600)
            with open(out) as fh:
                records = json.load(fh)["cases"]
        except subprocess.TimeoutExpired:
            res["error"] = "run.py timed out after 600 s"
        except (OSError, ValueError) as e:
            res["error"] = f"run.py wrote no results ({type(e).__name__}: {e}); " \
                           f"{(p.stderr.strip().splitlines() or ['no stderr'])[-1]}"
        if res["error"]:
            print(f"  {res['error']}")
            return
        ratios = []
        print(f"  {'case':<36} {'kiln steady':>12} {'numba steady':>13} {'kiln/numba':>11}")
        for r in records:
            if not r.get("bench"):
                continue
            if kiln_ok:
                k = r["steady_s"] if r["status"] == "pass" else None
                n = r["peer_steady_s"] if r["peer_status"] == "pass" else None
                statuses = (("kiln", r["status"], r.get("error")), ("numba", r["peer_status"], r.get("peer_error")))
            else:
                k, n = None, r["steady_s"] if r["status"] == "pass" else None
                statuses = (("numba", r["status"], r.get("error")),)
            ratio = k / n if k and n else None
            if ratio:
                ratios.append(ratio)
            res["cases"].append({"id": r["id"], "kiln_steady_s": k, "numba_steady_s": n, "ratio": ratio,
                                 "status": {who: st for who, st, _ in statuses},
                                 "error": {who: err for who, st, err in statuses if st != "pass"}})
            print(f"  {r['id']:<36} {fmt_ms(k):>12} {fmt_ms(n):>13} {fmt_ratio(k, n):>11}")
            for who, st, err in statuses:
                if st != "pass":
                    print(f"    {who}: {st}: {err}")
        if ratios:
            res["geomean"] = math.exp(sum(map(math.log, ratios)) / len(ratios))
            print(f"  geometric mean kiln/numba: {res['geomean']:.3f}x over {len(ratios)} case(s)")
        if len(res["cases"]) < 3:
            print(f"  note: these categories hold {len(res['cases'])} benchmark case(s); "
                  f"--e-categories loops_heavy,reductions,... widens the set")
        res["runner_summary"] = (p.stdout.strip().splitlines() or [""])[-1]

    # -- summary --

    def summary(self):
        rows = []
        r = self.results
        if "b" in r:
            ratios = [v["kiln"]["median_s"] / v["numba"]["median_s"] for v in r["b"].values()
                      if v["kiln"]["median_s"] and v["numba"]["median_s"]]
            worst = max(ratios) if len(ratios) == len(r["b"]) else None
            rows.append(("b", "first call, new function", "<= 0.1x numba",
                         "n/a" if worst is None else f"worst {worst:.3f}x", worst is not None and worst <= 0.1))
        if "c" in r:
            ks = [v["kiln"]["median_s"] for v in r["c"].values()]
            worst = max(ks) if all(ks) else None
            rows.append(("c", "first call, cached function", "<= 5 ms",
                         "n/a" if worst is None else f"worst {worst * 1e3:.2f} ms", worst is not None and worst <= 5e-3))
        if "d" in r:
            k, n = r["d"]["kiln"]["ns"], r["d"]["numba"]["ns"]
            rows.append(("d", "dispatch overhead", "<= numba",
                         "n/a" if not (k and n) else f"{k:.0f} vs {n:.0f} ns", bool(k and n and k <= n)))
        if "e" in r:
            g, cases = r["e"]["geomean"], r["e"]["cases"]
            both = sum(1 for c in cases if c["ratio"])
            rows.append(("e", "steady state, bench cases", "geomean <= 1.0x",
                         "n/a" if g is None else f"{g:.3f}x ({both}/{len(cases)} cases)",
                         g is not None and g <= 1.0 and both == len(cases)))
        if not rows:
            return
        print("\nSummary (targets from the issue)")
        print(f"  {'':2} {'what':<28} {'target':<16} {'measured':<20} result")
        for sec, what, target, got, ok in rows:
            verdict = "n/a (not measured)" if got == "n/a" else "met" if ok else "NOT MET"
            print(f"  {sec:<2} {what:<28} {target:<16} {got:<20} {verdict}")
        r["summary"] = [{"section": s, "what": w, "target": t, "measured": g, "met": None if g == "n/a" else ok}
                        for s, w, t, g, ok in rows]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 trials instead of 5, shorter loops")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run, e.g. a,b (default all)")
    ap.add_argument("--json", metavar="FILE", help="write every measurement to FILE")
    ap.add_argument("--e-categories", default=E_CATEGORIES, help=f"conformance categories for (e) (default {E_CATEGORIES})")
    opts = ap.parse_args(argv)
    only = [s.strip() for s in opts.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"--only: unknown section(s) {', '.join(bad)}; choose from {','.join(SECTIONS)}")

    import numba  # noqa: F401 - fail early and clearly when the peer is missing
    print(f"kiln benchmark vs numba {numba.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs{' (quick)' if opts.quick else ''}")
    workdir = tempfile.mkdtemp(prefix="kb-")   # short: a Unix socket path must fit in 108 bytes
    bench = Bench(opts, workdir)
    t0 = time.perf_counter()
    try:
        for s in SECTIONS:
            if s in only:
                getattr(bench, f"section_{s}")()
        bench.summary()
        if bench.server and bench.server.address:
            print(f"\nkilnd: {bench.server.kilnd}")
        if bench.kiln_error:
            print(f"kiln unavailable: {bench.kiln_error}")
    finally:
        if bench.server:
            bench.server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    wall = time.perf_counter() - t0
    print(f"total {wall:.1f} s")
    if opts.json:
        meta = {"numba": numba.__version__, "python": sys.version.split()[0], "cpus": os.cpu_count(),
                "quick": opts.quick, "trials": bench.trials, "wall_s": wall,
                "kilnd": bench.server.kilnd if bench.server else None, "kiln_error": bench.kiln_error}
        with open(opts.json, "w") as fh:
            json.dump({"meta": meta, **bench.results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
