# lit configuration for Kiln's IR goldens (tests/lit).
import os
import subprocess
import sys

import lit.formats

config.name = "kiln"
config.test_format = lit.formats.ShTest(False)  # lit's internal shell (has `not`)
config.suffixes = [".py", ".textpb", ".kir"]
config.excludes = ["tools", "lit.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)

params = lit_config.params
root = params.get("root", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
python = params.get("python", sys.executable)
config.environment["PYTHONPATH"] = os.path.join(root, "client", "python")
# Every kilnc run in a test verifies the IR after each pass.
kilnc = params.get("kilnc", os.path.join(root, "build", "compiler", "tools", "kilnc"))
config.substitutions.append(("%kilnc", f"{kilnc} --verify-each"))
config.substitutions.append(("%mkbundle", f"{python} {os.path.join(root, 'tests', 'lit', 'tools', 'mkbundle.py')}"))
config.substitutions.append(("FileCheck", params.get("filecheck", "FileCheck")))
# The CPython that builds the bundles (%mkbundle, the `python` param) decides
# which bytecode goldens apply, not the one running lit: `lit.py --param
# python=python3.12` under 3.11 must check the PY312 lines.
if os.path.realpath(python) == os.path.realpath(sys.executable):
    ver = f"py{sys.version_info.major}{sys.version_info.minor}"
else:
    ver = subprocess.run([python, "-c", "import sys; print(f'py{sys.version_info[0]}{sys.version_info[1]}')"],
                         capture_output=True, text=True, check=True).stdout.strip()
config.available_features.add(ver)
config.substitutions.append(("%pyprefix", ver.upper()))
