#include "compiler/frontend/ssa_builder.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "compiler/diagnostic.h"
#include "compiler/frontend/unbound_locals.h"

namespace kiln::frontend {

namespace {

using compiler::Constant;
using ir::Op;
using ir::Value;

// Bounds that keep hostile input from costing unbounded memory; real numeric
// functions are far below them.
constexpr uint32_t kMaxUnpack = 1 << 12;
constexpr size_t kMaxLocalSlots = size_t{1} << 24;  // locals x blocks
constexpr int32_t kCoVarargs = 0x4;                  // co_flags: *args

struct FrameState {
  std::vector<Value*> locals;  // null: no store reaches here on this path
  std::vector<Value*> stack;   // null: the call protocol's NULL
  // exceptions: the copies of the errors being handled (Op::kCatch), one per
  // except/finally handler being run, innermost last (CPython's exc_info
  // stack); a nested handler's end puts its enclosing one's error back.
  std::vector<Value*> handling;
};

// What a block param stands for: a local (by varnames index) or a stack slot.
struct Slot {
  bool local;
  size_t index;
};

struct PendingEdge {
  ir::Instr* term;
  size_t succ;
  FrameState state;
};

// closures: CPython's "fast locals plus": varnames, then the cells that are
// not arguments, then the free variables.
void slotNames(const compiler::CodeObject& code, std::vector<std::string>* names, size_t* first_free) {
  *names = code.varnames;
  for (const std::string& c : code.cellvars)
    if (std::find(code.varnames.begin(), code.varnames.end(), c) == code.varnames.end()) names->push_back(c);
  *first_free = names->size();
  names->insert(names->end(), code.freevars.begin(), code.freevars.end());
}

// closures: an assignment to a captured variable that capturing by value
// would get wrong (see SsaBuilder::checkCaptures).
struct CaptureFinding {
  enum Kind { kNonlocalStore, kRecursive, kAfterCapture, kInLoop } kind;
  const Instruction* store;  // the STORE_DEREF
  size_t slot;
  int32_t capture_line;  // the LOAD_CLOSURE's
};

std::vector<CaptureFinding> scanCaptures(const std::vector<Instruction>& ins, size_t nslots, size_t first_free) {
  std::vector<CaptureFinding> out;
  std::vector<std::pair<int64_t, int64_t>> loops;  // [target, jump] of each backward jump
  for (const Instruction& in : ins)
    if (in.target >= 0 && in.target <= static_cast<int64_t>(in.offset)) loops.push_back({in.target, in.offset});
  auto inLoop = [&](uint32_t offset) {
    for (auto [from, to] : loops)
      if (from <= offset && offset <= to) return std::make_pair(from, to);
    return std::make_pair(int64_t{-1}, int64_t{-1});
  };
  for (size_t k = 0; k < ins.size(); ++k) {
    const Instruction& in = ins[k];
    if (in.form() == Form::kStoreDeref && in.arg >= first_free && in.arg < nslots)
      out.push_back({CaptureFinding::kNonlocalStore, &in, in.arg, in.line});
    if (in.form() != Form::kLoadClosure || in.arg >= first_free) continue;
    // Where the closure that captures it is made, and whether it may be kept
    // past the call that uses it: unless the stack shows it consumed by a
    // call (as the callee or an argument; a closure cannot be returned), it
    // may be (a local, a tuple).
    size_t make = k;
    while (make < ins.size() && ins[make].form() != Form::kMakeFunction) ++make;
    bool kept = true;
    int64_t above = 0;  // stack entries above the closure
    for (size_t j = make + 1; j < ins.size(); ++j) {
      const Instruction& x = ins[j];
      const OpcodeRow& r = *x.row;
      const bool flag = r.arg_shift > 0 && (x.arg & 1);
      int64_t pops = r.pops, pushes = r.pushes;
      if (x.form() == Form::kCall) pops = static_cast<int64_t>(x.arg) + 2, pushes = 1;
      else if (x.form() == Form::kBuildTuple) pops = x.arg, pushes = 1;
      else if (x.form() == Form::kLoadGlobal) pops = 0, pushes = 1 + flag;
      else if (x.form() == Form::kLoadAttr) pops = 1, pushes = 1 + flag;
      if (pops == kVaries || pushes == kVaries || flowOf(x.form()) != Flow::kNext) break;  // kept, to be safe
      if (pops > above) {
        kept = x.form() != Form::kCall;
        break;
      }
      above += pushes - pops;
    }
    for (const Instruction& st : ins) {
      if (st.form() != Form::kStoreDeref || st.arg != in.arg) continue;
      if (st.offset > in.offset) {
        const bool recursive = make + 1 < ins.size() && ins[make + 1].offset == st.offset;
        out.push_back({recursive ? CaptureFinding::kRecursive : CaptureFinding::kAfterCapture, &st, in.arg, in.line});
        continue;
      }
      auto loop = inLoop(st.offset);
      if (kept && loop.first >= 0 && loop.first <= in.offset && in.offset <= loop.second)
        out.push_back({CaptureFinding::kInLoop, &st, in.arg, in.line});
    }
  }
  return out;
}

class SsaBuilder {
 public:
  SsaBuilder(const compiler::CodeObject& code, const Cfg& cfg, const OpcodeTable& table, bool nested,
             const std::set<std::string>& cells, const std::map<std::string, std::string>& declared)
      : code_(code), cfg_(cfg), table_(table), nested_(nested), cells_(cells), declared_(declared) {}

  absl::StatusOr<std::unique_ptr<ir::Function>> build();

 private:
  absl::Status enterBlock(size_t b, FrameState& st);
  absl::Status fillEdge(size_t target, ir::Instr* term, size_t succ, const FrameState& st);
  absl::Status setEdge(ir::Instr* term, size_t succ, int target, FrameState st);
  absl::Status step(const Instruction& in, FrameState& st);
  absl::Status terminate(size_t b, const Instruction& last, FrameState& st);
  // closures:
  void buildSlots();
  absl::Status checkCaptures() const;
  bool isFreeSlot(size_t slot) const { return slot >= first_free_; }
  // pycells: whether the slot's variable lives in a cell (a one-item list).
  bool inCell(size_t slot) const { return slot < slot_names_.size() && cells_.count(slot_names_[slot]) > 0; }
  void makeCells(FrameState& initial);
  void storeCell(Value* cell, Value* v, const Instruction& in);
  Value* derefValue(const FrameState& st, size_t slot, const Instruction& in);
  absl::Status makeFunction(const Instruction& in, FrameState& st);
  // tuples:
  absl::Status listToTuple(const Instruction& in, FrameState& st);
  bool foldConstantList(Value* list, Value* items, const Instruction& in, FrameState& st);  // litcont:
  absl::Status callFunctionEx(const Instruction& in, FrameState& st);
  absl::Status unpackEx(const Instruction& in, FrameState& st);

  ir::Instr* emit(Op op, std::vector<Value*> operands, const Instruction& in) {
    ir::Instr* i = fn_->append(cur_, op, std::move(operands), in.line);
    i->offset = in.offset;
    return i;
  }
  Value* constant(Constant c, const Instruction& in) {
    ir::Instr* i = emit(Op::kConst, {}, in);
    i->const_value = std::move(c);
    return i->result.get();
  }
  Value* undef(size_t local);
  /// exceptions: the stand-in for the exception objects (and lasti) on the
  /// stack of an except handler: None at the top of the entry block.
  Value* caught();
  /// exceptions: the edge from block b's terminator to its except handler.
  /// `handling` is the block's at its end: a block starting a handler or
  /// ending one (PUSH_EXC_INFO, POP_EXCEPT) raises only after them.
  absl::Status handlerEdge(size_t b, const FrameState& at_entry, const std::vector<Value*>& handling);
  Value* localOrUndef(const FrameState& st, size_t local) {
    return st.locals[local] ? st.locals[local] : undef(local);
  }
  // pysub4: a read of a local CPython checks (LOAD_FAST, DELETE_FAST); one
  // that may find it unbound is guarded once the function is built.
  // A capture (LOAD_CLOSURE) is no read in CPython, but a captured value
  // that may be unbound is refused (the inner function would read it).
  Value* readLocal(const FrameState& st, size_t local, const Instruction& in, bool capture = false) {
    Value* v = localOrUndef(st, local);
    if (v->def ? v->def->op == Op::kUndef : v->param_of != entry_)
      reads_.push_back({cur_, cur_->instrs.empty() ? nullptr : cur_->instrs.back().get(), v, slot_names_[local],
                        in.line, in.offset, cfg_.blocks[cur_index_].handler >= 0, capture});
    return v;
  }

  absl::Status malformed(uint32_t offset, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed bytecode in ", code_.qualname, " at offset ", offset, ": ", what));
  }
  absl::Status unstructuredHandlers(uint32_t offset) const {
    return malformed(offset, "paths meet inside different exception handlers");
  }
  absl::Status unsupported(const Instruction& in, std::string message) const {
    return compiler::userError(compiler::Diagnostic::Kind::kUnsupported, std::move(message),
                               code_.filename, in.line, code_.qualname);
  }
  // The top n stack entries exist and are values (not NULL).
  absl::Status requireValues(const FrameState& st, const Instruction& in, size_t n) const {
    if (st.stack.size() < n) return malformed(in.offset, absl::StrCat(in.row->name, ": stack underflow"));
    for (size_t k = st.stack.size() - n; k < st.stack.size(); ++k)
      if (!st.stack[k]) return malformed(in.offset, absl::StrCat(in.row->name, " uses the call protocol's NULL as a value"));
    return absl::OkStatus();
  }
  absl::Status checkIndex(const Instruction& in, size_t index, size_t size, const char* what) const {
    if (index >= size)
      return malformed(in.offset, absl::StrCat(in.row->name, ": ", what, " index ", index, " out of range"));
    return absl::OkStatus();
  }

  const compiler::CodeObject& code_;
  const Cfg& cfg_;
  const OpcodeTable& table_;
  const bool nested_;
  const std::set<std::string>& cells_;  // pycells:
  const std::map<std::string, std::string>& declared_;  // locals: declared local -> its type's spelling
  std::vector<std::string> slot_names_;  // varnames, cells that are not arguments, freevars
  size_t first_free_ = 0;                // the first free-variable slot
  std::unique_ptr<ir::Function> fn_;
  ir::Block* entry_ = nullptr;
  std::vector<ir::Block*> blocks_;  // per CFG block
  std::vector<bool> visited_;
  std::vector<size_t> expected_incoming_;
  std::vector<std::vector<PendingEdge>> pending_;
  std::vector<std::vector<Slot>> param_slots_;
  std::vector<FrameState> entry_state_;
  std::vector<Value*> undefs_;  // per local, created on first need
  std::vector<LocalRead> reads_;  // pysub4: reads that may find their local unbound
  size_t undef_count_ = 0;
  Value* caught_ = nullptr;
  std::vector<bool> handler_entry_;  // exceptions: blocks an exception edge enters
  size_t cur_index_ = 0;
  std::vector<Value*> end_handling_;  // exceptions: the current block's handling at its end
  ir::Block* cur_ = nullptr;
  std::optional<std::vector<std::string>> kwnames_;
  std::vector<const ir::Instr*> list_methods_;  // tuples: the getattrs LIST_APPEND/LIST_EXTEND emitted
};

Value* SsaBuilder::undef(size_t local) {
  if (undefs_[local]) return undefs_[local];
  // Undefs live at the top of the entry block, which dominates every use.
  ir::Instr* i = fn_->append(entry_, Op::kUndef, {}, 0);
  i->result->debug_name = slot_names_[local];
  std::rotate(entry_->instrs.begin() + undef_count_, entry_->instrs.end() - 1, entry_->instrs.end());
  ++undef_count_;
  return undefs_[local] = i->result.get();
}

Value* SsaBuilder::caught() {
  if (caught_) return caught_;
  ir::Instr* i = fn_->append(entry_, Op::kConst, {}, 0);  // a None
  i->result->debug_name = "caught";
  std::rotate(entry_->instrs.begin() + undef_count_, entry_->instrs.end() - 1, entry_->instrs.end());
  ++undef_count_;
  return caught_ = i->result.get();
}

absl::Status SsaBuilder::handlerEdge(size_t b, const FrameState& at_entry, const std::vector<Value*>& handling) {
  const BasicBlock& bb = cfg_.blocks[b];
  ir::Instr* t = cur_->terminator();
  if (!t) return absl::InternalError("a protected block without a terminator");
  if (at_entry.stack.size() < bb.handler_depth)
    return malformed(bb.offset, "exception handler depth exceeds the stack");
  FrameState h;
  h.locals = at_entry.locals;
  h.stack.assign(at_entry.stack.begin(), at_entry.stack.begin() + bb.handler_depth);
  h.handling = handling;
  if (bb.handler_lasti) h.stack.push_back(caught());
  h.stack.push_back(caught());
  t->succs.emplace_back();
  t->has_handler = true;
  return setEdge(t, t->succs.size() - 1, bb.handler, std::move(h));
}

absl::StatusOr<std::unique_ptr<ir::Function>> SsaBuilder::build() {
  buildSlots();
  if (absl::Status s = checkCaptures(); !s.ok()) return s;
  const size_t nlocals = slot_names_.size();
  const size_t nblocks = cfg_.blocks.size();
  if (nlocals * nblocks > kMaxLocalSlots)
    return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                               absl::StrCat("function is too large (", nlocals, " locals in ",
                                            nblocks, " blocks)"),
                               code_.filename, code_.firstlineno, code_.qualname);
  // The parameters are the first varnames (the slots also hold cells and
  // free variables, which are not parameters).
  const size_t named = static_cast<size_t>(code_.argcount) + static_cast<size_t>(code_.kwonlyargcount);
  if (code_.argcount < 0 || code_.kwonlyargcount < 0 || named > code_.varnames.size() || named > nlocals)
    return malformed(0, "argcount exceeds the number of local variables");

  fn_ = std::make_unique<ir::Function>();
  fn_->name = code_.name;
  fn_->qualname = code_.qualname;
  fn_->filename = code_.filename;
  fn_->firstlineno = code_.firstlineno;

  // A jump back to offset 0 would give the entry predecessors, and the entry
  // must have none: then a separate entry block jumps into it.
  const bool preentry = !cfg_.blocks[0].preds.empty();
  if (preentry) entry_ = fn_->addBlock();
  for (size_t b = 0; b < nblocks; ++b) blocks_.push_back(fn_->addBlock());
  if (!preentry) entry_ = blocks_[0];

  FrameState initial;
  initial.locals.assign(nlocals, nullptr);
  // kwonly: the keyword-only parameters follow the positional ones, as in
  // co_varnames; callers bind them by name (typing, the dispatcher).
  const int nnamed = code_.argcount + code_.kwonlyargcount;
  for (int a = 0; a < nnamed; ++a) {
    fn_->arg_names.push_back(code_.varnames[a]);
    initial.locals[a] = entry_->addParam(code_.varnames[a]);
  }
  // *args: one tuple parameter after the named ones.
  if (code_.flags & kCoVarargs) {
    const size_t a = static_cast<size_t>(nnamed);
    if (a >= code_.varnames.size()) return malformed(0, "*args without a local for it");
    fn_->arg_names.push_back(code_.varnames[a]);
    initial.locals[a] = entry_->addParam(code_.varnames[a]);
  }
  // A nested function's captured values arrive after its arguments.
  if (nested_)
    for (size_t k = first_free_; k < nlocals; ++k) {
      fn_->arg_names.push_back(slot_names_[k]);
      initial.locals[k] = entry_->addParam(slot_names_[k]);
    }
  makeCells(initial);  // pycells:
  undefs_.assign(nlocals, nullptr);
  visited_.assign(nblocks, false);
  pending_.resize(nblocks);
  param_slots_.resize(nblocks);
  entry_state_.resize(nblocks);
  for (size_t b = 0; b < nblocks; ++b) expected_incoming_.push_back(cfg_.blocks[b].preds.size());
  handler_entry_.assign(nblocks, false);
  for (size_t b = 0; b < nblocks; ++b)
    if (int h = cfg_.blocks[b].handler; h >= 0 && static_cast<size_t>(h) < nblocks) handler_entry_[h] = true;

  if (preentry) {
    ++expected_incoming_[0];
    cur_ = entry_;
    ir::Instr* j = fn_->append(entry_, Op::kJump, {}, code_.lineAt(0));
    j->succs.resize(1);
    if (absl::Status s = setEdge(j, 0, 0, initial); !s.ok()) return s;
  }

  for (size_t b = 0; b < nblocks; ++b) {
    FrameState st = (b == 0 && !preentry) ? initial : FrameState{};
    if (b != 0 || preentry)
      if (absl::Status s = enterBlock(b, st); !s.ok()) return s;
    visited_[b] = true;
    cur_ = blocks_[b];
    cur_index_ = b;
    kwnames_.reset();
    const BasicBlock& bb = cfg_.blocks[b];
    const FrameState at_entry = bb.handler >= 0 ? st : FrameState{};
    for (size_t k = bb.first; k + 1 < bb.end; ++k)
      if (absl::Status s = step(cfg_.instrs[k], st); !s.ok()) return s;
    end_handling_ = st.handling;  // terminate() moves st on
    if (absl::Status s = terminate(b, cfg_.instrs[bb.end - 1], st); !s.ok()) return s;
    if (bb.handler >= 0)
      if (absl::Status s = handlerEdge(b, at_entry, end_handling_); !s.ok()) return s;
  }
  if (absl::Status s = guardUnboundReads(*fn_, entry_, undef_count_, reads_, code_); !s.ok()) return s;
  return std::move(fn_);
}

absl::Status SsaBuilder::enterBlock(size_t b, FrameState& st) {
  const std::vector<PendingEdge>& in = pending_[b];
  const uint32_t offset = cfg_.blocks[b].offset;
  if (in.empty()) return absl::InternalError("block reached in RPO with no visited predecessor");
  const bool loop_header = in.size() < expected_incoming_[b];
  const size_t depth = in[0].state.stack.size();
  for (const PendingEdge& e : in) {
    if (e.state.stack.size() != depth)
      return malformed(offset, absl::StrCat("paths meet with stack depths ", depth, " and ",
                                            e.state.stack.size()));
    if (e.state.handling != in[0].state.handling) return unstructuredHandlers(offset);
  }
  st.handling = in[0].state.handling;

  st.locals.assign(slot_names_.size(), nullptr);
  st.stack.assign(depth, nullptr);
  std::vector<Slot>& slots = param_slots_[b];
  auto differs = [&](auto get) {
    for (const PendingEdge& e : in)
      if (get(e.state) != get(in[0].state)) return true;
    return false;
  };
  for (size_t i = 0; i < st.locals.size(); ++i) {
    if (loop_header || differs([i](const FrameState& s) { return s.locals[i]; })) {
      slots.push_back({true, i});
      st.locals[i] = blocks_[b]->addParam(slot_names_[i]);
    } else {
      st.locals[i] = in[0].state.locals[i];
    }
  }
  for (size_t j = 0; j < depth; ++j) {
    bool any_null = false, all_null = true;
    for (const PendingEdge& e : in) {
      any_null |= e.state.stack[j] == nullptr;
      all_null &= e.state.stack[j] == nullptr;
    }
    if (any_null != all_null)
      return malformed(offset, absl::StrCat("paths meet with NULL and a value in stack slot ", j));
    if (all_null) continue;
    if (loop_header || differs([j](const FrameState& s) { return s.stack[j]; })) {
      slots.push_back({false, j});
      st.stack[j] = blocks_[b]->addParam();
    } else {
      st.stack[j] = in[0].state.stack[j];
    }
  }
  entry_state_[b] = st;
  std::vector<PendingEdge> edges = std::move(pending_[b]);
  for (const PendingEdge& e : edges)
    if (absl::Status s = fillEdge(b, e.term, e.succ, e.state); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status SsaBuilder::fillEdge(size_t target, ir::Instr* term, size_t succ, const FrameState& st) {
  const FrameState& want = entry_state_[target];
  const uint32_t offset = cfg_.blocks[target].offset;
  if (st.stack.size() != want.stack.size())
    return malformed(offset, absl::StrCat("paths meet with stack depths ", want.stack.size(), " and ",
                                          st.stack.size()));
  if (st.handling != want.handling) return unstructuredHandlers(offset);
  const std::vector<Slot>& slots = param_slots_[target];
  std::vector<bool> is_param_local(want.locals.size()), is_param_stack(want.stack.size());
  for (const Slot& s : slots) (s.local ? is_param_local : is_param_stack)[s.index] = true;
  // Slots without a param must carry what the block assumed (a NULL, or the
  // value every edge agreed on when the block was entered).
  for (size_t j = 0; j < want.stack.size(); ++j)
    if (!is_param_stack[j] && st.stack[j] != want.stack[j])
      return malformed(offset, absl::StrCat("paths meet with different values in stack slot ", j,
                                            " where one is NULL"));
  for (size_t i = 0; i < want.locals.size(); ++i)
    if (!is_param_local[i] && st.locals[i] != want.locals[i])
      return absl::InternalError("a local without a block param differs between edges");
  std::vector<Value*> args;
  for (const Slot& s : slots) {
    if (s.local) {
      args.push_back(localOrUndef(st, s.index));
    } else {
      if (!st.stack[s.index])
        return malformed(offset, absl::StrCat("paths meet with NULL and a value in stack slot ", s.index));
      args.push_back(st.stack[s.index]);
    }
  }
  term->succs[succ].args = std::move(args);
  return absl::OkStatus();
}

absl::Status SsaBuilder::setEdge(ir::Instr* term, size_t succ, int target, FrameState st) {
  term->succs[succ].target = blocks_[target];
  if (visited_[target]) return fillEdge(target, term, succ, st);
  pending_[target].push_back({term, succ, std::move(st)});
  return absl::OkStatus();
}

absl::Status SsaBuilder::step(const Instruction& in, FrameState& st) {
  const OpcodeRow& row = *in.row;
  const size_t depth_before = st.stack.size();
  if (row.pops != kVaries && row.form != Form::kPopTop)
    if (absl::Status s = requireValues(st, in, row.pops); !s.ok()) return s;
  if (row.form == Form::kPopTop && st.stack.empty()) return malformed(in.offset, "POP_TOP: stack underflow");
  auto pop = [&st] {
    Value* v = st.stack.back();
    st.stack.pop_back();
    return v;
  };
  auto push = [&st](Value* v) { st.stack.push_back(v); };
  const uint32_t payload = in.arg >> row.arg_shift;
  const bool flag = row.arg_shift > 0 && (in.arg & 1);

  switch (row.form) {
    case Form::kNop:
    case Form::kExtendedArg:
      break;
    case Form::kPopTop:
      pop();
      break;
    case Form::kPushNull:
      push(nullptr);
      break;
    case Form::kCopy:
      if (in.arg < 1 || in.arg > st.stack.size()) return malformed(in.offset, "COPY: stack underflow");
      push(st.stack[st.stack.size() - in.arg]);
      break;
    case Form::kSwap:
      if (in.arg < 1 || in.arg > st.stack.size()) return malformed(in.offset, "SWAP: stack underflow");
      std::swap(st.stack.back(), st.stack[st.stack.size() - in.arg]);
      break;
    case Form::kLoadConst:
      if (absl::Status s = checkIndex(in, in.arg, code_.consts.size(), "constant"); !s.ok()) return s;
      push(constant(code_.consts[in.arg], in));
      break;
    case Form::kLoadFast:
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "local"); !s.ok()) return s;
      push(readLocal(st, in.arg, in));
      break;
    case Form::kLoadFastAndClear:
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "local"); !s.ok()) return s;
      push(localOrUndef(st, in.arg));
      st.locals[in.arg] = nullptr;
      break;
    case Form::kStoreFast: {
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "local"); !s.ok()) return s;
      Value* v = pop();
      // exceptions: compiled code has no exception objects (as Numba).
      if (v && v == caught_)
        return unsupported(in, absl::StrCat("Exception object cannot be stored into variable (",
                                            code_.varnames[in.arg], ")"));
      // A constant stored to a local is named after it, for messages ("the variable 'a'").
      if (v && v->debug_name.empty() && v->def && v->def->op == Op::kConst) v->debug_name = code_.varnames[in.arg];
      if (auto d = declared_.find(code_.varnames[in.arg]); v && d != declared_.end()) {
        // locals: a declared local holds its declared type: the store converts
        ir::Instr* c = emit(Op::kDeclare, {v}, in);
        c->name = d->second;
        c->result->debug_name = code_.varnames[in.arg];
        v = c->result.get();
      }
      st.locals[in.arg] = v;
      break;
    }
    case Form::kDeleteFast:
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "local"); !s.ok()) return s;
      readLocal(st, in.arg, in);
      st.locals[in.arg] = nullptr;
      break;
    case Form::kPushExcInfo: {
      Value* exc = pop();
      push(caught());  // the exception handled before, restored by POP_EXCEPT
      push(exc);
      st.handling.push_back(emit(Op::kCatch, {}, in)->result.get());
      break;
    }
    case Form::kCheckExcMatch: {
      Value* cls = pop();
      push(emit(Op::kExcMatch, {cls}, in)->result.get());
      break;
    }
    case Form::kPopExcept: {
      pop();
      if (st.handling.empty()) return malformed(in.offset, "POP_EXCEPT outside an exception handler");
      Value* ended = st.handling.back();
      st.handling.pop_back();
      // The end of a nested handler: the enclosing handler's error is the one
      // a bare `raise` or a finally re-raises again. Not in a handler's
      // cleanup (entered by an exception edge), where the error in flight is
      // the one that escaped the nested handler's body.
      if (!st.handling.empty() && !handler_entry_[cur_index_]) emit(Op::kRestoreError, {st.handling.back()}, in);
      // Every way out of a handler passes a POP_EXCEPT (its cleanup's too):
      // the copy of its error, which holds the error's heap arguments, ends.
      emit(Op::kDropCaught, {ended}, in);
      break;
    }
    case Form::kLoadGlobal: {
      if (absl::Status s = checkIndex(in, payload, code_.names.size(), "name"); !s.ok()) return s;
      if (flag) push(nullptr);
      ir::Instr* i = emit(Op::kLoadGlobal, {}, in);
      i->name = code_.names[payload];
      push(i->result.get());
      break;
    }
    case Form::kLoadAssertionError: {
      // exceptions: the builtin class whatever the globals say; no Python
      // identifier has a dot, so the name cannot collide with a global.
      ir::Instr* i = emit(Op::kLoadGlobal, {}, in);
      i->name = "builtins.AssertionError";
      push(i->result.get());
      break;
    }
    case Form::kLoadAttr:
    case Form::kLoadMethod: {
      if (absl::Status s = checkIndex(in, payload, code_.names.size(), "name"); !s.ok()) return s;
      ir::Instr* i = emit(Op::kGetAttr, {pop()}, in);
      i->name = code_.names[payload];
      // A method load is [NULL, bound attribute]: the call gets self from getattr.
      if (flag || row.form == Form::kLoadMethod) push(nullptr);
      push(i->result.get());
      break;
    }
    case Form::kBinaryOp: {
      if (absl::Status s = checkIndex(in, in.arg, table_.binary_ops.size(), "BINARY_OP operator"); !s.ok())
        return s;
      Value* rhs = pop();
      Value* lhs = pop();
      ir::Instr* i = emit(Op::kBinOp, {lhs, rhs}, in);
      i->binary_op = table_.binary_ops[in.arg].op;
      i->inplace = table_.binary_ops[in.arg].inplace;
      push(i->result.get());
      break;
    }
    case Form::kCallIntrinsic1:
      if (static_cast<int64_t>(in.arg) == table_.intrinsic_list_to_tuple) {  // tuples:
        if (absl::Status s = listToTuple(in, st); !s.ok()) return s;
        break;
      }
      [[fallthrough]];
    case Form::kUnaryNegative:
    case Form::kUnaryPositive:
    case Form::kUnaryNot:
    case Form::kUnaryInvert: {
      ir::UnaryOp op = ir::UnaryOp::kPos;
      if (row.form == Form::kUnaryNegative) op = ir::UnaryOp::kNeg;
      if (row.form == Form::kUnaryNot) op = ir::UnaryOp::kNot;
      if (row.form == Form::kUnaryInvert) op = ir::UnaryOp::kInvert;
      if (row.form == Form::kCallIntrinsic1 && static_cast<int64_t>(in.arg) != table_.intrinsic_unary_positive)
        return unsupported(in, absl::StrCat("unsupported Python construct: ",
                                            in.arg < table_.intrinsic1_constructs.size()
                                                ? table_.intrinsic1_constructs[in.arg]
                                                : "an interpreter-internal instruction"));
      ir::Instr* i = emit(Op::kUnaryOp, {pop()}, in);
      i->unary_op = op;
      push(i->result.get());
      break;
    }
    case Form::kCompareOp:
    case Form::kIsOp:
    case Form::kContainsOp: {
      ir::CompareOp op;
      if (row.form == Form::kCompareOp) {
        if (absl::Status s = checkIndex(in, payload, table_.compare_ops.size(), "COMPARE_OP operator"); !s.ok())
          return s;
        op = table_.compare_ops[payload];
      } else {
        if (in.arg > 1) return malformed(in.offset, absl::StrCat(row.name, ": arg must be 0 or 1"));
        if (row.form == Form::kIsOp) op = in.arg ? ir::CompareOp::kIsNot : ir::CompareOp::kIs;
        else op = in.arg ? ir::CompareOp::kNotIn : ir::CompareOp::kIn;
      }
      Value* rhs = pop();
      Value* lhs = pop();  // CONTAINS_OP: (item, container), as the source reads
      ir::Instr* i = emit(Op::kCompare, {lhs, rhs}, in);
      i->compare_op = op;
      push(i->result.get());
      break;
    }
    case Form::kBuildTuple: {
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      std::vector<Value*> items(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      push(emit(Op::kBuildTuple, std::move(items), in)->result.get());
      break;
    }
    case Form::kFormatValue: {  // strings: f"{x}" is str(x); format: {x!r:spec} is format(repr(x), spec)
      const bool has_spec = (in.arg & 0x04) != 0;
      if (absl::Status s = requireValues(st, in, has_spec ? 2 : 1); !s.ok()) return s;
      Value* spec = has_spec ? pop() : nullptr;
      Value* x = pop();
      const int conversion = in.arg & 0x03;  // 0 none, 1 !s, 2 !r, 3 !a
      if (conversion != 0 || !has_spec) {
        ir::Instr* fn = emit(Op::kLoadGlobal, {}, in);
        fn->name = conversion == 2 ? ir::kReprBuiltin : conversion == 3 ? ir::kAsciiBuiltin : ir::kFormatBuiltin;
        x = emit(Op::kCall, {fn->result.get(), x}, in)->result.get();
      }
      if (has_spec) {
        ir::Instr* fn = emit(Op::kLoadGlobal, {}, in);
        fn->name = ir::kFormatSpecBuiltin;
        x = emit(Op::kCall, {fn->result.get(), x, spec}, in)->result.get();
      }
      push(x);
      break;
    }
    case Form::kBuildString: {  // strings: the pieces joined by +
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      std::vector<Value*> pieces(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      Constant empty;
      empty.kind = Constant::Kind::kStr;
      Value* out = pieces.empty() ? constant(empty, in) : pieces[0];
      for (size_t k = 1; k < pieces.size(); ++k) {
        ir::Instr* i = emit(Op::kBinOp, {out, pieces[k]}, in);
        i->binary_op = ir::BinaryOp::kAdd;
        out = i->result.get();
      }
      push(out);
      break;
    }
    // lists:
    case Form::kBuildList: {
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      std::vector<Value*> items(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      push(emit(Op::kBuildList, std::move(items), in)->result.get());
      break;
    }
    case Form::kListAppend:
    case Form::kListExtend: {  // list.append(item) / list.extend(iterable), the list left on the stack
      if (absl::Status s = requireValues(st, in, in.arg + 1); !s.ok()) return s;
      if (in.arg < 1) return malformed(in.offset, absl::StrCat(row.name, ": arg must be at least 1"));
      Value* item = pop();
      Value* list = st.stack[st.stack.size() - in.arg];
      if (row.form == Form::kListExtend && foldConstantList(list, item, in, st)) break;  // litcont:
      ir::Instr* method = emit(Op::kGetAttr, {list}, in);
      method->name = row.form == Form::kListAppend ? "append" : "extend";
      list_methods_.push_back(method);  // tuples: LIST_TO_TUPLE may fold them into a tuple
      emit(Op::kCall, {method->result.get(), item}, in);
      break;
    }
    case Form::kUnpackSequence: {
      if (absl::Status s = requireValues(st, in, 1); !s.ok()) return s;
      if (in.arg > kMaxUnpack) return malformed(in.offset, "UNPACK_SEQUENCE of too many items");
      Value* seq = pop();
      std::vector<Value*> items;
      for (uint32_t k = 0; k < in.arg; ++k) {
        ir::Instr* i = emit(Op::kUnpack, {seq}, in);
        i->index = static_cast<int32_t>(k);
        i->count = static_cast<int32_t>(in.arg);
        items.push_back(i->result.get());
      }
      // CPython leaves item 0 on top.
      for (size_t k = items.size(); k-- > 0;) push(items[k]);
      break;
    }
    case Form::kBinarySubscr: {
      Value* index = pop();
      Value* obj = pop();
      push(emit(Op::kGetItem, {obj, index}, in)->result.get());
      break;
    }
    // dicts: {k: v, ...} is one build_map of its keys and values in order.
    case Form::kBuildMap: {
      if (in.arg > kMaxUnpack) return malformed(in.offset, "BUILD_MAP of too many items");
      if (absl::Status s = requireValues(st, in, 2 * in.arg); !s.ok()) return s;
      std::vector<Value*> items(st.stack.end() - 2 * in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - 2 * in.arg);
      push(emit(Op::kBuildMap, std::move(items), in)->result.get());
      break;
    }
    case Form::kBuildConstKeyMap: {
      if (in.arg > kMaxUnpack) return malformed(in.offset, "BUILD_CONST_KEY_MAP of too many items");
      if (absl::Status s = requireValues(st, in, in.arg + 1); !s.ok()) return s;
      Value* keys = pop();
      const ir::Instr* def = keys->def;
      if (def == nullptr || def->op != Op::kConst || def->const_value.kind != Constant::Kind::kTuple ||
          def->const_value.items.size() != in.arg)
        return malformed(in.offset, "BUILD_CONST_KEY_MAP without a constant tuple of its keys");
      std::vector<Constant> key_values = def->const_value.items;
      std::vector<Value*> values(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      std::vector<Value*> items;
      for (uint32_t k = 0; k < in.arg; ++k) {
        items.push_back(constant(key_values[k], in));
        items.push_back(values[k]);
      }
      push(emit(Op::kBuildMap, std::move(items), in)->result.get());
      break;
    }
    case Form::kMapAdd: {  // {k: v for ...}: the dict stays on the stack under the loop's iterator
      if (in.arg < 1) return malformed(in.offset, "MAP_ADD arg must be at least 1");
      if (absl::Status s = requireValues(st, in, in.arg + 2); !s.ok()) return s;
      Value* value = pop();
      Value* key = pop();
      Value* dict = st.stack[st.stack.size() - in.arg];
      emit(Op::kSetItem, {dict, key, value}, in);
      break;
    }
    // sets: {a, b} is set((a, b)); SET_ADD / SET_UPDATE are s.add(x) /
    // s.update(x) on the set left on the stack.
    case Form::kBuildSet: {
      if (in.arg > kMaxUnpack) return malformed(in.offset, "BUILD_SET of too many items");
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      std::vector<Value*> items(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      ir::Instr* set = emit(Op::kLoadGlobal, {}, in);
      set->name = ir::kSetBuiltin;
      std::vector<Value*> args{set->result.get()};
      if (!items.empty()) args.push_back(emit(Op::kBuildTuple, std::move(items), in)->result.get());
      push(emit(Op::kCall, std::move(args), in)->result.get());
      break;
    }
    case Form::kSetAdd:
    case Form::kSetUpdate: {
      if (absl::Status s = requireValues(st, in, in.arg + 1); !s.ok()) return s;
      if (in.arg < 1) return malformed(in.offset, absl::StrCat(row.name, ": arg must be at least 1"));
      Value* item = pop();
      Value* set = st.stack[st.stack.size() - in.arg];
      ir::Instr* method = emit(Op::kGetAttr, {set}, in);
      method->name = row.form == Form::kSetAdd ? "add" : "update";
      emit(Op::kCall, {method->result.get(), item}, in);
      break;
    }
    case Form::kDeleteSubscr: {
      Value* index = pop();
      Value* obj = pop();
      emit(Op::kDelItem, {obj, index}, in);
      break;
    }
    case Form::kStoreSubscr: {
      Value* index = pop();
      Value* obj = pop();
      Value* value = pop();
      emit(Op::kSetItem, {obj, index, value}, in);
      break;
    }
    case Form::kStoreAttr: {  // records: r.x = v is setitem(r, 'x', v) marked by its name
      if (absl::Status s = checkIndex(in, in.arg, code_.names.size(), "name"); !s.ok()) return s;
      Value* obj = pop();
      Value* value = pop();
      Constant name;
      name.kind = Constant::Kind::kStr;
      name.s = code_.names[in.arg];
      Value* index = constant(name, in);
      ir::Instr* i = emit(Op::kSetItem, {obj, index, value}, in);
      i->name = code_.names[in.arg];
      break;
    }
    case Form::kBuildSlice: {
      if (in.arg != 2 && in.arg != 3) return malformed(in.offset, "BUILD_SLICE takes 2 or 3 items");
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      Value* step = in.arg == 3 ? pop() : constant(Constant{}, in);
      Value* stop = pop();
      Value* start = pop();
      push(emit(Op::kBuildSlice, {start, stop, step}, in)->result.get());
      break;
    }
    case Form::kBinarySlice: {
      Value* stop = pop();
      Value* start = pop();
      Value* obj = pop();
      Value* slice = emit(Op::kBuildSlice, {start, stop, constant(Constant{}, in)}, in)->result.get();
      push(emit(Op::kGetItem, {obj, slice}, in)->result.get());
      break;
    }
    case Form::kStoreSlice: {
      Value* stop = pop();
      Value* start = pop();
      Value* obj = pop();
      Value* value = pop();
      Value* slice = emit(Op::kBuildSlice, {start, stop, constant(Constant{}, in)}, in)->result.get();
      emit(Op::kSetItem, {obj, slice, value}, in);
      break;
    }
    case Form::kYieldValue:  // generators: the yield expression's value is None
      push(emit(Op::kYield, {pop()}, in)->result.get());
      break;
    case Form::kGetIter:
      push(emit(Op::kGetIter, {pop()}, in)->result.get());
      break;
    case Form::kEndFor:
      pop();
      pop();
      break;
    case Form::kEndSend: {  // genpy: the result of yield from stays
      Value* result = pop();
      pop();
      push(result);
      break;
    }
    case Form::kKwNames: {
      if (absl::Status s = checkIndex(in, in.arg, code_.consts.size(), "constant"); !s.ok()) return s;
      const Constant& names = code_.consts[in.arg];
      if (names.kind != Constant::Kind::kTuple) return malformed(in.offset, "KW_NAMES: constant is not a tuple");
      std::vector<std::string> kw;
      for (const Constant& n : names.items) {
        if (n.kind != Constant::Kind::kStr) return malformed(in.offset, "KW_NAMES: a name is not a str");
        kw.push_back(n.s);
      }
      kwnames_ = std::move(kw);
      break;
    }
    case Form::kCall: {
      // Stack: [X, Y, args...]. X NULL: Y is the callee; else X is, with Y as self.
      if (st.stack.size() < static_cast<size_t>(in.arg) + 2) return malformed(in.offset, "CALL: stack underflow");
      if (absl::Status s = requireValues(st, in, in.arg); !s.ok()) return s;
      std::vector<Value*> args(st.stack.end() - in.arg, st.stack.end());
      st.stack.resize(st.stack.size() - in.arg);
      Value* y = pop();
      Value* x = pop();
      if (!y) return malformed(in.offset, "CALL: no callable on the stack");
      std::vector<Value*> operands;
      if (x) {
        operands = {x, y};
      } else {
        operands = {y};
      }
      operands.insert(operands.end(), args.begin(), args.end());
      std::vector<std::string> kw = kwnames_.value_or(std::vector<std::string>{});
      kwnames_.reset();
      if (kw.size() > args.size()) return malformed(in.offset, "CALL: more keyword names than arguments");
      ir::Instr* i = emit(Op::kCall, std::move(operands), in);
      i->kwnames = std::move(kw);
      push(i->result.get());
      break;
    }
    case Form::kMakeCell:
    case Form::kCopyFreeVars:
      if (row.form == Form::kMakeCell)
        if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "cell"); !s.ok()) return s;
      break;  // a cell is its slot's value; free slots are set at entry
    case Form::kLoadClosure:
    case Form::kLoadDeref:
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "cell"); !s.ok()) return s;
      if (row.form == Form::kLoadDeref && inCell(in.arg)) {  // pycells: cell[0]
        Constant zero_value;
        zero_value.kind = Constant::Kind::kInt;
        Value* zero = constant(std::move(zero_value), in);
        push(emit(Op::kGetItem, {localOrUndef(st, in.arg), zero}, in)->result.get());
        break;
      }
      if (isFreeSlot(in.arg) && !nested_) {
        push(derefValue(st, in.arg, in));
        break;
      }
      push(readLocal(st, in.arg, in, /*capture=*/row.form == Form::kLoadClosure));  // pysub4:
      break;
    case Form::kStoreDeref:
      if (absl::Status s = checkIndex(in, in.arg, st.locals.size(), "cell"); !s.ok()) return s;
      if (inCell(in.arg)) {  // pycells: the cell keeps the value, the slot keeps the cell
        Value* v = pop();
        storeCell(localOrUndef(st, in.arg), v, in);
        break;
      }
      st.locals[in.arg] = pop();  // checkCaptures refused a store to a free slot
      break;
    case Form::kMakeFunction:
      if (absl::Status s = makeFunction(in, st); !s.ok()) return s;
      break;
    case Form::kListToTuple:  // tuples:
      if (absl::Status s = listToTuple(in, st); !s.ok()) return s;
      break;
    case Form::kCallFunctionEx:
      if (absl::Status s = callFunctionEx(in, st); !s.ok()) return s;
      break;
    case Form::kUnpackEx:
      if (absl::Status s = unpackEx(in, st); !s.ok()) return s;
      break;
    case Form::kUnsupported:
      // Named as the user wrote it ("a list literal"), never by opcode.
      return unsupported(in, absl::StrCat("unsupported Python construct: ", row.construct));
    case Form::kForIter:
    case Form::kSend:  // genpy:
    case Form::kJump:
    case Form::kPopJumpIfFalse:
    case Form::kPopJumpIfTrue:
    case Form::kPopJumpIfNone:
    case Form::kPopJumpIfNotNone:
    case Form::kJumpIfFalseOrPop:
    case Form::kJumpIfTrueOrPop:
    case Form::kReturnValue:
    case Form::kReturnConst:
    case Form::kRaiseVarargs:
    case Form::kReraise:
      return absl::InternalError(absl::StrCat(row.name, " in the middle of a basic block"));
  }
  if (row.pops != kVaries && row.pushes != kVaries &&
      st.stack.size() != depth_before - row.pops + row.pushes)
    return absl::InternalError(absl::StrCat("stack effect of ", row.name, " disagrees with its table row"));
  return absl::OkStatus();
}

absl::Status SsaBuilder::terminate(size_t b, const Instruction& last, FrameState& st) {
  const std::vector<int>& succs = cfg_.blocks[b].succs;
  const Form form = last.form();
  if (flowOf(form) == Flow::kNext) {
    if (absl::Status s = step(last, st); !s.ok()) return s;
    end_handling_ = st.handling;  // the block may end with PUSH_EXC_INFO or POP_EXCEPT
    ir::Instr* j = emit(Op::kJump, {}, last);
    j->succs.resize(1);
    return setEdge(j, 0, succs.at(0), std::move(st));
  }
  const OpcodeRow& row = *last.row;
  if (row.pops != kVaries)
    if (absl::Status s = requireValues(st, last, row.pops); !s.ok()) return s;
  // Successor indices in the IR terminator, by CFG edge: 0 fall-through, 1 target.
  auto branch = [&](Value* cond, bool true_is_target, const FrameState& fall, const FrameState& jump) {
    ir::Instr* t = emit(Op::kBranch, {cond}, last);
    t->succs.resize(2);
    const size_t fall_succ = true_is_target ? 1 : 0;
    if (absl::Status s = setEdge(t, fall_succ, succs.at(0), fall); !s.ok()) return s;
    return setEdge(t, 1 - fall_succ, succs.at(1), jump);
  };
  switch (form) {
    case Form::kJump: {
      ir::Instr* j = emit(Op::kJump, {}, last);
      j->succs.resize(1);
      return setEdge(j, 0, succs.at(0), std::move(st));
    }
    case Form::kPopJumpIfFalse:
    case Form::kPopJumpIfTrue: {
      Value* v = st.stack.back();
      st.stack.pop_back();
      Value* t = emit(Op::kTruth, {v}, last)->result.get();
      return branch(t, form == Form::kPopJumpIfTrue, st, st);
    }
    case Form::kPopJumpIfNone:
    case Form::kPopJumpIfNotNone: {
      Value* v = st.stack.back();
      st.stack.pop_back();
      ir::Instr* c = emit(Op::kCompare, {v, constant(Constant{}, last)}, last);
      c->compare_op = ir::CompareOp::kIs;
      return branch(c->result.get(), form == Form::kPopJumpIfNone, st, st);
    }
    case Form::kJumpIfFalseOrPop:
    case Form::kJumpIfTrueOrPop: {
      if (absl::Status s = requireValues(st, last, 1); !s.ok()) return s;
      // The jump keeps the tested value on the stack; falling through pops it.
      FrameState fall = st;
      fall.stack.pop_back();
      Value* t = emit(Op::kTruth, {st.stack.back()}, last)->result.get();
      return branch(t, form == Form::kJumpIfTrueOrPop, fall, st);
    }
    case Form::kForIter: {
      if (absl::Status s = requireValues(st, last, 1); !s.ok()) return s;
      ir::Instr* f = emit(Op::kForIter, {st.stack.back()}, last);
      f->succs.resize(2);
      FrameState body = st;
      body.stack.push_back(f->result.get());
      FrameState done = std::move(st);
      done.stack.pop_back();
      if (absl::Status s = setEdge(f, 0, succs.at(0), std::move(body)); !s.ok()) return s;
      return setEdge(f, 1, succs.at(1), std::move(done));
    }
    case Form::kSend: {  // genpy: yield from: the value sent is always None (send() is not supported)
      if (absl::Status s = requireValues(st, last, 2); !s.ok()) return s;
      st.stack.pop_back();
      Value* none = constant(Constant{}, last);  // `return value` in a generator is refused
      ir::Instr* f = emit(Op::kForIter, {st.stack.back()}, last);
      f->succs.resize(2);
      FrameState body = st;
      body.stack.push_back(f->result.get());
      FrameState done = std::move(st);
      if (table_.send_keeps_iterator) done.stack.push_back(none);  // 3.12: END_SEND pops the iterator
      else done.stack.back() = none;
      if (absl::Status s = setEdge(f, 0, succs.at(0), std::move(body)); !s.ok()) return s;
      return setEdge(f, 1, succs.at(1), std::move(done));
    }
    case Form::kReturnValue:
      emit(Op::kReturn, {st.stack.back()}, last);
      return absl::OkStatus();
    case Form::kReturnConst:
      if (absl::Status s = checkIndex(last, last.arg, code_.consts.size(), "constant"); !s.ok()) return s;
      emit(Op::kReturn, {constant(code_.consts[last.arg], last)}, last);
      return absl::OkStatus();
    case Form::kReraise:
      emit(Op::kReraise, {}, last);
      return absl::OkStatus();
    case Form::kRaiseVarargs: {
      // exceptions: a bare raise re-raises inside an except handler (whose
      // body the exception table covers with a cleanup that keeps lasti).
      if (last.arg == 0 && cfg_.blocks[b].handler >= 0 && cfg_.blocks[b].handler_lasti) {
        emit(Op::kReraise, {}, last);
        return absl::OkStatus();
      }
      if (last.arg == 0 && cfg_.blocks[b].handler >= 0)  // inside try (as Numba)
        return unsupported(last, "The re-raising of an exception is not yet supported.");
      if (last.arg == 0) {  // the exception the caller is handling
        emit(Op::kReraise, {}, last)->name = "active";
        return absl::OkStatus();
      }
      if (last.arg == 2) return unsupported(last, "raise ... from ... is not supported");
      if (last.arg != 1) return malformed(last.offset, "RAISE_VARARGS: arg must be 0, 1 or 2");
      if (absl::Status s = requireValues(st, last, 1); !s.ok()) return s;
      Value* exc = st.stack.back();
      ir::Instr* r = emit(Op::kRaise, {exc}, last);
      // The class, when the source names it: `raise E` or `raise E(...)`.
      const ir::Instr* d = exc->def;
      if (d && d->op == Op::kCall && !d->operands.empty()) d = d->operands[0]->def;
      if (d && d->op == Op::kLoadGlobal) r->name = d->name;
      return absl::OkStatus();
    }
    case Form::kNop:
    case Form::kExtendedArg:
    case Form::kPopTop:
    case Form::kPushNull:
    case Form::kCopy:
    case Form::kSwap:
    case Form::kLoadConst:
    case Form::kLoadFast:
    case Form::kLoadFastAndClear:
    case Form::kStoreFast:
    case Form::kLoadGlobal:
    case Form::kLoadAssertionError:
    case Form::kPushExcInfo:
    case Form::kCheckExcMatch:
    case Form::kPopExcept:
    case Form::kDeleteFast:
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
    case Form::kBuildList:  // lists
    case Form::kListAppend:
    case Form::kListExtend:
    case Form::kBuildTuple:
    case Form::kFormatValue:  // strings
    case Form::kBuildString:
    case Form::kBuildMap:  // dicts:
    case Form::kBuildConstKeyMap:
    case Form::kDeleteSubscr:
    case Form::kMapAdd:
    case Form::kBuildSet:  // sets:
    case Form::kSetAdd:
    case Form::kSetUpdate:
    case Form::kUnpackSequence:
    case Form::kBinarySubscr:
    case Form::kStoreSubscr:
    case Form::kStoreAttr:  // records:
    case Form::kBuildSlice:
    case Form::kBinarySlice:
    case Form::kStoreSlice:
    case Form::kGetIter:
    case Form::kYieldValue:  // generators:
    case Form::kEndFor:
    case Form::kEndSend:  // genpy:
    case Form::kKwNames:
    case Form::kCall:
    case Form::kMakeCell:
    case Form::kCopyFreeVars:
    case Form::kLoadClosure:
    case Form::kLoadDeref:
    case Form::kStoreDeref:
    case Form::kMakeFunction:
    case Form::kListToTuple:  // tuples:
    case Form::kCallFunctionEx:
    case Form::kUnpackEx:
    case Form::kUnsupported:
      break;
  }
  return absl::InternalError(absl::StrCat(row.name, " does not end a block"));
}

// closures:
void SsaBuilder::buildSlots() { slotNames(code_, &slot_names_, &first_free_); }

// Captures are by value (see ssa_builder.h), which is Python's meaning only
// when every assignment to a captured variable comes before the closures
// that capture it, and no closure made in one iteration of a loop can see a
// later iteration's assignment. Anything else lives in a cell (pycells:
// cells_) or is refused here: a recursive inner function.
absl::Status SsaBuilder::checkCaptures() const {
  auto name = [&](size_t slot) { return slot < slot_names_.size() ? slot_names_[slot] : std::string("?"); };
  for (const CaptureFinding& f : scanCaptures(cfg_.instrs, slot_names_.size(), first_free_)) {
    const Instruction& st = *f.store;
    switch (f.kind) {
      case CaptureFinding::kNonlocalStore:
        if (inCell(f.slot)) continue;
        return unsupported(st, absl::StrCat("assigning to the captured variable '", name(f.slot),
                                            "' (nonlocal) is not supported"));
      case CaptureFinding::kRecursive:
        // pyrest: Numba's words first; the client raises this refusal as
        // an UnsupportedError that is also a NotImplementedError, as Numba's
        // (kiln/errors.py, NOT_IMPLEMENTED_PREFIXES)
        return unsupported(st, absl::StrCat("Unsupported use of op_LOAD_CLOSURE encountered: the inner function '",
                                            name(f.slot),
                                            "' calls itself: a recursive inner function is not supported"));
      case CaptureFinding::kAfterCapture:
        if (inCell(f.slot)) continue;
        return unsupported(st, absl::StrCat("the variable '", name(f.slot),
                                            "' is assigned after an inner function captures it (line ",
                                            f.capture_line,
                                            "); kiln captures values, not variables: assign it before the inner "
                                            "function is defined"));
      case CaptureFinding::kInLoop:
        if (inCell(f.slot)) continue;
        return unsupported(st, absl::StrCat("the variable '", name(f.slot),
                                            "' is assigned in a loop that keeps an inner function capturing it "
                                            "(line ", f.capture_line, "); kiln captures values, not variables"));
    }
  }
  return absl::OkStatus();
}

// pycells: a cell variable kept in a cell is a one-item list made at entry
// (holding the argument, for a captured parameter); a free variable in a
// cell arrives as that list.
void SsaBuilder::makeCells(FrameState& initial) {
  for (size_t k = 0; k < first_free_; ++k) {
    if (!inCell(k)) continue;
    std::vector<Value*> items;
    if (initial.locals[k]) items.push_back(initial.locals[k]);
    ir::Instr* list = fn_->append(entry_, Op::kBuildList, std::move(items), code_.firstlineno);
    list->result->debug_name = slot_names_[k];
    initial.locals[k] = list->result.get();
  }
}

void SsaBuilder::storeCell(Value* cell, Value* v, const Instruction& in) {
  for (const char* method : {"clear", "append"}) {
    ir::Instr* m = emit(Op::kGetAttr, {cell}, in);
    m->name = method;
    std::vector<Value*> operands = {m->result.get()};
    if (method[0] == 'a') operands.push_back(v);
    emit(Op::kCall, std::move(operands), in);
  }
}

Value* SsaBuilder::derefValue(const FrameState& st, size_t slot, const Instruction& in) {
  if (isFreeSlot(slot) && !nested_) {  // a factory's closure: frozen in the bundle's globals
    ir::Instr* i = emit(Op::kLoadGlobal, {}, in);
    i->name = slot_names_[slot];
    return i->result.get();
  }
  return localOrUndef(st, slot);
}

absl::Status SsaBuilder::makeFunction(const Instruction& in, FrameState& st) {
  constexpr uint32_t kDefaults = 0x01, kKwDefaults = 0x02, kAnnotations = 0x04, kClosure = 0x08;
  if (in.arg & ~(kDefaults | kKwDefaults | kAnnotations | kClosure))
    return malformed(in.offset, "MAKE_FUNCTION: unknown flags");
  if (in.arg & kAnnotations) return unsupported(in, "annotations on an inner function or lambda are not supported");
  if (in.arg & kKwDefaults)
    return unsupported(in, "defaults of keyword-only parameters on an inner function or lambda are not supported");
  const size_t n = 1 + ((in.arg & kClosure) != 0) + ((in.arg & kDefaults) != 0);
  if (absl::Status s = requireValues(st, in, n); !s.ok()) return s;
  Value* code = st.stack.back();
  st.stack.pop_back();
  ir::Instr* def = code->def;
  if (!def || def->op != Op::kConst || def->const_value.kind != Constant::Kind::kCode)
    return malformed(in.offset, "MAKE_FUNCTION of a value that is not a code constant");
  const int32_t index = static_cast<int32_t>(def->const_value.i);
  // The code constant has no value of its own at run time: drop it when it
  // was the instruction just before (as CPython always emits it).
  // (Only when nothing else holds it: hand-made bytecode may have copied it.)
  const bool held = std::find(st.stack.begin(), st.stack.end(), code) != st.stack.end() ||
                    std::find(st.locals.begin(), st.locals.end(), code) != st.locals.end();
  if (!held && !cur_->instrs.empty() && cur_->instrs.back().get() == def) cur_->instrs.pop_back();
  Value* closure = nullptr;
  if (in.arg & kClosure) {
    closure = st.stack.back();
    st.stack.pop_back();
  } else {
    closure = emit(Op::kBuildTuple, {}, in)->result.get();
  }
  Value* defaults = nullptr;
  if (in.arg & kDefaults) {
    defaults = st.stack.back();
    st.stack.pop_back();
  } else {
    defaults = emit(Op::kBuildTuple, {}, in)->result.get();
  }
  ir::Instr* f = emit(Op::kMakeFunction, {closure, defaults}, in);
  f->index = index;
  st.stack.push_back(f->result.get());
  return absl::OkStatus();
}

// litcont: a list literal of three or more constants is BUILD_LIST 0,
// LOAD_CONST of their tuple, LIST_EXTEND. When the empty list was built in
// this block and nothing used it since, it becomes one build_list of the
// constants, as a literal of fewer items is, so that typing sees the items
// (a LiteralList when they have no common type). True when folded.
bool SsaBuilder::foldConstantList(Value* list, Value* items, const Instruction& in, FrameState& st) {
  ir::Instr* def = list->def;
  const ir::Instr* c = items->def;
  if (!def || def->op != Op::kBuildList || !def->operands.empty() || def->parent != cur_ || !c ||
      c->op != Op::kConst || c->const_value.kind != Constant::Kind::kTuple || c->const_value.items.size() > kMaxUnpack)
    return false;
  auto& instrs = cur_->instrs;
  auto at = std::find_if(instrs.begin(), instrs.end(), [&](const auto& x) { return x.get() == def; });
  if (at == instrs.end()) return false;
  for (auto k = at + 1; k != instrs.end(); ++k)
    if (std::find((*k)->operands.begin(), (*k)->operands.end(), list) != (*k)->operands.end()) return false;
  auto slot = std::find(st.stack.begin(), st.stack.end(), list);
  if (slot == st.stack.end() || std::find(slot + 1, st.stack.end(), list) != st.stack.end()) return false;
  std::vector<Constant> values = c->const_value.items;
  instrs.erase(at);
  std::vector<Value*> operands;
  for (const Constant& v : values) operands.push_back(constant(v, in));
  *slot = emit(Op::kBuildList, std::move(operands), in)->result.get();
  return true;
}

// tuples: (a, *t, b) is BUILD_LIST, LIST_APPEND/LIST_EXTEND per piece, then
// LIST_TO_TUPLE. When the list was built in this block and nothing but
// those appends and extends touched it, it is folded away into tuple
// concatenation, (a,) + t + (b,), whose lengths typing knows. A list built
// across branches (a conditional expression among the items) is refused.
absl::Status SsaBuilder::listToTuple(const Instruction& in, FrameState& st) {
  if (absl::Status s = requireValues(st, in, 1); !s.ok()) return s;
  Value* list = st.stack.back();
  st.stack.pop_back();
  ir::Instr* def = list->def;
  auto refuse = [&] {
    return unsupported(in, "unsupported Python construct: star-unpacking (*x) in a tuple built across branches "
                           "(a conditional expression among its items: the list the tuple is built in reaches "
                           "op_LIST_EXTEND at the start of a block)");
  };
  if (!def || def->op != Op::kBuildList || def->parent != cur_) return refuse();
  auto& instrs = cur_->instrs;
  size_t at = 0;
  while (at < instrs.size() && instrs[at].get() != def) ++at;
  if (at == instrs.size()) return refuse();
  struct Piece {
    Value* v;
    bool starred;
  };
  std::vector<Piece> pieces;
  for (Value* item : def->operands) pieces.push_back({item, false});
  std::vector<const ir::Instr*> dead = {def};
  for (size_t k = at + 1; k < instrs.size(); ++k) {
    ir::Instr* x = instrs[k].get();
    if (std::find(x->operands.begin(), x->operands.end(), list) == x->operands.end()) continue;
    const bool method = x->op == Op::kGetAttr &&
                        std::find(list_methods_.begin(), list_methods_.end(), x) != list_methods_.end();
    // LIST_APPEND/LIST_EXTEND emit the getattr and its call one after the other.
    if (!method || k + 1 >= instrs.size()) return refuse();
    ir::Instr* call = instrs[k + 1].get();
    if (call->op != Op::kCall || call->operands.size() != 2 || call->operands[0] != x->result.get())
      return refuse();
    pieces.push_back({call->operands[1], x->name == "extend"});
    dead.push_back(x);
    dead.push_back(call);
    ++k;
  }
  std::erase_if(instrs, [&](const std::unique_ptr<ir::Instr>& i) {
    return std::find(dead.begin(), dead.end(), i.get()) != dead.end();
  });
  Value* out = nullptr;
  std::vector<Value*> run;
  auto append = [&](Value* tuple) {
    if (!out) {
      out = tuple;
      return;
    }
    ir::Instr* add = emit(Op::kBinOp, {out, tuple}, in);
    add->binary_op = ir::BinaryOp::kAdd;
    out = add->result.get();
  };
  auto flush = [&] {
    if (run.empty() && out) return;
    append(emit(Op::kBuildTuple, run, in)->result.get());
    run.clear();
  };
  for (const Piece& p : pieces) {
    if (!p.starred) {
      run.push_back(p.v);
      continue;
    }
    flush();  // starts with a tuple, so that (*x,) of a non-tuple is refused by typing
    append(p.v);
  }
  flush();
  st.stack.push_back(out);
  return absl::OkStatus();
}

// tuples: f(*t), f(a, *t), f(*t, k=v). CPython passes one tuple of the
// positional arguments (and a dict of the keyword ones). A tuple the
// bytecode builds is passed item by item; any other tuple becomes a call
// whose keyword names start with "*" for it: typing spreads its items once
// it knows the tuple's type.
absl::Status SsaBuilder::callFunctionEx(const Instruction& in, FrameState& st) {
  if (in.arg > 1) return malformed(in.offset, "CALL_FUNCTION_EX: unknown flags");
  const size_t n = 3 + (in.arg & 1);
  if (st.stack.size() < n) return malformed(in.offset, "CALL_FUNCTION_EX: stack underflow");
  if (absl::Status s = requireValues(st, in, n - 1); !s.ok()) return s;
  std::vector<std::string> kw;
  std::vector<Value*> kw_values;
  Value* kwargs = nullptr;
  if (in.arg & 1) {
    kwargs = st.stack.back();
    st.stack.pop_back();
    const ir::Instr* d = kwargs->def;
    bool literal = d && d->op == Op::kBuildMap;
    for (size_t k = 0; literal && k + 1 < d->operands.size(); k += 2) {
      const ir::Instr* key = d->operands[k]->def;
      literal = key && key->op == Op::kConst && key->const_value.kind == Constant::Kind::kStr;
      if (literal) {
        kw.push_back(key->const_value.s);
        kw_values.push_back(d->operands[k + 1]);
      }
    }
    if (!literal) return unsupported(in, "unsupported Python construct: **-arguments in a call (f(**kw))");
  }
  Value* args = st.stack.back();
  st.stack.pop_back();
  Value* callee = st.stack.back();
  st.stack.pop_back();
  if (st.stack.back() != nullptr) return malformed(in.offset, "CALL_FUNCTION_EX without the NULL below the callee");
  st.stack.pop_back();
  std::vector<Value*> operands = {callee};
  const ir::Instr* d = args->def;
  if (d && d->op == Op::kBuildTuple) {
    operands.insert(operands.end(), d->operands.begin(), d->operands.end());
  } else {
    operands.push_back(args);
    kw.insert(kw.begin(), "*");
  }
  operands.insert(operands.end(), kw_values.begin(), kw_values.end());
  // The dict of keyword arguments, and the tuple spread here, are not made.
  auto dropIfUnused = [&](Value* v) {
    if (!v->def || v->def->parent != cur_) return;
    if (std::find(st.stack.begin(), st.stack.end(), v) != st.stack.end() ||
        std::find(st.locals.begin(), st.locals.end(), v) != st.locals.end())
      return;
    for (const auto& x : cur_->instrs)
      if (std::find(x->operands.begin(), x->operands.end(), v) != x->operands.end()) return;
    const ir::Instr* def = v->def;
    std::erase_if(cur_->instrs, [&](const std::unique_ptr<ir::Instr>& x) { return x.get() == def; });
  };
  if (in.arg & 1) dropIfUnused(kwargs);
  if (d && d->op == Op::kBuildTuple) dropIfUnused(args);
  ir::Instr* i = emit(Op::kCall, std::move(operands), in);
  i->kwnames = std::move(kw);
  st.stack.push_back(i->result.get());
  return absl::OkStatus();
}

// tuples: a, *rest, b = t. The items around the star are unpacks marked
// with a negative count (at least -count items; a negative index counts
// from the end), which typing accepts of tuples only; rest is
// list(t[before:len - after]), a list as in Python.
absl::Status SsaBuilder::unpackEx(const Instruction& in, FrameState& st) {
  if (absl::Status s = requireValues(st, in, 1); !s.ok()) return s;
  const uint32_t before = in.arg & 0xff, after = in.arg >> 8;
  if (before + after > kMaxUnpack) return malformed(in.offset, "UNPACK_EX of too many items");
  Value* seq = st.stack.back();
  st.stack.pop_back();
  const int32_t count = -static_cast<int32_t>(before + after);
  auto item = [&](int32_t index) {
    ir::Instr* i = emit(Op::kUnpack, {seq}, in);
    i->index = index;
    i->count = count;
    return i->result.get();
  };
  auto integer = [&](int64_t v) {
    Constant c;
    c.kind = Constant::Kind::kInt;
    c.i = v;
    return constant(c, in);
  };
  std::vector<Value*> items;
  for (uint32_t k = 0; k < before; ++k) items.push_back(item(static_cast<int32_t>(k)));
  // Bounds checked by the unpacks above (typing) before the slice is taken.
  Value* stop = after ? integer(-static_cast<int64_t>(after)) : constant(Constant{}, in);
  Value* slice = emit(Op::kBuildSlice, {integer(before), stop, constant(Constant{}, in)}, in)->result.get();
  Value* middle = emit(Op::kGetItem, {seq, slice}, in)->result.get();
  ir::Instr* list = emit(Op::kLoadGlobal, {}, in);
  list->name = "builtins.list";
  items.push_back(emit(Op::kCall, {list->result.get(), middle}, in)->result.get());
  for (uint32_t k = 0; k < after; ++k) items.push_back(item(-static_cast<int32_t>(after - k)));
  for (size_t k = items.size(); k-- > 0;) st.stack.push_back(items[k]);  // item 0 on top
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ir::Function>> buildSsa(const compiler::CodeObject& code, const Cfg& cfg,
                                                       const OpcodeTable& table, bool nested,
                                                       const std::set<std::string>& cells,
                                                       const std::map<std::string, std::string>& declared) {
  if (cfg.blocks.empty()) return absl::InvalidArgumentError("malformed bytecode: no blocks");
  return SsaBuilder(code, cfg, table, nested, cells, declared).build();
}

CaptureFacts captureFacts(const compiler::CodeObject& code, const Cfg& cfg) {
  CaptureFacts facts;
  std::vector<std::string> slots;
  size_t first_free = 0;
  slotNames(code, &slots, &first_free);
  for (const CaptureFinding& f : scanCaptures(cfg.instrs, slots.size(), first_free)) {
    if (f.kind == CaptureFinding::kNonlocalStore) facts.nonlocal_stores.insert(slots[f.slot]);
    else if (f.kind != CaptureFinding::kRecursive) facts.assigned_after_capture.insert(slots[f.slot]);
  }
  return facts;
}

}  // namespace kiln::frontend
