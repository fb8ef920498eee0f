#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from the conformance cases.

For every CPU case of /work/shared/conformance (or --cases DIR) this builds
the function's bundle with the client's bundle builder (no server needed) and
writes, per fuzz target, one input file:

  bundle/, frontend/   the serialized kiln.v1.Bundle
  request/             a kiln.v1.CompileRequest: hash, the argument types
                       of the case's first argument set, the host target,
                       options, the bundle attached
  type_grammar/        the argument types and the signature "(t1, t2)"
  value_format/        (with --value-seeds BIN) the bundle as a cache value,
                       encoded by BIN (make_value_seeds, built beside the
                       targets) so its checksum is right

Usage: make_seeds.py OUT_DIR [--limit N] [--value-seeds BIN]
Needs PYTHONPATH with the kiln package (source scripts/env.sh).
"""

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys

import kiln
from kiln import _kiln

DEFAULT_CASES = "/work/shared/conformance/cases"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload):
    """A length-delimited protobuf field."""
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def compile_request(bundle_bytes, arg_types, host, emit):
    """kiln.v1.CompileRequest (proto/kiln/v1/kiln.proto field numbers)."""
    target = field(1, host["triple"]) + field(2, host["cpu"]) + b"".join(field(3, f) for f in host["features"][:8])
    options = field_varint(1, 3) + field(4, "python")
    out = field(1, hashlib.sha256(bundle_bytes).digest()) + field(2, bundle_bytes)
    out += b"".join(field(3, t) for t in arg_types)
    out += field(4, target) + field(5, options)
    if emit:
        out += field_varint(6, emit)
    return out


def load_cases(folder):
    sys.path.insert(0, os.path.dirname(os.path.abspath(folder)))  # conformance.py
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        spec = importlib.util.spec_from_file_location(f"kiln_seed_{name[:-3]}", os.path.join(folder, name))
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as e:  # a category that needs what this Python lacks
            print(f"skipping {name}: {e}", file=sys.stderr)
            continue
        for case in getattr(module, "CASES", []):
            if not case.gpu:
                yield name[:-3], case


def first_args(case):
    spec = case.args[0] if isinstance(case.args, list) else case.args
    try:
        return spec() if callable(spec) else spec
    except Exception:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--cases", default=DEFAULT_CASES)
    ap.add_argument("--limit", type=int, default=0, help="at most N cases (0: all)")
    ap.add_argument("--value-seeds", help="make_value_seeds binary, for value_format seeds")
    a = ap.parse_args()
    dirs = {t: os.path.join(a.out, t) for t in ("bundle", "frontend", "request", "type_grammar", "value_format")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    host = _kiln.host_target()
    emits = sorted(set(_kiln.EMITS.values()))
    seen, n = set(), 0
    for category, case in load_cases(a.cases):
        if a.limit and n >= a.limit:
            break
        try:
            bundle = kiln.jit(case.fn).bundle().serialize()
        except Exception as e:
            print(f"skipping {category}/{case.name}: {e}", file=sys.stderr)
            continue
        digest = hashlib.sha256(bundle).hexdigest()[:16]
        if digest in seen:
            continue
        seen.add(digest)
        n += 1
        name = f"{category}-{case.name}-{digest}"
        for t in ("bundle", "frontend"):
            with open(os.path.join(dirs[t], name), "wb") as f:
                f.write(bundle)
        args = first_args(case)
        types = []
        for v in args or ():
            t = _kiln.typeof(v)
            types.append(t if t is not None else "int64")
        with open(os.path.join(dirs["request"], name), "wb") as f:
            f.write(compile_request(bundle, types, host, emits[n % len(emits)]))
        for i, t in enumerate(types):
            with open(os.path.join(dirs["type_grammar"], f"{name}-{i}"), "w") as f:
                f.write(t)
        with open(os.path.join(dirs["type_grammar"], f"{name}-sig"), "w") as f:
            f.write("(" + ", ".join(types) + ")")
    if a.value_seeds:
        subprocess.run([a.value_seeds, dirs["value_format"], dirs["bundle"]], check=True)
    print(f"{n} cases -> {a.out}")


if __name__ == "__main__":
    main()
