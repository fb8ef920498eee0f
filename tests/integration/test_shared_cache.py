"""The shared L2 tier on Redis (issue 10, part 2): real redis-server
processes on loopback ports and two or three kilnd processes sharing them.

A function compiled through server A is served by server B with no compile;
200 concurrent requests for one key over three servers compile once in all;
a Redis instance killed mid-test, one answering garbage and one that never
answers lose nothing but hits; a corrupt value is detected, deleted and
recompiled; AUTH with a password file; TLS (rediss://) to a redis-server
started with certificates made here.

In CI a missing redis-server fails these tests (conftest turns the skip into
a failure): CI must prove the tier, not skip it.
"""

import concurrent.futures
import json
import os
import re
import urllib.request
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time

import grpc
import pytest

from conftest import PYTHON_DIR, KilndProcess

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp_command(port, *args, password=None, timeout=5):
    """One command on a plain connection, by hand: the reply's first line and
    bulk payload (enough for SET/GET/DEL/KEYS)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        f = s.makefile("rb")

        def send(*a):
            parts = [b"*%d\r\n" % len(a)]
            for x in a:
                x = x if isinstance(x, bytes) else str(x).encode()
                parts.append(b"$%d\r\n%s\r\n" % (len(x), x))
            s.sendall(b"".join(parts))
            return read()

        def read():
            line = f.readline()
            if line[:1] == b"$":
                n = int(line[1:])
                return None if n < 0 else f.read(n + 2)[:-2]
            if line[:1] == b"*":
                return [read() for _ in range(int(line[1:]))]
            if line[:1] == b":":
                return int(line[1:])
            return line.rstrip(b"\r\n").decode()

        if password:
            assert send("AUTH", password) == "+OK"
        return send(*args)


class Redis:
    """A redis-server on a loopback port, no persistence."""

    def __init__(self, workdir, *extra, tls=None, password=None):
        self.port = free_port()
        self.password = password
        os.makedirs(workdir, exist_ok=True)
        self.log_path = os.path.join(workdir, f"redis-{self.port}.log")
        args = [REDIS_SERVER, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir,
                "--logfile", self.log_path]
        if tls:
            # TLS only: the plaintext port is a second one, for planting values.
            self.plain_port = free_port()
            args += ["--port", str(self.plain_port), "--tls-port", str(self.port), "--tls-cert-file", tls["cert"],
                     "--tls-key-file", tls["key"], "--tls-ca-cert-file", tls["ca"], "--tls-auth-clients", "no"]
        else:
            self.plain_port = self.port
            args += ["--port", str(self.port)]
        if password:
            args += ["--requirepass", password]
        self.proc = subprocess.Popen(args + list(extra), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {open(self.log_path).read()}")
            try:
                if resp_command(self.plain_port, "PING", password=password) == "+PONG":
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def url(self, scheme="redis"):
        return f"{scheme}://127.0.0.1:{self.port}"

    def cmd(self, *args):
        return resp_command(self.plain_port, *args, password=self.password)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def redis(tmp_path):
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip("needs redis-server (Debian's redis-server package)")
    started = []

    def start(*extra, **kw):
        r = Redis(str(tmp_path / "redis"), *extra, **kw)
        started.append(r)
        return r

    yield start
    for r in started:
        r.kill()


@pytest.fixture
def kilnds(kilnd_binary, tmp_path):
    started = []

    def start(*flags):
        d = tmp_path / f"kilnd{len(started)}"
        d.mkdir()
        # A generous timeout: the test machine is shared and loaded; the
        # failure tests below set their own short one.
        s = KilndProcess(kilnd_binary, str(d), ["--shared-cache-timeout-ms=2000", *flags])
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def stats(kiln_pb2):
    def get(server):
        with grpc.insecure_channel(server.target) as ch:
            raw = ch.unary_unary("/kiln.v1.Kiln/GetStats")(kiln_pb2.StatsRequest().SerializeToString(), timeout=30)
        return kiln_pb2.StatsResponse.FromString(raw)
    return get


# A client in its own process (nothing cached in memory between phases):
# compiles f0..f(n-1), calls each, and prints what jit and Python computed.
CLIENT = textwrap.dedent("""
    import json, sys
    from kiln import jit
    n, tag = int(sys.argv[1]), sys.argv[2]
    src = "".join(
        f"def f{i}(x):\\n    y = x\\n    for k in range({i % 5 + 1}):\\n        y = y * {i % 3 + 2} + {i}\\n"
        f"    return y - {tag}\\n" for i in range(n))
    ns = {}
    exec(compile(src, "generated.py", "exec"), ns)
    print(json.dumps([[jit(ns[f"f{i}"])(i + 1), ns[f"f{i}"](i + 1)] for i in range(n)]))
""")


def run_client(server, tmp_path, n, tag=0):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, str(script), str(n), str(tag)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": server.target})
    assert out.returncode == 0, out.stderr
    pairs = json.loads(out.stdout)
    wrong = [(i, got, want) for i, (got, want) in enumerate(pairs) if got != want]
    assert not wrong, f"wrong answers: {wrong[:5]}"
    assert len(pairs) == n
    return time.monotonic() - t0


def shared(*redises, scheme="redis"):
    return "--shared-cache=" + ",".join(r.url(scheme) for r in redises)


def test_compiled_through_a_is_served_by_b_without_a_compile(redis, kilnds, stats, tmp_path):
    r = redis()
    a = kilnds(shared(r))
    b = kilnds(shared(r), "--metrics-listen=127.0.0.1:0")
    run_client(a, tmp_path, 4, tag=1)
    sa = stats(a)
    # Written: 4 artifacts and the 4 bundles uploaded (opsrest).
    assert sa.l2_enabled and sa.compiles == 4 and sa.l2_writes == 8 and sa.l2_lock_acquired == 4
    assert len(r.cmd("KEYS", "kiln:a:*")) == 4
    assert r.cmd("KEYS", "kiln:lock:*") == []  # every lock released
    run_client(b, tmp_path, 4, tag=1)
    sb = stats(b)
    assert sb.compiles == 0, sb
    assert sb.l2_hits == 4 and sb.cache_hits == 4
    assert sb.bundle_uploads == 0  # a hit needs no bundle
    # The same counters as kilnctl stats' tiers.l2 and as B's Prometheus series.
    assert sb.l2.hits == 4 and sb.l2.writes == 0 and not sb.l2.degraded, sb.l2
    port = re.search(r"metrics on http://[^:]+:(\d+)/metrics", open(b.log_path).read()).group(1)
    scrape = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    assert re.search(r'^kiln_cache_lookups_total\{[^}]*tier="l2"[^}]*result="hit"[^}]*\} 4$', scrape.replace(
        'result="hit",tier="l2"', 'tier="l2",result="hit"'), re.M), scrape
    assert re.search(r'^kiln_shared_tier_up\{instance="[^"]+"\} 1$', scrape, re.M), scrape
    # B filled its L1: served again with no Redis at all.
    r.kill()
    run_client(b, tmp_path, 4, tag=1)
    sb = stats(b)
    assert sb.compiles == 0 and sb.l2_hits == 4 and sb.cache_hits == 8
    assert sb.l2_errors_connect + sb.l2_errors_timeout == 0  # L1 answered first


def compile_requests(kiln_pb2, n_funcs=1):
    """(request without the bundle, the bundle) for a fresh function."""
    from kiln import _kiln
    from kiln.bundle import bundle_spec
    ns = {}
    exec(compile(f"def g(x, y):\n    s = 0\n    for i in range(x):\n        s += i * y + {time.time_ns()}\n"
                 f"    return s\n", "concurrent.py", "exec"), ns)
    b = _kiln.make_bundle(bundle_spec(ns["g"]))
    t = _kiln.host_target()
    req = kiln_pb2.CompileRequest(bundle_hash=b.hash, arg_types=["int64", "int64"],
                                  target=kiln_pb2.Target(triple=t["triple"], cpu=t["cpu"], features=t["features"]))
    return req, kiln_pb2.Bundle.FromString(b.serialize())


def compile_via(kiln_pb2, channel, req, bundle):
    method = channel.unary_unary("/kiln.v1.Kiln/Compile", request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=kiln_pb2.CompileResponse.FromString)
    reply = method(req, timeout=120)
    if reply.status == kiln_pb2.CompileResponse.STATUS_NEED_BUNDLE:
        with_bundle = kiln_pb2.CompileRequest()
        with_bundle.CopyFrom(req)
        with_bundle.bundle.CopyFrom(bundle)
        reply = method(with_bundle, timeout=120)
    return reply


def test_200_concurrent_requests_over_three_servers_compile_once(redis, kilnds, stats, kiln_pb2):
    r1, r2 = redis(), redis()
    servers = [kilnds(shared(r1, r2)) for _ in range(3)]
    req, bundle = compile_requests(kiln_pb2)
    channels = [grpc.insecure_channel(s.target) for s in servers]
    try:
        barrier = threading.Barrier(200)

        def one(i):
            barrier.wait()
            return compile_via(kiln_pb2, channels[i % 3], req, bundle)

        with concurrent.futures.ThreadPoolExecutor(200) as pool:
            replies = list(pool.map(one, range(200)))
    finally:
        for ch in channels:
            ch.close()
    assert all(rep.status == kiln_pb2.CompileResponse.STATUS_OK for rep in replies), \
        [rep.diagnostic for rep in replies if rep.status != kiln_pb2.CompileResponse.STATUS_OK][:3]
    assert len({rep.artifact.shared_object for rep in replies}) == 1
    st = [stats(s) for s in servers]
    assert sum(s.compiles for s in st) == 1, [s.compiles for s in st]
    assert sum(s.l2_lock_acquired for s in st) == 1
    # Each of the other two got it from the cluster: waiting on the lock, or
    # from Redis afterwards.
    assert all(s.compiles + s.l2_lock_wait_hits + s.l2_hits >= 1 for s in st), st
    assert sum(s.l2_errors_timeout + s.l2_errors_connect + s.l2_errors_protocol for s in st) == 0
    # The value lives on the instance its key prefers, and only there.
    key = "kiln:a:" + replies[0].artifact.cache_key.hex()
    assert [r1.cmd("EXISTS", key), r2.cmd("EXISTS", key)] in ([1, 0], [0, 1])


@pytest.mark.parametrize("lock_px, lock_ms, waited", [(1500, 30000, 1.5), (600000, 1000, 1.0)])
def test_a_lost_lock_holder_never_hangs_anyone(redis, kilnds, stats, kiln_pb2, lock_px, lock_ms, waited):
    """A lock whose holder died: it expires by its PX, and a waiter never
    waits past --shared-cache-lock-ms either way; then it compiles itself."""
    r = redis()
    req, bundle = compile_requests(kiln_pb2)
    # The key, from a server on another Redis (keys do not depend on the tier).
    other = kilnds(shared(redis()))
    with grpc.insecure_channel(other.target) as ch:
        key = compile_via(kiln_pb2, ch, req, bundle).artifact.cache_key.hex()
    a = kilnds(shared(r), f"--shared-cache-lock-ms={lock_ms}")
    t0 = time.monotonic()
    assert r.cmd("SET", "kiln:lock:" + key, "a-server-that-died", "PX", lock_px) == "+OK"
    with grpc.insecure_channel(a.target) as ch:
        reply = compile_via(kiln_pb2, ch, req, bundle)
    elapsed = time.monotonic() - t0
    assert reply.status == kiln_pb2.CompileResponse.STATUS_OK
    sa = stats(a)
    assert sa.compiles == 1 and sa.l2_lock_waits == 1 and sa.l2_lock_wait_hits == 0
    assert waited * 0.9 <= elapsed < waited + 20, elapsed
    assert r.cmd("EXISTS", "kiln:a:" + key) == 1
    # A holder's release never deletes a lock it no longer holds.
    if lock_px > 100000:
        assert r.cmd("GET", "kiln:lock:" + key) == b"a-server-that-died"


def test_killing_a_redis_instance_loses_nothing_but_hits(redis, kilnds, stats, tmp_path):
    r1, r2 = redis(), redis()
    a = kilnds(shared(r1, r2), "--shared-cache-timeout-ms=200")
    run_client(a, tmp_path, 12, tag=3)
    on_r1 = len(r1.cmd("KEYS", "kiln:a:*"))
    on_r2 = len(r2.cmd("KEYS", "kiln:a:*"))
    assert on_r1 + on_r2 == 12 and on_r1 > 0 and on_r2 > 0  # spread over both
    r1.kill()
    # B starts after the kill, so only Redis can give it hits: every request
    # succeeds, r2's keys are hits, r1's are compiled again (and stored on r2,
    # the next instance up for them).
    b = kilnds(shared(r1, r2), "--shared-cache-timeout-ms=200")
    t = run_client(b, tmp_path, 12, tag=3)
    sb = stats(b)
    assert sb.l2_hits == on_r2 and sb.compiles == on_r1, sb
    assert sb.l2_degraded and sb.l2_instances == 2 and sb.l2_instances_down == 1 and sb.l2_degraded_events == 1
    assert sb.l2_errors_connect >= 1
    assert len(r2.cmd("KEYS", "kiln:a:*")) == 12
    # Killing the last one too: still every answer right, all from L1/compiles.
    r2.kill()
    c = kilnds(shared(r1, r2), "--shared-cache-timeout-ms=200")
    run_client(c, tmp_path, 12, tag=3)
    sc = stats(c)
    assert sc.compiles == 12 and sc.l2_hits == 0 and sc.l2_instances_down == 2
    assert t < 120


class StubRedis:
    """A TCP server that either answers every command with garbage or accepts
    and never answers."""

    def __init__(self, mode):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.mode = mode
        self.conns = []
        self.stopped = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.mode == "garbage":
                threading.Thread(target=self.garbage, args=(c,), daemon=True).start()

    def garbage(self, c):
        try:
            while c.recv(65536):
                c.sendall(b"%this is not RESP\r\n")
        except OSError:
            pass

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def close(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("mode", ["garbage", "silent"])
def test_a_redis_answering_garbage_or_nothing_degrades_to_l1(kilnds, stats, tmp_path, mode):
    stub = StubRedis(mode)
    try:
        a = kilnds(f"--shared-cache={stub.url()}", "--shared-cache-timeout-ms=100")
        t0 = time.monotonic()
        run_client(a, tmp_path, 5, tag=4)
        elapsed = time.monotonic() - t0
        sa = stats(a)
        assert sa.compiles == 5 and sa.l2_hits == 0 and sa.l2_degraded and sa.l2_degraded_events == 1
        if mode == "garbage":
            assert sa.l2_errors_protocol >= 1
        else:
            assert sa.l2_errors_timeout >= 1
        # The breaker: after the first failure the instance is skipped (one
        # trial every 3 s), so the timeouts are not paid per request (5
        # functions, ~3 Redis calls each).
        assert sa.l2_errors_protocol + sa.l2_errors_timeout <= 2 + elapsed / 3
        assert elapsed < 120
        with open(a.log_path) as f:
            assert f.read().count("is down") == 1  # logged once per state change
    finally:
        stub.close()


def test_a_corrupt_value_is_deleted_and_recompiled(redis, kilnds, stats, tmp_path):
    r = redis()
    a = kilnds(shared(r))
    run_client(a, tmp_path, 2, tag=5)
    keys = sorted(r.cmd("KEYS", "kiln:a:*"))
    assert len(keys) == 2
    good = [r.cmd("GET", k) for k in keys]
    # One value with a flipped payload byte (its checksum no longer matches),
    # one that is not a cache value at all.
    flipped = bytearray(good[0])
    flipped[len(flipped) // 2] ^= 0x40
    assert r.cmd("SET", keys[0], bytes(flipped)) == "+OK"
    assert r.cmd("SET", keys[1], b"garbage planted by the test") == "+OK"
    b = kilnds(shared(r))
    run_client(b, tmp_path, 2, tag=5)
    sb = stats(b)
    assert sb.l2_corrupt_values == 2 and sb.l2_errors_digest == 2
    assert sb.l2_hits == 0 and sb.compiles == 2
    # Deleted, then replaced by the recompiled value (byte-identical: the
    # compile is deterministic).
    assert [r.cmd("GET", k) for k in keys] == good
    with open(b.log_path) as f:
        assert f.read().count("failed its checks") == 2


def test_auth_with_a_password_file(redis, kilnds, stats, tmp_path):
    r = redis(password="s3cret-pass")
    pw = tmp_path / "redis-password"
    pw.write_text("s3cret-pass\n")
    a = kilnds(shared(r), f"--shared-cache-password-file={pw}")
    run_client(a, tmp_path, 2, tag=6)
    sa = stats(a)
    assert sa.l2_writes == 4 and not sa.l2_degraded  # 2 artifacts, 2 bundles
    # The password in the URL works too; a wrong one degrades to L1, counted.
    b = kilnds(f"--shared-cache=redis://:s3cret-pass@127.0.0.1:{r.port}")
    run_client(b, tmp_path, 2, tag=6)
    assert stats(b).l2_hits == 2
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    c = kilnds(shared(r), f"--shared-cache-password-file={wrong}")
    run_client(c, tmp_path, 2, tag=6)
    sc = stats(c)
    assert sc.compiles == 2 and sc.l2_hits == 0 and sc.l2_degraded and sc.l2_errors_protocol >= 1
    with open(c.log_path) as f:
        assert "s3cret" not in f.read() and "nope" not in open(c.log_path).read()


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def pki(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    d = str(tmp_path / "pki")
    os.makedirs(d)
    for ca in ("ca", "other"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                f"{ca}.key", "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN=kiln redis test {ca}", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)
    return lambda name: os.path.join(d, name)


def test_tls_to_a_redis_with_test_made_certificates(redis, kilnds, stats, tmp_path, pki):
    r = redis(tls={"cert": pki("server.pem"), "key": pki("server.key"), "ca": pki("ca.pem")})
    a = kilnds(shared(r, scheme="rediss"), f"--shared-cache-tls-ca={pki('ca.pem')}")
    run_client(a, tmp_path, 2, tag=7)
    assert stats(a).l2_writes == 4  # 2 artifacts, 2 bundles
    b = kilnds(shared(r, scheme="rediss"), f"--shared-cache-tls-ca={pki('ca.pem')}")
    run_client(b, tmp_path, 2, tag=7)
    sb = stats(b)
    assert sb.l2_hits == 2 and sb.compiles == 0
    # A server certificate our CA did not sign: refused (degraded), never used.
    c = kilnds(shared(r, scheme="rediss"), f"--shared-cache-tls-ca={pki('other.pem')}")
    run_client(c, tmp_path, 2, tag=7)
    sc = stats(c)
    assert sc.l2_hits == 0 and sc.compiles == 2 and sc.l2_degraded and sc.l2_errors_connect >= 1
    with open(c.log_path) as f:
        assert "certificate" in f.read()


def test_bad_shared_cache_flags_stop_start_up(kilnd_binary, tmp_path):
    for flags, message in [(["--shared-cache=http://x:1"], "redis://"),
                           (["--shared-cache=redis://127.0.0.1:1", "--shared-cache-password-file=/nonexistent"],
                            "password-file"),
                           (["--shared-cache=redis://127.0.0.1:1", "--shared-cache-tls-ca=/x.pem"], "rediss://"),
                           (["--shared-cache=redis://127.0.0.1:1", "--shared-cache-timeout-ms=0"], "positive")]:
        out = subprocess.run([kilnd_binary, "--socket", str(tmp_path / "k.sock"), "--cache-dir", str(tmp_path / "c"),
                              *flags], capture_output=True, text=True, timeout=60)
        assert out.returncode != 0, flags
        assert message in out.stderr, (flags, out.stderr)


# opsrest: bundles through L2 and the cluster lock renewed while its compile
# runs.

def compile_once(kiln_pb2, channel, req):
    """One Compile call as sent (no retry with the bundle)."""
    method = channel.unary_unary("/kiln.v1.Kiln/Compile", request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=kiln_pb2.CompileResponse.FromString)
    return method(req, timeout=120)


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_bundle_sent_to_a_is_known_to_b(redis, kilnds, stats, kiln_pb2):
    """B is asked, without the bundle, for the key A is compiling (slowly):
    it finds the bundle in Redis, waits on A's lock and serves A's result:
    no upload asked, no compile. Then a new signature on B: compiled there,
    still no upload."""
    r = redis()
    a = kilnds(shared(r), "--test-only-compile-delay-ms=1500")
    b = kilnds(shared(r))
    req, bundle = compile_requests(kiln_pb2)
    bundle_key = "kiln:b:" + req.bundle_hash.hex()
    with grpc.insecure_channel(a.target) as cha, grpc.insecure_channel(b.target) as chb:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            on_a = pool.submit(compile_via, kiln_pb2, cha, req, bundle)
            # A has the bundle (written to Redis on upload) and holds the lock.
            wait_for(lambda: r.cmd("EXISTS", bundle_key) == 1 and r.cmd("KEYS", "kiln:lock:*") != [],
                     what="A's bundle and lock in Redis")
            on_b = compile_once(kiln_pb2, chb, req)
            assert on_b.status == kiln_pb2.CompileResponse.STATUS_OK, on_b
            assert on_a.result().artifact.shared_object == on_b.artifact.shared_object
        sb = stats(b)
        assert sb.bundle_uploads == 0 and sb.compiles == 0, sb
        assert sb.l2_bundle_hits == 1 and sb.l2_lock_waits == 1 and sb.l2_lock_wait_hits == 1, sb
        # Another signature: B compiles it, from the bundle it got from Redis.
        other = kiln_pb2.CompileRequest()
        other.CopyFrom(req)
        del other.arg_types[:]
        other.arg_types.extend(["int32", "int32"])
        reply = compile_once(kiln_pb2, chb, other)
        assert reply.status == kiln_pb2.CompileResponse.STATUS_OK, reply
        sb = stats(b)
        assert sb.bundle_uploads == 0 and sb.compiles == 1, sb
    sa = stats(a)
    assert sa.compiles == 1 and sa.bundle_uploads == 1 and sa.l2_writes == 2  # the bundle and the artifact


def xxh3_64(data):
    import ctypes
    lib = ctypes.CDLL("libxxhash.so.0")
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib.XXH3_64bits(data, len(data))


def cache_value(kind, key, payload):
    """cache/value_format.h's frame, built here: a value whose own checks
    pass (for a payload that is still wrong)."""
    head = b"KILN" + bytes([1, kind]) + key + len(payload).to_bytes(8, "little") + payload
    return head + xxh3_64(head).to_bytes(8, "little")


@pytest.mark.parametrize("damage", ["flipped", "other-bundle"])
def test_a_corrupt_bundle_in_redis_is_never_used(redis, kilnds, stats, kiln_pb2, damage):
    """A bundle value with a flipped byte (its checksum fails), or a well-formed
    value holding another bundle (its SHA-256 is not its key): counted,
    deleted, and the client is asked for the bundle instead."""
    r = redis()
    a = kilnds(shared(r))
    req, bundle = compile_requests(kiln_pb2)
    with grpc.insecure_channel(a.target) as ch:
        assert compile_via(kiln_pb2, ch, req, bundle).status == kiln_pb2.CompileResponse.STATUS_OK
    bundle_key = "kiln:b:" + req.bundle_hash.hex()
    good = r.cmd("GET", bundle_key)
    assert good is not None and bundle.SerializeToString(deterministic=True) in good
    if damage == "flipped":
        bad = bytearray(good)
        bad[len(bad) // 2] ^= 0x10
        bad = bytes(bad)
    else:
        other_req, other_bundle = compile_requests(kiln_pb2)
        bad = cache_value(2, req.bundle_hash, other_bundle.SerializeToString(deterministic=True))
    assert r.cmd("SET", bundle_key, bad) == "+OK"
    b = kilnds(shared(r))
    other = kiln_pb2.CompileRequest()
    other.CopyFrom(req)
    del other.arg_types[:]
    other.arg_types.extend(["int32", "int64"])
    with grpc.insecure_channel(b.target) as ch:
        reply = compile_once(kiln_pb2, ch, other)
        assert reply.status == kiln_pb2.CompileResponse.STATUS_NEED_BUNDLE, reply
        sb = stats(b)
        assert sb.l2_corrupt_values == 1 and sb.l2_errors_digest == 1 and sb.l2_bundle_hits == 0, sb
        assert sb.compiles == 0
        assert r.cmd("EXISTS", bundle_key) == 0  # deleted
        # Uploaded: compiled right, and the good bundle is back in Redis.
        reply = compile_via(kiln_pb2, ch, other, bundle)
        assert reply.status == kiln_pb2.CompileResponse.STATUS_OK, reply
    assert r.cmd("GET", bundle_key) == good
    sb = stats(b)
    assert sb.bundle_uploads == 1 and sb.compiles == 1
    with open(b.log_path) as f:
        assert "failed its checks" in f.read()


def test_a_compile_longer_than_the_lock_is_renewed_and_runs_once(redis, kilnds, stats, kiln_pb2):
    """Each compile takes 2.5 s (a test-only delay) under a 500 ms lock: the
    holder renews it (every ~170 ms), so three servers asked at once compile
    the key once, and nobody waits past it either."""
    r = redis()
    servers = [kilnds(shared(r), "--shared-cache-lock-ms=500", "--test-only-compile-delay-ms=2500")
               for _ in range(3)]
    req, bundle = compile_requests(kiln_pb2)
    channels = [grpc.insecure_channel(s.target) for s in servers]
    try:
        barrier = threading.Barrier(3)

        def one(i):
            barrier.wait()
            return compile_via(kiln_pb2, channels[i], req, bundle)

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            replies = list(pool.map(one, range(3)))
        elapsed = time.monotonic() - t0
    finally:
        for ch in channels:
            ch.close()
    assert all(rep.status == kiln_pb2.CompileResponse.STATUS_OK for rep in replies), replies
    assert len({rep.artifact.shared_object for rep in replies}) == 1
    st = [stats(s) for s in servers]
    assert sum(s.compiles for s in st) == 1, [s.compiles for s in st]
    holder = next(s for s in st if s.compiles == 1)
    assert holder.l2_lock_acquired == 1 and holder.l2_lock_renewals >= 3 and holder.l2_locks_lost == 0, holder
    assert sum(s.l2_lock_wait_hits for s in st) == 2, st
    assert r.cmd("KEYS", "kiln:lock:*") == []  # released, not left to expire
    assert elapsed < 60, elapsed
