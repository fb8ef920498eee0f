#include "compiler/frontend/opcodes/opcode_table.h"

namespace kiln::frontend {

namespace {

constexpr const OpcodeTable* kTables[] = {&kPy311Table, &kPy312Table};

}  // namespace

Flow flowOf(Form form) {
  switch (form) {
    case Form::kJump: return Flow::kJump;
    case Form::kForIter:
    case Form::kSend:  // genpy:
    case Form::kPopJumpIfFalse:
    case Form::kPopJumpIfTrue:
    case Form::kPopJumpIfNone:
    case Form::kPopJumpIfNotNone:
    case Form::kJumpIfFalseOrPop:
    case Form::kJumpIfTrueOrPop: return Flow::kConditional;
    case Form::kReturnValue:
    case Form::kReturnConst:
    case Form::kRaiseVarargs:
    case Form::kReraise: return Flow::kExit;
    // An unsupported instruction is rejected when reached, so where it would
    // have gone does not matter.
    case Form::kUnsupported:
    case Form::kMakeCell:
    case Form::kCopyFreeVars:
    case Form::kLoadClosure:
    case Form::kLoadDeref:
    case Form::kStoreDeref:
    case Form::kMakeFunction:
    case Form::kYieldValue:  // generators: resumes at the next instruction
    case Form::kNop:
    case Form::kExtendedArg:
    case Form::kPopTop:
    case Form::kLoadAssertionError:
    case Form::kPushExcInfo:
    case Form::kCheckExcMatch:
    case Form::kPopExcept:
    case Form::kDeleteFast:
    case Form::kPushNull:
    case Form::kCopy:
    case Form::kSwap:
    case Form::kLoadConst:
    case Form::kLoadFast:
    case Form::kLoadFastAndClear:
    case Form::kStoreFast:
    case Form::kLoadGlobal:
    case Form::kLoadAttr:
    case Form::kLoadMethod:
    case Form::kBinaryOp:
    case Form::kUnaryNegative:
    case Form::kUnaryPositive:
    case Form::kUnaryNot:
    case Form::kUnaryInvert:
    case Form::kCallIntrinsic1:
    case Form::kCompareOp:
    case Form::kIsOp:
    case Form::kContainsOp:
    case Form::kBuildTuple:
    case Form::kFormatValue:  // strings
    case Form::kBuildString:
    case Form::kBuildList:  // lists
    case Form::kListAppend:
    case Form::kListExtend:
    case Form::kUnpackSequence:
    case Form::kBinarySubscr:
    case Form::kStoreSubscr:
    case Form::kStoreAttr:  // records:
    case Form::kBuildSlice:
    case Form::kBinarySlice:
    case Form::kStoreSlice:
    case Form::kGetIter:
    case Form::kEndFor:
    case Form::kEndSend:  // genpy:
    case Form::kKwNames:
    case Form::kCall:
    case Form::kBuildMap:  // dicts:
    case Form::kBuildConstKeyMap:
    case Form::kDeleteSubscr:
    case Form::kMapAdd:
    case Form::kBuildSet:  // sets:
    case Form::kSetAdd:
    case Form::kSetUpdate:
    case Form::kListToTuple:  // tuples:
    case Form::kCallFunctionEx:
    case Form::kUnpackEx: return Flow::kNext;
  }
  return Flow::kNext;
}

const OpcodeRow* OpcodeTable::row(uint8_t number) const {
  for (const OpcodeRow& r : rows)
    if (r.number == number) return &r;
  return nullptr;
}

const OpcodeTable* opcodeTableFor(uint32_t major, uint32_t minor) {
  for (const OpcodeTable* t : kTables)
    if (t->major == major && t->minor == minor) return t;
  return nullptr;
}

std::span<const OpcodeTable* const> opcodeTables() { return kTables; }

}  // namespace kiln::frontend
