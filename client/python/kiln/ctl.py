"""kilnctl: talk to a kiln server from the command line.

  kilnctl compile FILE.py:FUNC --sig "float64(float64)" --emit=llvm
  kilnctl info | stats | stop

The server is $KILN_SERVER, else the local one (which `compile` and `info`
start when needed; `stats` and `stop` never do).
"""

import argparse
import importlib.util
import json
import os
import sys

from . import _kiln
from .dispatcher import EMITS, Dispatcher, jit, parse_signature
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
    return func if isinstance(func, Dispatcher) else jit(func)


def cmd_compile(args):
    disp = _load_function(args.target)
    if args.sig:
        ret, arg_types = parse_signature(args.sig)
    elif disp.signatures:
        ret, arg_types = "", disp.signatures[0]
    else:
        raise SystemExit("kilnctl: --sig is required for a function without eager signatures")
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
    p.add_argument("-o", "--output", help="with --emit=binary: write the shared object here")
    p.set_defaults(func=cmd_compile)
    for name, func, help_ in (("info", cmd_info, "show the server's identity"),
                              ("stats", cmd_stats, "show the server's counters"),
                              ("stop", cmd_stop, "shut the server down")):
        p = sub.add_parser(name, help=help_)
        if name != "stop":
            p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except KilnError as e:
        print(f"kilnctl: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except TypeError as e:
        print(f"kilnctl: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
