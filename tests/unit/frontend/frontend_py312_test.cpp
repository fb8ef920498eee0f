// The 3.12 table on hand-assembled CPython 3.12 bytecode (3.12 is not
// installed here). Code units are written {opcode, arg} with every inline
// CACHE unit spelled out, so cache counts and jump bases are checked against
// CPython 3.12's Lib/opcode.py, not against our own table.
#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "tests/unit/frontend/fixture_helpers.h"

namespace kiln::frontend::testing {
namespace {

// CPython 3.12 opcode numbers (Lib/opcode.py at v3.12).
enum Op312 : uint8_t {
  CACHE = 0, END_FOR = 4, UNARY_NEGATIVE = 11, GET_ITER = 68, RETURN_VALUE = 83, FOR_ITER = 93,
  STORE_FAST = 125, LOAD_CONST = 100, LOAD_ATTR = 106, COMPARE_OP = 107, POP_JUMP_IF_FALSE = 114,
  LOAD_GLOBAL = 116, RETURN_CONST = 121, BINARY_OP = 122, LOAD_FAST = 124,
  POP_JUMP_IF_NOT_NONE = 128, JUMP_BACKWARD = 140, RESUME = 151, CALL = 171, KW_NAMES = 172,
  CALL_INTRINSIC_1 = 173, BUILD_LIST = 103, LIST_APPEND = 145, LIST_EXTEND = 162, BINARY_SLICE = 26, BINARY_SUBSCR = 25, STORE_SLICE = 27, BUILD_SLICE = 133,
  POP_TOP = 1, RETURN_GENERATOR = 75, RERAISE = 119, YIELD_VALUE = 150,
};

std::string units(std::initializer_list<std::pair<uint8_t, uint8_t>> code) {
  std::string out;
  for (auto [op, arg] : code) {
    out.push_back(static_cast<char>(op));
    out.push_back(static_cast<char>(arg));
  }
  return out;
}

compiler::CodeObject code312(std::string name, int argcount, std::vector<std::string> varnames,
                             std::vector<std::string> names, std::vector<compiler::Constant> consts,
                             std::string code, std::vector<compiler::LineRange> lines) {
  compiler::CodeObject c = makeCode(name, name, 1, argcount, 0, 0, 0x3, "", std::move(consts), std::move(names),
                                    std::move(varnames), {}, {}, "", std::move(lines));
  c.code = std::move(code);
  return c;
}

// def loop(n):
//     s = 0
//     for i in range(n):
//         s += i
//     return s
compiler::CodeObject forRange() {
  return code312("loop", 1, {"n", "s", "i"}, {"range"}, {none(), integer(0)},
                 units({
                     {RESUME, 0},                                     // 0
                     {LOAD_CONST, 1},                                 // 2
                     {STORE_FAST, 1},                                 // 4
                     {LOAD_GLOBAL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},  // 6: NULL + range
                     {LOAD_FAST, 0},                                  // 16
                     {CALL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},   // 18
                     {GET_ITER, 0},                                   // 26
                     {FOR_ITER, 7}, {CACHE, 0},                       // 28: to END_FOR at 32 + 14 = 46
                     {STORE_FAST, 2},                                 // 32
                     {LOAD_FAST, 1},                                  // 34
                     {LOAD_FAST, 2},                                  // 36
                     {BINARY_OP, 13}, {CACHE, 0},                     // 38: +=
                     {STORE_FAST, 1},                                 // 42
                     {JUMP_BACKWARD, 9},                              // 44: to 46 - 18 = 28
                     {END_FOR, 0},                                    // 46
                     {LOAD_FAST, 1},                                  // 48
                     {RETURN_VALUE, 0},                               // 50
                 }),
                 {{0, 2, 1}, {2, 6, 2}, {6, 32, 3}, {32, 44, 4}, {44, 46, 3}, {46, 48, 3}, {48, 52, 5}});
}

TEST(Frontend312, ForRangeLoopSkipsEndFor) {
  // i is live after the loop in Python, so the frontend carries it in the
  // header (undef on entry); nothing reads it after, so prune-dead-params drops it.
  EXPECT_EQ(kir(forRange(), 12), R"(func @loop(%0 n) {
bb0(%0):
  %1 = const 0                               ; line 2
  %2 = load_global range                     ; line 3
  %3 = call %2, %0                           ; line 3
  %4 = getiter %3                            ; line 3
  jump bb1(%1)                               ; line 3
bb1(%5):
  %6 = for_iter %4, bb2(), bb3()             ; line 3
bb2():
  %7 = binop add! %5, %6                     ; line 4
  jump bb1(%7)                               ; line 3
bb3():
  return %5                                  ; line 5
}
)");
}

TEST(Frontend312, PrintBytecodeResolvesRelativeJumpsPastCaches) {
  absl::StatusOr<std::string> text = printBytecode(bundleOf(forRange(), 12), 0);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("CPython 3.12"), std::string::npos);
  // FOR_ITER lands one unit past the END_FOR it points at.
  EXPECT_NE(text->find("FOR_ITER                     7 (to 48)"), std::string::npos) << *text;
  EXPECT_NE(text->find(">>    28     3  FOR_ITER"), std::string::npos) << *text;
  EXPECT_NE(text->find("JUMP_BACKWARD                9 (to 28)"), std::string::npos) << *text;
}

// def call(x, a):
//     return g(x, b=2) + math.sin(a)
TEST(Frontend312, CallsWithKeywordsAndMethodLoads) {
  compiler::CodeObject c = code312(
      "call", 2, {"x", "a"}, {"g", "math", "sin"}, {none(), integer(2), tuple({str("b")})},
      units({
          {RESUME, 0},
          {LOAD_GLOBAL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},  // NULL + g
          {LOAD_FAST, 0},
          {LOAD_CONST, 1},
          {KW_NAMES, 2},
          {CALL, 2}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},
          {LOAD_GLOBAL, 2}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},  // math (no NULL)
          {LOAD_ATTR, 5},  // NULL|self + sin: names[5 >> 1], method bit set
          {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},
          {LOAD_FAST, 1},
          {CALL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},
          {BINARY_OP, 0}, {CACHE, 0},
          {RETURN_VALUE, 0},
      }),
      {{0, 2, 1}, {2, 200, 2}});
  EXPECT_EQ(kir(c, 12), R"(func @call(%0 x, %1 a) {
bb0(%0, %1):
  %2 = load_global g                         ; line 2
  %3 = const 2                               ; line 2
  %4 = call %2, %0, %3 kw(b)                 ; line 2
  %5 = load_global math                      ; line 2
  %6 = getattr %5.sin                        ; line 2
  %7 = call %6, %1                           ; line 2
  %8 = binop add %4, %7                      ; line 2
  return %8                                  ; line 2
}
)");
}

// def cond(x):
//     if x is None:
//         return 0
//     if x > 0:
//         return +x
//     return -x
TEST(Frontend312, ConditionalsReturnConstAndUnaryPositive) {
  compiler::CodeObject c = code312("cond", 1, {"x"}, {}, {none(), integer(0)},
                                   units({
                                       {RESUME, 0},                   // 0
                                       {LOAD_FAST, 0},                // 2
                                       {POP_JUMP_IF_NOT_NONE, 1},     // 4: to 6 + 2 = 8
                                       {RETURN_CONST, 1},             // 6
                                       {LOAD_FAST, 0},                // 8
                                       {LOAD_CONST, 1},               // 10
                                       {COMPARE_OP, 68}, {CACHE, 0},  // 12: '>' is 68 >> 4 = 4
                                       {POP_JUMP_IF_FALSE, 3},        // 16: to 18 + 6 = 24
                                       {LOAD_FAST, 0},                // 18
                                       {CALL_INTRINSIC_1, 5},         // 20: INTRINSIC_UNARY_POSITIVE
                                       {RETURN_VALUE, 0},             // 22
                                       {LOAD_FAST, 0},                // 24
                                       {UNARY_NEGATIVE, 0},           // 26
                                       {RETURN_VALUE, 0},             // 28
                                   }),
                                   {{0, 2, 1}, {2, 6, 2}, {6, 8, 3}, {8, 18, 4}, {18, 24, 5}, {24, 30, 6}});
  EXPECT_EQ(kir(c, 12), R"(func @cond(%0 x) {
bb0(%0):
  %1 = const None                            ; line 2
  %2 = compare is %0, %1                     ; line 2
  branch %2, bb1(), bb2()                    ; line 2
bb1():
  %3 = const 0                               ; line 3
  return %3                                  ; line 3
bb2():
  %4 = const 0                               ; line 4
  %5 = compare gt %0, %4                     ; line 4
  %6 = truth %5                              ; line 4
  branch %6, bb3(), bb4()                    ; line 4
bb3():
  %7 = unaryop pos %0                        ; line 5
  return %7                                  ; line 5
bb4():
  %8 = unaryop neg %0                        ; line 6
  return %8                                  ; line 6
}
)");
}

TEST(Frontend312, OtherIntrinsicsAreUnsupported) {
  compiler::CodeObject c = code312("intr", 1, {"x"}, {}, {none()},
                                   units({{RESUME, 0}, {LOAD_FAST, 0}, {CALL_INTRINSIC_1, 7}, {RETURN_VALUE, 0}}),
                                   {{0, 8, 7}});
  std::optional<compiler::Diagnostic> d = compiler::diagnosticOf(buildFunction(bundleOf(c, 12), 0).status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, compiler::Diagnostic::Kind::kUnsupported);
  EXPECT_EQ(d->line, 7);
  EXPECT_EQ(d->message, "unsupported Python construct: a type parameter");
}

// tuples: (x, *x) is BUILD_LIST, LIST_EXTEND, INTRINSIC_LIST_TO_TUPLE; the
// list is folded into tuple concatenation.
TEST(Frontend312, ListToTupleIsTupleConcatenation) {
  compiler::CodeObject c = code312("star", 1, {"x"}, {}, {none()},
                                   units({{RESUME, 0}, {LOAD_FAST, 0}, {BUILD_LIST, 1}, {LOAD_FAST, 0},
                                          {LIST_EXTEND, 1}, {CALL_INTRINSIC_1, 6}, {RETURN_VALUE, 0}}),
                                   {{0, 14, 2}});
  EXPECT_EQ(kir(c, 12), R"(func @star(%0 x) {
bb0(%0):
  %1 = build_tuple %0                        ; line 2
  %2 = binop add %1, %0                      ; line 2
  return %2                                  ; line 2
}
)");
}

// A list built across branches is not folded: refused, named as written.
TEST(Frontend312, ListToTupleOfAnArgumentIsRefused) {
  compiler::CodeObject c = code312("intr", 1, {"x"}, {}, {none()},
                                   units({{RESUME, 0}, {LOAD_FAST, 0}, {CALL_INTRINSIC_1, 6}, {RETURN_VALUE, 0}}),
                                   {{0, 8, 7}});
  std::optional<compiler::Diagnostic> d = compiler::diagnosticOf(buildFunction(bundleOf(c, 12), 0).status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, compiler::Diagnostic::Kind::kUnsupported);
  EXPECT_NE(d->message.find("star-unpacking (*x) in a tuple"), std::string::npos);
}

// The same bytes mean different things per version: 3.11 has no opcode 121
// (RETURN_CONST) and reads 114 as POP_JUMP_FORWARD_IF_FALSE with no caches.
TEST(Frontend312, TablesDifferWhereVersionsDo) {
  compiler::CodeObject c = code312("rc", 0, {}, {}, {integer(7)}, units({{RESUME, 0}, {RETURN_CONST, 0}}), {});
  EXPECT_EQ(kir(c, 12), R"(func @rc() {
bb0():
  %0 = const 7
  return %0
}
)");
  absl::StatusOr<std::unique_ptr<ir::Function>> fn311 = buildFunction(bundleOf(c, 11), 0);
  EXPECT_EQ(fn311.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(compiler::diagnosticOf(fn311.status()).has_value()) << "malformed, not a user error";
  EXPECT_NE(fn311.status().message().find("unknown opcode 121"), std::string::npos) << fn311.status();
}


// def sl(a, i):
//     a[1:i] = a[:i]
//     return a[::2]
TEST(Frontend312, SlicesBecomeBuildSlice) {
  compiler::CodeObject c = code312("sl", 2, {"a", "i"}, {}, {none(), integer(1), integer(2)},
                                   units({
                                       {RESUME, 0},
                                       {LOAD_FAST, 0}, {LOAD_CONST, 0}, {LOAD_FAST, 1},
                                       {BINARY_SLICE, 0},       // a[:i]: no inline cache
                                       {LOAD_FAST, 0}, {LOAD_CONST, 1}, {LOAD_FAST, 1},
                                       {STORE_SLICE, 0},        // a[1:i] = value
                                       {LOAD_FAST, 0}, {LOAD_CONST, 0}, {LOAD_CONST, 0}, {LOAD_CONST, 2},
                                       {BUILD_SLICE, 3},
                                       {BINARY_SUBSCR, 0}, {CACHE, 0},
                                       {RETURN_VALUE, 0},
                                   }),
                                   {{0, 2, 1}, {2, 18, 2}, {18, 36, 3}});
  EXPECT_EQ(kir(c, 12), R"(func @sl(%0 a, %1 i) {
bb0(%0, %1):
  %2 = const None                            ; line 2
  %3 = const None                            ; line 2
  %4 = build_slice %2, %1, %3                ; line 2
  %5 = getitem %0, %4                        ; line 2
  %6 = const 1                               ; line 2
  %7 = const None                            ; line 2
  %8 = build_slice %6, %1, %7                ; line 2
  setitem %0, %8, %5                         ; line 2
  %9 = const None                            ; line 3
  %10 = const None                           ; line 3
  %11 = const 2                              ; line 3
  %12 = build_slice %9, %10, %11             ; line 3
  %13 = getitem %0, %12                      ; line 3
  return %13                                 ; line 3
}
)");
}

// generators: as CPython 3.12.1 compiles
// def gen(n):
//     for i in range(n):
//         yield i
// The body (4 to 46) is covered by the handler at 48 that turns StopIteration
// into RuntimeError (co_exceptiontable 82 16 18 01: start 2, length 22,
// target 24 code units, depth 0, lasti). Kiln's generator frames do that
// conversion, so the entry is dropped: no handler edges, no refused
// CALL_INTRINSIC_1 3; YIELD_VALUE's arg (1, the exception stack depth) is
// ignored.
TEST(Frontend312, GeneratorBodyHandlerIsDropped) {
  const std::string code = units({
      {RETURN_GENERATOR, 0},                                             // 0
      {POP_TOP, 0},                                                      // 2
      {RESUME, 0},                                                       // 4
      {LOAD_GLOBAL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},  // 6: NULL + range
      {LOAD_FAST, 0},                                                    // 16
      {CALL, 1}, {CACHE, 0}, {CACHE, 0}, {CACHE, 0},                     // 18
      {GET_ITER, 0},                                                     // 26
      {FOR_ITER, 6}, {CACHE, 0},                                         // 28: to END_FOR at 32 + 12 = 44
      {STORE_FAST, 1},                                                   // 32
      {LOAD_FAST, 1},                                                    // 34
      {YIELD_VALUE, 1},                                                  // 36
      {RESUME, 1},                                                       // 38
      {POP_TOP, 0},                                                      // 40
      {JUMP_BACKWARD, 8},                                                // 42: to 44 - 16 = 28
      {END_FOR, 0},                                                      // 44
      {RETURN_CONST, 0},                                                 // 46
      {CALL_INTRINSIC_1, 3},                                             // 48: INTRINSIC_STOPITERATION_ERROR
      {RERAISE, 1},                                                      // 50
  });
  compiler::CodeObject c = makeCode("gen", "gen", 1, 1, 0, 0, 0x23, "", {none()}, {"range"}, {"n", "i"}, {}, {},
                                    "82161801",
                                    {{0, 2, 1}, {2, 4, 0}, {4, 6, 1}, {6, 34, 2}, {34, 44, 3}, {44, 48, 2}, {48, 52, 0}});
  c.code = code;
  EXPECT_EQ(kir(c, 12), R"(func @gen(%0 n) {
bb0(%0):
  %1 = load_global range                     ; line 2
  %2 = call %1, %0                           ; line 2
  %3 = getiter %2                            ; line 2
  jump bb1()                                 ; line 2
bb1():
  %4 = for_iter %3, bb2(), bb3()             ; line 2
bb2():
  %5 = yield %4                              ; line 3
  jump bb1()                                 ; line 3
bb3():
  %6 = const None                            ; line 2
  return %6                                  ; line 2
}
)");
}

// genpy: as CPython 3.12.1 compiles
// def yf(a):
//     yield from a
// SEND (one cache) jumps, once the iterator is exhausted, to END_SEND with the
// iterator still under the result; END_SEND pops it. The YIELD_VALUE at 16 is
// covered by the CLEANUP_THROW handler at 28 (only gen.throw() reaches it) and
// the rest by the StopIteration handler at 32: both entries are dropped.
TEST(Frontend312, YieldFromSendLoop) {
  compiler::CodeObject c = makeCode("yf", "yf", 1, 1, 0, 0, 0x23,
                                    "4b00"          // 0 RETURN_GENERATOR
                                    "0100"          // 2 POP_TOP
                                    "9700"          // 4 RESUME 0
                                    "7c00"          // 6 LOAD_FAST a
                                    "4500"          // 8 GET_YIELD_FROM_ITER
                                    "6400"          // 10 LOAD_CONST None
                                    "7b03" "0000"   // 12 SEND 3 (to 16 + 6 = 22), 1 cache
                                    "9602"          // 16 YIELD_VALUE 2
                                    "9702"          // 18 RESUME 2
                                    "8605"          // 20 JUMP_BACKWARD_NO_INTERRUPT 5 (to 22 - 10 = 12)
                                    "0500"          // 22 END_SEND
                                    "0100"          // 24 POP_TOP
                                    "7900"          // 26 RETURN_CONST None
                                    "3700"          // 28 CLEANUP_THROW
                                    "8c05"          // 30 JUMP_BACKWARD 5 (to 32 - 10 = 22)
                                    "ad03"          // 32 CALL_INTRINSIC_1 3 (INTRINSIC_STOPITERATION_ERROR)
                                    "7701",         // 34 RERAISE 1
                                    {none()}, {}, {"a"}, {}, {},
                                    // 4 to 14 -> 32 lasti; 16 to 16 -> 28 depth 2; 18 to 28 -> 32 lasti
                                    "8206100188010e0489061001",
                                    {{0, 2, 1}, {2, 4, 0}, {4, 6, 1}, {6, 30, 2}, {30, 36, 0}});
  EXPECT_EQ(kir(c, 12), R"(func @yf(%0 a) {
bb0(%0):
  %1 = getiter %0                            ; line 2
  %2 = const None                            ; line 2
  jump bb1()                                 ; line 2
bb1():
  %3 = const None                            ; line 2
  %4 = for_iter %1, bb2(), bb3()             ; line 2
bb2():
  %5 = yield %4                              ; line 2
  jump bb1()                                 ; line 2
bb3():
  %6 = const None                            ; line 2
  return %6                                  ; line 2
}
)");
}
}  // namespace
}  // namespace kiln::frontend::testing
