"""Scalar ``@intrinsic`` functions written with llvmlite (issue 9): Numba's
``numba.extending.intrinsic`` and Kiln's ``kiln.extending.intrinsic``.

The client runs the typing function with the call's argument types and the
codegen with a real llvmlite IRBuilder; the function's LLVM IR text travels
in the bundle, and kilnd checks it and inlines it at the call
(docs/extending.md). Each answer is compared with Numba's (numba.njit of the
same snippet) and with NumPy's view of the bits."""

import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")
llvm_ir = pytest.importorskip("llvmlite.ir")

from numba.core import cgutils, types  # noqa: E402 - after the importorskip
from numba.core.errors import TypingError as NumbaTypingError  # noqa: E402
from numba.extending import intrinsic  # noqa: E402

from test_cache_keys import built_in_fresh_process as _built, project  # noqa: E402


# -- pynndescent's intrinsics (distances.py, utils.py), as it writes them -------


@intrinsic
def popcnt_u8(typingctx, val):
    sig = types.uint8(types.uint8)

    def impl(context, builder, sig, args):
        [val] = args
        fnty = llvm_ir.FunctionType(val.type, [val.type])
        ctpop = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i8")
        return builder.call(ctpop, [val])

    return sig, impl


@intrinsic
def int32_bits_as_float32(typingctx, x):
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        val = context.cast(builder, args[0], sig.args[0], types.int32)
        return builder.bitcast(val, llvm_ir.FloatType())

    return types.float32(x), codegen


@intrinsic
def float32_bits_as_int32(typingctx, x):
    if not isinstance(x, types.Float) or x.bitwidth != 32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], llvm_ir.IntType(32))

    return types.int32(x), codegen


@intrinsic
def popcnt(typingctx, x):
    """The brief's example: builder.ctpop at the argument's width, widened."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def join_u16_u8(typingctx, hi, lo):
    """Two arguments of different widths: (hi << 8) | lo as a uint32."""
    sig = types.uint32(types.uint16, types.uint8)

    def codegen(context, builder, signature, args):
        i32 = context.get_value_type(types.uint32)
        hi32 = context.cast(builder, args[0], types.uint16, types.uint32)
        lo32 = builder.zext(args[1], i32)
        return builder.or_(builder.shl(hi32, context.get_constant(types.uint32, 8)), lo32)

    return sig, codegen


def _popcounts(a):
    n = 0
    for v in a:
        n += popcnt_u8(v)
    return n


def _roundtrip(i):
    f = int32_bits_as_float32(i)
    return f, float32_bits_as_int32(f)


def _popcnt(v):
    return popcnt(v)


def _join(hi, lo):
    return join_u16_u8(hi, lo)


def test_popcount_u8_as_pynndescent_writes_it(kilnd):
    from kiln import jit
    a = np.arange(256, dtype=np.uint8)
    want = int(sum(bin(v).count("1") for v in range(256)))
    assert jit(_popcounts)(a) == numba.njit(_popcounts)(a) == want


def test_popcount_of_a_uint64_and_of_an_int_argument_converted_to_it(kilnd):
    from kiln import jit
    f, g = jit(_popcnt), numba.njit(_popcnt)
    for v in (0, 1, 255, 2**40 + 7, 2**64 - 1):
        assert f(np.uint64(v)) == g(np.uint64(v)) == bin(v).count("1")
    for v in (0, 3, 2**31, -1):  # an int64 is converted to the signature's uint64, as Numba casts it
        assert f(v) == g(v)
    assert g(-1) == 64
    text = f.inspect_llvm()
    text = "\n".join(text.values()) if isinstance(text, dict) else text
    assert "llvm.ctpop.i64" in text and "kiln.intrinsic" not in text  # inlined at the call, as Numba does


def test_int32_float32_bit_casts_round_trip(kilnd):
    from kiln import jit
    f, g = jit(_roundtrip), numba.njit(_roundtrip)
    for i in (0, 1, 7, 123456789, -5, 2**31 - 1):
        got, want = f(i), g(i)
        bits = np.array([i], dtype=np.int32).view(np.float32)[0]
        assert np.array([got[0]], dtype=np.float32).view(np.int32)[0] == np.array([want[0]], np.float32).view(
            np.int32)[0] == i
        assert got[0] == bits or (np.isnan(got[0]) and np.isnan(bits))
        assert got[1] == want[1] == i
    assert type(f(3)[0]) is type(g(3)[0]) is float  # noqa: E721 - a float32 comes back as a Python float in both


def test_two_arguments_of_different_widths(kilnd):
    from kiln import jit
    f, g = jit(_join), numba.njit(_join)
    for hi, lo in ((0, 0), (1, 2), (0xABCD, 0xEF), (65535, 255)):
        assert f(np.uint16(hi), np.uint8(lo)) == g(np.uint16(hi), np.uint8(lo)) == (hi << 8) | lo


def _bits_of_float64(x):
    return float32_bits_as_int32(x)


def test_typing_returning_none_is_a_located_typing_error(kilnd):
    from kiln import jit
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match=r"Invalid use of intrinsic float32_bits_as_int32 with argument\(s\) of "
                                          r"type\(s\): \(float64\)") as e:
        jit(_bits_of_float64)(1.5)
    assert isinstance(e.value, NumbaTypingError)
    assert e.value.where[0] == __file__
    assert e.value.where[1] == _bits_of_float64.__code__.co_firstlineno + 1
    with pytest.raises(NumbaTypingError):  # Numba refuses it too
        numba.njit(_bits_of_float64)(1.5)


@intrinsic
def broken_codegen(typingctx, x):
    def codegen(context, builder, signature, args):
        raise ValueError("no codegen for you")
    return types.int64(types.int64), codegen


@intrinsic
def asks_for_arrays(typingctx, x):
    def codegen(context, builder, signature, args):
        return args[0]
    return x(x), codegen


@intrinsic
def uses_an_unoffered_context_method(typingctx, x):
    def codegen(context, builder, signature, args):
        return context.make_tuple(builder, signature.return_type, args)
    return types.int64(types.int64), codegen


def _calls_broken(x):
    return broken_codegen(x)


def _calls_arrays(x):
    return asks_for_arrays(x)


def _calls_unoffered(x):
    return uses_an_unoffered_context_method(x)


def test_codegen_raising_is_a_located_error(kilnd):
    from kiln import jit
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match=r"intrinsic broken_codegen\(\): its codegen raised ValueError: "
                                          r"no codegen for you") as e:
        jit(_calls_broken)(3)
    assert e.value.where[:2] == (__file__, _calls_broken.__code__.co_firstlineno + 1)


def test_array_signature_and_unoffered_context_are_refused_by_name(kilnd):
    from kiln import jit
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match=r"intrinsic asks_for_arrays\(\): the argument type "
                                          r"array\(float64, 1d, C\) is not supported") as e:
        jit(_calls_arrays)(np.zeros(3))
    assert e.value.where[:2] == (__file__, _calls_arrays.__code__.co_firstlineno + 1)
    with pytest.raises(TypingError, match=r"its codegen used context.make_tuple, which kiln does not offer"):
        jit(_calls_unoffered)(3)


def test_calling_an_intrinsic_from_python_is_refused_as_numba_does():
    from kiln.extending import intrinsic as kiln_intrinsic

    @kiln_intrinsic
    def k(typingctx, x):
        return None
    with pytest.raises(NotImplementedError, match="not usable in pure-python"):
        k(1)
    with pytest.raises(NotImplementedError, match="not usable in pure-python"):
        popcnt(1)


# -- IR text sent straight to kilnd ---------------------------------------------


GOOD = "define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  %r = call i64 @llvm.ctpop.i64(i64 %x)\n  ret i64 %r\n}\n" \
       "declare i64 @llvm.ctpop.i64(i64)\n"

EVIL = {
    "garbage": ("this is not LLVM IR", "line 1"),
    "global": ("@g = global i64 0\n" + GOOD, "global variables"),
    "inline asm": ("define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  %r = call i64 asm \"popcnt $1, $0\", \"=r,r\"(i64 %x)"
                   "\n  ret i64 %r\n}\n", "inline asm"),
    "module asm": ("module asm \"nop\"\n" + GOOD, "inline asm"),
    "external call": ("declare i32 @system(ptr)\ndefine i64 @kiln_intrinsic_popcnt(i64 %x) {\n  ret i64 %x\n}\n",
                      "@system, which is not an LLVM intrinsic"),
    "unlisted intrinsic": ("declare i64 @llvm.readcyclecounter()\ndefine i64 @kiln_intrinsic_popcnt(i64 %x) {\n"
                           "  %r = call i64 @llvm.readcyclecounter()\n  ret i64 %r\n}\n",
                           "@llvm.readcyclecounter, which is not one of the target-independent scalar intrinsics"),
    "indirect call": ("define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  %p = inttoptr i64 %x to ptr\n"
                      "  %r = call i64 %p()\n  ret i64 %r\n}\n", "calls something other than an LLVM intrinsic"),
    "two definitions": (GOOD + "define i64 @other() {\n  ret i64 0\n}\n", "defines @other"),
    "wrong signature": ("define i32 @kiln_intrinsic_popcnt(i32 %x) {\n  ret i32 %x\n}\n", "has type i32 (i32)"),
    "missing": ("define i64 @elsewhere(i64 %x) {\n  ret i64 %x\n}\n", "defines @elsewhere"),
    "unverifiable": ("define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  %r = add i64 %x, 1\n}\n", "line"),
    "typed pointers": ("define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  %p = alloca i64\n  store i64 %x, i64* %p\n"
                       "  %r = load i64, i64* %p\n  ret i64 %r\n}\n", None),
}


def _spec_with_ir(f, text=None, **change):
    """The bundle spec of jitted f (its intrinsic answered) with its one
    intrinsic's fields replaced."""
    from kiln.bundle import bundle_spec
    major, minor, functions, intrinsics = bundle_spec(f.py_func)
    assert len(intrinsics) == 1, intrinsics
    name, symbol, args, ret, ir_text = intrinsics[0]
    fields = dict(name=name, symbol=symbol, args=args, ret=ret, ir=text if text is not None else ir_text)
    fields.update(change)
    return major, minor, functions, [(fields["name"], fields["symbol"], fields["args"], fields["ret"], fields["ir"])]


def _compile(spec):
    from kiln import _kiln
    return _kiln.compile(_kiln.make_bundle(spec), ("uint64",), "", 3, False, False, "python", _kiln.EMITS["binary"])


def test_malformed_and_evil_ir_is_refused_and_the_server_stays_up(private_kilnd):
    from kiln import errors, jit
    f = jit(_popcnt)
    assert f(np.uint64(255)) == 8  # the intrinsic answered; its real text compiles
    assert _compile(_spec_with_ir(f, GOOD))["ok"]
    for what, (text, says) in EVIL.items():
        reply = _compile(_spec_with_ir(f, text))
        if says is None:  # llvmlite before 0.44 writes typed pointers: LLVM 19 reads them as opaque ones
            assert reply["ok"], (what, reply)
            continue
        assert not reply["ok"], what
        assert "intrinsic popcnt(): its LLVM IR is refused" in reply["message"], (what, reply["message"])
        assert says in reply["message"], (what, reply["message"])
        assert reply["line"] == _popcnt.__code__.co_firstlineno + 1, what
    for change, says in ((dict(ir="x" * ((1 << 16) + 1)), "llvm_ir has"), (dict(ret="flot"), "return_type"),
                         (dict(args=["array(float64, 1d, C"]), r"arg_types\[0\]"), (dict(symbol=""), "symbol"),
                         (dict(ir=""), "llvm_ir is empty")):
        with pytest.raises(errors.InvalidRequestError, match=says):
            _compile(_spec_with_ir(f, **change))
    # a signature naming an array: refused at the call by typing
    reply = _compile(_spec_with_ir(f, args=["array(float64, 1d, C)"]))
    assert not reply["ok"] and "array(float64, 1d, C) in its signature is not supported" in reply["message"]
    assert f(np.uint64(7)) == 3  # still serving
    assert jit(_join)(np.uint16(1), np.uint8(1)) == 257


# -- Kiln's decorator without Numba ---------------------------------------------


NO_NUMBA = textwrap.dedent("""
    import sys
    import kiln
    from kiln import types
    from kiln.extending import intrinsic
    from llvmlite import ir

    seen = []

    @intrinsic
    def low_byte(typingctx, x):
        seen.append(x)
        if x.name not in ("int64", "int32"):
            return None
        def codegen(context, builder, signature, args):
            b = context.cast(builder, args[0], signature.args[0], types.uint8)
            return context.cast(builder, b, types.uint8, types.int64)
        return types.int64(x), codegen

    @kiln.jit
    def f(x):
        return low_byte(x) + 1

    assert f(0x1234) == 0x35, f(0x1234)
    assert f(-1) == 256
    try:
        f(1.5)
        raise AssertionError("a float has no implementation")
    except kiln.errors.TypingError as e:
        assert "Invalid use of intrinsic low_byte" in str(e), str(e)
    assert [str(t) for t in seen] == ["int64", "float64"], seen
    assert "numba.core" not in sys.modules
    print("ok")
""")


def test_kiln_intrinsic_without_numba(kilnd):
    import os
    out = subprocess.run([sys.executable, "-c", NO_NUMBA], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": kilnd.target})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# -- the IR text is in the bundle, so in the cache key --------------------------


def test_a_changed_codegen_recompiles(project):
    project.write("intr.py", """
        from llvmlite import ir
        from numba.core import types
        from numba.extending import intrinsic

        @intrinsic
        def tweak(typingctx, x):
            def codegen(context, builder, signature, args):
                return builder.add(args[0], ir.Constant(ir.IntType(64), 1))
            return types.int64(types.int64), codegen
    """)
    project.write("app.py", """
        from kiln import jit
        from intr import tweak

        @jit
        def f(x):
            return tweak(x)

        def run(x):
            return f(x)
    """)
    assert _built(project, "app", "run", 41) == (42, 1, 0)
    assert _built(project, "app", "run", 41) == (42, 0, 1)  # a fresh process: a hit
    project.edit("intr.py", "builder.add(", "builder.sub(")
    assert _built(project, "app", "run", 41) == (40, 1, 0)


# -- GPU kernels ------------------------------------------------------------------


def _kernel_popcounts(a):
    for i in range(a.shape[0]):
        a[i] = popcnt(a[i])


def test_an_intrinsic_in_a_ptx_kernel_is_refused_at_its_call(kilnd):
    # PTX only (no GPU needed): kiln.cuda.jit answers the request as kiln.jit does, and lowering refuses it
    from kiln import cuda
    from kiln.cuda import _driver
    from kiln.errors import LoweringError
    with pytest.raises(LoweringError, match=r"intrinsic popcnt\(\): its LLVM IR is refused: intrinsics are "
                                            r"compiled for the CPU only, not in a CUDA kernel") as e:
        _driver.compile_kernel(cuda.jit(_kernel_popcounts), ["array(uint64, 1d, C)"], "sm_80", "ptx")
    assert e.value.where[:2] == (__file__, _kernel_popcounts.__code__.co_firstlineno + 2)
