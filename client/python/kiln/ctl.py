"""kilnctl: talk to a kiln server from the command line.

  kilnctl compile FILE.py:FUNC --sig "float64(float64)" --emit=llvm
  kilnctl compile FILE.py:KERNEL --sig "void(float32[:], float32[:])" --target cuda:sm_80 --emit=ptx
  kilnctl info | stats | stop
  kilnctl cache verify [--cache-dir DIR] [--json]

The server is $KILN_SERVER, else the local one (which `compile` and `info`
start when needed; `stats` and `stop` never do).

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
from .dispatcher import EMITS, Dispatcher, _fastmath, jit, parse_signature
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
                          _fastmath(o.get("fastmath", False)), bool(o.get("boundscheck")), o.get("error_model", "python"), EMITS[emit], *target)
    if not reply["ok"]:
        disp._raise(reply)
    return reply


def cmd_compile(args):
    disp = _load_function(args.target)
    target = _parse_target(args.compile_target)
    if args.sig:
        ret, arg_types = parse_signature(args.sig)
    elif disp.signatures:
        ret, arg_types = "", disp.signatures[0]
    else:
        raise SystemExit("kilnctl: --sig is required for a function without eager signatures")
    if target is not None:  # cuda:
        reply = _compile_for(disp, target, arg_types, ret, args.emit)
        if args.emit == "binary":
            kind = "cubin" if reply["shared_object"][:4] == b"\x7fELF" else "PTX"
            print(f"{disp.__name__}({', '.join(arg_types)}) for {target[1]}: {kind} "
                  f"{len(reply['shared_object'])} bytes, kernel {reply['entry_symbol']}, "
                  f"cache {'hit' if reply['cache_hit'] else 'miss'}, {reply['compile_seconds'] * 1000:.2f} ms")
            if args.output:
                with open(args.output, "wb") as f:
                    f.write(reply["shared_object"])
        else:
            text = reply["text"]
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if args.emit == "binary":
        reply = disp._request(arg_types, ret, EMITS["binary"])
        print(f"{disp.__name__}({', '.join(arg_types)}) -> {reply['return_type']}: "
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


def cmd_stats(args):
    stats = _kiln.server_stats(False)
    if args.json:
        print(json.dumps(stats, indent=2))
        return
    for key, value in stats.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


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
    p.add_argument("-o", "--output", help="with --emit=binary: write the shared object (cuda: cubin or PTX) here")
    p.add_argument("--target", dest="compile_target", default="host",
                   help="host (default) or cuda:sm_XX (PTX/cubin for that SM; cuda: the local GPU's)")
    p.set_defaults(func=cmd_compile)
    for name, func, help_ in (("info", cmd_info, "show the server's identity"),
                              ("stats", cmd_stats, "show the server's counters"),
                              ("stop", cmd_stop, "shut the server down")):
        p = sub.add_parser(name, help=help_)
        if name != "stop":
            p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    p = sub.add_parser("cache", help="check the cache's files")
    cache_sub = p.add_subparsers(dest="cache_command", required=True)
    p = cache_sub.add_parser("verify", help="check every cached value (reads the files; the server may run)")
    p.add_argument("--cache-dir", help="the server's --cache-dir (default: the local server's folder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cache_verify)
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
