#!/usr/bin/env python3
"""Fails when a compiler file includes a header of a stage it may not use.

The table (written by compiler/CMakeLists.txt from each stage's DEPS) has one
line per folder under compiler/:  "FOLDER: DEP_FOLDER DEP_FOLDER ...", where
"." is compiler/ itself. A file belongs to the longest folder that contains
it; so does an included "compiler/..." header. An include is allowed when
both are in one folder or the header's folder is among the file's folder's
DEP_FOLDERs. Folders not in the table (compiler/tools) are not checked.

  check_layering.py --compiler DIR --table FILE   exit 1 and list violations
  check_layering.py --self-test                   checks the checker
"""
import argparse
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"compiler/([^"]+)"', re.M)


def read_table(path):
    table = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            folder, _, deps = line.partition(":")
            table[folder.strip()] = set(deps.split())
    return table


def folder_of(rel, table):
    """The longest table folder containing compiler-relative path `rel`."""
    parts = rel.split("/")[:-1]
    while parts:
        candidate = "/".join(parts)
        if candidate in table:
            return candidate
        parts.pop()
    return "." if "." in table else None


def violations(compiler_dir, table):
    found = []
    for dirpath, _, files in os.walk(compiler_dir):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp", ".def", ".inc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, compiler_dir).replace(os.sep, "/")
            top = rel.split("/")[0]
            if "/" in rel and top not in {f.split("/")[0] for f in table if f != "."}:
                continue  # a folder that is not a stage (tools/)
            mine = folder_of(rel, table)
            if mine is None:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                theirs = folder_of(m.group(1), table)
                if theirs is None or theirs == mine or theirs in table[mine]:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"compiler/{rel}:{line}: '{mine}' may not include compiler/{m.group(1)} "
                             f"(folder '{theirs}'; allowed: {', '.join(sorted(table[mine])) or 'none'})")
    return found


def self_test():
    table_text = "# test\n.: \nir: .\ntyping: ir .\ntargets: \ntargets/cpu: targets\ndriver: ir typing targets targets/cpu .\n"
    files = {
        "bundle.h": "",
        "ir/ir.h": '#include "compiler/bundle.h"\n',
        "ir/printer.cpp": '#include "compiler/ir/ir.h"\n#include "compiler/typing/types.h"\n',  # bad
        "typing/types.h": '#include "compiler/ir/ir.h"\n',
        "targets/target.h": "",
        "targets/cpu/cpu.h": '#include "compiler/targets/target.h"\n#include "compiler/driver/compile.h"\n',  # bad
        "driver/compile.h": '#include "compiler/targets/cpu/cpu.h"\n#include "compiler/typing/types.h"\n',
        "tools/kilnc.cpp": '#include "compiler/driver/compile.h"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
        table = os.path.join(d, "table.txt")
        with open(table, "w") as f:
            f.write(table_text)
        got = violations(d, read_table(table))
    expected = ["compiler/ir/printer.cpp:2:", "compiler/targets/cpu/cpu.h:2:"]
    ok = len(got) == len(expected) and all(g.startswith(e) for g, e in zip(sorted(got), expected))
    print("\n".join(got))
    print("self-test", "passed" if ok else f"FAILED: expected violations at {expected}")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compiler", help="the compiler/ folder")
    ap.add_argument("--table", help="the layering table written by CMake")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.compiler or not args.table:
        ap.error("--compiler and --table are required")
    found = violations(args.compiler, read_table(args.table))
    for v in found:
        print(v, file=sys.stderr)
    if found:
        print(f"check_layering: {len(found)} include(s) against the stage dependencies in compiler/CMakeLists.txt",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
