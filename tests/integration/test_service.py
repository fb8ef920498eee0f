"""kilnd as a service (issue 10 part 5): the config file (--config; flags
override it; SIGHUP reloads the fields config.h marks reloadable), systemd's
readiness protocol over a real datagram socket ($NOTIFY_SOCKET: READY=1,
RELOADING=1, STOPPING=1, STATUS=), structured logs (--log-format=json) and
request ids (x-kiln-request-id in the response metadata and on every log
line about the request)."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import grpc
import pytest

import kiln

GET_SERVER_INFO = "/kiln.v1.Kiln/GetServerInfo"


class Kilnd:
    """kilnd with a config file and a notify socket of its own."""

    def __init__(self, binary, workdir, config_text=None, flags=(), notify=True):
        self.workdir = str(workdir)
        self.socket_path = os.path.join(self.workdir, "run", "kilnd.sock")
        self.config_path = os.path.join(self.workdir, "kilnd.conf")
        self.log_path = os.path.join(self.workdir, "kilnd.log")
        if config_text is not None:
            self.write_config(config_text)
        env = dict(os.environ)
        self.notify = None
        if notify:
            self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify_path = os.path.join(self.workdir, "notify.sock")
            self.notify.bind(notify_path)
            self.notify.settimeout(20)
            env["NOTIFY_SOCKET"] = notify_path
        args = [binary, "--socket", self.socket_path, "--cache-dir", os.path.join(self.workdir, "cache"),
                "--verify-each", *flags]
        if config_text is not None:
            args += ["--config", self.config_path]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env)

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def message(self):
        """The next datagram sent to $NOTIFY_SOCKET, as a dict."""
        data = self.notify.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.split("\n") if line)

    def wait_ready(self):
        m = self.message()
        assert m.get("READY") == "1", m
        return m

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def json_log(self):
        return [json.loads(line) for line in self.log().splitlines() if line.strip()]

    def channel(self):
        return grpc.insecure_channel("unix:" + self.socket_path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.notify is not None:
            self.notify.close()


@pytest.fixture
def start(kilnd_binary, tmp_path):
    started = []

    def go(config_text=None, flags=(), notify=True):
        d = tmp_path / f"server{len(started)}"
        d.mkdir()
        s = Kilnd(kilnd_binary, d, config_text, flags, notify)
        started.append(s)
        return s

    yield go
    for s in started:
        s.stop()


def server_info(channel, request_id=None):
    """One GetServerInfo call: (its initial metadata as a dict, reply bytes)."""
    call = channel.unary_unary(GET_SERVER_INFO, request_serializer=lambda _: b"", response_deserializer=lambda b: b)
    metadata = [("x-kiln-request-id", request_id)] if request_id else None
    reply, rpc = call.with_call(None, metadata=metadata, timeout=20)
    return dict(rpc.initial_metadata()), reply


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# ---- the config file ----

def test_unknown_key_is_an_error_naming_file_and_line(start):
    s = start("# kilnd\nthreads = 2\n\nno-such-setting = 3\n", notify=False)
    assert s.proc.wait(timeout=20) == 2
    assert f"{s.config_path}:4: unknown key 'no_such_setting'" in s.log()


@pytest.mark.parametrize("text,message", [
    ("threads 2\n", ":1: expected '=' after 'threads'"),
    ("[server]\nthreads = 2\n", ":1: sections ('[...]') are not supported"),
    ("threads = 2\nthreads = 3\n", ":2: 'threads' is already set on line 1"),
    ("listen = \"127.0.0.1:0\n", ":1: unterminated quoted value"),
    ("threads = two\n", ":1: threads: "),
    ("log-format = xml\n", "--log-format: expected 'text' or 'json', got 'xml'"),
    ("verify-cache = true\n", ":1: unknown key 'verify_cache'"),
    ("help = true\n", ":1: unknown key 'help'"),
])
def test_malformed_config_is_refused(start, text, message):
    s = start(text, notify=False)
    assert s.proc.wait(timeout=20) == 2
    assert message in s.log()


def test_file_sets_flags_and_flags_override_it(start):
    # The file asks for JSON logs and a TCP listener; the command line says
    # text, which wins; the listener (only in the file) is used.
    s = start('# comment\nlog-format = json   # trailing comment\nlisten = "127.0.0.1:0"\nmax_instances = 77\n',
              flags=["--log-format", "text"])
    s.wait_ready()
    log = s.log()
    assert re.search(r"^I\d{4} .*serving on unix:\S+, 127\.0\.0\.1:\d+, cache", log, re.M), log
    assert not log.lstrip().startswith("{")
    s2 = start("log-format = json\n")
    s2.wait_ready()
    lines = s2.json_log()
    assert any("serving on unix:" in line["msg"] for line in lines), lines


# ---- sd_notify and the lifecycle ----

def test_notify_ready_reloading_stopping_over_a_real_datagram_socket(start):
    s = start("drain-seconds = 3\n")
    ready = s.wait_ready()
    assert ready["MAINPID"] == str(s.proc.pid)
    assert ready["STATUS"].startswith("serving on unix:" + s.socket_path)
    # The socket answers by the time READY=1 is sent.
    md, _ = server_info(s.channel())
    assert "x-kiln-request-id" in md

    s.proc.send_signal(signal.SIGHUP)
    reloading = s.message()
    assert reloading["RELOADING"] == "1"
    assert int(reloading["MONOTONIC_USEC"]) > 0
    assert "reloading" in reloading["STATUS"]
    assert s.message()["READY"] == "1"

    s.proc.send_signal(signal.SIGTERM)
    stopping = s.message()
    assert stopping == {"STOPPING": "1", "STATUS": "draining (SIGTERM)"}
    assert s.proc.wait(timeout=20) == 0
    assert "kilnd stopped (SIGTERM)" in s.log()
    assert not os.path.exists(s.socket_path)


def test_sigterm_drains_for_the_config_files_drain_seconds(start, kiln_pb2):
    from test_limits import compile_request, slow_function

    s = start("drain-seconds = 1\nlog-level = debug\nlog-format = json\n")
    s.wait_ready()
    req = compile_request(kiln_pb2, kiln.jit(slow_function(20000)), ["int64"], opt_level=0)
    call = s.channel().unary_unary("/kiln.v1.Kiln/Compile", request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
    result = {}

    def run():
        try:
            call(req, timeout=60)
            result["code"] = grpc.StatusCode.OK
        except grpc.RpcError as e:
            result["code"] = e.code()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_for(lambda: any(line["msg"].startswith("cache miss: compiling") for line in s.json_log()),
             what="the compile to start")
    time.sleep(0.3)  # into typing
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    assert s.message() == {"STOPPING": "1", "STATUS": "draining (SIGTERM)"}
    assert s.proc.wait(timeout=20) == 0, s.log()
    elapsed = time.monotonic() - t0
    # Cancelled when the file's drain time (1 s) was over, well before the
    # default's 10 s and the hard stop (drain + 5 s, exit status 1).
    assert elapsed < 6, elapsed
    msgs = [line["msg"] for line in s.json_log()]
    assert "drain time of 1 s is over: cancelling running compiles" in msgs, msgs
    t.join(30)
    assert result["code"] in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), result


def test_idle_timeout_sends_stopping(start):
    s = start("idle-timeout = 1\n")
    s.wait_ready()
    m = s.message()
    assert m["STOPPING"] == "1" and "idle for 1 s" in m["STATUS"], m
    assert s.proc.wait(timeout=20) == 0


def test_abstract_notify_socket(kilnd_binary, tmp_path):
    name = f"kiln-test-notify-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(20)
        env = dict(os.environ, NOTIFY_SOCKET="@" + name)
        log_path = tmp_path / "kilnd.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen([kilnd_binary, "--socket", str(tmp_path / "run" / "k.sock"), "--cache-dir",
                                     str(tmp_path / "cache"), "--idle-timeout", "1"],
                                    stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            assert listener.recv(4096).decode().startswith("READY=1\n")
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# ---- SIGHUP reloads ----

def test_sighup_reloads_the_reloadable_fields_and_keeps_the_rest(start):
    s = start("log-format = json\nlog-level = info\nthreads = 2\nmax-compile-seconds = 300\n")
    s.wait_ready()
    ch = s.channel()
    md, _ = server_info(ch)
    first_id = md["x-kiln-request-id"]
    # At info an RPC that succeeded writes no line.
    assert not any(line.get("request_id") == first_id for line in s.json_log())

    s.write_config("log-format = json\nlog-level = debug\nthreads = 3\nmax-compile-seconds = 60\n")
    s.proc.send_signal(signal.SIGHUP)
    assert s.message()["RELOADING"] == "1"
    assert s.message()["READY"] == "1"
    lines = s.json_log()
    warnings = [line["msg"] for line in lines if line["level"] == "warning"]
    assert "SIGHUP: threads changed; it takes effect on a restart (kept as it was)" in warnings, warnings
    reloaded = [line["msg"] for line in lines if line["msg"].startswith("SIGHUP: configuration reloaded")]
    assert reloaded and "log level debug" in reloaded[-1] and "max-compile-seconds 60" in reloaded[-1], reloaded

    # Now at debug: every RPC gets an access line carrying its id.
    md, _ = server_info(ch)
    rid = md["x-kiln-request-id"]
    wait_for(lambda: any(line.get("request_id") == rid for line in s.json_log()), what="the access line")
    access = [line for line in s.json_log() if line.get("request_id") == rid]
    assert access[0]["msg"].startswith("rpc GetServerInfo OK in "), access
    assert access[0]["level"] == "debug"

    # A file that fails to parse keeps everything as it was.
    s.write_config("log-level = verbose\n")
    s.proc.send_signal(signal.SIGHUP)
    assert s.message()["RELOADING"] == "1"
    assert s.message()["READY"] == "1"
    errors = [line["msg"] for line in s.json_log() if line["level"] == "error"]
    assert any("SIGHUP: keeping the running configuration: --log-level: expected" in e for e in errors), errors
    md, _ = server_info(ch)
    rid = md["x-kiln-request-id"]
    wait_for(lambda: any(line.get("request_id") == rid for line in s.json_log()), what="debug still on")


def test_command_line_flags_win_over_a_reloaded_file(start):
    s = start("log-level = debug\n", flags=["--log-level", "warning", "--log-format", "json"])
    s.wait_ready()
    s.write_config("log-level = debug\n")
    s.proc.send_signal(signal.SIGHUP)
    s.message(), s.message()
    md, _ = server_info(s.channel())
    time.sleep(0.3)
    assert not any(line.get("request_id") == md["x-kiln-request-id"] for line in s.json_log())
    # warning level: not even the start-up line (info) was written.
    assert not any("serving on" in line["msg"] for line in s.json_log())


# ---- request ids ----

def test_every_rpc_gets_a_request_id_in_its_response_metadata(start):
    s = start(notify=True, flags=["--log-format", "json", "--log-level", "debug"])
    s.wait_ready()
    ch = s.channel()
    ids = {server_info(ch)[0]["x-kiln-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids), ids
    # A client's own well-formed id is kept; a malformed one is replaced.
    assert server_info(ch, "trace-42.a_b")[0]["x-kiln-request-id"] == "trace-42.a_b"
    replaced = server_info(ch, "bad id!")[0]["x-kiln-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", replaced)
    wait_for(lambda: any(line.get("request_id") == "trace-42.a_b" for line in s.json_log()), what="the id's line")
    # A failed RPC carries its id in the error's metadata too and is logged at info.
    call = ch.unary_unary("/kiln.v1.Kiln/Compile", request_serializer=lambda _: b"\xff\xff",
                          response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as err:
        call(None, timeout=20, metadata=[("x-kiln-request-id", "broken-1")])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(err.value.initial_metadata())["x-kiln-request-id"] == "broken-1"
    wait_for(lambda: any(line.get("request_id") == "broken-1" for line in s.json_log()), what="the error's line")
    line = next(line for line in s.json_log() if line.get("request_id") == "broken-1")
    assert line["level"] == "info" and line["msg"].startswith("rpc Compile INVALID_ARGUMENT in "), line


def test_log_lines_written_while_serving_a_request_carry_its_id(start, monkeypatch):
    s = start(flags=["--log-format", "json", "--log-level", "debug"])
    s.wait_ready()
    monkeypatch.setenv("KILN_SERVER", "unix:" + s.socket_path)

    @kiln.jit
    def mul(a, b):
        return a * b + 1

    assert mul(6, 7) == 43
    lines = s.json_log()
    miss = [line for line in lines if line["msg"].startswith("cache miss: compiling bundle")]
    assert len(miss) == 1, lines
    rid = miss[0].get("request_id")
    assert rid, miss
    # The same id is on the Compile RPC's own access line, and on no other RPC's.
    same = [line["msg"] for line in lines if line.get("request_id") == rid]
    assert len(same) == 2 and same[0] == miss[0]["msg"] and same[1].startswith("rpc Compile OK in "), same


def test_json_lines_escape_what_messages_quote(start):
    # A malformed request's message quotes the method; a log line stays one
    # valid JSON object whatever the message holds.
    s = start(flags=["--log-format", "json", "--log-level", "debug"])
    s.wait_ready()
    ch = s.channel()
    call = ch.unary_unary("/kiln.v1.Kiln/Compile", request_serializer=lambda _: b"\x0a\x03\xff\"\n",
                          response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError):
        call(None, timeout=20)
    for raw in s.log().splitlines():
        json.loads(raw)  # every line parses


def test_sighup_reloads_cache_max_bytes(start, kiln_pb2, monkeypatch):
    """opsrest: --cache-max-bytes reloads. A smaller bound evicts down to 90%
    of it before the server says READY again; a larger one only raises it."""
    s = start("log-format = json\n")
    s.wait_ready()
    monkeypatch.setenv("KILN_SERVER", "unix:" + s.socket_path)

    def stats():
        raw = s.channel().unary_unary("/kiln.v1.Kiln/GetStats")(kiln_pb2.StatsRequest().SerializeToString(),
                                                                 timeout=20)
        return kiln_pb2.StatsResponse.FromString(raw)

    def compile_some(tag, n):
        ns = {}
        exec(compile("".join(f"def f{i}(x):\n    return x * {i + 2} + {tag}\n" for i in range(n)), "gen.py", "exec"),
             ns)
        for i in range(n):
            assert kiln.jit(ns[f"f{i}"])(3) == 3 * (i + 2) + tag

    compile_some(1, 6)
    before = stats()
    assert before.cache_max_bytes == 0 and before.cache_evictions == 0 and before.cache_bytes > 0
    bound = before.cache_bytes // 2
    s.write_config(f"log-format = json\ncache-max-bytes = {bound}\n")
    s.proc.send_signal(signal.SIGHUP)
    assert s.message()["RELOADING"] == "1"
    assert s.message()["READY"] == "1"
    shrunk = stats()  # evicted already: not at the next write
    assert shrunk.cache_max_bytes == bound
    assert 0 < shrunk.cache_bytes <= bound * 0.9 and shrunk.cache_evictions > 0, shrunk
    msgs = [line["msg"] for line in s.json_log()]
    assert not any("cache-max-bytes changed" in m for m in msgs), msgs
    assert any(m.startswith("SIGHUP: configuration reloaded") and f"cache-max-bytes {bound}" in m for m in msgs)
    # Growing: the bound rises, nothing more is evicted, new values stay.
    s.write_config("log-format = json\ncache-max-bytes = 64M\n")
    s.proc.send_signal(signal.SIGHUP)
    s.message(), s.message()
    grown = stats()
    assert grown.cache_max_bytes == 64 << 20 and grown.cache_evictions == shrunk.cache_evictions
    compile_some(2, 3)
    after = stats()
    assert after.cache_evictions == shrunk.cache_evictions and after.cache_bytes > shrunk.cache_bytes
