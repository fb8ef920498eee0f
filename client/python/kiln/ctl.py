"""kilnctl: talk to a kiln server from the command line.

  kilnctl compile FILE.py:FUNC --sig "float64(float64)" --emit=llvm
  kilnctl compile FILE.py:KERNEL --sig "void(float32[:], float32[:])" --target cuda:sm_80 --emit=ptx
  kilnctl info | stats [--json] | zero-stats | stop
  kilnctl cache verify [--cache-dir DIR] [--json]
  kilnctl cache evict [KEY_PREFIX] [--older-than 7d] [--bytes 10G]
  kilnctl cache clear
  kilnctl warm MODULE.py [--sig "f(float64[:])" ...]
  kilnctl export FILE.py:FUNC[,FUNC...] -o PATH [--sig [FUNC=]SIG]...

The server is $KILN_SERVER, else the local one (which `compile`, `info` and
`warm` start when needed; `stats`, `zero-stats`, `cache evict|clear` and
`stop` never do). zero-stats and cache evict|clear need the admin right when
the server has tokens (docs/operations.md, "Operator commands").

`cache verify` reads the cache's files, not the server: it runs
`kilnd --verify-cache`, which opens the RocksDB database read-only (a running
server may hold it) and checks every value. DIR is the server's --cache-dir;
without it, the local server's folder. Exit status 0: clean; 3: damage found;
1: could not check.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys

from . import _kiln
from .dispatcher import EMITS, Dispatcher, _fastmath, _numba_spellings, declared_signature, jit
from .errors import KilnError


def _load_function(spec):
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise SystemExit(f"kilnctl: expected FILE.py:FUNC, got {spec!r}")
    if not os.path.exists(path):
        raise SystemExit(f"kilnctl: no such file: {path}")
    module_spec = importlib.util.spec_from_file_location("__kilnctl_target__", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    module_spec.loader.exec_module(module)
    func = getattr(module, name, None)
    if func is None:
        raise SystemExit(f"kilnctl: {path} defines no '{name}'")
    if isinstance(func, Dispatcher):
        return func
    # cuda: a kernel object (kiln.cuda.jit, numba.cuda.jit) carries its function
    return jit(getattr(func, "py_func", func))


def _parse_target(spec):
    """--target: "host" (None) or "cuda:sm_XX" / "cuda" (the local GPU's SM,
    else $KILN_CUDA_ARCH) as (triple, cpu)."""
    if spec in (None, "", "host"):
        return None
    kind, _, arch = spec.partition(":")
    if kind != "cuda":
        raise SystemExit(f"kilnctl: --target is host or cuda:sm_XX, not {spec!r}")
    if not arch:
        from .cuda import _driver
        arch = _driver.default_arch()
        if arch is None:
            raise SystemExit("kilnctl: no GPU found to take the SM from: name one, e.g. --target cuda:sm_80")
    return ("nvptx64-nvidia-cuda", arch)


def _compile_for(disp, target, arg_types, ret, emit):
    """cuda: one Compile for another target (the dispatcher's options)."""
    o = disp._options
    reply = _kiln.compile(disp.bundle(), tuple(arg_types), ret, int(o.get("opt_level", 3)),
                          _fastmath(o.get("fastmath", False)), bool(o.get("boundscheck")), o.get("error_model", "python"), EMITS[emit], "", *target)
    if not reply["ok"]:
        disp._raise(reply)
    return reply


def cmd_compile(args):
    disp = _load_function(args.target)
    target = _parse_target(args.compile_target)
    if args.sig:
        ret, arg_types = declared_signature(args.sig)
    elif disp.signatures:  # as compiled (NEP 50: np.float64 where declared), not as printed
        ret, arg_types = "", (disp._overloads()[0][0] if disp._overloads() else disp.signatures[0])
    else:
        raise SystemExit("kilnctl: --sig is required for a function without eager signatures")
    if target is not None:  # cuda:
        reply = _compile_for(disp, target, arg_types, ret, args.emit)
        if args.emit == "binary":
            kind = "cubin" if reply["shared_object"][:4] == b"\x7fELF" else "PTX"
            print(f"{disp.__name__}({', '.join(_numba_spellings(arg_types))}) for {target[1]}: {kind} "
                  f"{len(reply['shared_object'])} bytes, kernel {reply['entry_symbol']}, "
                  f"cache {'hit' if reply['cache_hit'] else 'miss'}, {reply['compile_seconds'] * 1000:.2f} ms")
            if args.output:
                with open(args.output, "wb") as f:
                    f.write(reply["shared_object"])
        else:
            text = reply["text"]
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if args.emit in ("binary", "object"):  # packages: object, the relocatable .o
        reply = disp._request(arg_types, ret, EMITS[args.emit])
        print(f"{disp.__name__}({', '.join(_numba_spellings(arg_types))}) -> {reply['return_type']}: "
              f"{len(reply['shared_object'])} bytes, entry {reply['entry_symbol']}, "
              f"cache {'hit' if reply['cache_hit'] else 'miss'}, {reply['compile_seconds'] * 1000:.2f} ms")
        if args.output:
            with open(args.output, "wb") as f:
                f.write(reply["shared_object"])
    else:
        text = disp.emit(args.emit, arg_types, ret)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_info(args):
    info = _kiln.server_info(True)
    if args.json:
        print(json.dumps(info, indent=2))
        return
    for key in ("target", "version", "compiler_build_id", "protocol_version", "pid"):
        print(f"{key}: {info[key]}")
    print(f"python_versions: {', '.join(info['python_versions'])}")
    print(f"targets: {', '.join(info['targets'])}")


def stats_report(stats):
    """The server's counters (kiln._kiln.server_stats) grouped as `kilnctl
    stats --json` prints them: totals, then per cache tier (`tiers.l1`, the
    server's RocksDB; `tiers.l2`, the shared tier, zeros while none is
    configured)."""
    l2 = stats["l2"]
    return {
        "requests": stats["compile_requests"],
        "compiles": stats["compiles"],
        "compile_errors": stats["compile_errors"],
        "internal_errors": stats["internal_errors"],
        "compile_seconds_total": stats["compile_seconds_total"],
        "single_flight_waits": stats["single_flight_waits"],
        "bundle_uploads": stats["bundle_uploads"],
        "bundles_stored": stats["bundles_stored"],
        "tiers": {
            "l1": {
                "hits": stats["cache_hits"],
                "misses": stats["cache_misses"],
                "entries": stats["cache_entries"],
                "bytes": stats["cache_bytes"],
                "max_bytes": stats["cache_max_bytes"],
                "evictions": stats["cache_evictions"],
                "checksum_failures": stats["corrupt_values"],
                "read_only": stats["cache_read_only"],
                "read_only_reason": stats["cache_read_only_reason"],
                "dropped_writes": stats["cache_dropped_writes"],
                "moved_aside": stats["cache_moved_aside"],
                "rebuilds": stats["cache_rebuilds"],
            },
            "l2": {
                "hits": l2["hits"],
                "misses": l2["misses"],
                "errors": l2["errors"],
                "writes": l2["writes"],
                "lock_waits": l2["lock_waits"],
                "checksum_failures": l2["corrupt_values"],
                "degraded": l2["degraded"],
            },
        },
        "uptime_seconds": stats["uptime_seconds"],
        "since_zero_seconds": stats["since_zero_seconds"],
    }


def _flatten(report, prefix=""):
    for key, value in report.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def cmd_stats(args):
    report = stats_report(_kiln.server_stats(False))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, value in _flatten(report):
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    hits, misses = report["tiers"]["l1"]["hits"], report["tiers"]["l1"]["misses"]
    if hits + misses:
        print(f"tiers.l1.hit_rate: {100.0 * hits / (hits + misses):.1f} %")


def cmd_zero_stats(args):
    _kiln.server_zero_stats()
    print("statistics zeroed")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_duration(text):
    """"90", "90s", "30m", "12h", "7d", "2w" -> seconds."""
    t = text.strip().lower()
    unit = t[-1:] if t[-1:] in _DURATION_UNITS else "s"
    number = t[:-1] if t[-1:] in _DURATION_UNITS else t
    try:
        value = float(number)
    except ValueError:
        raise SystemExit(f"kilnctl: --older-than: expected a duration such as 90s, 30m, 12h or 7d, got {text!r}")
    if value < 0:
        raise SystemExit(f"kilnctl: --older-than must not be negative, got {text!r}")
    return value * _DURATION_UNITS[unit]


def parse_size(text):
    """"1048576", "512K", "10G" (powers of 1024) -> bytes."""
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = t[-1:] if t[-1:] in _SIZE_UNITS and t[-1:] else ""
    number = t[:-1] if unit else t
    if not number.isdigit():
        raise SystemExit(f"kilnctl: --bytes: expected a number with an optional K, M, G or T suffix, got {text!r}")
    return int(number) * _SIZE_UNITS[unit]


def _print_evicted(reply):
    print(f"evicted {reply['evicted_values']} values ({reply['evicted_bytes']} bytes); "
          f"{reply['remaining_bytes']} bytes remain")


def cmd_cache_evict(args):
    prefix = (args.key_prefix or "").lower()
    if prefix and (len(prefix) > 64 or any(c not in "0123456789abcdef" for c in prefix)):
        raise SystemExit(f"kilnctl: KEY_PREFIX must be hex digits (a cache key's start), got {args.key_prefix!r}")
    if not prefix and args.older_than is None and args.bytes is None:
        raise SystemExit("kilnctl: cache evict needs KEY_PREFIX, --older-than or --bytes (or use cache clear)")
    kwargs = {"key_prefix": prefix}
    if args.older_than is not None:
        kwargs["older_than_seconds"] = parse_duration(args.older_than)
    if args.bytes is not None:
        kwargs["down_to_bytes"] = parse_size(args.bytes)
    _print_evicted(_kiln.server_evict_cache(**kwargs))


def cmd_cache_clear(args):
    _print_evicted(_kiln.server_evict_cache(all=True))


def _parse_warm_sig(text):
    """"f(float64[:])" or "f:float64(float64)" -> (name, return type, arg types)."""
    if ":" in text.partition("(")[0]:  # "[:]" in the arguments is no separator
        name, _, rest = text.partition(":")
    else:
        name, paren, rest = text.partition("(")
        rest = paren + rest
    name = name.strip()
    if not name.isidentifier() or not rest:
        raise SystemExit(f"kilnctl: --sig: expected NAME(ARG, ...) or NAME:RET(ARG, ...), got {text!r}")
    ret, arg_types = declared_signature(rest)
    return name, ret, arg_types


class _Progress:
    """A progress bar on a terminal; one line per step otherwise."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()

    def step(self, label, outcome):
        self.done += 1
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            line = f"[{'#' * filled}{' ' * (width - filled)}] {self.done}/{self.total} {label}: {outcome}"
            self.stream.write("\r\x1b[K" + line[:200])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.done}/{self.total} {label}: {outcome}\n")
        self.stream.flush()


def cmd_warm(args):
    if not os.path.exists(args.module):
        raise SystemExit(f"kilnctl: no such file: {args.module}")
    requested = [_parse_warm_sig(s) for s in args.sig or ()]
    module_spec = importlib.util.spec_from_file_location("__kilnctl_warm__", args.module)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.module)))
    # Importing it compiles every @jit("sig") function already (eagerly).
    module_spec.loader.exec_module(module)
    functions = {name: value for name, value in vars(module).items()
                 if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__}
    jobs = []  # (dispatcher, label, return type, arg types)
    for name, disp in functions.items():
        for sig in disp._eager_signatures:
            ret, arg_types = declared_signature(sig)
            jobs.append((disp, f"{name}({', '.join(_numba_spellings(arg_types))})", ret, arg_types))
    for name, ret, arg_types in requested:
        if name not in functions:
            known = ", ".join(sorted(functions)) or "none"
            raise SystemExit(f"kilnctl: --sig {name}(...): {args.module} has no jitted function '{name}' "
                             f"(jitted functions: {known})")
        jobs.append((functions[name], f"{name}({', '.join(_numba_spellings(arg_types))})", ret, arg_types))
    unsigned = sorted(name for name, disp in functions.items()
                      if not disp._eager_signatures and all(r[0] != name for r in requested))
    progress = _Progress(len(jobs))
    compiled = cached = failed = 0
    for disp, label, ret, arg_types in jobs:
        try:
            reply = disp._request(arg_types, ret, EMITS["binary"])
        except KilnError as e:
            failed += 1
            progress.step(label, f"{type(e).__name__}: {str(e).splitlines()[0]}")
            continue
        if reply["cache_hit"]:
            cached += 1
            progress.step(label, "cached")
        else:
            compiled += 1
            progress.step(label, f"compiled in {reply['compile_seconds'] * 1000:.1f} ms")
    print(f"warmed {len(jobs) - failed} of {len(jobs)} signatures of {len(functions)} jitted functions: "
          f"{compiled} compiled, {cached} already cached, {failed} failed")
    for name in unsigned:
        print(f"  {name}: no signature (give --sig '{name}(TYPE, ...)')")
    return 1 if failed else 0


def cmd_cache_verify(args):
    paths = _kiln.local_server_paths()  # kilnd: $KILN_KILND, kiln/bin/kilnd, $PATH
    cache_dir = args.cache_dir
    if cache_dir is None:
        if os.environ.get("KILN_SERVER"):
            raise SystemExit("kilnctl: KILN_SERVER is set: give the server's --cache-dir (verify reads its files)")
        cache_dir = paths["dir"]
    if not os.path.isdir(os.path.join(cache_dir, "cache.db")):
        print(f"kilnctl: no cache at {os.path.join(cache_dir, 'cache.db')}", file=sys.stderr)
        return 1
    proc = subprocess.run([paths["kilnd"], "--cache-dir", cache_dir, "--verify-cache"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 3):
        print(f"kilnctl: {proc.stderr.strip() or f'kilnd --verify-cache exited with {proc.returncode}'}",
              file=sys.stderr)
        return 1
    report = json.loads(proc.stdout)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"cache: {report['path']}")
        print(f"values: {report['values']}")
        print(f"corrupt_values: {report['corrupt_values']}")
        print(f"unreadable_regions: {report['read_errors']}")
        print(f"table_checksums: {'ok' if report['tables_ok'] else 'FAILED'}")
        for problem in report["problems"]:
            print(f"  {problem}")
        print("clean" if report["clean"] else "DAMAGED")
    return 0 if report["clean"] else 3


# packages: `kilnctl export`, the bundle file for the C++ API (docs/cpp.md).
def cmd_export(args):
    from . import export

    path, _, names = args.target.rpartition(":")
    funcs = [_load_function(f"{path}:{name}") for name in names.split(",") if name] if path else []
    if not funcs:
        raise SystemExit(f"kilnctl: expected FILE.py:FUNC[,FUNC...], got {args.target!r}")
    by_name = {f.py_func.__name__: f for f in funcs}
    for sig in args.sig or ():  # compiled now, so a TypingError shows here and not in C++
        name, eq, sig = sig.rpartition("=") if "=" in sig else ("", "", sig)
        if not name and len(funcs) > 1:
            raise SystemExit("kilnctl: with several functions, give --sig as FUNC=SIG")
        f = by_name.get(name) if name else funcs[0]
        if f is None:
            raise SystemExit(f"kilnctl: --sig names '{name}', which is not among {', '.join(by_name)}")
        ret, arg_types = declared_signature(sig)
        f._compile(arg_types, ret)
    export.write(args.output, funcs)
    for entry in export.read(args.output):
        sigs = ", ".join(entry["signatures"]) or "no signatures yet"
        print(f"{entry['name']}: bundle {entry['bundle_hash'][:16]}, {entry['functions']} function(s), {sigs}")
    print(f"wrote {args.output}")


def cmd_stop(args):
    target = _kiln.server_target(False)
    _kiln.server_shutdown()
    print(f"stopped {target}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="kilnctl", description="Control and query a kiln server.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("compile", help="compile a function and print a stage")
    p.add_argument("target", metavar="FILE.py:FUNC")
    p.add_argument("--sig", help='signature, e.g. "float64(float64, int64)"')
    p.add_argument("--emit", choices=sorted(EMITS), default="llvm")
    p.add_argument("-o", "--output", help="with --emit=binary (object): write the shared (relocatable) object (cuda: cubin or PTX) here")
    p.add_argument("--target", dest="compile_target", default="host",
                   help="host (default) or cuda:sm_XX (PTX/cubin for that SM; cuda: the local GPU's)")
    p.set_defaults(func=cmd_compile)
    for name, func, help_ in (("info", cmd_info, "show the server's identity"),
                              ("stats", cmd_stats, "show the server's counters"),
                              ("zero-stats", cmd_zero_stats, "zero the server's counters (admin)"),
                              ("stop", cmd_stop, "shut the server down")):
        p = sub.add_parser(name, help=help_)
        if name in ("info", "stats"):
            p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    p = sub.add_parser("warm", help="compile every jitted function of a module ahead of time")
    p.add_argument("module", metavar="MODULE.py")
    p.add_argument("--sig", action="append",
                   help='NAME(ARG, ...) or NAME:RET(ARG, ...), e.g. "f(float64[:])"; repeatable; '
                        "@jit(\"sig\") functions need none")
    p.set_defaults(func=cmd_warm)
    p = sub.add_parser("cache", help="check, evict or clear the cache")
    cache_sub = p.add_subparsers(dest="cache_command", required=True)
    p = cache_sub.add_parser("verify", help="check every cached value (reads the files; the server may run)")
    p.add_argument("--cache-dir", help="the server's --cache-dir (default: the local server's folder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cache_verify)
    p = cache_sub.add_parser("evict", help="evict values from the server's cache (admin; safe while serving)")
    p.add_argument("key_prefix", metavar="KEY_PREFIX", nargs="?", help="hex: values whose key starts with it")
    p.add_argument("--older-than", metavar="DURATION",
                   help="values last written (or used, with --cache-max-bytes) at least this long ago: 90s, 30m, 12h, 7d")
    p.add_argument("--bytes", metavar="SIZE",
                   help="evict least recently used first until at most SIZE bytes remain (K, M, G, T suffixes)")
    p.set_defaults(func=cmd_cache_evict)
    p = cache_sub.add_parser("clear", help="evict every value from the server's cache (admin; safe while serving)")
    p.set_defaults(func=cmd_cache_clear)
    p = sub.add_parser("export", help="write a bundle file for the C++ API (docs/cpp.md)")
    p.add_argument("target", metavar="FILE.py:FUNC[,FUNC...]")
    p.add_argument("-o", "--output", required=True, help="the bundle file to write")
    p.add_argument("--sig", action="append", help="compile (and check) this signature first: SIG, or FUNC=SIG with several functions; repeatable")
    p.set_defaults(func=cmd_export)
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except KilnError as e:
        print(f"kilnctl: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except TypeError as e:
        print(f"kilnctl: {e}", file=sys.stderr)
        return 2
    return rc or 0


if __name__ == "__main__":
    sys.exit(main())
