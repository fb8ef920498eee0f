// tuples: `for x in literal_unroll(t)` over a heterogeneous tuple. Once typing
// knows t's type (n items), the loop is unrolled in the instance's IR: the
// loop's blocks are copied once per item, each copy's item being t[k] (a
// constant index, so each copy is typed at its own item's type, as Numba's
// versioned loop bodies are), `continue` and the end of copy k going to
// copy k+1, and the end of the last to where the exhausted loop went.
#include "compiler/typing/literal_unroll.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kiln::typing {

namespace {

using ir::Block;
using ir::Instr;
using ir::Op;
using ir::Value;

std::set<Block*> reachable(Block* from, const Block* stop) {
  std::set<Block*> seen;
  std::vector<Block*> work = {from};
  while (!work.empty()) {
    Block* b = work.back();
    work.pop_back();
    if (b == stop || !seen.insert(b).second) continue;
    for (auto& i : b->instrs)
      for (ir::Edge& e : i->succs) work.push_back(e.target);
  }
  return seen;
}

absl::Status refuse(std::string why) { return absl::InvalidArgumentError(std::move(why)); }

}  // namespace

absl::StatusOr<bool> unrollLiteralLoop(ir::Function& f, ir::Instr& call, size_t n, const Type* unknown,
                                       const std::function<bool(const ir::Instr&)>& nests) {
  Value* c = call.result.get();
  Block* pre = call.parent;
  // The only use of v, or null.
  auto soleUse = [&](const Value* v) -> Instr* {
    Instr* user = nullptr;
    size_t uses = 0;
    for (auto& b : f.blocks)
      for (auto& i : b->instrs) {
        for (Value* o : i->operands)
          if (o == v) {
            ++uses;
            user = i.get();
          }
        for (ir::Edge& e : i->succs)
          for (Value* a : e.args) uses += a == v;
      }
    return uses == 1 ? user : nullptr;
  };
  // As Numba: `for i in range(len(literal_unroll(t)))` is unrolled too, each
  // copy's i the constant index (so that t[i] in the body is typed per item).
  auto calls = [](const Instr* x, const char* builtin) {
    return x && x->op == Op::kCall && x->operands.size() == 2 && x->kwnames.empty() &&
           x->operands[0]->type->kind == Kind::kBuiltin && x->operands[0]->type->name == builtin;
  };
  bool indices = false;
  if (Instr* len = soleUse(c); calls(len, "len") && len->parent == pre && len->operands[1] == c)
    if (Instr* range = soleUse(len->result.get());
        calls(range, "range") && range->parent == pre && range->operands[1] == len->result.get()) {
      c = range->result.get();
      indices = true;
    }
  // The loop's shape: getiter of the call in the same block, which jumps to
  // the header with the iterator, whose for_iter iterates it.
  Instr* getiter = soleUse(c);
  if (!getiter || getiter->op != Op::kGetIter || getiter->parent != pre) return false;
  Instr* jump = pre->terminator();
  if (!jump || jump->op != Op::kJump) return false;
  Block* header = jump->succs[0].target;
  Instr* fi = header->terminator();
  if (!fi || fi->op != Op::kForIter) return false;
  const std::vector<Value*>& in_args = jump->succs[0].args;
  bool iterates = fi->operands[0] == getiter->result.get();
  for (size_t k = 0; k < in_args.size() && k < header->params.size(); ++k)
    iterates |= in_args[k] == getiter->result.get() && fi->operands[0] == header->params[k].get();
  if (!iterates) return false;
  if (fi->succs.size() != 2) return refuse("literal_unroll(): a loop inside a try block is not supported");

  Block* body = fi->succs[0].target;
  Block* done = fi->succs[1].target;
  std::set<Block*> inside = reachable(body, header);
  std::set<Block*> after = reachable(done, header);
  std::set<Block*> region = {header};
  for (Block* b : inside)
    if (!after.count(b)) region.insert(b);
  if (region.count(pre)) return refuse("literal_unroll(): the loop's shape is not supported");
  // The loop proper: the blocks that go back to the header (a branch that
  // breaks out is not in it, as in Numba's loop bodies).
  std::set<Block*> loops_back;
  for (bool grew = true; grew;) {
    grew = false;
    for (Block* b : region)
      for (auto& i : b->instrs)
        for (ir::Edge& e : i->succs)
          if (b != header && !loops_back.count(b) && (e.target == header || loops_back.count(e.target)))
            grew = loops_back.insert(b).second;
  }
  // As Numba: only a loop that uses its item is refused for nesting another.
  bool item_used = false, nested = false;
  for (Block* b : region)
    for (auto& i : b->instrs) {
      nested |= nests(*i);
      nested |= loops_back.count(b) && i->op == Op::kCall && !i->operands.empty() &&
                ((i->operands[0]->type->kind == Kind::kBuiltin && i->operands[0]->type->name == "literal_unroll") ||
                 (i->operands[0]->def && i->operands[0]->def->op == Op::kLoadGlobal &&
                  i->operands[0]->def->name == "literal_unroll"));
      for (Value* o : i->operands) item_used |= o == fi->result.get();
      for (ir::Edge& e : i->succs)  // not the back edge carrying the loop variable
        for (Value* a : e.args) item_used |= a == fi->result.get() && e.target != header;
    }
  if (nested && item_used) return refuse("Nesting of literal_unroll is unsupported");
  // The region is entered only at the header, from the block before the
  // loop. Its values are used outside it only through edge arguments, but
  // for the header's (which the exhausted loop's path reads directly): those
  // become the last copy's, when no break leaves the loop (then the last
  // header copy is the only way out).
  std::set<const Value*> in_header, in_body;
  for (Block* b : region) {
    std::set<const Value*>& d = b == header ? in_header : in_body;
    for (auto& p : b->params) d.insert(p.get());
    for (auto& i : b->instrs)
      if (i->result) d.insert(i->result.get());
  }
  bool breaks = false;
  for (Block* b : region)
    for (auto& i : b->instrs)
      if (i.get() != fi)
        for (ir::Edge& e : i->succs) breaks |= !region.count(e.target);
  std::vector<Value**> header_uses;  // outside the region
  for (auto& b : f.blocks) {
    if (region.count(b.get())) continue;
    for (auto& i : b->instrs) {
      std::vector<Value**> slots;
      for (Value*& o : i->operands) slots.push_back(&o);
      for (ir::Edge& e : i->succs) {
        for (Value*& a : e.args) slots.push_back(&a);
        if (region.count(e.target) && !(e.target == header && i.get() == jump))
          return refuse("literal_unroll(): the loop is entered other than at its start");
      }
      for (Value** v : slots) {
        if (in_body.count(*v) || (in_header.count(*v) && breaks))
          return refuse("literal_unroll(): a value of the loop body is used after it");
        if (in_header.count(*v)) header_uses.push_back(v);
      }
    }
  }

  // As Numba: the item of a heterogeneous tuple has no one type after the
  // loop (a TypingError, its status FailedPrecondition).
  const Type* tt = call.operands[1]->type;
  const bool mixed = !indices && tt->kind == Kind::kTuple &&
                     std::any_of(tt->items.begin(), tt->items.end(), [&](const Type* x) { return x != tt->items[0]; });
  // Read after the loop: an operand outside it, or an argument of a block
  // parameter read so (not only carried along by the SSA form).
  std::set<const Value*> read;
  for (auto& b : f.blocks)
    for (auto& i : b->instrs)
      for (Value* o : i->operands)
        if (!region.count(b.get())) read.insert(o);
  for (bool grew = mixed; grew;) {
    grew = false;
    for (auto& b : f.blocks)
      for (auto& i : b->instrs)
        for (ir::Edge& e : i->succs)
          for (size_t k = 0; k < e.args.size() && k < e.target->params.size(); ++k)
            if (read.count(e.target->params[k].get()) && read.insert(e.args[k]).second) grew = true;
  }
  for (Block* b : region)
    for (auto& i : b->instrs)
      for (ir::Edge& e : i->succs)
        for (size_t k = 0; mixed && e.target == header && k < e.args.size(); ++k)
          for (Value** v : header_uses)
            if (e.args[k] == fi->result.get() && *v == header->params[k].get() && read.count(*v))
              return absl::FailedPreconditionError(
                  absl::StrCat("Cannot unify the items of ", tt->str(), " for '", header->params[k]->debug_name,
                               "', used after its literal_unroll loop"));
  // Keep the blocks' order: the copies go where the header was.
  std::vector<Block*> ordered;
  for (auto& b : f.blocks)
    if (region.count(b.get())) ordered.push_back(b.get());
  Value* tuple = call.operands[1];
  const size_t first_new = f.blocks.size();
  std::vector<std::map<Block*, Block*>> block_maps(n + 1);
  std::vector<std::map<Value*, Value*>> value_maps(n + 1);
  // Phase 1: blocks, params, instructions (operands not yet remapped).
  for (size_t k = 0; k <= n; ++k) {
    for (Block* b : ordered) {
      if (k == n && b != header) continue;
      Block* nb = f.addBlock();
      block_maps[k][b] = nb;
      for (auto& p : b->params) {
        Value* np = nb->addParam(p->debug_name);
        np->type = unknown;
        value_maps[k][p.get()] = np;
      }
      for (auto& i : b->instrs) {
        if (i.get() == fi) {
          if (k == n) {  // after the last item: where the exhausted loop went
            Instr* j = f.append(nb, Op::kJump, {}, fi->line);
            j->offset = fi->offset;
            j->succs.push_back(fi->succs[1]);
            continue;
          }
          Instr* idx = f.append(nb, Op::kConst, {}, fi->line);
          idx->offset = fi->offset;
          idx->const_value.kind = compiler::Constant::Kind::kInt;
          idx->const_value.i = static_cast<int64_t>(k);
          idx->result->type = unknown;
          Instr* item = idx;
          if (!indices) {
            item = f.append(nb, Op::kGetItem, {tuple, idx->result.get()}, fi->line);
            item->offset = fi->offset;
            item->result->type = unknown;
          }
          item->result->debug_name = fi->result->debug_name;
          value_maps[k][fi->result.get()] = item->result.get();
          Instr* j = f.append(nb, Op::kJump, {}, fi->line);
          j->offset = fi->offset;
          j->succs.push_back(fi->succs[0]);
          continue;
        }
        Instr* ni = f.append(nb, i->op, i->operands, i->line);
        ni->offset = i->offset;
        ni->has_handler = i->has_handler;
        ni->const_value = i->const_value;
        ni->name = i->name;
        ni->binary_op = i->binary_op;
        ni->inplace = i->inplace;
        ni->unary_op = i->unary_op;
        ni->compare_op = i->compare_op;
        ni->kwnames = i->kwnames;
        ni->index = i->index;
        ni->count = i->count;
        ni->succs = i->succs;
        if (ni->result) {
          ni->result->type = unknown;
          ni->result->debug_name = i->result->debug_name;
          value_maps[k][i->result.get()] = ni->result.get();
        }
      }
    }
  }
  // Phase 2: operands, edge targets and arguments into each copy.
  for (size_t k = 0; k <= n; ++k) {
    auto value = [&](Value* v) {
      auto it = value_maps[k].find(v);
      return it == value_maps[k].end() ? v : it->second;
    };
    for (auto& [old, nb] : block_maps[k])
      for (auto& i : nb->instrs) {
        for (Value*& o : i->operands) o = value(o);
        for (ir::Edge& e : i->succs) {
          for (Value*& a : e.args) a = value(a);
          if (e.target == header) e.target = block_maps[k + 1][header];
          else if (region.count(e.target)) e.target = block_maps[k][e.target];
        }
      }
  }
  jump->succs[0].target = block_maps[0][header];
  for (Value** v : header_uses) *v = value_maps[n].at(*v);

  // The new blocks where the old ones were; the old ones dropped.
  std::vector<std::unique_ptr<Block>> fresh;
  for (size_t k = first_new; k < f.blocks.size(); ++k) fresh.push_back(std::move(f.blocks[k]));
  f.blocks.resize(first_new);
  size_t at = 0;
  while (f.blocks[at].get() != header) ++at;
  std::vector<std::unique_ptr<Block>> out;
  for (size_t k = 0; k < at; ++k) out.push_back(std::move(f.blocks[k]));
  for (auto& b : fresh) out.push_back(std::move(b));
  for (size_t k = at; k < f.blocks.size(); ++k)
    if (!region.count(f.blocks[k].get())) out.push_back(std::move(f.blocks[k]));
  f.blocks = std::move(out);

  // A variable only carried along by the SSA form through the copies (one
  // an inner loop's, typed differently per copy) is read by nothing: its
  // arguments into the copies become undefined, so that the copies' types
  // need not meet.
  std::set<const Block*> copies;
  for (auto& m : block_maps)
    for (auto& [old, nb] : m) copies.insert(nb);
  std::set<const Value*> read_any;
  for (auto& b : f.blocks)
    for (auto& i : b->instrs)
      for (Value* o : i->operands) read_any.insert(o);
  for (bool grew = true; grew;) {
    grew = false;
    for (auto& b : f.blocks)
      for (auto& i : b->instrs)
        for (ir::Edge& e : i->succs)
          for (size_t k = 0; k < e.args.size() && k < e.target->params.size(); ++k)
            if (read_any.count(e.target->params[k].get()) && read_any.insert(e.args[k]).second) grew = true;
  }
  Value* undef = nullptr;
  for (auto& i : f.blocks[0]->instrs)
    if (i->op == Op::kUndef) undef = i->result.get();
  for (auto& b : f.blocks)
    for (auto& i : b->instrs)
      for (ir::Edge& e : i->succs)
        for (size_t k = 0; undef && copies.count(e.target) && k < e.args.size() && k < e.target->params.size(); ++k)
          if (!read_any.count(e.target->params[k].get())) e.args[k] = undef;

  // The iterator is not made: the tuple itself stands in for it.
  getiter->op = Op::kCopy;
  return true;
}

bool pruneConstantBranch(ir::Function& f, ir::Instr& branch) {
  if (branch.op != Op::kBranch || branch.operands.empty()) return false;
  const Instr* d = branch.operands[0]->def;
  if (d && d->op == Op::kTruth) d = d->operands[0]->def;
  using CK = compiler::Constant::Kind;
  if (!d || d->op != Op::kConst) return false;
  const compiler::Constant& c = d->const_value;
  if (c.kind != CK::kBool && c.kind != CK::kInt && c.kind != CK::kNone) return false;
  const bool taken = c.kind == CK::kBool ? c.b : c.kind == CK::kInt && c.i != 0;  // realcode8: an int or None too
  std::vector<ir::Edge> succs = {branch.succs[taken ? 0 : 1]};
  if (branch.has_handler) succs.push_back(branch.succs.back());
  branch.op = Op::kJump;
  branch.operands.clear();
  branch.succs = std::move(succs);
  std::set<Block*> live = reachable(f.blocks[0].get(), nullptr);
  std::erase_if(f.blocks, [&](const std::unique_ptr<Block>& b) { return !live.count(b.get()); });
  return true;
}

}  // namespace kiln::typing
