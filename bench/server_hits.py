"""Cache hits at the server, measured (issue 10, part 10; docs/operations.md "Sizing").

  (1) Cache-hit latency at the server (p50/p99) and hits per second with 1, 8
      and 64 concurrent clients, over the Unix socket, TCP without TLS and TCP
      with TLS (certificates made here with openssl). A hit is a Compile RPC
      (by hash, no bundle) for a key the server has already compiled. The
      load is build/tests/drills/kiln_load (C++: each client a thread with its
      own channel, so the numbers are the server's and gRPC's, not Python's):
      it compiles the hit keys first, each client then sends untimed warm-up
      hits, and every client calls back to back for --seconds. Every timed
      request must come back a server cache hit with no error.
  (2) The shared L2 tier: runs bench/shared_cache.py (an L2 hit at a server,
      and a fresh Python process getting an already-cached function from a
      second server through Redis, against Numba's own cache hit in a fresh
      process in the same run) and prints its table.

Starts its own kilnd processes (and, through shared_cache.py, redis-server) in
a temporary folder and stops them. A benchmark, not a test: it exits 0 once it
has run, 1 if a configuration had errors or a non-hit.

    source scripts/env.sh && python3 bench/server_hits.py [--clients 1,8,64] [--seconds 5]
        [--transports unix,tcp,tls] [--no-l2] [--l2-args "--functions 40 --servers 5 --trials 7"] [--json F]
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON_DIR = os.path.join(ROOT, "client", "python")
sys.path.insert(0, PYTHON_DIR)
BUILD = os.environ.get("KILN_BUILD") or os.path.join(ROOT, "build")
KILND = os.environ.get("KILN_KILND") or os.path.join(BUILD, "server", "kilnd")
KILN_LOAD = os.path.join(BUILD, "tests", "drills", "kiln_load")
TRANSPORTS = ("unix", "tcp", "tls")


def hit_target(x):
    return x * 3 + 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(d):
    """A CA and a server certificate for localhost / 127.0.0.1 (P-256)."""
    os.makedirs(d)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=kiln bench CA", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)
    return {k: os.path.join(d, k) for k in ("ca.pem", "server.pem", "server.key")}


class Kilnd:
    """A private kilnd serving one transport."""

    def __init__(self, d, transport, pki=None):
        os.makedirs(d)
        args = [KILND, "--cache-dir", os.path.join(d, "cache")]
        if transport == "unix":
            sock = os.path.join(d, "kilnd.sock")
            args += ["--socket", sock]
            self.target = "unix:" + sock
            self.address = (socket.AF_UNIX, sock)
        else:
            port = free_port()
            args += ["--listen", f"127.0.0.1:{port}"]
            if transport == "tls":
                args += ["--tls-cert", pki["server.pem"], "--tls-key", pki["server.key"]]
            self.target = f"127.0.0.1:{port}"
            self.address = (socket.AF_INET, ("127.0.0.1", port))
        self.log_path = os.path.join(d, "kilnd.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kilnd exited with {self.proc.returncode}: {open(self.log_path).read()}")
            try:
                with socket.socket(self.address[0]) as s:
                    s.connect(self.address[1])
                    return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise RuntimeError("kilnd did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_load(server, transport, bundle, clients, args, pki, out):
    cmd = [KILN_LOAD, "--target", server.target, "--bundle", bundle, "--clients", str(clients), "--seconds",
           str(args.seconds), "--miss-percent", "0", "--hit-keys", str(args.hit_keys), "--warmup-requests",
           str(args.warmup_requests), "--json", out]
    if transport == "tls":
        cmd += ["--tls-ca", pki["ca.pem"], "--tls-server-name", "localhost"]
    load_before = os.getloadavg()[0]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.seconds + 300)
    load_after = os.getloadavg()[0]
    if not os.path.exists(out):
        raise RuntimeError(f"kiln_load failed ({p.returncode}): {p.stdout}{p.stderr}")
    with open(out) as f:
        r = json.load(f)
    r.update(transport=transport, load_before=load_before, load_after=load_after, returncode=p.returncode,
             output=p.stdout.strip())
    return r


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def section1(work, args):
    import kiln
    bundle = os.path.join(work, "bundle.bin")
    with open(bundle, "wb") as f:
        f.write(kiln.jit(hit_target).bundle().serialize())
    pki = None
    transports = [t.strip() for t in args.transports.split(",") if t.strip()]
    for t in transports:
        if t not in TRANSPORTS:
            sys.exit(f"unknown transport {t!r} (one of {', '.join(TRANSPORTS)})")
    if "tls" in transports:
        if shutil.which("openssl") is None:
            print("tls: skipped (no openssl command)")
            transports.remove("tls")
        else:
            pki = make_certificates(os.path.join(work, "pki"))
    clients = [int(c) for c in args.clients.split(",")]
    rows = []
    for t in transports:
        server = Kilnd(os.path.join(work, f"kilnd-{t}"), t, pki)
        try:
            for n in clients:
                rows.append(run_load(server, t, bundle, n, args, pki, os.path.join(work, f"{t}-{n}.json")))
        finally:
            server.stop()
    return rows


def print_table(rows, args):
    print(f"(1) cache hits at the server: Compile RPC by hash for a cached key, kiln_load, "
          f"{args.seconds:g} s per row after {args.warmup_requests} warm-up hits per client")
    print(f"    {'transport':<10}{'clients':>8}{'requests':>10}{'hits/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}  load 1-min before/after")
    for r in rows:
        bad = "" if r["errors"] == 0 and r["server_cache_hits"] == r["requests"] else \
            f"  ERRORS {r['errors']}, server hits {r['server_cache_hits']} of {r['requests']}"
        print(f"    {r['transport']:<10}{r['clients']:>8}{r['requests']:>10}{r['requests_per_second']:>10.0f}"
              f"{r['hit_p50_us'] / 1000:>9.3f}{r['hit_p99_us'] / 1000:>9.3f}{r['max_us'] / 1000:>9.2f}"
              f"  {r['load_before']:.1f}/{r['load_after']:.1f}{bad}")


def section2(args):
    script = os.path.join(ROOT, "bench", "shared_cache.py")
    if shutil.which("redis-server") is None and not os.path.exists("/usr/bin/redis-server"):
        print("(2) L2: skipped (no redis-server)")
        return None
    print(f"(2) the shared L2 tier: bench/shared_cache.py {args.l2_args}", flush=True)
    p = subprocess.run([sys.executable, script, *shlex.split(args.l2_args)], capture_output=True, text=True,
                       timeout=1800)
    text = (p.stdout + (p.stderr if p.returncode else "")).rstrip()
    print(text)
    return {"returncode": p.returncode, "output": text}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default="1,8,64", help="comma-separated concurrent client counts")
    ap.add_argument("--seconds", type=float, default=5, help="timed seconds per configuration")
    ap.add_argument("--warmup-requests", type=int, default=20, help="untimed hits per client before the clock")
    ap.add_argument("--hit-keys", type=int, default=4, help="distinct cached keys the clients ask for")
    ap.add_argument("--transports", default="unix,tcp,tls")
    ap.add_argument("--no-l2", action="store_true", help="skip (2), bench/shared_cache.py")
    ap.add_argument("--l2-args", default="--functions 40 --servers 5 --trials 7",
                    help="arguments for bench/shared_cache.py")
    ap.add_argument("--json")
    args = ap.parse_args()
    for path in (KILND, KILN_LOAD):
        if not os.access(path, os.X_OK):
            sys.exit(f"no {path}: ninja -C {BUILD} kilnd kiln_load")
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(), "load_start": os.getloadavg(),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in machine['load_start'])}, {machine['date']}", flush=True)
    work = tempfile.mkdtemp(prefix="kiln-bench-hits-")
    try:
        rows = section1(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args)
    l2 = None if args.no_l2 else section2(args)
    machine["load_end"] = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "hits": rows, "l2": l2, "seconds": args.seconds,
                       "warmup_requests": args.warmup_requests, "hit_keys": args.hit_keys}, f, indent=1)
    ok = all(r["errors"] == 0 and r["server_cache_hits"] == r["requests"] and r["requests"] > 0 for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
