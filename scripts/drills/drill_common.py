"""Helpers shared by the drills (scripts/drills/*.py): a kilnd of our own on
a private socket or port and cache folder, killed at the end whatever happens.
Every drill prints its figures as `figure: NAME = VALUE` lines, which
docs/security.md quotes."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))


def kilnd_path():
    path = os.environ.get("KILN_KILND") or os.path.join(ROOT, "build", "server", "kilnd")
    if not os.access(path, os.X_OK):
        sys.exit(f"no kilnd at {path}: build first (bash scripts/build.sh) or set KILN_KILND")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def socket_accepts(path):
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(path)
            return True
        except OSError:
            return False


def port_accepts(port):
    with socket.socket() as s:
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Kilnd:
    """kilnd on `sock` (a Unix socket path) or `port` (127.0.0.1), caching in
    `cache_dir`."""

    def __init__(self, cache_dir, sock=None, port=None, extra=(), log=None):
        args = [kilnd_path(), "--cache-dir", cache_dir, *extra]
        if sock:
            args += ["--socket", sock]
        if port:
            args += ["--listen", f"127.0.0.1:{port}"]
        self.sock, self.port = sock, port
        self.log = open(log or os.devnull, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while not (socket_accepts(sock) if sock else port_accepts(port)):
            if self.proc.poll() is not None:
                raise RuntimeError(f"kilnd exited with {self.proc.returncode} during start-up ({args})")
            if time.time() > deadline:
                self.kill()
                raise RuntimeError("kilnd did not start within 30 s")
            time.sleep(0.01)

    @property
    def target(self):
        return f"unix:{self.sock}" if self.sock else f"127.0.0.1:{self.port}"

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.log.close()


class TempDir:
    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def figure(name, value):
    print(f"figure: {name} = {value}", flush=True)


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]
