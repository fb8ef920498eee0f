"""Bad requests over real gRPC to a real kilnd (issue 7, parts 1 and 8).

Each request is built from kiln.proto (compiled by protoc at test time, the
conftest's kiln_pb2) and sent as raw bytes, as any client
could. For each: the status code and message, then that the server is still
alive and still compiles.
"""

import hashlib
import math
import os

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("google.protobuf")

import kiln  # noqa: E402
from kiln import _kiln, jit  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPILE = "/kiln.v1.Kiln/Compile"
INFO = "/kiln.v1.Kiln/GetServerInfo"
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def pb(kiln_pb2):
    """The kiln.v1 message classes (conftest)."""
    return kiln_pb2


@pytest.fixture
def server(private_kilnd):
    channel = grpc.insecure_channel(private_kilnd.target)
    yield private_kilnd, channel
    channel.close()


def call(channel, method, payload, timeout=60):
    """Raw bytes in, raw bytes out: (status code, details, reply bytes)."""
    try:
        reply = channel.unary_unary(method)(payload, timeout=timeout)
        return grpc.StatusCode.OK, "", reply
    except grpc.RpcError as e:
        return e.code(), e.details(), None


def add(x, y):
    return x + y


def sine(x):
    return math.sin(x)


def sine_kernel(out, x):  # cuda: a kernel (returns None) calling libdevice
    out[0] = math.sin(x[0]) + x[1]


@jit
def callee(a, b):
    return a * b


def caller(x):
    return callee(x, 2)


def bundle_of(pb, fn):
    return pb.Bundle.FromString(jit(fn).bundle().serialize())


def request_for(pb, bundle, arg_types, emit=0, target=None, **options):
    req = pb.CompileRequest()
    data = bundle.SerializeToString(deterministic=True)
    req.bundle_hash = hashlib.sha256(data).digest()
    req.bundle.CopyFrom(bundle)
    req.arg_types.extend(arg_types)
    req.emit = emit
    host = _kiln.host_target()
    req.target.triple = host["triple"]
    req.target.cpu = host["cpu"]
    req.target.features.extend(host["features"])
    for k, v in (target or {}).items():
        if k == "features":
            del req.target.features[:]
            req.target.features.extend(v)
        else:
            setattr(req.target, k, v)
    for k, v in options.items():
        if k == "fastmath_flags":
            req.options.fastmath_flags.extend(v)
        else:
            setattr(req.options, k, v)
    return req


def assert_serving(pb, channel, kilnd_proc):
    """The server is alive, answers, and still compiles and runs code."""
    assert kilnd_proc.proc.poll() is None, open(kilnd_proc.log_path).read()
    code, details, reply = call(channel, INFO, b"")
    assert code == grpc.StatusCode.OK, details
    assert pb.ServerInfo.FromString(reply).protocol_version == 1
    code, details, reply = call(channel, COMPILE, request_for(pb, bundle_of(pb, add), ["int64", "int64"])
                                .SerializeToString())
    assert code == grpc.StatusCode.OK, details
    assert pb.CompileResponse.FromString(reply).status == pb.CompileResponse.STATUS_OK


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.parametrize("payload", [
    b"\xff\xff\xff\xff",                # not protobuf at all
    b"\x0a\xff\xff\xff\xff\x0f",        # a length beyond the end
    b"\x3a\x02\xc3\x28",                # return_type (a string) holding invalid UTF-8
])
def test_malformed_protobuf_is_invalid_argument_with_a_message(pb, server, payload):
    kilnd_proc, channel = server
    code, details, _ = call(channel, COMPILE, payload)
    assert code == INVALID
    assert details.startswith("malformed request: what was sent to /kiln.v1.Kiln/Compile is not a valid "
                              "protobuf message"), details
    assert_serving(pb, channel, kilnd_proc)


@pytest.mark.parametrize("target, message", [
    ({"cpu": "i386"}, "target: target cpu 'i386' is not allowed: it lacks '64bit', which every x86_64 target needs"),
    ({"features": ["-64bit"]}, "target: target feature '-64bit' is not allowed: every x86_64 target needs '64bit'"),
    ({"features": ["-sse", "-sse2"]}, "target: target feature '-sse' is not allowed"),
    ({"features": ["+soft-float"]}, "target: target feature '+soft-float' is not allowed"),
    ({"triple": "i686-pc-linux-gnu"}, "target: target triple 'i686-pc-linux-gnu' is not allowed"),
    ({"triple": "aarch64-unknown-linux-gnu", "cpu": "generic", "features": []}, "is not allowed"),
    ({"triple": "nvptx64-nvidia-cuda", "cpu": "sm_70", "features": []},
     "'sm_70' is not a recognized processor for target 'nvptx64-nvidia-cuda': expected one of sm_75"),
    ({"triple": "nvptx64-nvidia-cuda", "cpu": "sm_80", "features": ["+ptx85"]}, "the CUDA target takes none"),
    ({"cpu": "x" * 100_000}, "target.cpu is 100000 bytes long, more than the limit of 64"),
])
def test_targets_outside_the_allow_list_are_refused(pb, server, target, message):
    kilnd_proc, channel = server
    req = request_for(pb, bundle_of(pb, add), ["int64", "int64"], target=target)
    code, details, _ = call(channel, COMPILE, req.SerializeToString())
    assert code == INVALID, details
    assert message in details
    assert len(details) < 1000
    assert_serving(pb, channel, kilnd_proc)


def test_what_a_gpu_cannot_run_is_a_located_error_not_an_llvm_abort(pb, server):
    """cuda: NVPTX cannot select a sine or return a value from a kernel; the
    CUDA target refuses what a GPU cannot run with a located UnsupportedError
    before LLVM's code generator sees it (the fatal-error recovery itself is
    tests/unit/targets/cpu_target_test.cpp's), and the server lives on."""
    kilnd_proc, channel = server
    ptx = {"triple": "nvptx64-nvidia-cuda", "cpu": "sm_80", "features": []}
    for _ in range(2):
        req = request_for(pb, bundle_of(pb, sine), ["float64"], emit=6, target=ptx)  # EMIT_PTX
        code, details, reply = call(channel, COMPILE, req.SerializeToString())
        assert code == grpc.StatusCode.OK, details
        r = pb.CompileResponse.FromString(reply)
        assert r.status == pb.CompileResponse.STATUS_ERROR
        assert r.diagnostic.kind == 2  # KIND_UNSUPPORTED
        assert "a GPU kernel must return None, not 'float64'" in r.diagnostic.message
        assert r.diagnostic.filename.endswith("test_bad_requests.py")
        assert r.diagnostic.line == sine.__code__.co_firstlineno
    # A kernel's sine goes to libdevice; its binary artifact is a cubin (or
    # PTX where the toolkit is missing).
    arr = "array(float64, 1d, C)"
    for emit, check in ((6, lambda r: "add.rn.f64" in r.text and ".entry kiln_kernel" in r.text),
                        (0, lambda r: r.artifact.shared_object[:4] == b"\x7fELF" or
                         r.artifact.shared_object.startswith(b"//"))):
        req = request_for(pb, bundle_of(pb, sine_kernel), [arr, arr], emit=emit, target=ptx)
        code, details, reply = call(channel, COMPILE, req.SerializeToString())
        assert code == grpc.StatusCode.OK, details
        r = pb.CompileResponse.FromString(reply)
        assert r.status == pb.CompileResponse.STATUS_OK, r.diagnostic.message
        assert check(r)
        assert r.artifact.entry_symbol in ("", "kiln_kernel")
    # --emit=ptx on the host target is a bad request.
    req = request_for(pb, bundle_of(pb, add), ["float64", "float64"], emit=6)
    code, details, _ = call(channel, COMPILE, req.SerializeToString())
    assert code == INVALID and "emit=ptx needs the CUDA target" in details
    assert_serving(pb, channel, kilnd_proc)


def test_callee_claiming_2_31_arguments_is_refused_without_allocating(pb, server):
    kilnd_proc, channel = server
    bundle = bundle_of(pb, caller)
    assert len(bundle.functions) == 2
    bundle.functions[1].code.argcount = 2**31 - 1
    req = request_for(pb, bundle, ["int64"])
    code, details, _ = call(channel, COMPILE, req.SerializeToString())
    assert code == INVALID
    assert details == ("bad bundle: functions[1].code: claims 2147483647 parameters (argcount 2147483647, "
                       "kwonlyargcount 0) but co_varnames has 2 names")
    # The same claim without the bundle's own names to check against.
    bundle.functions[1].code.ClearField("varnames")
    bundle.functions[1].code.nlocals = 0
    code, details, _ = call(channel, COMPILE, request_for(pb, bundle, ["int64"]).SerializeToString())
    assert code == INVALID and "claims 2147483647 parameters" in details
    assert peak_rss_mib(kilnd_proc.proc.pid) < 1024
    assert_serving(pb, channel, kilnd_proc)


@pytest.mark.parametrize("field, value, message", [
    ("nlocals", 7, "nlocals 7 does not match co_varnames, which has 1 names"),
    ("posonlyargcount", 2, "posonlyargcount 2 is more than argcount 1"),
    ("stacksize", 2**30, "stacksize 1073741824 is more than the limit of 1048576"),
])
def test_code_object_counts_are_checked_against_what_it_holds(pb, server, field, value, message):
    kilnd_proc, channel = server
    bundle = bundle_of(pb, sine)
    setattr(bundle.functions[0].code, field, value)
    code, details, _ = call(channel, COMPILE, request_for(pb, bundle, ["float64"]).SerializeToString())
    assert code == INVALID
    assert message in details
    assert_serving(pb, channel, kilnd_proc)


def test_line_table_claims_are_checked(pb, server):
    kilnd_proc, channel = server
    bundle = bundle_of(pb, sine)
    r = bundle.functions[0].code.lines.add()
    r.start, r.end, r.line = 2**32 - 1, 0, 5
    code, details, _ = call(channel, COMPILE, request_for(pb, bundle, ["float64"]).SerializeToString())
    assert code == INVALID
    assert "range [4294967295, 0) is inverted" in details
    # A range reaching far past the code sizes nothing: it compiles.
    bundle = bundle_of(pb, sine)
    r = bundle.functions[0].code.lines.add()
    r.start, r.end, r.line = 0, 2**32 - 1, 5
    code, details, reply = call(channel, COMPILE, request_for(pb, bundle, ["float64"]).SerializeToString())
    assert code == grpc.StatusCode.OK, details
    assert peak_rss_mib(kilnd_proc.proc.pid) < 1024
    assert_serving(pb, channel, kilnd_proc)


@pytest.mark.parametrize("build, message", [
    (lambda req: setattr(req.options, "error_model", "x" * (1 << 20)),
     "options.error_model is 1048576 bytes long, more than the limit of 64"),
    (lambda req: req.options.fastmath_flags.extend(["y" * (1 << 20)]),
     "options.fastmath_flags[0] is 1048576 bytes long"),
    (lambda req: req.arg_types.extend(["z" * (1 << 20)]), "arg_types[2] is 1048576 bytes long"),
    (lambda req: setattr(req, "return_type", "w" * (1 << 20)), "return_type is 1048576 bytes long"),
    (lambda req: setattr(req.options, "error_model", "n\u00e9"), "error_model 'n\u00e9' is not one of"),
    # Under the type-name limit, but echoed: 4000 bytes that gRPC sends
    # percent-encoded (three bytes each) in the status trailer.
    (lambda req: req.arg_types.extend(["\u00e9" * 2000]), "argument type 2: expected a type"),
])
def test_huge_values_are_never_echoed(pb, server, build, message):
    """A 1 MiB option value once came back in the error and overflowed gRPC's
    header limit; the client then got no message at all."""
    kilnd_proc, channel = server
    req = request_for(pb, bundle_of(pb, add), ["int64", "int64"])
    build(req)
    code, details, _ = call(channel, COMPILE, req.SerializeToString())
    assert code == INVALID
    assert message in details
    assert len(details.encode()) <= 2048 + 40
    assert_serving(pb, channel, kilnd_proc)


def test_bytes_constant_error_reaches_the_user(pb, server, monkeypatch):
    """A diagnostic quoting b"\\xe9" once held invalid UTF-8, so the reply
    could not be serialized and the user saw "No message returned". Bytes
    literals now compile (records2); a refused use of one still reaches the
    user as a located error, and the server serves on."""
    kilnd_proc, _ = server

    @jit
    def f():
        return b"\xe9"

    assert f() == b"\xe9"

    @jit
    def g():
        x = b"\xe9"  # (b"\xe9" - b"\xff" would be folded by CPython's compiler)
        return x - x

    with pytest.raises(kiln.KilnError) as e:
        g()
    text = str(e.value)
    assert "No message returned" not in text
    assert "operator '-' is not supported between Bytes" in text, text
    assert "test_bad_requests.py" in text
    assert kilnd_proc.proc.poll() is None
