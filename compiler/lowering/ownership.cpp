#include "compiler/lowering/ownership.h"

#include "compiler/typing/rules_buffers.h"  // bytesm:

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/diagnostic.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using ir::Op;
using typing::Kind;

bool holdsRefs(const typing::Type* t) {
  if (t == nullptr) return false;
  if (t->kind == Kind::kGenerator) return true;  // generators: its block (the coroutine frame)
  switch (t->kind) {
    case Kind::kArray:
    case Kind::kStr:  // strings: the block its characters live in (NULL when borrowed)
    case Kind::kDict:  // dicts: its block
    case Kind::kList:  // lists: their block
      return true;
    case Kind::kTuple:
    // An iterator holds what it iterates: its items are the array, tuple
    // items or inner iterators (types.def).
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
      return std::any_of(t->items.begin(), t->items.end(), holdsRefs);
    case Kind::kBoundMethod:
      return !t->items.empty() && holdsRefs(t->items[0]);
    case Kind::kOptional:  // optional: its value's (null meminfos when None)
      return holdsRefs(t->items[0]);
    case Kind::kFunction:  // closures: a closure holds its captured values and defaults
      return std::any_of(t->items.begin(), t->items.end(), holdsRefs);
    case Kind::kFunctionSet:  // pycells: a position
      return false;
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
    case Kind::kRange:
    case Kind::kModule:
    case Kind::kBuiltin:
    case Kind::kExceptionClass:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:  // enums: numbers, or tuples of numbers (types.cpp)
    case Kind::kRecord:  // records: a pointer into an array's memory, borrowed as Numba's
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
      return false;
  }
  return false;
}

bool pointsIntoArray(const typing::Type* t) {
  if (t == nullptr) return false;
  if (t->kind == Kind::kRecord || t->kind == Kind::kNestedArray) return true;
  // Values holding such values: tuples, closures (their captures), optionals,
  // bound methods and iterators (what they iterate).
  if (t->kind == Kind::kTuple || t->kind == Kind::kFunction || t->kind == Kind::kOptional ||
      t->kind == Kind::kBoundMethod || typing::isIterator(t->kind))
    return std::any_of(t->items.begin(), t->items.end(), pointsIntoArray);
  return false;
}

// recuaf: r.x, r['x'], r[0] of a record: a nested record or subarray field
// points into the same memory; a U field read as a str is a new str (a root).
static bool fieldIntoRecord(const ir::Instr& i) {
  return i.operands[0]->type->kind == Kind::kRecord && !holdsRefs(i.result->type);
}

bool ownsGeneratorItem(const ir::Instr& i) {
  const typing::Type* it = i.operands[0]->type;
  return i.op == Op::kForIter && it->kind == Kind::kGenerator && holdsRefs(i.result->type);
}

bool borrowsOperands(const ir::Instr& i) {
  switch (i.op) {
    case Op::kCopy:
    case Op::kUnpack:
    case Op::kBuildTuple:
    case Op::kMakeFunction:  // closures: its captured values, as a tuple holds its items
    case Op::kGetIter:
      return true;
    case Op::kForIter:  // genpy: a generator's item lives only until its next step: the loop keeps its own
      return !ownsGeneratorItem(i);
    case Op::kCall:  // generators: iter(x) borrows, as GetIter; next(it) keeps items holding references (genpy)
      return i.resolution && (i.resolution->id == typing::BuiltinId::kIter ||
                              (i.resolution->id == typing::BuiltinId::kNext && !holdsRefs(i.result->type)));
    case Op::kGetAttr:  // a.T (a view), a.method (the receiver)
      if (i.resolution && i.resolution->id == typing::BuiltinId::kArrayImag &&
          i.operands[0]->type->dtype()->kind != Kind::kComplex)
        return false;  // flatimag: a real array's imaginary part, a new array of zeros
      return i.operands[0]->type->isArray() || i.operands[0]->type->kind == Kind::kList ||  // lists: a method
             typing::namedtupleField(i.operands[0]->type, i.name) >= 0 ||  // namedtuples: an item, as t[k]
             fieldIntoRecord(i) ||
             typing::isLiteralList(i.operands[0]->type) ||  // litcont: a method: the receiver
             typing::isLiteralStrKeyDict(i.operands[0]->type);
    case Op::kGetItem:  // a basic index or slice: a view; a tuple's item
      return i.operands[0]->type->kind == Kind::kTuple ||
             fieldIntoRecord(i) ||  // recuaf: r['x'], r[0]
             (i.operands[0]->type->isArray() && !typing::isSelectionIndex(i.operands[1]->type) &&
              i.result->type->kind != Kind::kStr &&  // chararrays: an item of a U array is a new str
              !(typing::isCharDtype(i.operands[0]->type->dtype()) &&
                typing::isBytes(i.result->type)) &&  // bytesm: an item of an S array is a new bytes
              !typing::isBytes(i.result->type));  // bytes2: a slice of a bytes is a new bytes
    case Op::kConst:
    case Op::kUndef:
    case Op::kLoadGlobal:
    case Op::kBinOp:  // an in-place a += b gives a back: not known here, so a root that retains
    case Op::kUnaryOp:
    case Op::kCompare:
    case Op::kTruth:
    case Op::kBuildSlice:
    case Op::kBuildList:  // lists: a new block
    case Op::kSetItem:
    case Op::kBuildMap:  // dicts: a new dict
    case Op::kDelItem:
    case Op::kJump:
    case Op::kBranch:
    case Op::kReturn:
    case Op::kRaise:
    case Op::kUnreachable:
    case Op::kExcMatch:
    case Op::kCatch:
    case Op::kRestoreError:
    case Op::kDropCaught:
    case Op::kReraise:
    case Op::kFused:  // fusion: a new array
    case Op::kYield:  // generators: its None
      return false;
  }
  return false;
}

const std::vector<int>& Ownership::depsOf(const ir::Value* v) const {
  static const std::vector<int> kNone;
  if (v == nullptr || v->id < 0 || static_cast<size_t>(v->id) >= deps.size()) return kNone;
  return deps[v->id];
}

bool Ownership::dependsOnOwnArrays(const ir::Value* v) const {
  const std::vector<int>& d = depsOf(v);
  return std::any_of(d.begin(), d.end(), [&](int r) {
    return roots[r]->def == nullptr || roots[r]->def->op != Op::kLoadGlobal;
  });
}

Ownership Ownership::analyze(const ir::Function& f, const std::vector<const ir::Block*>& order) {
  Ownership o;
  int max_id = 0;
  for (const auto& blk : f.blocks) {
    for (const auto& p : blk->params) max_id = std::max(max_id, p->id);
    for (const auto& i : blk->instrs)
      if (i->result) max_id = std::max(max_id, i->result->id);
  }
  o.root_of.assign(max_id + 1, -1);
  o.deps.assign(max_id + 1, {});
  auto addRoot = [&](const ir::Value* v) {
    o.root_of[v->id] = static_cast<int>(o.roots.size());
    o.deps[v->id] = {static_cast<int>(o.roots.size())};
    o.roots.push_back(v);
  };
  const ir::Block* entry = f.blocks[0].get();
  for (const ir::Block* blk : order) {
    if (blk != entry)
      for (const auto& p : blk->params)
        if (holdsRefs(p->type)) addRoot(p.get());
    for (const auto& i : blk->instrs) {
      // exceptions: an exception instance holds nothing, but its raise reads
      // the arguments it was made with: they live until the raise.
      const bool exception = i->result && i->op == Op::kCall && i->result->type->kind == Kind::kExceptionClass;
      // recuaf: a record (or subarray field) borrowed from an array holds no
      // reference but points into the array's memory: it keeps the array's
      // roots alive as a view's deps do (docs/records-memory.md).
      const bool into = i->result && pointsIntoArray(i->result->type) && borrowsOperands(*i);
      // recret: a record (or a tuple holding one) returned by a call points
      // into the memory of what the call was given (a compiled callee returns
      // no record of its own arrays: checkRecordPointers): it keeps the roots
      // of every operand alive, as a borrowed value does; a root holding both
      // arrays and such records keeps them alive with itself.
      const bool returned_into =
          i->result && i->op == Op::kCall && pointsIntoArray(i->result->type) && !borrowsOperands(*i);
      if (!i->result || (!holdsRefs(i->result->type) && !exception && !into && !returned_into)) continue;
      if (!exception && !borrowsOperands(*i) && !returned_into) {
        addRoot(i->result.get());
        continue;
      }
      if (returned_into && holdsRefs(i->result->type)) addRoot(i->result.get());
      std::vector<int> d = o.deps[i->result->id];
      for (const ir::Value* op : i->operands) {
        // recret: a record never points into a str (r['x']'s key, a call's str argument).
        if ((into || returned_into) && !holdsRefs(i->result->type) && op->type->kind == Kind::kStr) continue;
        for (int r : o.depsOf(op)) d.push_back(r);
      }
      std::sort(d.begin(), d.end());
      d.erase(std::unique(d.begin(), d.end()), d.end());
      o.deps[i->result->id] = std::move(d);
    }
  }
  // Backward liveness over roots to a fixpoint.
  const size_t n = o.roots.size();
  std::map<const ir::Block*, std::vector<bool>> gen, defs;
  for (const ir::Block* blk : order) {
    std::vector<bool> g(n, false), d(n, false);
    for (const auto& p : blk->params)
      if (int r = o.root_of[p->id]; r >= 0) d[r] = true;
    for (const auto& i : blk->instrs) {
      for (const ir::Value* op : i->operands)
        for (int r : o.depsOf(op))
          if (!d[r]) g[r] = true;
      if (i->result)
        if (int r = o.root_of[i->result->id]; r >= 0) d[r] = true;
    }
    gen[blk] = std::move(g);
    defs[blk] = std::move(d);
    o.live_in[blk].assign(n, false);
    o.live_out[blk].assign(n, false);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const ir::Block* blk = *it;
      std::vector<bool> out(n, false);
      if (const ir::Instr* t = blk->terminator())
        for (const ir::Edge& e : t->succs) {
          auto li = o.live_in.find(e.target);
          if (li != o.live_in.end())
            for (size_t r = 0; r < n; ++r)
              if (li->second[r]) out[r] = true;
          for (const ir::Value* a : e.args)
            for (int r : o.depsOf(a)) out[r] = true;
        }
      std::vector<bool> in = gen[blk];
      const std::vector<bool>& d = defs[blk];
      for (size_t r = 0; r < n; ++r)
        if (out[r] && !d[r]) in[r] = true;
      if (in != o.live_in[blk] || out != o.live_out[blk]) {
        o.live_in[blk] = std::move(in);
        o.live_out[blk] = std::move(out);
        changed = true;
      }
    }
  }
  return o;
}

// recuaf: lists and dicts (or a method bound to one) whose items are records
// or hold them: they keep record pointers with no deps of their own.
static bool storesRecords(const typing::Type* t) {
  if (t == nullptr) return false;
  if (t->kind == Kind::kBoundMethod) return !t->items.empty() && storesRecords(t->items[0]);
  if (t->kind != Kind::kList && t->kind != Kind::kDict) return false;
  return std::any_of(t->items.begin(), t->items.end(),
                     [](const typing::Type* x) { return pointsIntoArray(x) || storesRecords(x); });
}

absl::Status Ownership::checkRecordPointers(const ir::Function& f, const std::vector<const ir::Block*>& order,
                                             const typing::Type* ret, bool compiled_caller) const {
  auto refuse = [&](const ir::Instr& at, const char* what,
                    const char* hint = "index the array where the record is read") {
    return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                               absl::StrCat("a record taken from an array made in compiled code cannot yet be ", what,
                                            " (its array would be released first): ", hint),
                               f.filename, at.line > 0 ? at.line : f.firstlineno, f.qualname);
  };
  for (const ir::Block* blk : order) {
    for (const auto& i : blk->instrs) {
      // A list or dict of records made from, or given, anything borrowed
      // from an array of this function (list(e), [e[0]], l.append(e[0])).
      bool container = i->result && storesRecords(i->result->type);
      for (const ir::Value* op : i->operands) container = container || storesRecords(op->type);
      if (!container) continue;
      for (const ir::Value* op : i->operands)
        if (!storesRecords(op->type) && !depsOf(op).empty() &&
            (pointsIntoArray(op->type) || (i->result && storesRecords(i->result->type))))
          return refuse(*i, "stored in a list or dict");
    }
    const ir::Instr* t = blk->terminator();
    if (t == nullptr) continue;
    // recret: what a compiled caller gets back is a pointer into the
    // callee's memory; only a record returned to Python is copied (lower.cpp,
    // kReturn): docs/records-memory.md.
    if (t->op == Op::kReturn && !t->operands.empty() && pointsIntoArray(t->operands[0]->type) &&
        dependsOnOwnArrays(t->operands[0])) {
      if (ret == nullptr || ret->kind != Kind::kRecord)
        return refuse(*t, "returned inside a tuple, an optional, a closure or as a subarray field",
                      "return the array and index it where the record is read");
      if (compiled_caller)
        return refuse(*t, "returned to a compiled caller",
                      "return the array (or pass it in) and index it where the record is read");
    }
    for (const ir::Edge& e : t->succs)
      for (size_t k = 0; k < e.args.size() && k < e.target->params.size(); ++k)
        if (pointsIntoArray(e.target->params[k]->type) && !depsOf(e.args[k]).empty())
          return refuse(*t, "carried through a branch or a loop");
  }
  return absl::OkStatus();
}

}  // namespace kiln::lowering
