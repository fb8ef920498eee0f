# lit configuration for Kiln's IR goldens (tests/lit).
import os
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
# The running CPython decides which bytecode goldens apply.
ver = f"py{sys.version_info.major}{sys.version_info.minor}"
config.available_features.add(ver)
config.substitutions.append(("%pyprefix", ver.upper()))
