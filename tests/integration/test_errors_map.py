"""Every gRPC status the client can receive maps to a documented kiln.errors
class (base/status_errors.def, docs/errors.md), and the user never sees
gRPC's "No message returned", even from a server that misbehaves."""

import os
from concurrent import futures

import pytest

import kiln
from kiln import _kiln, errors, jit

grpc = pytest.importorskip("grpc")


def add(x, y):
    return x + y


def test_every_status_code_has_a_documented_exception():
    codes = {c.name for c in grpc.StatusCode if c is not grpc.StatusCode.OK}
    assert set(_kiln.STATUS_ERRORS) == codes
    doc = errors.__doc__
    for code, name in _kiln.STATUS_ERRORS.items():
        cls = getattr(errors, name)
        assert issubclass(cls, errors.ServerError) and issubclass(cls, kiln.KilnError), name
        assert cls.__doc__, name
        assert code in doc and name in doc, (code, name)
    docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "errors.md")).read()
    for code, name in _kiln.STATUS_ERRORS.items():
        assert f"`{code}`" in docs and f"`{name}`" in docs, (code, name)


def test_invalid_request_carries_its_code(private_kilnd):
    d = jit(add)
    with pytest.raises(errors.InvalidRequestError) as e:
        _kiln.compile(d.bundle(), ("float64", "flot"), "", 3, False, False, "python", _kiln.EMITS["binary"])
    assert e.value.code == "INVALID_ARGUMENT"
    assert "argument type 1: unknown type 'flot'" in str(e.value)
    assert isinstance(e.value, ValueError)  # as Python's own bad-argument errors are


def test_no_server_is_server_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_SERVER", f"unix:{tmp_path}/nobody.sock")
    with pytest.raises(errors.ServerUnavailableError) as e:
        _kiln.server_info(False)
    assert e.value.code == "UNAVAILABLE"
    assert str(e.value)


@pytest.fixture
def fake_server(tmp_path, monkeypatch):
    """A gRPC server on a Unix socket whose Compile does what the test says."""
    behaviour = {}

    def compile_(request, context):
        return behaviour["compile"](request, context)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "kiln.v1.Kiln", {"Compile": grpc.unary_unary_rpc_method_handler(compile_)})])
    target = f"unix:{tmp_path}/fake.sock"
    server.add_insecure_port(target)
    server.start()
    monkeypatch.setenv("KILN_SERVER", target)
    yield behaviour
    server.stop(0)


@pytest.mark.parametrize("code, cls", [
    (grpc.StatusCode.RESOURCE_EXHAUSTED, errors.ResourceExhaustedError),
    (grpc.StatusCode.PERMISSION_DENIED, errors.PermissionDeniedError),
    (grpc.StatusCode.UNAUTHENTICATED, errors.AuthenticationError),
    (grpc.StatusCode.DEADLINE_EXCEEDED, errors.DeadlineExceededError),
    (grpc.StatusCode.UNIMPLEMENTED, errors.ProtocolError),
    (grpc.StatusCode.DATA_LOSS, errors.ServerInternalError),
])
def test_statuses_raise_their_class(fake_server, code, cls):
    def fail(request, context):
        context.abort(code, f"the server says {code.name}")
    fake_server["compile"] = fail
    with pytest.raises(cls) as e:
        jit(add)(1, 2)
    assert e.value.code == code.name
    assert f"the server says {code.name}" in str(e.value)


def test_unreadable_reply_never_shows_no_message_returned(fake_server):
    fake_server["compile"] = lambda request, context: b"\xff\xff\xff\xff"  # not a CompileResponse
    with pytest.raises(errors.ServerInternalError) as e:
        jit(add)(1, 2)
    assert "No message returned" not in str(e.value)
    assert e.value.code == "INTERNAL"
    assert "the server's reply could not be read as a kiln.v1 message" in str(e.value)


def test_empty_message_is_explained(fake_server):
    def fail(request, context):
        context.abort(grpc.StatusCode.INTERNAL, "")
    fake_server["compile"] = fail
    with pytest.raises(errors.ServerInternalError) as e:
        jit(add)(1, 2)
    assert "the server ended the call with INTERNAL and no message" in str(e.value)
