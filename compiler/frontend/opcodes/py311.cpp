// CPython 3.11 bytecode (Lib/opcode.py and Python/ceval.c at v3.11).
// Jumps are relative and in code units, counted from the end of the inline
// caches; conditional jumps come in FORWARD and BACKWARD flavours;
// LOAD_GLOBAL's low arg bit pushes a NULL first; COMPARE_OP's arg is the
// operator; calls are KW_NAMES? PRECALL CALL.
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
    {9, "NOP", kNop, 0, 0},
    {10, "UNARY_POSITIVE", kUnaryPositive, 1, 1},
    {11, "UNARY_NEGATIVE", kUnaryNegative, 1, 1},
    {12, "UNARY_NOT", kUnaryNot, 1, 1},
    {15, "UNARY_INVERT", kUnaryInvert, 1, 1},
    {25, "BINARY_SUBSCR", kBinarySubscr, 2, 1, 4},
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
    {60, "STORE_SUBSCR", kStoreSubscr, 3, 0, 1},
    {61, "DELETE_SUBSCR", kDeleteSubscr, 2, 0},  // dicts, lists: the delitem op, by container kind
    {68, "GET_ITER", kGetIter, 1, 1},
    {69, "GET_YIELD_FROM_ITER", kGetIter, 1, 1},  // genpy: yield from (a generator is its own iterator)
    unsupportedRow(70, "PRINT_EXPR", "an interactive expression"),
    unsupportedRow(71, "LOAD_BUILD_CLASS", "a class definition"),
    {74, "LOAD_ASSERTION_ERROR", kLoadAssertionError, 0, 1},  // exceptions:
    {75, "RETURN_GENERATOR", kPushNull, 0, 1},  // generators: its result is popped at once (co_flags say generator)
    {82, "LIST_TO_TUPLE", kListToTuple, 1, 1},  // tuples:
    {83, "RETURN_VALUE", kReturnValue, 1, 0},
    unsupportedRow(84, "IMPORT_STAR", "an import statement"),
    unsupportedRow(85, "SETUP_ANNOTATIONS", "a variable annotation"),
    {86, "YIELD_VALUE", kYieldValue, 1, 1},  // generators:
    unsupportedRow(87, "ASYNC_GEN_WRAP", "an async generator"),
    unsupportedRow(88, "PREP_RERAISE_STAR", "an except* clause"),
    {89, "POP_EXCEPT", kPopExcept, 1, 0},  // exceptions:
    unsupportedRow(90, "STORE_NAME", "a module-level assignment"),
    unsupportedRow(91, "DELETE_NAME", "a del statement"),
    {92, "UNPACK_SEQUENCE", kUnpackSequence, kVaries, kVaries, 1},
    {93, "FOR_ITER", kForIter, kVaries, kVaries, 0, kForward},
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
    {106, "LOAD_ATTR", kLoadAttr, 1, 1, 4},
    {107, "COMPARE_OP", kCompareOp, 2, 1, 2},
    unsupportedRow(108, "IMPORT_NAME", "an import statement"),
    unsupportedRow(109, "IMPORT_FROM", "an import statement"),
    {110, "JUMP_FORWARD", kJump, 0, 0, 0, kForward},
    {111, "JUMP_IF_FALSE_OR_POP", kJumpIfFalseOrPop, kVaries, kVaries, 0, kForward},
    {112, "JUMP_IF_TRUE_OR_POP", kJumpIfTrueOrPop, kVaries, kVaries, 0, kForward},
    {114, "POP_JUMP_FORWARD_IF_FALSE", kPopJumpIfFalse, 1, 0, 0, kForward},
    {115, "POP_JUMP_FORWARD_IF_TRUE", kPopJumpIfTrue, 1, 0, 0, kForward},
    {116, "LOAD_GLOBAL", kLoadGlobal, 0, kVaries, 5, kNone, 1},
    {117, "IS_OP", kIsOp, 2, 1},
    {118, "CONTAINS_OP", kContainsOp, 2, 1},
    {119, "RERAISE", kReraise, kVaries, 0},  // exceptions:
    {120, "COPY", kCopy, 0, 1},
    {122, "BINARY_OP", kBinaryOp, 2, 1, 1},
    {123, "SEND", kSend, kVaries, kVaries, 0, kForward},  // genpy: yield from (await never reaches it: no coroutines)
    {124, "LOAD_FAST", kLoadFast, 0, 1},
    {125, "STORE_FAST", kStoreFast, 1, 0},
    {126, "DELETE_FAST", kDeleteFast, 0, 0},  // exceptions:
    {128, "POP_JUMP_FORWARD_IF_NOT_NONE", kPopJumpIfNotNone, 1, 0, 0, kForward},
    {129, "POP_JUMP_FORWARD_IF_NONE", kPopJumpIfNone, 1, 0, 0, kForward},
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
    {142, "CALL_FUNCTION_EX", kCallFunctionEx, kVaries, 1},  // tuples:
    {144, "EXTENDED_ARG", kExtendedArg, 0, 0},
    {145, "LIST_APPEND", kListAppend, 1, 0},  // lists
    {146, "SET_ADD", kSetAdd, 1, 0},  // sets:
    {147, "MAP_ADD", kMapAdd, 2, 0},  // dicts:
    unsupportedRow(148, "LOAD_CLASSDEREF", "a closure"),
    {149, "COPY_FREE_VARS", kCopyFreeVars, 0, 0},  // closures:
    {151, "RESUME", kNop, 0, 0},
    unsupportedRow(152, "MATCH_CLASS", "a match statement"),
    {155, "FORMAT_VALUE", kFormatValue, kVaries, 1},  // strings
    {156, "BUILD_CONST_KEY_MAP", kBuildConstKeyMap, kVaries, 1},  // dicts:
    {157, "BUILD_STRING", kBuildString, kVaries, 1},  // strings
    {160, "LOAD_METHOD", kLoadMethod, 1, 2, 10},
    {162, "LIST_EXTEND", kListExtend, 1, 0},  // lists
    {163, "SET_UPDATE", kSetUpdate, 1, 0},  // sets:
    unsupportedRow(164, "DICT_MERGE", "**-arguments in a call (f(**kw))"),
    unsupportedRow(165, "DICT_UPDATE", "a dict literal"),
    {166, "PRECALL", kNop, 0, 0, 1},
    {171, "CALL", kCall, kVaries, 1, 4},
    {172, "KW_NAMES", kKwNames, 0, 0},
    {173, "POP_JUMP_BACKWARD_IF_NOT_NONE", kPopJumpIfNotNone, 1, 0, 0, kBackward},
    {174, "POP_JUMP_BACKWARD_IF_NONE", kPopJumpIfNone, 1, 0, 0, kBackward},
    {175, "POP_JUMP_BACKWARD_IF_FALSE", kPopJumpIfFalse, 1, 0, 0, kBackward},
    {176, "POP_JUMP_BACKWARD_IF_TRUE", kPopJumpIfTrue, 1, 0, 0, kBackward},
};

}  // namespace

constinit const OpcodeTable kPy311Table = {
    .major = 3,
    .minor = 11,
    .rows = kRows,
    .have_argument = 90,
    .jump_base = JumpBase::kAfterCaches,
    .binary_ops = kNbOpsSince311,
    .compare_ops = kCmpOpsSince311,
    .intrinsic_unary_positive = -1,
    .intrinsic1_constructs = {},  // 3.11 has no CALL_INTRINSIC_1
};

}  // namespace kiln::frontend
