#!/usr/bin/env python3
"""Compile time against function size: kiln and Numba in one run.

    PYTHONPATH=client/python python3 bench/compile_scaling.py [--sizes 10,100,1000,5000,10000]
        [--shapes straight,branchy] [--timeout 300] [--no-numba] [--no-stages] [--instructions]
        [--json FILE]

For each shape and size it generates one Python function of about that many
source lines and times, each in a fresh python3 process, the decoration +
first call (which compiles it): kiln against a warm kilnd of its own (cache
miss: every function has a new salt), Numba with njit and no cache. kiln's
per-stage times come from `build/compiler/tools/kilnc --time_passes` on the same
function's bundle. A measurement that passes --timeout reads "timeout".

The exponent k of t ~ n^k is fitted (least squares on log-log) over the sizes
>= 1000, where per-call overheads no longer dominate; the slope is the
ms per line of the straight line through the two largest sizes. See
docs/compile-time.md for what was measured and why.

--instructions also counts the instructions kilnc executes for the whole
compile (valgrind --tool=callgrind, about 50x slower than a plain run): a
number that does not move with the machine's load, unlike the wall times,
so its exponent is the one that says whether the compiler's work is linear.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import PY, REPO, Failed, Server, child_env, run_child  # noqa: E402

NVARS = 8


def straight(n, salt):
    """n lines of float arithmetic over NVARS variables (values stay bounded)."""
    lines = ["def f(x, y):", f"    _salt = {salt}"]
    lines += [f"    v{i} = x * {i + 1}.0 + y" for i in range(NVARS)]
    for i in range(max(n - NVARS - 3, 1)):
        a, b, c = i % NVARS, (i + 1) % NVARS, (i + 5) % NVARS
        lines.append(f"    v{a} = v{b} * 0.5 + v{c} * 0.25 + {i % 97}.0")
    lines.append("    return " + " + ".join(f"v{i}" for i in range(NVARS)))
    return "\n".join(lines) + "\n"


def branchy(n, salt):
    """Blocks of six lines: an if/else on two variables and a short loop."""
    lines = ["def f(x, y):", f"    _salt = {salt}"]
    lines += [f"    v{i} = x * {i + 1}.0 + y" for i in range(NVARS)]
    for i in range(max((n - NVARS - 3) // 6, 1)):
        a, b, c, d = i % NVARS, (i + 3) % NVARS, (i + 1) % NVARS, (i + 6) % NVARS
        lines += [f"    if v{a} > v{b}:",
                  f"        v{c} = v{a} * 0.5 + {i % 89}.0",
                  "    else:",
                  f"        v{c} = v{b} * 0.25 - {i % 83}.0",
                  "    for k in range(3):",
                  f"        v{d} = v{d} * 0.5 + k"]
    lines.append("    return " + " + ".join(f"v{i}" for i in range(NVARS)))
    return "\n".join(lines) + "\n"


def ifs(n, salt):
    """Issue 7's shape: n/2 `if`s in a row, each adding to one accumulator."""
    lines = ["def f(x, y):", f"    _salt = {salt}", "    s = 0.0"]
    for i in range(max((n - 4) // 2, 1)):
        lines += [f"    if x > {i % 7}.25:", f"        s += {i % 89}.5"]
    lines.append("    return s + y")
    return "\n".join(lines) + "\n"


SHAPES = {"straight": straight, "branchy": branchy, "ifs": ifs}

# Child: import the JIT, load the module, then time decoration + first call.
CHILD = r"""
import importlib.util, json, sys, time
jit_name, path = sys.argv[1], sys.argv[2]
if jit_name == "kiln":
    from kiln import jit
else:
    from numba import njit as jit
spec = importlib.util.spec_from_file_location("gen", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
expected = mod.f(1.5, 2.0)
t = time.perf_counter()
r = jit(mod.f)(1.5, 2.0)
dt = time.perf_counter() - t
ok = abs(r - expected) <= 1e-9 * max(1.0, abs(expected))
print(json.dumps({"s": dt, "ok": ok, "got": r, "expected": expected}))
"""

BUNDLE = r"""
import importlib.util, sys
from kiln import _kiln
from kiln.bundle import bundle_spec
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.stdout.buffer.write(_kiln.make_bundle(bundle_spec(mod.f)).serialize())
"""


def fit_exponent(points):
    """Least-squares k in t = c n^k over (n, t) points with t > 0."""
    pts = [(math.log(n), math.log(t)) for n, t in points if t and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def kilnc_stages(kilnc, path, timeout):
    """{stage: seconds} from kilnc --time_passes on the function's bundle."""
    env = child_env()
    p = subprocess.run([PY, "-c", BUNDLE, path], env=env, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise Failed(p.stderr.decode(errors="replace").strip().splitlines()[-1])
    bundle = path + ".bundle"
    with open(bundle, "wb") as fh:
        fh.write(p.stdout)
    try:
        q = subprocess.run([kilnc, "--bundle", bundle, "--sig", "float64, float64", "--emit=binary",
                            "-o", os.devnull, "--time_passes"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failed(f"timed out after {timeout} s") from None
    if q.returncode != 0:
        raise Failed(q.stderr.strip().splitlines()[-1] if q.stderr.strip() else f"exit {q.returncode}")
    stages = {}
    for line in q.stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "ms":
            stages[parts[0]] = float(parts[1]) / 1e3
    return stages


def kilnc_instructions(kilnc, path, timeout):
    """Instructions kilnc executes compiling the bundle kilnc_stages wrote (callgrind's Ir total)."""
    out = path + ".callgrind"
    try:
        q = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", kilnc,
                            "--bundle", path + ".bundle", "--sig", "float64, float64", "--emit=binary",
                            "-o", os.devnull], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise Failed("valgrind is not installed") from None
    except subprocess.TimeoutExpired:
        raise Failed(f"timed out after {timeout} s") from None
    for line in q.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split("Collected :")[1].strip())
    raise Failed(q.stderr.strip().splitlines()[-1] if q.stderr.strip() else f"exit {q.returncode}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,100,1000,5000,10000")
    ap.add_argument("--shapes", default="straight,branchy")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement")
    ap.add_argument("--no-numba", action="store_true")
    ap.add_argument("--no-stages", action="store_true", help="skip the kilnc per-stage breakdown")
    ap.add_argument("--instructions", action="store_true",
                    help="also count kilnc's instructions under callgrind (load-independent; slow)")
    ap.add_argument("--json", help="write every number to this file")
    ap.add_argument("--report", metavar="JSON", help="only print the report of an earlier --json file")
    opts = ap.parse_args(argv)
    if opts.report:
        with open(opts.report) as fh:
            results = json.load(fh)
        report(results, list(dict.fromkeys(r["shape"] for r in results)))
        return 0
    sizes = [int(s) for s in opts.sizes.split(",")]
    shapes = opts.shapes.split(",")
    for s in shapes:
        if s not in SHAPES:
            ap.error(f"unknown shape {s!r} (known: {', '.join(SHAPES)})")
    kilnc = os.environ.get("KILN_KILNC") or os.path.join(REPO, "build", "compiler", "tools", "kilnc")
    salt = int.from_bytes(os.urandom(4), "little") * 1000
    results = []
    with tempfile.TemporaryDirectory(prefix="kiln-scaling-") as work:
        server = Server(work)
        try:
            if server.error:
                print(f"kiln: n/a ({server.error})")
            else:
                warm = os.path.join(work, "warm.py")
                with open(warm, "w") as fh:
                    fh.write(straight(10, salt))
                run_child(["-c", CHILD, "kiln", warm], child_env(server.address), timeout=120)
            for shape in shapes:
                for n in sizes:
                    salt += 1
                    src = SHAPES[shape](n, salt)
                    path = os.path.join(work, f"{shape}_{n}.py")
                    with open(path, "w") as fh:
                        fh.write(src)
                    row = {"shape": shape, "n": n, "lines": src.count("\n")}
                    for name in ("kiln", "numba"):
                        if name == "numba" and opts.no_numba:
                            continue
                        if name == "kiln" and server.error:
                            row["kiln_error"] = server.error
                            continue
                        env = child_env(server.address if name == "kiln" else None)
                        try:
                            r = run_child(["-c", CHILD, name, path], env, timeout=opts.timeout)
                            row[name] = r["s"]
                            if not r["ok"]:
                                row[name + "_error"] = f"wrong answer {r['got']} != {r['expected']}"
                        except Failed as e:
                            row[name + "_error"] = str(e)
                    if not opts.no_stages and os.access(kilnc, os.X_OK):
                        try:
                            row["stages"] = kilnc_stages(kilnc, path, opts.timeout)
                        except Failed as e:
                            row["stages_error"] = str(e)
                        if opts.instructions and "stages" in row:
                            try:
                                row["instructions"] = kilnc_instructions(kilnc, path, opts.timeout * 60)
                            except Failed as e:
                                row["instructions_error"] = str(e)
                    results.append(row)
                    print(f"  {shape:9s} {n:6d} lines: kiln {fmt(row, 'kiln')}  numba {fmt(row, 'numba')}"
                          + (f"  stages {stages_str(row['stages'])}" if "stages" in row else "")
                          + (f"  instructions {row['instructions']:,}" if "instructions" in row else ""),
                          flush=True)
        finally:
            server.stop()
    report(results, shapes)
    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


def fmt(row, name):
    if name in row and (name + "_error") not in row:
        return f"{row[name]:9.3f} s"
    if (name + "_error") in row:
        err = row[name + "_error"]
        return "  timeout  " if "timed out" in err else f"error ({err[:60]})"
    return "   n/a    "


def stages_str(st):
    return " ".join(f"{k}={v * 1e3:.0f}ms" for k, v in st.items())


def report(results, shapes):
    print()
    with_ir = any("instructions" in r for r in results)
    print(f"{'shape':9s} {'lines':>7s} {'kiln':>11s} {'numba':>11s} {'kiln/numba':>10s}  "
          + (f"{'kilnc instr':>15s}  " if with_ir else "") + "kilnc stages")
    for r in results:
        ratio = (f"{r['kiln'] / r['numba']:.3f}x" if "kiln" in r and "numba" in r
                 and "kiln_error" not in r and "numba_error" not in r else "n/a")
        instr = (f"{r['instructions']:>15,d}  " if "instructions" in r else f"{'n/a':>15s}  ") if with_ir else ""
        print(f"{r['shape']:9s} {r['n']:7d} {fmt(r, 'kiln'):>11s} {fmt(r, 'numba'):>11s} {ratio:>10s}  "
              + instr + stages_str(r.get("stages", {})))
    print()
    print("exponent k of t ~ n^k (fitted over sizes >= 1000; and between the two largest sizes),")
    print("slope in ms/line between the two largest sizes; 'kilnc' is the sum of kiln's stages:")
    for shape in shapes:
        rows = [r for r in results if r["shape"] == shape and r["n"] >= 1000]
        for r in rows:
            if r.get("stages"):
                r["kilnc"] = sum(r["stages"].values())
        for name in ("kiln", "kilnc", "numba", "instructions"):
            pts = [(r["n"], r[name]) for r in rows if name in r and (name + "_error") not in r]
            if name == "instructions" and not pts:
                continue
            k = fit_exponent(pts)
            k2 = fit_exponent(pts[-2:]) if len(pts) >= 2 else None
            per_line = (pts[-1][1] - pts[-2][1]) / (pts[-1][0] - pts[-2][0]) if len(pts) >= 2 else None
            slope = ("n/a" if per_line is None else
                     f"{per_line:,.0f} instructions/line" if name == "instructions" else f"{per_line * 1e3:.3f} ms/line")
            print(f"  {shape:9s} {name[:6]:6s} k = {'n/a' if k is None else f'{k:.2f}'}"
                  f"   k(last two) = {'n/a' if k2 is None else f'{k2:.2f}'}"
                  f"   slope = {slope}")


if __name__ == "__main__":
    sys.exit(main())
