"""Shared helper for the server-free dispatcher tests: fixture shared
objects built by the C compiler from C files that follow kiln_abi.h."""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def build_fixture(tmp_path_factory, source, *flags):
    """Compiles HERE/source into a shared object and returns its path."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    out = tmp_path_factory.mktemp("so") / (os.path.splitext(source)[0] + ".so")
    subprocess.run([cc, "-shared", "-fPIC", "-O2", *flags, "-I", os.path.join(ROOT, "runtime", "cpu"),
                    os.path.join(HERE, source), "-o", str(out)], check=True)
    return str(out)
