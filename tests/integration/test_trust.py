"""Trust (issue 7 parts 6 and 7): TLS and mTLS on real channels, bearer
tokens and their rights, private permissions, and a client that refuses
compiled code the server did not seal, against a fake server that serves a
tampered object. Certificates and keys are made here with openssl."""

import grpc
import hashlib
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time

import pytest

from conftest import PYTHON_DIR, ROOT

import kiln
from kiln import _kiln
from kiln.errors import KilnError

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

ADMIN_TOKEN = "adm-" + "a1" * 16
COMPILE_TOKEN = "cmp-" + "c2" * 16
LAUNCH_TOKEN = "lch-" + "d3" * 16


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=kiln test {name}", cwd=d)


def make_leaf(d, ca, name, ext):
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(ext + "\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for localhost/127.0.0.1, a client
    certificate of that CA, and an unrelated CA with its own client."""
    d = str(tmp_path_factory.mktemp("pki"))
    make_ca(d, "ca")
    make_ca(d, "other_ca")
    make_leaf(d, "ca", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth")
    make_leaf(d, "ca", "client", "extendedKeyUsage=clientAuth")
    make_leaf(d, "other_ca", "stranger", "extendedKeyUsage=clientAuth")
    return lambda name: os.path.join(d, name)


def write_tokens(path, lines):
    with open(path, "w") as f:
        f.write("# kiln test tokens\n" + "".join(line + "\n" for line in lines))
    os.chmod(path, 0o600)


class Server:
    """kilnd on 127.0.0.1 (port 0: the log says which) with the given flags."""

    def __init__(self, binary, workdir, *flags, umask=None, socket_path=None):
        self.log_path = os.path.join(workdir, "kilnd.log")
        args = [binary, "--cache-dir", os.path.join(workdir, "cache"), "--verify-each", *flags]
        if socket_path:
            args += ["--socket", socket_path]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
        self.target = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = re.search(r"serving on (\S+?)(?:, (\S+?))?, cache", self.log())
            if m:
                self.target = m.group(2) or m.group(1)
                return
            if self.proc.poll() is not None:
                return
            time.sleep(0.02)
        raise RuntimeError(f"kilnd did not start:\n{self.log()}")

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def exited(self, timeout=20):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        # SIGKILL: these servers hold nothing worth a clean stop, and a
        # graceful one waits out the open channels of this process's client.
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def servers(kilnd_binary, tmp_path):
    started = []

    def start(*flags, **kw):
        d = tmp_path / f"server{len(started)}"
        d.mkdir()
        s = Server(kilnd_binary, str(d), *flags, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def client_env(monkeypatch):
    """A clean client environment: no trust settings inherited."""
    for var in ("KILN_SERVER", "KILN_TLS", "KILN_TLS_CA", "KILN_TLS_CERT", "KILN_TLS_KEY", "KILN_TLS_SERVER_NAME",
                "KILN_TOKEN", "KILN_TOKEN_FILE", "KILN_SERVER_KEY"):
        monkeypatch.delenv(var, raising=False)

    def use(**env):
        for k, v in env.items():
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, v)

    return use


def compile_and_call(k=41):
    @kiln.jit
    def add1(x):
        return x + 1
    return add1(k)


def tls_server(servers, pki, tmp_path, *extra):
    tokens = str(tmp_path / "tokens")
    write_tokens(tokens, [f"{ADMIN_TOKEN} alice admin,compile", f"{COMPILE_TOKEN} bob compile",
                          f"{LAUNCH_TOKEN} carol launch"])
    return servers("--listen", "127.0.0.1:0", "--tls-cert", pki("server.pem"), "--tls-key", pki("server.key"),
                   "--tokens", tokens, *extra), tokens


# ---- TLS, mTLS and tokens ----

def test_tls_with_a_token_compiles_and_runs(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path)
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"), KILN_TOKEN=COMPILE_TOKEN)
    assert compile_and_call() == 42
    assert _kiln.server_stats(False)["compiles"] >= 1


def test_tls_token_from_a_file(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path)
    token_file = tmp_path / "my_token"
    token_file.write_text(COMPILE_TOKEN + "\n")
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"), KILN_TOKEN_FILE=str(token_file))
    assert compile_and_call(1) == 2


def test_missing_or_unknown_token_is_unauthenticated(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path)
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"))
    with pytest.raises(KilnError, match="requires a bearer token"):
        compile_and_call()
    client_env(KILN_TOKEN="not-a-token-of-this-server")
    with pytest.raises(KilnError, match="unknown or revoked token"):
        compile_and_call()


def test_rights_are_enforced_per_rpc(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path)
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"), KILN_TOKEN=LAUNCH_TOKEN)
    with pytest.raises(KilnError, match="Compile needs the 'compile' right, which token 'carol' does not have"):
        compile_and_call()
    client_env(KILN_TOKEN=COMPILE_TOKEN)
    with pytest.raises(KilnError, match="Shutdown needs the 'admin' right, which token 'bob' does not have"):
        _kiln.server_shutdown()
    assert server.proc.poll() is None
    client_env(KILN_TOKEN=ADMIN_TOKEN)
    _kiln.server_shutdown()
    assert server.exited() == 0


def test_sighup_reloads_the_tokens(servers, pki, tmp_path, client_env):
    server, tokens = tls_server(servers, pki, tmp_path)
    new_token = "new-" + "e4" * 16
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"), KILN_TOKEN=new_token)
    with pytest.raises(KilnError, match="unknown or revoked token"):
        _kiln.server_stats(False)
    write_tokens(tokens, [f"{new_token} dave compile"])  # bob's token is revoked
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "reloaded 1 token(s)" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _kiln.server_stats(False)["compile_requests"] == 0
    client_env(KILN_TOKEN=COMPILE_TOKEN)
    with pytest.raises(KilnError, match="unknown or revoked token"):
        _kiln.server_stats(False)
    # A broken file keeps the tokens that work.
    with open(tokens, "a") as f:
        f.write("short x compile\n")
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "keeping the old tokens" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "shorter than 16 characters" in server.log()
    client_env(KILN_TOKEN=new_token)
    assert _kiln.server_stats(False)["compile_requests"] == 0


def test_client_refuses_a_server_its_ca_did_not_sign(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path)
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("other_ca.pem"), KILN_TOKEN=COMPILE_TOKEN,
               KILN_CONNECT_TIMEOUT="1")
    with pytest.raises(KilnError, match="the TLS handshake failed"):
        _kiln.server_stats(False)
    # And a plaintext client gets no answer from a TLS listener.
    client_env(KILN_TLS_CA=None)
    with pytest.raises(KilnError, match="it speaks TLS and this client does not"):
        _kiln.server_stats(False)


def test_mtls_requires_a_client_certificate_of_the_ca(servers, pki, tmp_path, client_env):
    server, _ = tls_server(servers, pki, tmp_path, "--tls-client-ca", pki("ca.pem"))
    client_env(KILN_SERVER=server.target, KILN_TLS_CA=pki("ca.pem"), KILN_TOKEN=COMPILE_TOKEN)
    with pytest.raises(KilnError):
        _kiln.server_stats(False)  # no client certificate
    client_env(KILN_TLS_CERT=pki("stranger.pem"), KILN_TLS_KEY=pki("stranger.key"))
    with pytest.raises(KilnError):
        _kiln.server_stats(False)  # a certificate of another CA
    client_env(KILN_TLS_CERT=pki("client.pem"), KILN_TLS_KEY=pki("client.key"))
    assert compile_and_call(2) == 3


def test_raw_grpc_channel_sees_the_status_codes(servers, pki, tmp_path):
    """The same checks through grpc's own Python channel: the codes, not
    just the messages."""
    server, _ = tls_server(servers, pki, tmp_path)
    with open(pki("ca.pem"), "rb") as f:
        creds = grpc.ssl_channel_credentials(root_certificates=f.read())
    with grpc.secure_channel(server.target, creds) as channel:
        stats = channel.unary_unary("/kiln.v1.Kiln/GetStats", request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        shutdown = channel.unary_unary("/kiln.v1.Kiln/Shutdown", request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as e:
            stats(b"", timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert stats(b"", timeout=10, metadata=[("authorization", f"Bearer {COMPILE_TOKEN}")]) is not None
        with pytest.raises(grpc.RpcError) as e:
            shutdown(b"", timeout=10, metadata=[("authorization", f"Bearer {COMPILE_TOKEN}")])
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_plaintext_tcp_without_tokens_cannot_shut_down(servers, client_env):
    server = servers("--listen", "127.0.0.1:0")
    client_env(KILN_SERVER=server.target)
    assert compile_and_call(5) == 6
    with pytest.raises(KilnError, match="Shutdown needs the 'admin' right: over TCP that takes a bearer token"):
        _kiln.server_shutdown()
    assert server.proc.poll() is None


def test_non_loopback_plaintext_needs_insecure(servers):
    refused = servers("--listen", "0.0.0.0:0")
    assert refused.exited() == 1
    assert "refusing to serve plaintext on 0.0.0.0:0" in refused.log()
    assert "--insecure" in refused.log()
    allowed = servers("--listen", "0.0.0.0:0", "--insecure")
    assert allowed.target is not None, allowed.log()
    assert "--insecure: serving plaintext without TLS on 0.0.0.0:0" in allowed.log()


def test_bad_tls_or_token_settings_stop_start_up(servers, pki, tmp_path):
    s = servers("--listen", "127.0.0.1:0", "--tls-cert", pki("server.pem"))
    assert s.exited() == 1 and "--tls-cert and --tls-key go together" in s.log()
    tokens = tmp_path / "open_tokens"
    tokens.write_text(f"{ADMIN_TOKEN} alice admin\n")
    tokens.chmod(0o644)
    s = servers("--listen", "127.0.0.1:0", "--tokens", str(tokens))
    assert s.exited() == 1 and "accessible by group or others" in s.log()
    write_tokens(str(tokens), [f"{ADMIN_TOKEN} alice root"])
    s = servers("--listen", "127.0.0.1:0", "--tokens", str(tokens))
    assert s.exited() == 1 and "line 2: unknown right 'root'" in s.log()


# ---- permissions ----

def test_socket_and_cache_are_private_whatever_the_umask(servers, tmp_path):
    sock_dir = tmp_path / "run" / "kiln"
    s = servers(socket_path=str(sock_dir / "kilnd.sock"), umask=0)
    assert s.target is not None, s.log()
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    assert mode(sock_dir) == 0o700
    assert mode(tmp_path / "run") == 0o700
    assert mode(sock_dir / "kilnd.sock") == 0o600
    cache = tmp_path / "server0" / "cache"
    assert mode(cache) == 0o700
    files = [os.path.join(r, f) for r, _, fs in os.walk(cache) for f in fs]
    assert files
    assert all(mode(f) & 0o077 == 0 for f in files), {f: oct(mode(f)) for f in files}


def test_refuses_a_socket_folder_others_can_write(servers, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    s = servers(socket_path=str(shared / "kilnd.sock"))
    assert s.exited() == 1
    assert "group or others can write it" in s.log()
    assert not (shared / "kilnd.sock").exists()


# ---- signed artifacts ----

def test_signed_artifacts_verify_with_the_server_key(servers, tmp_path, client_env):
    key = tmp_path / "signing.pem"
    server = servers("--listen", "127.0.0.1:0", "--signing-key", str(key))
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    pub = str(key) + ".pub"
    assert open(pub).read().startswith("-----BEGIN PUBLIC KEY-----")
    # The public key as OpenSSL derives it from the private one.
    derived = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout"], capture_output=True, text=True,
                             check=True).stdout
    assert derived == open(pub).read()
    client_env(KILN_SERVER=server.target, KILN_SERVER_KEY=pub)
    assert compile_and_call(10) == 11
    # The key as PEM text in the variable works as well.
    client_env(KILN_SERVER_KEY=open(pub).read())
    assert compile_and_call(11) == 12


def test_wrong_key_and_unsigned_artifacts_are_refused(servers, tmp_path, client_env):
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(other)], check=True)
    other_pub = tmp_path / "other.pub"
    subprocess.run(["openssl", "pkey", "-in", str(other), "-pubout", "-out", str(other_pub)], check=True)
    signed = servers("--listen", "127.0.0.1:0", "--signing-key", str(tmp_path / "k.pem"))
    client_env(KILN_SERVER=signed.target, KILN_SERVER_KEY=str(other_pub))
    with pytest.raises(KilnError, match="signature does not verify with the configured server key.*nothing was loaded"):
        compile_and_call()
    unsigned = servers("--listen", "127.0.0.1:0")
    client_env(KILN_SERVER=unsigned.target)
    with pytest.raises(KilnError, match="the artifact is unsigned, but a server key is configured"):
        compile_and_call()
    client_env(KILN_SERVER_KEY=str(tmp_path / "missing.pub"))
    with pytest.raises(KilnError, match="KILN_SERVER_KEY="):
        compile_and_call()


def test_embedded_server_creates_its_key_and_its_client_trusts_it(kilnd_binary, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILN_")}
    env.update(XDG_CACHE_HOME=str(tmp_path), KILN_KILND=kilnd_binary, PYTHONPATH=PYTHON_DIR)
    code = "import kiln\n@kiln.jit\ndef f(x):\n    return x * 3\nassert f(14) == 42\n"
    try:
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        [server_dir] = (tmp_path / "kiln").glob("server-*")
        assert stat.S_IMODE(os.stat(server_dir / "kilnd.key").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(server_dir / "kilnd.key.pub").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(server_dir).st_mode) == 0o700
        # The embedded client checks the signature: swap in another public key
        # and the same code is refused.
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "o.pem")], check=True)
        subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "o.pem"), "-pubout", "-out",
                        str(server_dir / "kilnd.key.pub")], check=True)
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0
        assert "signature does not verify" in r.stderr
    finally:
        subprocess.run([sys.executable, "-m", "kiln.ctl", "stop"], env=env, capture_output=True, timeout=30)


# ---- a fake server serving a tampered object ----

EVIL_C = r"""
#include <stdint.h>
#include <stdio.h>
__attribute__((constructor)) static void evil_constructor(void) {
  FILE* f = fopen("%s", "w");
  if (f) { fputs("constructor ran\n", f); fclose(f); }
}
int32_t evil_entry(void* ret, void* const* args, void* err) {
  (void)args; (void)err;
  *(int64_t*)ret = 666;
  return 0;
}
"""


def seal_digest(request, a):
    """kiln/v1/artifact_seal.h's digest, written again from its comment."""
    bare = type(request)()
    bare.CopyFrom(request)
    bare.ClearField("bundle")
    request_digest = hashlib.sha256(bare.SerializeToString(deterministic=True)).digest()
    h = hashlib.sha256()

    def field(b):
        h.update(struct.pack("<Q", len(b)))
        h.update(b)

    field(b"kiln.v1.Artifact.digest")
    field(request_digest)
    field(a.cache_key)
    field(a.entry_symbol.encode())
    field(a.return_type.encode())
    h.update(struct.pack("<Q", len(a.arg_types)))
    for t in a.arg_types:
        field(t.encode())
    field(a.shared_object)
    return h.digest()


class FakeServer:
    """A gRPC server on a Unix socket that answers every Compile with the
    evil object: `seal` decides what digest and signature it carries."""

    def __init__(self, pb, socket_path, evil_so, seal):
        self.requests = 0

        def compile_rpc(request, context):
            self.requests += 1
            reply = pb.CompileResponse(status=pb.CompileResponse.STATUS_OK)
            a = reply.artifact
            a.shared_object = evil_so
            a.entry_symbol = "evil_entry"
            a.return_type = "int64"
            a.arg_types.extend(request.arg_types)
            a.cache_key = b"\x07" * 32
            seal(request, a)
            return reply

        handler = grpc.method_handlers_generic_handler("kiln.v1.Kiln", {
            "Compile": grpc.unary_unary_rpc_method_handler(
                compile_rpc, request_deserializer=pb.CompileRequest.FromString,
                response_serializer=pb.CompileResponse.SerializeToString)})
        from concurrent import futures
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self.server.add_generic_rpc_handlers((handler,))
        self.server.add_insecure_port("unix:" + socket_path)
        self.server.start()

    def stop(self):
        self.server.stop(0)


@pytest.fixture
def evil(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler to build the tampered object")
    mark = tmp_path / "constructor_ran"
    src = tmp_path / "evil.c"
    src.write_text(EVIL_C % mark)
    so = tmp_path / "evil.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    return so.read_bytes(), mark


@pytest.fixture
def fake_server(kiln_pb2, tmp_path, client_env):
    started = []

    def start(seal):
        path = str(tmp_path / f"fake{len(started)}.sock")
        s = FakeServer(kiln_pb2, path, evil_bytes[0], seal)
        started.append(s)
        client_env(KILN_SERVER="unix:" + path)
        return s

    evil_bytes = []
    yield start, evil_bytes
    for s in started:
        s.stop()


def test_fake_server_tampered_object_is_refused_and_never_loaded(fake_server, evil, tmp_path, client_env):
    start, evil_bytes = fake_server
    so, mark = evil
    evil_bytes.append(so)

    def no_digest(request, a):
        pass

    def stale_digest(request, a):
        # A digest for other bytes (what a flipped byte in transit looks like).
        good = bytearray(a.shared_object)
        good[-1] ^= 1
        a.digest = seal_digest(request, type(a)(shared_object=bytes(good), entry_symbol=a.entry_symbol,
                                                 return_type=a.return_type, arg_types=a.arg_types,
                                                 cache_key=a.cache_key))

    def other_function(request, a):
        # A digest of these very bytes, but for another function's bundle.
        other = type(request)()
        other.CopyFrom(request)
        other.bundle_hash = b"\x01" * 32
        a.digest = seal_digest(other, a)

    def other_options(request, a):
        # ... or for the same function compiled with other options (a replay).
        other = type(request)()
        other.CopyFrom(request)
        other.options.fastmath = not other.options.fastmath
        a.digest = seal_digest(other, a)

    for seal, why in [(no_digest, "carries no digest"), (stale_digest, "fails its digest check"),
                      (other_function, "answers another request"), (other_options, "answers another request")]:
        fake = start(seal)
        with pytest.raises(KilnError, match=f"refusing the compiled code from kiln server unix:.*{why}.*nothing was "
                                            "loaded"):
            compile_and_call(1)
        assert fake.requests >= 1
        assert not mark.exists(), f"the constructor of the tampered object ran ({seal.__name__})"


def test_fake_server_cannot_forge_a_signature(fake_server, evil, tmp_path, client_env):
    """The attacker knows the digest's recipe; only the server's key makes a
    signature. Without KILN_SERVER_KEY a correct digest is all a client can
    check (the control case below loads the attacker's code); with it the
    same object is refused."""
    start, evil_bytes = fake_server
    so, mark = evil
    evil_bytes.append(so)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "trusted.pem")], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "trusted.pem"), "-pubout", "-out",
                    str(tmp_path / "trusted.pub")], check=True)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "attacker.pem")],
                   check=True)

    def attacker_signed(request, a):
        a.digest = seal_digest(request, a)
        digest_file = tmp_path / "digest.bin"
        digest_file.write_bytes(a.digest)
        a.signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", str(tmp_path / "attacker.pem"),
                                      "-rawin", "-in", str(digest_file)], capture_output=True, check=True).stdout
        assert len(a.signature) == 64

    def unsigned(request, a):
        a.digest = seal_digest(request, a)

    client_env(KILN_SERVER_KEY=str(tmp_path / "trusted.pub"))
    start(attacker_signed)
    with pytest.raises(KilnError, match="signature does not verify.*nothing was loaded"):
        compile_and_call(1)
    start(unsigned)
    with pytest.raises(KilnError, match="the artifact is unsigned.*nothing was loaded"):
        compile_and_call(1)
    assert not mark.exists()

    # Control: the digest is right (the Python recipe above matches the C++
    # one), so with no key configured the fake object loads. This is why a
    # team server should be run with --signing-key and its clients with
    # KILN_SERVER_KEY.
    client_env(KILN_SERVER_KEY=None)
    start(unsigned)
    assert compile_and_call(1) == 666
    assert mark.exists()
