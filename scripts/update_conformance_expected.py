#!/usr/bin/env python3
"""Rewrites tests/conformance/expected_failures.txt from a conformance run.

    python3 ../shared/conformance/run.py --jit kiln:jit --isolate -j 2 \
        --allow-fail --json /tmp/conformance.json
    python3 scripts/update_conformance_expected.py /tmp/conformance.json

Each failing CPU case becomes one line, "<case id> <first line of its
error>". A human reads the diff: a case that used to pass and is now listed
is a regression to fix, not a line to accept.
"""
import json
import pathlib
import sys

HEADER = """\
# Conformance cases that fail today: "<case id> <reason>".
# tests/conformance/test_conformance.py runs every CPU category of
# ../shared/conformance and fails on any other failure, and also when a listed
# case passes (remove its line). Regenerate with
# scripts/update_conformance_expected.py and read the diff.
"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: update_conformance_expected.py RUN.json")
    cases = json.loads(pathlib.Path(sys.argv[1]).read_text())["cases"]
    lines = [f"{c['id']} {(c.get('error') or '').splitlines()[0] if c.get('error') else 'failed'}"
             for c in cases if c["status"] == "fail"]
    out = pathlib.Path(__file__).resolve().parents[1] / "tests" / "conformance" / "expected_failures.txt"
    out.write_text(HEADER + "".join(line.rstrip() + "\n" for line in sorted(lines)))
    print(f"{len(lines)} expected failures written to {out}")


if __name__ == "__main__":
    main()
