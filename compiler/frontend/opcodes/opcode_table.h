#pragma once
// One declarative table per CPython version: opcode number -> name, decoded
// form (which handler of the SSA builder gives it meaning), fixed stack effect,
// inline CACHE entries, jump kind. Everything version-specific about bytecode
// lives in these rows (opcodes/py311.cpp, py312.cpp); the decoder, the CFG and
// the SSA builder ask the table, never the Python version. Supporting a new
// CPython is a new table file plus new goldens (see frontend/README.md).

#include <cstdint>
#include <span>

#include "compiler/ir/ir.h"

namespace kiln::frontend {

/// What an instruction means to the SSA builder. A form names a behaviour, not
/// an opcode: where two versions give one opcode different behaviour, they use
/// different forms (or the row's arg_shift, see OpcodeRow).
enum class Form : uint8_t {
  kNop,            // RESUME, NOP, CACHE, PRECALL (3.11)
  kExtendedArg,    // folded into the next instruction's arg by the decoder
  kPopTop,
  kPushNull,       // the NULL of the call protocol, tracked statically
  kCopy,           // COPY n: push stack[-n]
  kSwap,           // SWAP n: exchange stack[-1] and stack[-n]
  kLoadConst,
  kLoadFast,       // LOAD_FAST, LOAD_FAST_CHECK
  kLoadFastAndClear,
  kStoreFast,
  kLoadGlobal,     // name = arg >> arg_shift; low bit (if shifted) pushes NULL first
  kLoadAttr,       // name = arg >> arg_shift; low bit (if shifted) is a method load
  kLoadMethod,     // 3.11: always a method load
  kBinaryOp,       // arg indexes OpcodeTable::binary_ops
  kUnaryNegative,
  kUnaryPositive,
  kUnaryNot,
  kUnaryInvert,
  kCallIntrinsic1, // arg == OpcodeTable::intrinsic_unary_positive is unary +
  kCompareOp,      // arg >> arg_shift indexes OpcodeTable::compare_ops
  kIsOp,           // arg 0: is, 1: is not
  kContainsOp,     // arg 0: in, 1: not in
  kBuildTuple,
  kBuildList,       // lists: BUILD_LIST n
  kListAppend,      // lists: LIST_APPEND i: stack[-i].append(pop())
  kListExtend,      // lists: LIST_EXTEND i: stack[-i].extend(pop())
  kUnpackSequence,
  kBinarySubscr,
  kStoreSubscr,
  kStoreAttr,      // records: obj.name = value, a setitem of the constant name (Instr::name set)
  kBuildSlice,     // arg 2 or 3 items
  kBinarySlice,    // 3.12: container[start:stop]
  kStoreSlice,     // 3.12: container[start:stop] = value
  kGetIter,
  kForIter,        // falls through into the body with the item; jumps when exhausted
  kSend,           // genpy: yield from: pops the sent None, then as kForIter; when exhausted the iterator's
                   // place holds the result of `yield from` (None)
  kEndFor,         // 3.12: pops the iterator and the item (only reached by jumps past it)
  kEndSend,        // genpy: 3.12: yield from: pops the iterator under the result an exhausted SEND left
  kKwNames,
  kCall,
  kJump,
  kPopJumpIfFalse,
  kPopJumpIfTrue,
  kPopJumpIfNone,
  kPopJumpIfNotNone,
  kJumpIfFalseOrPop,  // 3.11
  kJumpIfTrueOrPop,   // 3.11
  kReturnValue,
  kReturnConst,       // 3.12
  kRaiseVarargs,
  kFormatValue,       // strings: an f-string field; arg & 3 the conversion, arg & 4 a format spec below it
  kBuildString,       // strings: an f-string's arg pieces, joined
  // dicts:
  kBuildMap,          // BUILD_MAP n: n key/value pairs
  kBuildConstKeyMap,  // BUILD_CONST_KEY_MAP n: n values, then a constant tuple of n keys
  kDeleteSubscr,      // del container[index]
  kMapAdd,            // MAP_ADD i: stack[-i - 2][key] = value (a dict comprehension)
  // sets:
  kBuildSet,          // BUILD_SET n: set((items...))
  kSetAdd,            // SET_ADD i: stack[-i].add(pop()) (a set comprehension)
  kSetUpdate,         // SET_UPDATE i: stack[-i].update(pop()) (a constant set literal)
  // closures:
  kMakeCell,       // MAKE_CELL i: slot i becomes a cell (its value stays in the slot)
  kCopyFreeVars,   // COPY_FREE_VARS n: the closure's cells into the free slots
  kLoadClosure,    // LOAD_CLOSURE i: the cell of slot i, captured by value
  kLoadDeref,      // LOAD_DEREF i: the value in cell slot i (a free slot: a captured value)
  kStoreDeref,     // STORE_DEREF i
  kMakeFunction,   // MAKE_FUNCTION flags: code on top; below it the closure tuple (0x08),
                   // annotations (0x04), keyword defaults (0x02), defaults (0x01)
  kLoadAssertionError,  // exceptions: pushes the builtin AssertionError class
  kPushExcInfo,         // exceptions: handler entry, [exc] -> [previous exc, exc]
  kCheckExcMatch,       // exceptions: [exc, class] -> [exc, matches]
  kPopExcept,           // exceptions: pops the previous exc
  kReraise,             // exceptions: raises the exception being handled again (exits)
  kDeleteFast,          // exceptions: `del x` of a local (`except E as e` ends with one)
  // tuples:
  kListToTuple,         // 3.11 LIST_TO_TUPLE: the end of a star-unpacking tuple literal (*a, x)
  kCallFunctionEx,      // CALL_FUNCTION_EX flags: [NULL, callee, args tuple, kwargs dict if flags & 1]
  kUnpackEx,            // UNPACK_EX: a starred assignment, arg & 0xff before the star, arg >> 8 after it
  kYieldValue,          // generators: [item] -> [None] (the value sent in: send() is not supported)
  kUnsupported,       // decoded and printed, rejected when reached
};

enum class JumpKind : uint8_t {
  kNone,
  kForward,   // target = base + 2 * arg
  kBackward,  // target = base - 2 * arg
  kAbsolute,  // target = 2 * arg
};

/// Where relative jumps count from.
enum class JumpBase : uint8_t {
  kAfterCaches,       // 3.11, 3.12: the end of the instruction's inline caches
  kAfterInstruction,  // the next code unit
};

/// How control leaves an instruction; derived from the form (version-free).
enum class Flow : uint8_t {
  kNext,         // falls through
  kConditional,  // falls through or jumps to the target
  kJump,         // always jumps to the target
  kExit,         // leaves the function
};
Flow flowOf(Form form);

inline constexpr int8_t kVaries = -1;  // the stack effect depends on the arg or the edge

struct OpcodeRow {
  uint8_t number = 0;
  const char* name = "";
  Form form = Form::kUnsupported;
  int8_t pops = kVaries, pushes = kVaries;  // fixed stack effect, or kVaries
  uint8_t caches = 0;                       // inline CACHE code units after it
  JumpKind jump = JumpKind::kNone;
  uint8_t arg_shift = 0;    // the payload is arg >> arg_shift; the bits below are flags
  uint8_t target_skip = 0;  // code units past the computed target where the jump lands
                            // (3.12 FOR_ITER skips the END_FOR it points at)
  const char* construct = nullptr;  // kUnsupported: the Python construct, for diagnostics
};

/// A row the builder rejects when reached; `construct` names it as the user
/// wrote it ("a list literal"), for the diagnostic: every such row has one.
constexpr OpcodeRow unsupportedRow(uint8_t number, const char* name, const char* construct,
                                   uint8_t caches = 0, JumpKind jump = JumpKind::kNone) {
  return {number, name, Form::kUnsupported, kVaries, kVaries, caches, jump, 0, 0, construct};
}

struct BinaryOpRow {
  ir::BinaryOp op;
  bool inplace;
  const char* symbol;  // "+", "+=", ... as dis shows it
};

struct OpcodeTable {
  uint32_t major = 3, minor = 0;
  std::span<const OpcodeRow> rows;
  uint8_t have_argument = 90;  // opcodes below this ignore their arg
  JumpBase jump_base = JumpBase::kAfterCaches;
  std::span<const BinaryOpRow> binary_ops;        // BINARY_OP arg -> operator
  std::span<const ir::CompareOp> compare_ops;     // COMPARE_OP payload -> operator
  int intrinsic_unary_positive = -1;              // CALL_INTRINSIC_1 arg of unary +
  int intrinsic_list_to_tuple = -1;               // tuples: CALL_INTRINSIC_1 arg of LIST_TO_TUPLE
  // generators: CALL_INTRINSIC_1 arg of the handler that 3.12 wraps round a
  // generator's body (StopIteration -> RuntimeError); buildCfg drops the
  // exception-table entries that lead to it, since Kiln's generator frames do
  // that conversion themselves, as 3.11's interpreter did.
  int intrinsic_stopiteration_error = -1;
  // genpy: an exhausted SEND leaves the iterator under the result (3.12, for
  // END_SEND to pop) rather than replacing it (3.11).
  bool send_keeps_iterator = false;
  std::span<const char* const> intrinsic1_constructs;  // CALL_INTRINSIC_1 arg -> the construct, for diagnostics

  /// The row of `number`, or null if this version has no such opcode.
  const OpcodeRow* row(uint8_t number) const;
};

// Shared by the tables of every version whose numbering they match.
// NB_* of Include/opcode.h: unchanged from 3.11 through 3.13.
inline constexpr BinaryOpRow kNbOpsSince311[] = {
    {ir::BinaryOp::kAdd, false, "+"},       {ir::BinaryOp::kAnd, false, "&"},
    {ir::BinaryOp::kFloorDiv, false, "//"}, {ir::BinaryOp::kLShift, false, "<<"},
    {ir::BinaryOp::kMatMul, false, "@"},    {ir::BinaryOp::kMul, false, "*"},
    {ir::BinaryOp::kMod, false, "%"},       {ir::BinaryOp::kOr, false, "|"},
    {ir::BinaryOp::kPow, false, "**"},      {ir::BinaryOp::kRShift, false, ">>"},
    {ir::BinaryOp::kSub, false, "-"},       {ir::BinaryOp::kTrueDiv, false, "/"},
    {ir::BinaryOp::kXor, false, "^"},       {ir::BinaryOp::kAdd, true, "+="},
    {ir::BinaryOp::kAnd, true, "&="},       {ir::BinaryOp::kFloorDiv, true, "//="},
    {ir::BinaryOp::kLShift, true, "<<="},   {ir::BinaryOp::kMatMul, true, "@="},
    {ir::BinaryOp::kMul, true, "*="},       {ir::BinaryOp::kMod, true, "%="},
    {ir::BinaryOp::kOr, true, "|="},        {ir::BinaryOp::kPow, true, "**="},
    {ir::BinaryOp::kRShift, true, ">>="},   {ir::BinaryOp::kSub, true, "-="},
    {ir::BinaryOp::kTrueDiv, true, "/="},   {ir::BinaryOp::kXor, true, "^="},
};

// Lib/opcode.py cmp_op = ('<', '<=', '==', '!=', '>', '>=').
inline constexpr ir::CompareOp kCmpOpsSince311[] = {
    ir::CompareOp::kLt, ir::CompareOp::kLe, ir::CompareOp::kEq,
    ir::CompareOp::kNe, ir::CompareOp::kGt, ir::CompareOp::kGe,
};

extern const OpcodeTable kPy311Table;
extern const OpcodeTable kPy312Table;

/// The table for CPython major.minor, or null when that version is not supported.
const OpcodeTable* opcodeTableFor(uint32_t major, uint32_t minor);
/// Every table, oldest first.
std::span<const OpcodeTable* const> opcodeTables();

}  // namespace kiln::frontend
