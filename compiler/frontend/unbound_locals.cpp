#include "compiler/frontend/unbound_locals.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/diagnostic.h"

namespace kiln::frontend {

namespace {

using compiler::Constant;
using ir::Op;

bool isUndef(const ir::Value* v) { return v->def != nullptr && v->def->op == Op::kUndef; }

// The entry's position-free top grows by one constant.
ir::Value* topConstant(ir::Function& fn, ir::Block* entry, size_t& entry_top, Constant c) {
  ir::Instr* i = fn.append(entry, Op::kConst, {}, 0);
  i->const_value = std::move(c);
  std::rotate(entry->instrs.begin() + static_cast<std::ptrdiff_t>(entry_top), entry->instrs.end() - 1,
              entry->instrs.end());
  ++entry_top;
  return i->result.get();
}

Constant boolConstant(bool b) {
  Constant c;
  c.kind = Constant::Kind::kBool;
  c.b = b;
  return c;
}

// `raise UnboundLocalError(message)` ends block b; CPython's words (3.11+).
// Inside a try block it goes to the handler the read's block goes to.
void raiseUnbound(ir::Function& fn, ir::Block* b, const LocalRead& r, const std::optional<ir::Edge>& handler) {
  auto at = [&](ir::Instr* i) {
    i->offset = r.offset;
    return i;
  };
  ir::Instr* cls = at(fn.append(b, Op::kLoadGlobal, {}, r.line));
  cls->name = "builtins.UnboundLocalError";  // dotted: no Python global shadows it
  Constant text;
  text.kind = Constant::Kind::kStr;
  text.s = absl::StrCat("cannot access local variable '", r.name, "' where it is not associated with a value");
  ir::Instr* msg = at(fn.append(b, Op::kConst, {}, r.line));
  msg->const_value = std::move(text);
  ir::Instr* exc = at(fn.append(b, Op::kCall, {cls->result.get(), msg->result.get()}, r.line));
  ir::Instr* raise = at(fn.append(b, Op::kRaise, {exc->result.get()}, r.line));
  raise->name = "UnboundLocalError";
  if (handler) {
    raise->succs.push_back(*handler);
    raise->has_handler = true;
  }
}

}  // namespace

absl::Status guardUnboundReads(ir::Function& fn, ir::Block* entry, size_t& entry_top,
                               const std::vector<LocalRead>& reads, const compiler::CodeObject& code) {
  if (reads.empty()) return absl::OkStatus();
  // Which params an undef may reach: a worklist over "arg flows into param".
  std::map<const ir::Value*, std::vector<ir::Value*>> flows_into;
  std::vector<ir::Value*> work;
  std::set<const ir::Value*> maybe;
  for (const auto& b : fn.blocks)
    if (const ir::Instr* t = b->terminator())
      for (const ir::Edge& e : t->succs) {
        if (e.args.size() != e.target->params.size())
          return absl::InternalError("an edge passes a different number of args than its target has params");
        for (size_t k = 0; k < e.args.size(); ++k) {
          ir::Value* p = e.target->params[k].get();
          if (isUndef(e.args[k])) {
            if (maybe.insert(p).second) work.push_back(p);
          } else {
            flows_into[e.args[k]].push_back(p);
          }
        }
      }
  while (!work.empty()) {
    const ir::Value* v = work.back();
    work.pop_back();
    auto it = flows_into.find(v);
    if (it == flows_into.end()) continue;
    for (ir::Value* p : it->second)
      if (maybe.insert(p).second) work.push_back(p);
  }

  std::vector<const LocalRead*> guarded;
  bool any_conditional = false;
  for (const LocalRead& r : reads) {
    const bool definite = isUndef(r.value);
    if (!definite && maybe.count(r.value) == 0) continue;
    if (r.capture)
      return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                                 absl::StrCat("local variable '", r.name,
                                              "' may be captured by an inner function before it is assigned"),
                                 code.filename, r.line, code.qualname);
    any_conditional |= !definite;
    guarded.push_back(&r);
  }
  if (guarded.empty()) return absl::OkStatus();

  // Each maybe-unbound param gets a companion: whether its local is bound.
  std::map<const ir::Value*, ir::Value*> bound;
  if (any_conditional) {
    ir::Value* yes = topConstant(fn, entry, entry_top, boolConstant(true));
    ir::Value* no = topConstant(fn, entry, entry_top, boolConstant(false));
    std::vector<std::pair<ir::Block*, size_t>> widths;  // each block's params before the companions
    for (const auto& b : fn.blocks) {
      const size_t n = b->params.size();
      widths.emplace_back(b.get(), n);
      for (size_t k = 0; k < n; ++k)
        if (maybe.count(b->params[k].get()))
          bound[b->params[k].get()] = b->addParam(absl::StrCat(b->params[k]->debug_name, ".bound"));
    }
    std::map<const ir::Block*, size_t> width(widths.begin(), widths.end());
    for (const auto& b : fn.blocks)
      if (ir::Instr* t = b->terminator())
        for (ir::Edge& e : t->succs) {
          const size_t n = width[e.target];
          for (size_t k = 0; k < n; ++k) {
            if (!maybe.count(e.target->params[k].get())) continue;
            ir::Value* a = e.args[k];
            e.args.push_back(isUndef(a) ? no : maybe.count(a) ? bound.at(a) : yes);
          }
        }
  }

  // Split each block at its guarded reads, in program order: the rest of a
  // block split before lives in the block it moved to.
  std::map<ir::Block*, ir::Block*> moved_to;
  for (const LocalRead* r : guarded) {
    ir::Block* b = r->block;
    while (moved_to.count(b)) b = moved_to[b];
    size_t at = 0;
    for (size_t k = 0; k < b->instrs.size(); ++k)
      if (b->instrs[k].get() == r->after) at = k + 1;
    if (b == entry) at = std::max(at, entry_top);
    // In a try block, the raise goes where the block's own terminator does
    // on an error (its handler edge passes the block's state at entry).
    std::optional<ir::Edge> handler;
    if (r->protected_by_try) {
      const ir::Instr* term = b->terminator();
      if (!term || !term->has_handler || term->succs.empty())
        return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                                   absl::StrCat("local variable '", r->name,
                                                "' may be read before it is assigned inside a try block"),
                                   code.filename, r->line, code.qualname);
      handler = term->succs.back();
    }
    ir::Block* rest = fn.addBlock();
    for (size_t k = at; k < b->instrs.size(); ++k) {
      b->instrs[k]->parent = rest;
      rest->instrs.push_back(std::move(b->instrs[k]));
    }
    b->instrs.resize(at);
    moved_to[b] = rest;
    // The new blocks follow the one they came from, for a readable print.
    auto follow = [&](ir::Block* after) {
      std::unique_ptr<ir::Block> owned = std::move(fn.blocks.back());
      fn.blocks.pop_back();
      auto pos = std::find_if(fn.blocks.begin(), fn.blocks.end(),
                              [&](const std::unique_ptr<ir::Block>& x) { return x.get() == after; });
      fn.blocks.insert(pos + 1, std::move(owned));
    };
    follow(b);
    if (isUndef(r->value)) {
      raiseUnbound(fn, b, *r, handler);  // `rest` has no predecessor now
      continue;
    }
    ir::Block* raising = fn.addBlock();
    follow(rest);
    ir::Instr* br = fn.append(b, Op::kBranch, {bound.at(r->value)}, r->line);
    br->offset = r->offset;
    br->succs.resize(2);
    br->succs[0].target = rest;
    br->succs[1].target = raising;
    raiseUnbound(fn, raising, *r, handler);
  }
  return absl::OkStatus();
}

}  // namespace kiln::frontend
