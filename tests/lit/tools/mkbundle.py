#!/usr/bin/env python3
"""Writes the serialized kiln.v1.Bundle of FILE.py:FUNC to stdout.

The IR golden tests pipe it into `kilnc --bundle -`, so they exercise the
compiler on real bytecode of the running CPython, with no server. The bundle
comes from the client's own builder (kiln.bundle), so what is tested is what
clients send. Functions decorated with @kiln.jit are unwrapped; a kernel
decorated with @kiln.cuda.jit gives its kernel bundle (with the kernel
marker).
"""
import importlib.util
import sys


def main():
    if len(sys.argv) != 2 or ":" not in sys.argv[1]:
        sys.exit("usage: mkbundle.py FILE.py:FUNC")
    path, _, name = sys.argv[1].rpartition(":")
    spec = importlib.util.spec_from_file_location("kiln_lit_case", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from kiln import _kiln
    from kiln.bundle import bundle_spec
    func = getattr(mod, name)
    kernel = getattr(func, "_dispatcher", None)  # cuda: a kiln.cuda kernel
    if kernel is not None:
        sys.stdout.buffer.write(kernel.bundle().serialize())
        return
    parallel = bool(getattr(func, "_options", {}).get("parallel"))  # prange: @kiln.jit(parallel=True)
    func = getattr(func, "py_func", func)
    sys.stdout.buffer.write(_kiln.make_bundle(bundle_spec(func, parallel=parallel)).serialize())


if __name__ == "__main__":
    main()
