// CPython 3.12 bytecode (Lib/opcode.py and Python/bytecodes.c at v3.12).
// Against 3.11: conditional jumps are forward-only (POP_JUMP_IF_*), the
// JUMP_IF_*_OR_POP pair and PRECALL/LOAD_METHOD are gone (LOAD_ATTR's low arg
// bit is a method load), COMPARE_OP's operator is arg >> 4, FOR_ITER has a
// cache and on exhaustion lands one unit past the END_FOR it points at,
// RETURN_CONST, LOAD_FAST_CHECK, LOAD_FAST_AND_CLEAR, and unary + became
// CALL_INTRINSIC_1 INTRINSIC_UNARY_POSITIVE. A generator's body is covered by
// an exception-table entry whose handler is CALL_INTRINSIC_1
// INTRINSIC_STOPITERATION_ERROR; RERAISE 1, and a yield from's YIELD_VALUE by
// one whose handler is CLEANUP_THROW (see buildCfg); an exhausted SEND jumps
// to END_SEND with the iterator still under the result.
#include "compiler/frontend/opcodes/opcode_table.h"

namespace kiln::frontend {

namespace {

using enum Form;
using enum JumpKind;

// number, name, form, pops, pushes, caches, jump, arg_shift, target_skip
constexpr OpcodeRow kRows[] = {
    {0, "CACHE", kNop, 0, 0},
    {1, "POP_TOP", kPopTop, 1, 0},
    {2, "PUSH_NULL", kPushNull, 0, 1},
    unsupportedRow(3, "INTERPRETER_EXIT", "an interpreter-internal instruction"),
    {4, "END_FOR", kEndFor, 2, 0},
    {5, "END_SEND", kEndSend, 2, 1},  // genpy: yield from
    {9, "NOP", kNop, 0, 0},
    {11, "UNARY_NEGATIVE", kUnaryNegative, 1, 1},
    {12, "UNARY_NOT", kUnaryNot, 1, 1},
    {15, "UNARY_INVERT", kUnaryInvert, 1, 1},
    unsupportedRow(17, "RESERVED", "an interpreter-internal instruction"),
    {25, "BINARY_SUBSCR", kBinarySubscr, 2, 1, 1},
    {26, "BINARY_SLICE", kBinarySlice, 3, 1},
    {27, "STORE_SLICE", kStoreSlice, 4, 0},
    unsupportedRow(30, "GET_LEN", "a match statement"),
    unsupportedRow(31, "MATCH_MAPPING", "a match statement"),
    unsupportedRow(32, "MATCH_SEQUENCE", "a match statement"),
    unsupportedRow(33, "MATCH_KEYS", "a match statement"),
    {35, "PUSH_EXC_INFO", kPushExcInfo, 1, 2},  // exceptions:
    {36, "CHECK_EXC_MATCH", kCheckExcMatch, 2, 2},  // exceptions:
    unsupportedRow(37, "CHECK_EG_MATCH", "an except* clause"),
    unsupportedRow(49, "WITH_EXCEPT_START", "a with statement"),
    unsupportedRow(50, "GET_AITER", "async for"),
    unsupportedRow(51, "GET_ANEXT", "async for"),
    unsupportedRow(52, "BEFORE_ASYNC_WITH", "async with"),
    unsupportedRow(53, "BEFORE_WITH", "a with statement"),
    unsupportedRow(54, "END_ASYNC_FOR", "async for"),
    unsupportedRow(55, "CLEANUP_THROW", "await or yield from"),
    {60, "STORE_SUBSCR", kStoreSubscr, 3, 0, 1},
    {61, "DELETE_SUBSCR", kDeleteSubscr, 2, 0},  // dicts, lists: the delitem op, by container kind
    {68, "GET_ITER", kGetIter, 1, 1},
    {69, "GET_YIELD_FROM_ITER", kGetIter, 1, 1},  // genpy: yield from (a generator is its own iterator)
    unsupportedRow(71, "LOAD_BUILD_CLASS", "a class definition"),
    {74, "LOAD_ASSERTION_ERROR", kLoadAssertionError, 0, 1},  // exceptions:
    {75, "RETURN_GENERATOR", kPushNull, 0, 1},  // generators: its result is popped at once (co_flags say generator)
    {83, "RETURN_VALUE", kReturnValue, 1, 0},
    unsupportedRow(85, "SETUP_ANNOTATIONS", "a variable annotation"),
    unsupportedRow(87, "LOAD_LOCALS", "a class body"),
    {89, "POP_EXCEPT", kPopExcept, 1, 0},  // exceptions:
    unsupportedRow(90, "STORE_NAME", "a module-level assignment"),
    unsupportedRow(91, "DELETE_NAME", "a del statement"),
    {92, "UNPACK_SEQUENCE", kUnpackSequence, kVaries, kVaries, 1},
    {93, "FOR_ITER", kForIter, kVaries, kVaries, 1, kForward, 0, 1},
    {94, "UNPACK_EX", kUnpackEx, 1, kVaries},  // tuples:
    {95, "STORE_ATTR", kStoreAttr, 2, 0, 4},  // records: r.x = v (typing refuses other receivers)
    unsupportedRow(96, "DELETE_ATTR", "a del statement"),
    unsupportedRow(97, "STORE_GLOBAL", "a global statement"),
    unsupportedRow(98, "DELETE_GLOBAL", "a del statement"),
    {99, "SWAP", kSwap, 0, 0},
    {100, "LOAD_CONST", kLoadConst, 0, 1},
    unsupportedRow(101, "LOAD_NAME", "a module-level name lookup"),
    {102, "BUILD_TUPLE", kBuildTuple, kVaries, 1},
    {103, "BUILD_LIST", kBuildList, kVaries, 1},  // lists
    {104, "BUILD_SET", kBuildSet, kVaries, 1},  // sets:
    {105, "BUILD_MAP", kBuildMap, kVaries, 1},  // dicts:
    {106, "LOAD_ATTR", kLoadAttr, 1, kVaries, 9, kNone, 1},
    {107, "COMPARE_OP", kCompareOp, 2, 1, 1, kNone, 4},
    unsupportedRow(108, "IMPORT_NAME", "an import statement"),
    unsupportedRow(109, "IMPORT_FROM", "an import statement"),
    {110, "JUMP_FORWARD", kJump, 0, 0, 0, kForward},
    {114, "POP_JUMP_IF_FALSE", kPopJumpIfFalse, 1, 0, 0, kForward},
    {115, "POP_JUMP_IF_TRUE", kPopJumpIfTrue, 1, 0, 0, kForward},
    {116, "LOAD_GLOBAL", kLoadGlobal, 0, kVaries, 4, kNone, 1},
    {117, "IS_OP", kIsOp, 2, 1},
    {118, "CONTAINS_OP", kContainsOp, 2, 1},
    {119, "RERAISE", kReraise, kVaries, 0},  // exceptions:
    {120, "COPY", kCopy, 0, 1},
    {121, "RETURN_CONST", kReturnConst, 0, 0},
    {122, "BINARY_OP", kBinaryOp, 2, 1, 1},
    {123, "SEND", kSend, kVaries, kVaries, 1, kForward},  // genpy: yield from (await never reaches it: no coroutines)
    {124, "LOAD_FAST", kLoadFast, 0, 1},
    {125, "STORE_FAST", kStoreFast, 1, 0},
    {126, "DELETE_FAST", kDeleteFast, 0, 0},  // exceptions:
    {127, "LOAD_FAST_CHECK", kLoadFast, 0, 1},
    {128, "POP_JUMP_IF_NOT_NONE", kPopJumpIfNotNone, 1, 0, 0, kForward},
    {129, "POP_JUMP_IF_NONE", kPopJumpIfNone, 1, 0, 0, kForward},
    {130, "RAISE_VARARGS", kRaiseVarargs, kVaries, 0},
    unsupportedRow(131, "GET_AWAITABLE", "await"),
    {132, "MAKE_FUNCTION", kMakeFunction, kVaries, 1},  // closures:
    {133, "BUILD_SLICE", kBuildSlice, kVaries, 1},
    {134, "JUMP_BACKWARD_NO_INTERRUPT", kJump, 0, 0, 0, kBackward},
    {135, "MAKE_CELL", kMakeCell, 0, 0},  // closures:
    {136, "LOAD_CLOSURE", kLoadClosure, 0, 1},  // closures:
    {137, "LOAD_DEREF", kLoadDeref, 0, 1},  // closures:
    {138, "STORE_DEREF", kStoreDeref, 1, 0},  // closures:
    unsupportedRow(139, "DELETE_DEREF", "a del statement of a captured variable"),
    {140, "JUMP_BACKWARD", kJump, 0, 0, 0, kBackward},
    unsupportedRow(141, "LOAD_SUPER_ATTR", "super()", 1),
    {142, "CALL_FUNCTION_EX", kCallFunctionEx, kVaries, 1},  // tuples:
    {143, "LOAD_FAST_AND_CLEAR", kLoadFastAndClear, 0, 1},
    {144, "EXTENDED_ARG", kExtendedArg, 0, 0},
    {145, "LIST_APPEND", kListAppend, 1, 0},  // lists
    {146, "SET_ADD", kSetAdd, 1, 0},  // sets:
    {147, "MAP_ADD", kMapAdd, 2, 0},  // dicts:
    {149, "COPY_FREE_VARS", kCopyFreeVars, 0, 0},  // closures:
    {150, "YIELD_VALUE", kYieldValue, 1, 1},  // generators: arg is the exception stack depth (unused)
    {151, "RESUME", kNop, 0, 0},
    unsupportedRow(152, "MATCH_CLASS", "a match statement"),
    {155, "FORMAT_VALUE", kFormatValue, kVaries, 1},  // strings
    {156, "BUILD_CONST_KEY_MAP", kBuildConstKeyMap, kVaries, 1},  // dicts:
    {157, "BUILD_STRING", kBuildString, kVaries, 1},  // strings
    {162, "LIST_EXTEND", kListExtend, 1, 0},  // lists
    {163, "SET_UPDATE", kSetUpdate, 1, 0},  // sets:
    unsupportedRow(164, "DICT_MERGE", "**-arguments in a call (f(**kw))"),
    unsupportedRow(165, "DICT_UPDATE", "a dict literal"),
    {171, "CALL", kCall, kVaries, 1, 3},
    {172, "KW_NAMES", kKwNames, 0, 0},
    {173, "CALL_INTRINSIC_1", kCallIntrinsic1, 1, 1},
    unsupportedRow(174, "CALL_INTRINSIC_2", "an except* clause or a type parameter"),
    unsupportedRow(175, "LOAD_FROM_DICT_OR_GLOBALS", "a class body"),
    unsupportedRow(176, "LOAD_FROM_DICT_OR_DEREF", "a class body"),
};

// CALL_INTRINSIC_1 operands (Include/internal/pycore_intrinsics.h at v3.12),
// named as the construct that compiles to them.
constexpr const char* kIntrinsic1Constructs[] = {
    "an interpreter-internal instruction",  // 0 INTRINSIC_1_INVALID
    "an interactive expression",            // 1 INTRINSIC_PRINT
    "an import statement",                  // 2 INTRINSIC_IMPORT_STAR
    "a generator",                          // 3 INTRINSIC_STOPITERATION_ERROR
    "an async generator",                   // 4 INTRINSIC_ASYNC_GEN_WRAP
    "unary +",                              // 5 INTRINSIC_UNARY_POSITIVE
    "star-unpacking (*x) in a literal",     // 6 INTRINSIC_LIST_TO_TUPLE
    "a type parameter",                     // 7 INTRINSIC_TYPEVAR
    "a type parameter",                     // 8 INTRINSIC_PARAMSPEC
    "a type parameter",                     // 9 INTRINSIC_TYPEVARTUPLE
    "a generic class",                      // 10 INTRINSIC_SUBSCRIPT_GENERIC
    "a type alias",                         // 11 INTRINSIC_TYPEALIAS
};

}  // namespace

constinit const OpcodeTable kPy312Table = {
    .major = 3,
    .minor = 12,
    .rows = kRows,
    .have_argument = 90,
    .jump_base = JumpBase::kAfterCaches,
    .binary_ops = kNbOpsSince311,
    .compare_ops = kCmpOpsSince311,
    .intrinsic_unary_positive = 5,  // INTRINSIC_UNARY_POSITIVE
    .intrinsic_list_to_tuple = 6,   // tuples: INTRINSIC_LIST_TO_TUPLE
    .intrinsic_stopiteration_error = 3,  // generators: INTRINSIC_STOPITERATION_ERROR
    .send_keeps_iterator = true,         // genpy: END_SEND pops it
    .intrinsic1_constructs = kIntrinsic1Constructs,
};

}  // namespace kiln::frontend
