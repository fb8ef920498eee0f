#!/usr/bin/env python3
"""Regenerate the CHECK lines of lit tests from what the compiler prints now.

  python3 scripts/update_lit_checks.py tests/lit/passes/simplify_block_params.kir [...]
      [--literal] [--kilnc PATH] [--dry-run]

Like LLVM's update_test_checks.py, but simple. For each file: run its RUN
lines in order (with lit's substitutions: %s, %t, %kilnc, %mkbundle,
%pyprefix, `not`) up to the first one that pipes into `FileCheck %s` with the
default CHECK prefix; drop that pipe and take the command's output; delete
every existing `CHECK` line of the file (CHECK:, CHECK-NEXT:, CHECK-LABEL:,
...); and write the output as a new CHECK block where the first old one was
(or at the end). Each `func @name(` (and typed `; kiln.` header) becomes a
CHECK-LABEL (the rest of the line a CHECK-SAME), the first other line CHECK, the rest CHECK-NEXT (CHECK-EMPTY for
blank lines). Value numbers (%N) become FileCheck variables ([[V3:%[0-9]+]]
where a number first appears, [[V3]] after) unless --literal.

The result is the current output, right or wrong: read the diff (git diff)
before committing it. Hand-written partial checks are replaced by the whole
output, so use it on tests whose CHECK block is meant to be complete.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CHECK_LINE = re.compile(r"^\s*(#|;|//)\s*CHECK(-[A-Z]+)?:")
VALUE = re.compile(r"%(\d+)\b")


def comment_prefix(path):
    return ";" if path.endswith((".kir", ".ll")) else "#"


def run_lines(text, prefix):
    runs = []
    for line in text.splitlines():
        m = re.match(r"^\s*" + re.escape(prefix) + r"\s*RUN:\s?(.*)$", line)
        if m:
            cmd = m.group(1).rstrip()
            if runs and runs[-1].endswith("\\"):
                runs[-1] = runs[-1][:-1] + " " + cmd
            else:
                runs.append(cmd)
    return runs


def substitute(cmd, path, tmp, kilnc):
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    subs = [
        ("%kilnc", f"{shlex.quote(kilnc)} --verify-each"),
        ("%mkbundle", f"{shlex.quote(sys.executable)} {os.path.join(ROOT, 'tests', 'lit', 'tools', 'mkbundle.py')}"),
        ("%pyprefix", py.upper()),
        ("%s", shlex.quote(path)),
        ("%t", os.path.join(tmp, "t")),
    ]
    for key, value in subs:
        cmd = cmd.replace(key, value)
    cmd = re.sub(r"(^|\|\s*)not\s+", r"\1! ", cmd)
    return cmd


def checks(output, literal):
    lines = output.rstrip("\n").split("\n") if output.strip() else []
    seen = set()

    def varify(line):
        if literal:
            return line

        def repl(m):
            n = m.group(1)
            if n in seen:
                return f"[[V{n}]]"
            seen.add(n)
            return f"[[V{n}:%[0-9]+]]"

        return VALUE.sub(repl, line)

    out, first = [], True
    for line in lines:
        body = line.rstrip()
        if body.startswith("func @") and "(" in body:
            # A label may not define variables: label the name, match the rest.
            head, rest = body.split("(", 1)
            out.append(("CHECK-LABEL", head + "("))
            out.append(("CHECK-SAME", varify(rest)))
            first = False
        elif body.startswith("; kiln."):
            out.append(("CHECK-LABEL", body))
            first = False
        elif not body:
            out.append(("CHECK-EMPTY", ""))
        else:
            out.append(("CHECK" if first else "CHECK-NEXT", varify(body)))
            first = False
    return out


def update(path, kilnc, literal, dry_run):
    with open(path) as f:
        text = f.read()
    prefix = comment_prefix(path)
    runs = run_lines(text, prefix)
    target = next((k for k, r in enumerate(runs) if re.search(r"\|\s*FileCheck\s+%s\s*$", r)), None)
    if target is None:
        print(f"{path}: no RUN line ending in '| FileCheck %s' (custom prefixes are not handled)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for k, run in enumerate(runs[: target + 1]):
            cmd = substitute(run, path, tmp, kilnc)
            if k == target:
                cmd = re.sub(r"\|\s*FileCheck\s+%s\s*$", "", run)
                cmd = substitute(cmd, path, tmp, kilnc)
            r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=ROOT)
            if r.returncode != 0:
                print(f"{path}: RUN line {k + 1} failed ({r.returncode}): {cmd}\n{r.stderr}", file=sys.stderr)
                return 1
            output = r.stdout
    new_block = [f"{prefix} {kind}:{(' ' + body) if body else ''}" for kind, body in checks(output, literal)]
    old = text.split("\n")
    kept, where = [], None
    for line in old:
        if CHECK_LINE.match(line):
            if where is None:
                where = len(kept)
            continue
        kept.append(line)
    if where is None:
        while kept and kept[-1] == "":
            kept.pop()
        kept.append("")
        where = len(kept)
    result = "\n".join(kept[:where] + new_block + kept[where:])
    if not result.endswith("\n"):
        result += "\n"
    if dry_run:
        sys.stdout.write(result)
    elif result != text:
        with open(path, "w") as f:
            f.write(result)
        print(f"updated {path}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--kilnc", default=os.path.join(ROOT, "build", "compiler", "tools", "kilnc"))
    ap.add_argument("--literal", action="store_true", help="keep value numbers literal")
    ap.add_argument("--dry-run", action="store_true", help="print the updated file instead of writing it")
    args = ap.parse_args()
    env_path = os.path.join(ROOT, "client", "python")
    os.environ["PYTHONPATH"] = env_path + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    return max(update(os.path.abspath(f), args.kilnc, args.literal, args.dry_run) for f in args.files)


if __name__ == "__main__":
    sys.exit(main())
