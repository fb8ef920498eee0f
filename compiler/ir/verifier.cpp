#include "compiler/ir/verifier.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace kiln::ir {

absl::Status verify(const Function& f) {
  auto bug = [&](const std::string& what) {
    return absl::InternalError(absl::StrCat("invalid IR in @", f.name, ": ", what));
  };
  if (f.blocks.empty()) return bug("function has no blocks");
  std::set<const Value*> defined;
  std::set<const Block*> blocks;
  for (const auto& b : f.blocks) {
    blocks.insert(b.get());
    for (const auto& p : b->params) defined.insert(p.get());
    for (const auto& i : b->instrs)
      if (i->result) defined.insert(i->result.get());
  }
  for (const auto& b : f.blocks) {
    if (b->instrs.empty() || !b->terminator())
      return bug(absl::StrCat("bb", b->id, " does not end with a terminator"));
    for (size_t k = 0; k < b->instrs.size(); ++k) {
      const Instr& i = *b->instrs[k];
      if (isTerminator(i.op) && k + 1 != b->instrs.size())
        return bug(absl::StrCat("terminator '", mnemonic(i.op), "' in the middle of bb", b->id));
      for (const Value* o : i.operands)
        if (!o || !defined.count(o))
          return bug(absl::StrCat("'", mnemonic(i.op), "' in bb", b->id, " uses an undefined value"));
      for (const Edge& e : i.succs) {
        if (!blocks.count(e.target)) return bug(absl::StrCat("edge from bb", b->id, " to a foreign block"));
        if (e.args.size() != e.target->params.size())
          return bug(absl::StrCat("edge bb", b->id, " -> bb", e.target->id, " passes ", e.args.size(),
                                  " args for ", e.target->params.size(), " params"));
        for (const Value* a : e.args)
          if (!a || !defined.count(a)) return bug(absl::StrCat("edge from bb", b->id, " passes an undefined value"));
      }
      size_t want = 0;
      switch (i.op) {
        case Op::kJump: want = 1; break;
        case Op::kBranch: want = 2; break;
        case Op::kForIter: want = 2; break;
        case Op::kReturn:
        case Op::kRaise:
        case Op::kReraise:
        case Op::kUnreachable:
        case Op::kExcMatch:
        case Op::kCatch:
        case Op::kRestoreError:
        case Op::kDropCaught:
        case Op::kConst:
        case Op::kUndef:
        case Op::kLoadGlobal:
        case Op::kGetAttr:
        case Op::kBinOp:
        case Op::kUnaryOp:
        case Op::kCompare:
        case Op::kTruth:
        case Op::kCall:
        case Op::kBuildTuple:
        case Op::kBuildList:  // lists
        case Op::kUnpack:
        case Op::kGetItem:
        case Op::kGetIter:
        case Op::kBuildSlice:
        case Op::kCopy:
        case Op::kDeclare:  // locals:
        case Op::kMakeFunction:
        case Op::kSetItem:
        case Op::kBuildMap:  // dicts:
        case Op::kDelItem:
        case Op::kFused:  // fusion:
        case Op::kYield:  // generators:
          want = 0;
          break;
      }
      if (i.has_handler) ++want;  // exceptions: the edge to the handler
      if (i.succs.size() != want)
        return bug(absl::StrCat("'", mnemonic(i.op), "' in bb", b->id, " has ", i.succs.size(), " successors"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln::ir
