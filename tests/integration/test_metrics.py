"""Metrics, gRPC health and reflection against a real kilnd (docs/operations.md,
"Metrics" and "Health checks and reflection").

/metrics is scraped with a real HTTP client (urllib) and its values are seen
to move; health and reflection are called through grpcio's generic calls
with their messages written out by hand (the wire format of
grpc.health.v1 and grpc.reflection.v1alpha, a few fields each), and the
reflected file descriptor is parsed by protobuf's own descriptor_pb2.
"""

import os
import re
import signal
import time
import urllib.request

import pytest

from test_limits import Server, compile_request, slow_function, wait_until

grpc = pytest.importorskip("grpc")

METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, ((label, value), ...) sorted): float} of the exposition text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not a metric line: {line!r}"
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


class MetricsServer(Server):
    def wait_serving(self):
        super().wait_serving()
        assert wait_until(lambda: "/metrics" in self.log(), timeout=10), self.log()
        self.metrics_port = int(re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", self.log()).group(1))
        return self

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as reply:
            assert reply.status == 200
            assert reply.headers["Content-Type"].startswith("text/plain")
            return parse_metrics(reply.read().decode())

    def value(self, name, **labels):
        return self.scrape().get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def servers(kilnd_binary, tmp_path):
    started = []

    def start(*flags):
        d = tmp_path / f"s{len(started)}"
        os.makedirs(d, exist_ok=True)
        s = MetricsServer(kilnd_binary, str(d), "--metrics-listen=127.0.0.1:0", *flags)
        started.append(s)
        return s.wait_serving()

    yield start
    for s in started:
        s.stop()


def double(x):
    return x * 2.0


def test_every_contract_name_is_served(servers, monkeypatch):
    s = servers()
    monkeypatch.setenv("KILN_SERVER", s.target)
    with urllib.request.urlopen(f"http://127.0.0.1:{s.metrics_port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    for name, kind in [("kiln_build_info", "gauge"), ("kiln_requests_total", "counter"),
                       ("kiln_compile_duration_seconds", "histogram"), ("kiln_cache_lookups_total", "counter"),
                       ("kiln_cache_evictions_total", "counter"), ("kiln_cache_corrupt_values_total", "counter"),
                       ("kiln_cache_bytes", "gauge"), ("kiln_cache_entries", "gauge"),
                       ("kiln_cache_read_only", "gauge"), ("kiln_single_flight_waits_total", "counter"),
                       ("kiln_compile_queue_depth", "gauge"), ("kiln_compiles_in_flight", "gauge"),
                       ("kiln_compiles_total", "counter"), ("kiln_received_bytes_total", "counter"),
                       ("kiln_sent_bytes_total", "counter"), ("kiln_shared_tier_errors_total", "counter"),
                       ("kiln_draining", "gauge")]:
        assert f"# TYPE {name} {kind}\n" in text, name
    # kiln_shared_tier_up has one series per shared-tier instance: none here.
    assert "kiln_shared_tier_up" not in text
    from kiln import _kiln
    info = s.scrape()
    build = [labels for (name, labels) in info if name == "kiln_build_info"]
    assert len(build) == 1
    labels = dict(build[0])
    assert labels["compiler_build_id"] == _kiln.server_info(False)["compiler_build_id"]
    assert labels["llvm_version"].startswith("19.") and labels["version"]
    for stage in ("frontend", "typing", "lowering", "optimize", "codegen", "link", "total"):
        assert ("kiln_compile_duration_seconds_count", (("stage", stage),)) in info, stage
    assert s.value("kiln_draining") == 0


def test_values_move_with_compiles_hits_and_bad_requests(servers, kiln_pb2, monkeypatch):
    from kiln import jit
    from kiln.dispatcher import EMITS

    s = servers()
    monkeypatch.setenv("KILN_SERVER", s.target)
    before = s.scrape()

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return s.scrape().get(key, 0.0) - before.get(key, 0.0)

    f = jit(double)
    reply = f._request(("float64",), "", EMITS["binary"])
    assert not reply["cache_hit"]
    assert delta("kiln_compiles_total", result="ok") == 1
    assert delta("kiln_compile_duration_seconds_count", stage="total") == 1
    assert delta("kiln_compile_duration_seconds_count", stage="typing") == 1
    assert delta("kiln_compile_duration_seconds_sum", stage="total") > 0
    assert delta("kiln_cache_lookups_total", tier="l1", result="miss") == 1
    assert delta("kiln_cache_lookups_total", tier="l1", result="hit") == 0
    assert s.value("kiln_cache_entries", tier="l1") == 1
    assert s.value("kiln_cache_bytes", tier="l1") > 0

    # The same request again: an L1 hit, no compile.
    assert f._request(("float64",), "", EMITS["binary"])["cache_hit"]
    assert delta("kiln_cache_lookups_total", tier="l1", result="hit") == 1
    assert delta("kiln_compiles_total", result="ok") == 1
    assert delta("kiln_requests_total", rpc="Compile", code="OK") >= 2
    assert delta("kiln_received_bytes_total", rpc="Compile") > 0
    assert delta("kiln_sent_bytes_total", rpc="Compile") > len(reply["shared_object"])

    # A request the server refuses: bundle_hash of 3 bytes, and bytes that are
    # no CompileRequest at all. Both are INVALID_ARGUMENT, counted as such.
    code, _ = s.call_status("Compile", kiln_pb2.CompileRequest(bundle_hash=b"abc").SerializeToString())
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = s.call_status("Compile", b"\xff\xff\xff")
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert delta("kiln_requests_total", rpc="Compile", code="INVALID_ARGUMENT") == 2

    # A user error in the code is a compile with result "error".
    def bad(x):
        with open("x") as fh:
            return fh
    with pytest.raises(Exception):
        jit(bad)._request(("int64",), "", EMITS["binary"])
    assert delta("kiln_compiles_total", result="error") == 1


def test_single_flight_waits_and_the_compile_gauges(servers, kiln_pb2):
    from kiln import jit

    s = servers("--threads=1")
    slow = compile_request(kiln_pb2, jit(slow_function(3000)), ["int64"], opt_level=0)
    first = s.channel.unary_unary("/kiln.v1.Kiln/Compile").future(slow, timeout=120)
    assert wait_until(lambda: s.value("kiln_compiles_in_flight") == 1), s.log()
    # The same key again joins the running compile; another key waits for
    # the one slot.
    second = s.channel.unary_unary("/kiln.v1.Kiln/Compile").future(slow, timeout=120)
    other = s.channel.unary_unary("/kiln.v1.Kiln/Compile").future(
        compile_request(kiln_pb2, jit(double), ["float64"]), timeout=120)
    assert wait_until(lambda: s.value("kiln_compile_queue_depth") == 1 or first.done()), s.log()
    first.result(), second.result(), other.result()
    assert s.value("kiln_single_flight_waits_total", scope="local") == 1
    assert s.value("kiln_single_flight_waits_total", scope="cluster") == 0
    assert s.value("kiln_compiles_total", result="ok") == 2
    assert s.value("kiln_compiles_in_flight") == 0 and s.value("kiln_compile_queue_depth") == 0
    stats = kiln_pb2.StatsResponse.FromString(s.call("GetStats"))
    assert stats.single_flight_waits == 1 and stats.compiles == 2


# ---- grpc.health.v1 and grpc.reflection.v1alpha, by hand ----

def _varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string_field(number, value):
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _fields(buf):
    """[(field number, value)] of a protobuf message: ints for varints,
    bytes for length-delimited fields."""
    out, i = [], 0
    while i < len(buf):
        key, shift = 0, 0
        while True:
            b = buf[i]; i += 1
            key |= (b & 0x7F) << shift; shift += 7
            if not b & 0x80:
                break
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, shift = 0, 0
            while True:
                b = buf[i]; i += 1
                value |= (b & 0x7F) << shift; shift += 7
                if not b & 0x80:
                    break
        elif wire == 2:
            length, shift = 0, 0
            while True:
                b = buf[i]; i += 1
                length |= (b & 0x7F) << shift; shift += 7
                if not b & 0x80:
                    break
            value = bytes(buf[i:i + length]); i += length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


SERVING, NOT_SERVING = 1, 2


def health_check(channel, service=""):
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    reply = check(_string_field(1, service) if service else b"", timeout=10)
    fields = dict(_fields(reply))
    return fields.get(1, 0)


def test_health_serving_then_not_serving_while_draining(servers, kiln_pb2):
    from kiln import jit

    s = servers("--drain-seconds=60")
    assert health_check(s.channel) == SERVING
    assert health_check(s.channel, "kiln.v1.Kiln") == SERVING
    with pytest.raises(grpc.RpcError) as e:
        health_check(s.channel, "no.such.Service")
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    # A compile that takes a while keeps the server draining after SIGTERM.
    call = s.channel.unary_unary("/kiln.v1.Kiln/Compile").future(
        compile_request(kiln_pb2, jit(slow_function(20000)), ["int64"], opt_level=0), timeout=120)
    assert wait_until(lambda: s.value("kiln_compiles_in_flight") == 1), s.log()
    s.proc.send_signal(signal.SIGTERM)
    assert wait_until(lambda: "shutting down" in s.log()), s.log()
    assert health_check(s.channel) == NOT_SERVING
    assert health_check(s.channel, "kiln.v1.Kiln") == NOT_SERVING
    assert s.value("kiln_draining") == 1
    # A new compile is refused while draining, with a canonical code.
    code, _ = s.call_status("Compile", compile_request(kiln_pb2, jit(double), ["float64"]))
    assert code == grpc.StatusCode.UNAVAILABLE
    s.proc.send_signal(signal.SIGTERM)  # the second signal: exit now
    assert s.proc.wait(timeout=20) == 1
    call.cancel()


def test_reflection_lists_and_describes_kiln(servers):
    from google.protobuf import descriptor_pb2

    s = servers()
    stream = s.channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    # ServerReflectionRequest: list_services = 7; file_containing_symbol = 4.
    replies = list(stream(iter([_string_field(7, "*"), _string_field(4, "kiln.v1.Kiln")]), timeout=10))
    assert len(replies) == 2
    listed = dict(_fields(replies[0]))[6]  # list_services_response
    names = {dict(_fields(service))[1].decode() for number, service in _fields(listed) if number == 1}
    assert {"kiln.v1.Kiln", "grpc.health.v1.Health"} <= names, names
    files = dict(_fields(replies[1]))[4]  # file_descriptor_response
    protos = [descriptor_pb2.FileDescriptorProto.FromString(data) for n, data in _fields(files) if n == 1]
    kiln_file = next(p for p in protos if p.package == "kiln.v1")
    service = next(sv for sv in kiln_file.service if sv.name == "Kiln")
    methods = {m.name for m in service.method}
    assert {"Compile", "GetStats", "ZeroStats", "EvictCache"} <= methods, methods


def test_metrics_are_off_unless_asked(kilnd_binary, tmp_path):
    s = Server(kilnd_binary, str(tmp_path)).wait_serving()
    try:
        assert "metrics on" not in s.log()
        assert health_check(s.channel) == SERVING  # health is always on
    finally:
        s.stop()


def test_a_metrics_address_in_use_stops_start_up(servers, kilnd_binary, tmp_path):
    first = servers()
    d = tmp_path / "second"
    os.makedirs(d)
    second = Server(kilnd_binary, str(d), f"--metrics-listen=127.0.0.1:{first.metrics_port}")
    try:
        assert second.proc.wait(timeout=30) != 0
        assert "--metrics-listen" in second.log(), second.log()
    finally:
        second.stop()
