"""The client and the server read types with one grammar (base/ in C++):
spellings of one type share one cache entry on a real kilnd, and the facts
the package needs (emit names, diagnostic kinds, proto enums) come from the
extension."""

import numpy as np
import pytest

import kiln
from kiln import _kiln, jit
from kiln.dispatcher import Dispatcher


def mix(x, n):
    return x * n + 1.0


def _stats():
    return _kiln.server_stats(False)


def test_eager_aliases_compile_once(private_kilnd):
    a = jit("float64(float64, int64)")(mix)
    assert a(2.0, 3) == 7.0
    b = jit("double(f8, i8)")(mix)
    c = jit("f8(float, longlong,)")(mix)
    assert b(2.0, 3) == 7.0 and c(1.5, 2) == 4.0
    s = _stats()
    assert s["compiles"] == 1, s
    assert s["cache_hits"] == 2, s
    assert b.signatures == [("float64", "int64")]
    assert list(c.overloads) == [("float64", "int64")]
    assert str(c.overloads["f8", "i8"].signature.return_type) == "float64"


def test_lazy_call_and_trailing_comma_signature_share_an_entry(private_kilnd):
    # NEP 50: a declared f8 argument is Numba's float64, a NumPy scalar, so
    # the lazy call that shares its entry passes NumPy scalars.
    lazy = jit(mix)
    assert lazy(np.float64(2.0), np.int64(3)) == 7.0
    eager = jit("(f8, i8,)")(mix)        # no return type: inferred, as the lazy call
    assert eager(2.0, 3) == 7.0
    s = _stats()
    assert s["compiles"] == 1 and s["cache_hits"] == 1, s
    assert lazy(2.0, 3) == 7.0            # Python numbers: weak, an entry of their own
    assert _stats()["compiles"] == 2


def test_server_canonicalises_what_the_client_sends(private_kilnd):
    # Bypass the client's canonical spellings: the server must key on the type.
    d = jit(mix)
    bundle = d.bundle()
    replies = [_kiln.compile(bundle, types, "", 3, False, False, "python", _kiln.EMITS["binary"])
               for types in (("float64", "int64"), ("f8", "i8"), (" double ", "int_"))]
    assert all(r["ok"] for r in replies)
    assert [r["cache_hit"] for r in replies] == [False, True, True]
    assert {r["cache_key"] for r in replies} == {replies[0]["cache_key"]}
    assert all(r["arg_types"] == ("float64", "int64") for r in replies)
    assert _stats()["compiles"] == 1


def test_tuple_spellings_agree(private_kilnd):
    def first(t):
        return t[0]
    d = jit(first)
    r = _kiln.compile(d.bundle(), ("Tuple(i8, int64)",), "", 3, False, False, "python", _kiln.EMITS["binary"])
    assert r["ok"] and r["arg_types"] == ("UniTuple(int64, 2)",)
    assert _kiln.canonical_type("(i8, int64)") == "UniTuple(int64, 2)"
    assert d((4, 5)) == 4
    assert _kiln.typeof((4, 5)) == "UniTuple(int64, 2)"
    assert _stats()["compiles"] == 1


def test_bad_type_from_a_raw_client_is_invalid_argument(private_kilnd):
    d = jit(mix)
    with pytest.raises(kiln.KilnError, match="argument type 1: unknown type 'flot'"):
        _kiln.compile(d.bundle(), ("float64", "flot"), "", 3, False, False, "python", _kiln.EMITS["binary"])


@pytest.mark.parametrize("sig, why", [
    ("float_(float_)", "float32 in Numba"),
    ("f8(f8", "expected"),
    ("f8(f8,,i8)", "expected a type, found ','"),
    ("f8(" + "Tuple(" * 10000 + "int64", "nested more than 64 levels deep"),
])
def test_bad_signatures_are_refused_before_any_rpc(sig, why):
    with pytest.raises(TypeError, match=why):
        jit(sig)(mix)


def test_parse_signature_is_the_native_grammar():
    assert _kiln.parse_signature("(int64,)") == ("", ("int64",))
    assert _kiln.parse_signature("void(i4[:, ::1])") == ("none", ("array(int32, 2d, C)",))
    assert _kiln.parse_signature("c16(f8[::1, :], (i8, f4))") == \
        ("complex128", ("array(float64, 2d, F)", "Tuple(int64, float32)"))
    assert _kiln.parse_signature("float(int, complex)") == ("float64", ("int64", "complex128"))
    # pyvals: the Ellipsis object's type, Numba's name, typed and parsed by the one grammar
    assert _kiln.parse_signature("ellipsis(ellipsis, slice2_type)") == ("ellipsis", ("ellipsis", "slice3_type"))
    assert _kiln.typeof(...) == _kiln.canonical_type("ellipsis") == "ellipsis"
    assert _kiln.typeof((..., slice(1, None))) == "Tuple(ellipsis, slice3_type)"


def test_facts_come_from_the_extension():
    assert _kiln.EMITS == {"binary": 0, "bytecode": 1, "kir": 2, "typed": 3, "llvm": 4, "asm": 5, "ptx": 6,
                           "cubin": 7, "object": 8}
    assert _kiln.PROTO_ENUMS["Emit"] == {f"EMIT_{k.upper()}": v for k, v in _kiln.EMITS.items()}
    kinds = _kiln.PROTO_ENUMS["Diagnostic.Kind"]
    assert _kiln.DIAGNOSTIC_KINDS == {kinds["KIND_TYPING"]: ("TypingError", "TypingError"),
                                      kinds["KIND_UNSUPPORTED"]: ("UnsupportedError", "UnsupportedError"),
                                      kinds["KIND_NAME"]: ("NameError", "TypingError"),
                                      kinds["KIND_INTERNAL"]: ("InternalError", "CompilerError"),
                                      kinds["KIND_NUMBA_TYPE"]: ("NumbaTypeError", "NumbaTypeError"),  # pycells
                                      kinds["KIND_NUMBA_VALUE"]: ("NumbaValueError", "NumbaValueError"),  # flatimag
                                      kinds["KIND_LOWERING"]: ("LoweringError", "LoweringError"),  # dtunits
                                      kinds["KIND_BOXING"]: ("BoxingError", "BoxingError"),  # pysub4
                                      kinds["KIND_PERFORMANCE_WARNING"]: ("PerformanceWarning",
                                                                          "KilnPerformanceWarning"),  # warnings
                                      kinds["KIND_TYPE_SAFETY_WARNING"]: ("TypeSafetyWarning",
                                                                          "KilnTypeSafetyWarning"),
                                      kinds["KIND_OVERLOAD_REQUEST"]: ("OverloadRequest", "TypingError"),  # overload
                                      kinds["KIND_LITERAL_REQUEST"]: ("LiteralRequest", "TypingError")}  # literally
    from kiln import bundle, dispatcher
    assert bundle.KIND_FUNCTION == _kiln.PROTO_ENUMS["GlobalRef.Kind"]["KIND_FUNCTION"]
    assert dispatcher.EMITS == _kiln.EMITS


def test_the_native_dispatcher_owns_the_overloads(private_kilnd):
    d = jit(mix)
    assert d(1.0, 2) == 3.0 and d(1, 2) == 3.0
    assert not hasattr(d, "_signatures")
    assert d._overloads() == [(("float64", "int64"), "float64"), (("int64", "int64"), "float64")]
    assert d.signatures == [("float64", "int64"), ("int64", "int64")]
    # A second miss for known types finds the overload natively, no RPC.
    before = _stats()["compile_requests"]
    assert d._compile(("float64", "int64"), "") == 0
    assert _stats()["compile_requests"] == before
    assert isinstance(d, Dispatcher)
