#include "compiler/lowering/ownership.h"

#include "compiler/typing/rules_buffers.h"  // bytesm:

#include <algorithm>

#include "compiler/typing/array_ctypes.h"  // extfunc:
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
    case Kind::kStructRef:  // structref: its block
    case Kind::kRecord:  // recown: its array's block (a null meminfo when borrowed from the caller)
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
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:  // enums: numbers, or tuples of numbers (types.cpp)
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
      return false;
  }
  return false;
}

// recuaf: r.x, r['x'], r[0] of a record: a nested record or a subarray
// field's view points into the same memory, with the record's meminfo
// (recown); a U field read as a str and an S field read as bytes are new
// blocks (roots).
static bool fieldIntoRecord(const ir::Instr& i) {
  if (i.operands[0]->type->kind != Kind::kRecord) return false;
  const typing::Type* t = i.result->type;
  return t->kind == Kind::kRecord || (t->isArray() && !typing::isBytes(t));
}

bool ownsGeneratorItem(const ir::Instr& i) {
  const typing::Type* it = i.operands[0]->type;
  return i.op == Op::kForIter && it->kind == Kind::kGenerator && holdsRefs(i.result->type);
}

bool borrowsOperands(const ir::Instr& i, const std::map<const ir::Instr*, typing::CallBinding>& calls) {
  switch (i.op) {
    case Op::kCopy:
    case Op::kDeclare:  // locals:
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
      if (calls.count(&i)) return false;  // overload: an overload_attribute's implementation returned it
      if (i.resolution && i.resolution->id == typing::BuiltinId::kArrayImag &&
          i.operands[0]->type->dtype()->kind != Kind::kComplex)
        return false;  // flatimag: a real array's imaginary part, a new array of zeros
      return i.operands[0]->type->isArray() || i.operands[0]->type->kind == Kind::kList ||  // lists: a method
             typing::namedtupleField(i.operands[0]->type, i.name) >= 0 ||  // namedtuples: an item, as t[k]
             (i.operands[0]->type->kind == Kind::kStructRef &&  // structref: s.method (overload_method) is s;
              i.result->type->kind == Kind::kBoundMethod) ||    // a field read is a new reference
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

namespace {

// dom[b][a]: whether block a dominates block b (indices into `order`, which
// starts at the entry), by the iterative data-flow over reverse post-order.
std::vector<std::vector<bool>> dominators(const std::vector<const ir::Block*>& order,
                                          const std::map<const ir::Block*, size_t>& index) {
  const size_t n = order.size();
  std::vector<std::vector<size_t>> preds(n);
  for (size_t b = 0; b < n; ++b)
    if (const ir::Instr* t = order[b]->terminator())
      for (const ir::Edge& e : t->succs)
        if (auto it = index.find(e.target); it != index.end()) preds[it->second].push_back(b);
  std::vector<std::vector<bool>> dom(n, std::vector<bool>(n, true));
  if (n == 0) return dom;
  dom[0].assign(n, false);
  dom[0][0] = true;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t b = 1; b < n; ++b) {
      std::vector<bool> d(n, !preds[b].empty());
      for (size_t p : preds[b])
        for (size_t a = 0; a < n; ++a) d[a] = d[a] && dom[p][a];
      d[b] = true;
      if (d != dom[b]) {
        dom[b] = std::move(d);
        changed = true;
      }
    }
  }
  return dom;
}

}  // namespace

Ownership Ownership::analyze(const ir::Function& f, const std::vector<const ir::Block*>& order,
                             const std::map<const ir::Instr*, typing::CallBinding>& calls) {
  int max_id = 0;
  for (const auto& blk : f.blocks) {
    for (const auto& p : blk->params) max_id = std::max(max_id, p->id);
    for (const auto& i : blk->instrs)
      if (i->result) max_id = std::max(max_id, i->result->id);
  }
  const ir::Block* entry = f.blocks[0].get();
  std::map<const ir::Block*, size_t> index;  // lookup only
  for (size_t b = 0; b < order.size(); ++b) index[order[b]] = b;
  // recown: a record reaching a block parameter is borrowed there when the
  // roots of every record passed to it are defined in blocks that strictly
  // dominate the parameter's block: each use of the parameter then sees the
  // instance of those roots its record was taken from (an array made before
  // a loop, records of it joined in the loop). Otherwise (an array made in
  // the loop body, carried round it) the parameter is a root and holds its
  // own reference. `incoming`: the values each parameter is given.
  std::vector<std::vector<const ir::Value*>> incoming(max_id + 1);
  for (const ir::Block* blk : order)
    if (const ir::Instr* t = blk->terminator())
      for (const ir::Edge& e : t->succs)
        for (size_t k = 0; k < e.args.size() && k < e.target->params.size(); ++k)
          incoming[e.target->params[k]->id].push_back(e.args[k]);
  std::vector<bool> joined(max_id + 1, false);  // the record parameters tried as borrowed
  for (const ir::Block* blk : order)
    if (blk != entry)
      for (const auto& p : blk->params) joined[p->id] = p->type->kind == Kind::kRecord;
  const std::vector<std::vector<bool>> dom = dominators(order, index);
  auto blockOf = [](const ir::Value* v) -> const ir::Block* { return v->def ? v->def->parent : v->param_of; };
  Ownership o;
  while (true) {
    o = Ownership();
    o.root_of.assign(max_id + 1, -1);
    o.deps.assign(max_id + 1, {});
    auto addRoot = [&](const ir::Value* v) {
      o.root_of[v->id] = static_cast<int>(o.roots.size());
      o.deps[v->id] = {static_cast<int>(o.roots.size())};
      o.roots.push_back(v);
    };
    // Roots are numbered on the first pass; later passes only grow the deps
    // of borrowed values, until the joined parameters' (fed by back edges)
    // are stable.
    for (bool first = true, changed = true; changed; first = false) {
      changed = false;
      auto setDeps = [&](const ir::Value* v, std::vector<int> d) {
        std::sort(d.begin(), d.end());
        d.erase(std::unique(d.begin(), d.end()), d.end());
        if (d != o.deps[v->id]) {
          o.deps[v->id] = std::move(d);
          changed = true;
        }
      };
      for (const ir::Block* blk : order) {
        if (blk != entry)
          for (const auto& p : blk->params) {
            if (joined[p->id]) {
              std::vector<int> d;
              for (const ir::Value* a : incoming[p->id])
                for (int r : o.depsOf(a)) d.push_back(r);
              setDeps(p.get(), std::move(d));
            } else if (first && holdsRefs(p->type)) {
              addRoot(p.get());
            }
          }
        for (const auto& i : blk->instrs) {
          // exceptions: an exception instance holds nothing, but its raise reads
          // the arguments it was made with: they live until the raise.
          const bool exception = i->result && i->op == Op::kCall && i->result->type->kind == Kind::kExceptionClass;
          // extfunc: `a.ctypes` holds nothing either, but a native function
          // given it writes through the array's data pointer: a lives until then.
          const bool ctypes = i->result && i->result->type->kind == Kind::kBuiltin &&
                              i->result->type->name == typing::kArrayCTypes && typing::arrayOfCTypes(i->result.get());
          if (!i->result || (!holdsRefs(i->result->type) && !exception && !ctypes)) continue;
          if (!exception && !borrowsOperands(*i, calls)) {
            if (first) addRoot(i->result.get());
            continue;
          }
          std::vector<int> d;
          for (const ir::Value* op : i->operands)
            for (int r : o.depsOf(op)) d.push_back(r);
          setDeps(i->result.get(), std::move(d));
        }
      }
    }
    bool retry = false;
    for (const ir::Block* blk : order)
      for (const auto& p : blk->params) {
        if (!joined[p->id]) continue;
        const size_t b = index.at(blk);
        for (int r : o.deps[p->id]) {
          auto a = index.find(blockOf(o.roots[r]));
          if (a == index.end() || a->second == b || !dom[b][a->second]) {
            joined[p->id] = false;  // a root after all
            retry = true;
            break;
          }
        }
      }
    if (!retry) break;
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

}  // namespace kiln::lowering
