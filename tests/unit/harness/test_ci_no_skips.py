"""In CI a skipped test is a failed test (tests/conftest.py): a missing
prerequisite must not pass quietly."""
import os
import pathlib
import subprocess
import sys

CASE = '''
import pytest

def test_skipped_at_run_time():
    pytest.skip("no thing")

def test_missing_module():
    pytest.importorskip("kiln_no_such_module")

def test_runs():
    assert True
'''


def run(tmp_path, ci):
    tests = pathlib.Path(__file__).resolve().parents[2]
    case = tmp_path / "test_case.py"
    case.write_text(CASE)
    # tests/conftest.py loaded as a plugin: the case lives outside tests/.
    env = dict(os.environ, CI="true" if ci else "",
               PYTHONPATH=os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
                           str(case)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_skips_fail_in_ci(tmp_path):
    proc = run(tmp_path, ci=True)
    assert proc.returncode == 1, proc.stdout
    assert "2 failed, 1 passed" in proc.stdout, proc.stdout
    assert "skipped in CI, which must not skip" in proc.stdout


def test_skips_stay_skips_outside_ci(tmp_path):
    proc = run(tmp_path, ci=False)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 2 skipped" in proc.stdout, proc.stdout
