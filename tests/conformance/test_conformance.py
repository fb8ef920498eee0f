"""Runs the shared conformance corpus (../shared/conformance) through kiln.jit.

The corpus is the yardstick and is never edited here. Every category runs:
the CPU cases through kiln.jit, the GPU cases (cuda_kernels) through
kiln.cuda in the CPU emulation (KILN_CUDA_SIM=1, docs/cuda.md). Cases Kiln does
not support yet are listed, each with its reason, in expected_failures.txt
(scripts/update_conformance_expected.py writes it from a run); the test
fails if any other case fails, and also if a listed case starts to pass (so
the list only ever shrinks). A missing corpus fails the test in CI.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(os.environ.get("KILN_CONFORMANCE", ROOT.parent / "shared" / "conformance"))


def expected_failures():
    out = {}
    for line in (pathlib.Path(__file__).parent / "expected_failures.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            case_id, _, reason = line.partition(" ")
            out[case_id] = reason.strip()
    return out


def test_conformance(kilnd, tmp_path):
    if not (CORPUS / "run.py").exists():
        pytest.skip(f"conformance corpus not found at {CORPUS}")  # a failure in CI (conftest.py)
    report = tmp_path / "conformance.json"
    # cuda: the GPU cases (cuda_kernels) run through kiln.cuda in the CPU emulation.
    env = dict(os.environ, KILN_SERVER=kilnd.target, PYTHONPATH=str(ROOT / "client" / "python"), KILN_CUDA_SIM="1")
    proc = subprocess.run(
        [sys.executable, str(CORPUS / "run.py"), "--jit", "kiln:jit", "--cuda", "kiln:cuda",
         "--isolate", "-j", "2", "--timeout", "120", "--repeat", "1", "--allow-fail", "--json", str(report)],
        env=env, capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, proc.stderr[-4000:]
    cases = json.loads(report.read_text())["cases"]
    assert len([c for c in cases if c["status"] != "skip"]) > 190
    expected = expected_failures()
    failed = {c["id"]: c["error"] for c in cases if c["status"] == "fail"}
    unexpected = {k: v for k, v in failed.items() if k not in expected}
    fixed = sorted(k for k in expected if k not in failed)
    assert not unexpected, "unexpected conformance failures:\n" + "\n".join(f"{k}: {v}" for k, v in unexpected.items())
    assert not fixed, "these cases pass now; remove them from expected_failures.txt: " + ", ".join(fixed)
