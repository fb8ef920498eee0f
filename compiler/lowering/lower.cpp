#include "compiler/lowering/lower.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"  // realcode5: instanceFastMath
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/library_code.h"  // pyrest:
#include "compiler/lowering/lower_buffers.h"  // buffers:
#include "compiler/typing/array_ctypes.h"  // pysub4:
#include "compiler/typing/rules_buffers.h"  // buffers:
#include "compiler/typing/rules_cuda.h"  // cuda:
#include "compiler/transforms/refcount_prune.h"
#include "compiler/typing/format_spec.h"  // format: optionalStrEquality
#include "compiler/typing/parallel_loops.h"  // prange: loopBody
#include "compiler/typing/rules.h"
#include "kiln_abi.h"  // pyvals: KilnSlice
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::lowering {

using ir::Op;
using typing::Kind;

namespace {

llvm::FunctionType* bodyType(llvm::LLVMContext& ctx, const typing::Instance& inst) {
  std::vector<llvm::Type*> params = {llvm::PointerType::getUnqual(ctx), llvm::PointerType::getUnqual(ctx)};
  for (const typing::Type* t : inst.arg_types) params.push_back(valueType(ctx, t));
  return llvm::FunctionType::get(llvm::Type::getInt32Ty(ctx), params, false);
}

// Blocks in reverse post-order from the entry, so every definition is
// lowered before its uses.
std::vector<const ir::Block*> reversePostOrder(const ir::Function& f) {
  std::vector<const ir::Block*> order;
  std::set<const ir::Block*> seen;
  std::function<void(const ir::Block*)> visit = [&](const ir::Block* b) {
    if (!seen.insert(b).second) return;
    if (const ir::Instr* t = b->terminator())
      for (auto it = t->succs.rbegin(); it != t->succs.rend(); ++it) visit(it->target);
    order.push_back(b);
  };
  visit(f.blocks[0].get());
  return {order.rbegin(), order.rend()};
}

}  // namespace

llvm::Value* FunctionLowering::value(const ir::Value* v) {
  auto it = values_.find(v);
  if (it != values_.end()) return it->second;
  return llvm::PoisonValue::get(valueType(ctx_, v->type));
}

llvm::Value* FunctionLowering::converted(const ir::Value* v, const typing::Type* to) {
  return convert(b_, value(v), v->type, to);
}

llvm::AllocaInst* FunctionLowering::entryAlloca(llvm::Type* t, const char* name) {
  llvm::IRBuilder<> eb(alloca_block_, alloca_block_->begin());
  return eb.CreateAlloca(t, nullptr, name);
}

llvm::Function* FunctionLowering::libm(const std::string& name, int nargs) {
  llvm::Type* d = b_.getDoubleTy();
  std::vector<llvm::Type*> params(nargs, d);
  llvm::FunctionCallee f = mod_.getOrInsertFunction(name, llvm::FunctionType::get(d, params, false));
  auto* fn = llvm::cast<llvm::Function>(f.getCallee());
  fn->setDoesNotThrow();
  return fn;
}

llvm::Function* FunctionLowering::intrinsic(llvm::Intrinsic::ID id, llvm::Type* t) {
  return llvm::Intrinsic::getDeclaration(&mod_, id, {t});
}

void FunctionLowering::raiseNow(KilnErrorKind kind, const std::string& message) {
  storeError(kind, message, "", false);
  leaveWithError(b_.getInt32(kind));
}

void FunctionLowering::raiseIf(llvm::Value* bad, KilnErrorKind kind, const std::string& message) {
  llvm::BasicBlock* raise_bb = llvm::BasicBlock::Create(ctx_, "raise", fn_);
  llvm::BasicBlock* ok_bb = llvm::BasicBlock::Create(ctx_, "ok", fn_);
  b_.CreateCondBr(bad, raise_bb, ok_bb, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(raise_bb);
  raiseNow(kind, message);
  b_.SetInsertPoint(ok_bb);
}

llvm::Value* FunctionLowering::constant(const compiler::Constant& c, const typing::Type* t) {
  using K = compiler::Constant::Kind;
  if (t && t->kind == Kind::kEnumMember) return constant(c, t->items[0]);  // enums: a member is its value
  switch (c.kind) {
    case K::kBool: return b_.getInt1(c.b);
    case K::kInt: return b_.getInt64(static_cast<uint64_t>(c.i));
    case K::kFloat: return llvm::ConstantFP::get(b_.getDoubleTy(), c.f);
    case K::kComplex: {
      llvm::Type* d = b_.getDoubleTy();
      return llvm::ConstantStruct::get(llvm::StructType::get(ctx_, {d, d}),
                                       {llvm::ConstantFP::get(d, c.f), llvm::ConstantFP::get(d, c.imag)});
    }
    case K::kTuple: {
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, t));
      for (unsigned k = 0; k < c.items.size(); ++k)
        out = b_.CreateInsertValue(out, constant(c.items[k], t->items[k]), k);
      return out;
    }
    case K::kStr: return strConstant(c.s);  // strings
    case K::kArray:
      return arrayConstant(c, t);
    case K::kBytes: {  // charseq: a bytes literal, read-only bytes in the shared object (no meminfo)
      llvm::Constant* bytes = llvm::ConstantDataArray::getString(ctx_, c.s, /*AddNull=*/false);
      auto* gv = new llvm::GlobalVariable(*fn_->getParent(), bytes->getType(), /*isConstant=*/true,
                                          llvm::GlobalValue::PrivateLinkage, bytes, "kiln.bytes_constant");
      gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
      return bytesView(b_, gv, b_.getInt64(static_cast<int64_t>(c.s.size())));
    }
    case K::kNone:
    case K::kEllipsis:
    case K::kCode:
    case K::kBuiltin:  // npmisc: a class default holds no value, as a builtin global (kLoadGlobal)
      return b_.getInt8(0);
  }
  return b_.getInt8(0);
}

absl::StatusOr<llvm::Value*> FunctionLowering::call(const ir::Instr& i) {
  const typing::Type* callee = i.operands[0]->type;
  const typing::Type* result = i.result->type;
  switch (callee->kind) {
    case Kind::kBuiltin: {
      if (inst_.calls.count(&i)) goto bundle_function;  // pyfuncs: sorted(it, key=f) is written in Python
      if (result->kind == Kind::kStructRef && typing::isStructRefClass(callee->name))  // structref: the constructor
        return structRefNew(result, std::vector<const ir::Value*>(i.operands.begin() + 1, i.operands.end()));
      if (!i.resolution) return absl::InternalError(absl::StrCat("call of ", callee->str(), " without a resolution"));
      std::vector<const ir::Value*> args;
      for (int k : i.resolution->bound) args.push_back(k ? i.operands[k] : nullptr);  // npcreate: 0, a default
      return builtin(*i.resolution, args, result);
    }
    case Kind::kExceptionClass:
      return b_.getInt8(0);

    case Kind::kDType:
      if (const typing::Type* at = i.operands[1]->type; at->isArray()) {  // np0d: a 0-d array's element (typing)
        llvm::Value* data = b_.CreateExtractValue(value(i.operands[1]), kData);
        if (result->kind == Kind::kStr) return strFromUcs4Field(data, at->dtype()->index);  // chararrays: a new str
        return convert(b_, loadElement(data, at->dtype()), at->dtype(), result);
      }
      return converted(i.operands[1], result);
    case Kind::kList:  // lists: lowerList lowers their calls
      break;
    case Kind::kBoundMethod:
      if (inst_.calls.count(&i)) goto bundle_function;  // a method written in Python; overload: an overload_method's
      if (typing::isLiteralList(callee->items[0]) || typing::isLiteralStrKeyDict(callee->items[0]))  // litcont:
        return literalMethod(i, callee->items[0], value(i.operands[0]), callee->name, result);
      if (callee->items[0]->isNumber())  // complex: z.conjugate() (lower_complex.cpp)
        return numberPart(value(i.operands[0]), callee->items[0], callee->name, result);
      {
        if (!i.resolution) return absl::InternalError(absl::StrCat("call of ", callee->str(), " without a resolution"));
        std::vector<const ir::Value*> args;
        for (int k : i.resolution->bound) args.push_back(i.operands[k]);
        if (callee->items[0]->kind == Kind::kStr)  // strings
          return strMethod(i.resolution->id, value(i.operands[0]), args, result);
        if (callee->items[0]->kind == Kind::kDict)  // dicts:
          return dictMethod(i.resolution->id, callee->items[0], value(i.operands[0]), args, result);
        return arrayMethod(i.resolution->id, callee->items[0], value(i.operands[0]), args, result);
      }
    case Kind::kFunction:
    bundle_function: {
      auto it = inst_.calls.find(&i);
      if (it == inst_.calls.end()) return absl::InternalError("call without a binding");
      return bundleCall(i, it->second, callee, result);
    }
    case Kind::kFunctionSet: {  // pycells: the function the value holds, by its position
      auto it = inst_.set_calls.find(&i);
      if (it == inst_.set_calls.end() || it->second.size() != callee->items.size())
        return absl::InternalError("call of a function set without its bindings");
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "fnset.done", fn_);
      llvm::BasicBlock* none = llvm::BasicBlock::Create(ctx_, "fnset.none", fn_);
      llvm::SwitchInst* sw = b_.CreateSwitch(value(i.operands[0]), none, static_cast<unsigned>(callee->items.size()));
      std::vector<std::pair<llvm::Value*, llvm::BasicBlock*>> results;
      for (size_t k = 0; k < callee->items.size(); ++k) {
        llvm::BasicBlock* one = llvm::BasicBlock::Create(ctx_, "fnset.call", fn_);
        sw->addCase(b_.getInt64(k), one);
        b_.SetInsertPoint(one);
        absl::StatusOr<llvm::Value*> v = bundleCall(i, it->second[k], callee->items[k], result);
        if (!v.ok()) return v.status();
        results.push_back({*v, b_.GetInsertBlock()});
        b_.CreateBr(done);
      }
      b_.SetInsertPoint(none);
      b_.CreateUnreachable();
      b_.SetInsertPoint(done);
      llvm::PHINode* phi = b_.CreatePHI(valueType(ctx_, result), static_cast<unsigned>(results.size()));
      for (auto& [v, from] : results) phi->addIncoming(v, from);
      call_result_owned_ = true;
      return phi;
    }
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
    case Kind::kStr:
    case Kind::kTuple:
    case Kind::kRange:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
    case Kind::kModule:
    case Kind::kArray:
    case Kind::kSlice:
    case Kind::kDict:  // dicts:
    case Kind::kEllipsis:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:  // enums
    case Kind::kOptional:  // optional: unwrapped by typing
    case Kind::kRecord:  // records
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kTypeRef:  // typedempty: a type object is not called
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
    case Kind::kStructRef:  // structref: an instance is not callable
      break;
  }
  return absl::InternalError(absl::StrCat("call of ", callee->str(), " reached lowering"));
}

// A call of bundle function instance binding.target: its arguments bound
// as typing decided, its error propagated, its result converted.
absl::StatusOr<llvm::Value*> FunctionLowering::bundleCall(const ir::Instr& i, const typing::CallBinding& binding,
                                                         const typing::Type* callee, const typing::Type* result) {
  if (binding.intrinsic >= 0) return intrinsicCall(i, binding, result);
  const typing::Instance& target = *prog_.instances[binding.target];
  const compiler::Function& fn = prog_.bundle->functions[target.function_index];
  std::vector<llvm::Value*> args;
  llvm::AllocaInst* ret = entryAlloca(valueType(ctx_, target.ret), "ret");  // recret: a record: its pointer
  args.push_back(ret);
  args.push_back(err_ptr_);
  for (size_t q = 0; q < binding.source.size(); ++q) {
    int src = binding.source[q];
    if (static_cast<int>(q) == binding.varargs_param) {  // *args: the extra arguments as a tuple
      const typing::Type* tt = target.arg_types[q];
      llvm::Value* tup = llvm::PoisonValue::get(valueType(ctx_, tt));
      for (unsigned k = 0; k < binding.varargs.size(); ++k)
        tup = b_.CreateInsertValue(tup, converted(i.operands[binding.varargs[k]], tt->items[k]), k);
      args.push_back(tup);
    } else if (src >= 0) {
      args.push_back(converted(i.operands[src], target.arg_types[q]));
    } else if (binding.closure) {  // closures: a captured value or a default, borrowed from the closure
      const unsigned ncaptured = static_cast<unsigned>(callee->items[0]->items.size());
      const unsigned k = static_cast<unsigned>(-1 - src);
      const typing::Type* held = k < ncaptured ? callee->items[0]->items[k] : callee->items[1]->items[k - ncaptured];
      llvm::Value* item = b_.CreateExtractValue(value(i.operands[0]), {k < ncaptured ? 0u : 1u,
                                                                       k < ncaptured ? k : k - ncaptured});
      args.push_back(convert(b_, item, held, target.arg_types[q]));
    } else {
      const compiler::Constant& d = fn.defaultAt(static_cast<size_t>(-1 - src));
      args.push_back(constant(d, target.arg_types[q]));
    }
  }
  llvm::Value* status = b_.CreateCall(bodies_[binding.target], args);
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "propagate", fn_);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "returned", fn_);
  b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(0)), fail, ok,
                  llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(fail);
  if (compiler::leavesLibraryCode(*prog_.bundle, target.function_index, inst_.function_index)) {
    // pyrest: an exception raised inside Kiln's library code is shown at
    // the user's call into the library (its traceback frame), as a user
    // error met there while compiling is (typing/inference.cpp atUserCall).
    storeErrorFrame();
  }
  leaveWithError(status);
  b_.SetInsertPoint(ok);
  call_result_owned_ = true;  // the callee returns its references
  llvm::Value* v = b_.CreateLoad(valueType(ctx_, target.ret), ret);
  return convert(b_, v, target.ret, result);
}

void FunctionLowering::lowerEdge(const ir::Edge& e, llvm::BasicBlock* from_block, llvm::BasicBlock** dest) {
  llvm::BasicBlock* target = blocks_.at(e.target);
  std::vector<int> dying = dyingOnEdge(e.target);
  if (e.args.empty() && dying.empty()) {
    *dest = target;
    return;
  }
  // A block of its own per edge keeps phis simple when two edges of one
  // branch reach the same block; SimplifyCFG folds them away. On it, each
  // parameter holding arrays gets its own references, then the roots not
  // live into the target are released.
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  llvm::BasicBlock* edge = llvm::BasicBlock::Create(ctx_, "edge", fn_);
  b_.SetInsertPoint(edge);
  std::vector<llvm::Value*> vals;
  for (size_t k = 0; k < e.args.size(); ++k) {
    const ir::Value* prm = e.target->params[k].get();
    llvm::Value* v = convert(b_, value(e.args[k]), e.args[k]->type, prm->type);
    if (holdsRefs(prm->type) && !holdsRefs(e.args[k]->type)) v = llvm::Constant::getNullValue(v->getType());
    if (own_.root_of[prm->id] >= 0) retain(v, prm->type);  // recown: a joined record may be borrowed (ownership.h)
    vals.push_back(v);
  }
  for (int r : dying) release(values_.at(own_.roots[r]), own_.roots[r]->type);
  for (size_t k = 0; k < e.args.size(); ++k)
    llvm::cast<llvm::PHINode>(values_.at(e.target->params[k].get()))->addIncoming(vals[k], b_.GetInsertBlock());
  b_.CreateBr(target);
  *dest = edge;
}

absl::Status FunctionLowering::lowerInstr(const ir::Instr& i) {
  line_ = i.line;
  const typing::Type* rt = i.result ? i.result->type : nullptr;
  llvm::Value* v = nullptr;
  // overload: an attribute an overload_attribute gives is a call of its
  // implementation with the object (typing bound it so), whatever the object.
  if (auto call = i.op == Op::kGetAttr ? inst_.calls.find(&i) : inst_.calls.end(); call != inst_.calls.end()) {
    absl::StatusOr<llvm::Value*> r = bundleCall(i, call->second, nullptr, rt);
    if (!r.ok()) return r.status();
    values_[i.result.get()] = *r;
    return absl::OkStatus();
  }
  // lists: operations on lists (lower_lists.cpp).
  absl::StatusOr<bool> on_list = lowerList(i, &v);
  if (!on_list.ok()) return on_list.status();
  if (*on_list) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // sets: set(), their methods and operators (lower_sets.cpp).
  absl::StatusOr<bool> on_set = lowerSet(i, &v);
  if (!on_set.ok()) return on_set.status();
  if (*on_set) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // slices: slice objects' constructor, attributes and indices() (lower_slices.cpp).
  absl::StatusOr<bool> on_slice = lowerSlice(i, &v);
  if (!on_slice.ok()) return on_slice.status();
  if (*on_slice) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // print: print() (lower_print.cpp).
  absl::StatusOr<bool> on_print = lowerPrint(i, &v);
  if (!on_print.ok()) return on_print.status();
  if (*on_print) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // objmode: a with objmode() block run by the client (lower_print.cpp).
  absl::StatusOr<bool> on_objmode = lowerObjmode(i, &v);
  if (!on_objmode.ok()) return on_objmode.status();
  if (*on_objmode) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // native: a C function called by address (lower_native.cpp).
  absl::StatusOr<bool> on_native = lowerNative(i, &v);
  if (!on_native.ok()) return on_native.status();
  if (*on_native) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  // format: format(), repr(), ascii(), str.format (lower_format.cpp).
  absl::StatusOr<bool> on_format = lowerFormat(i, &v);
  if (!on_format.ok()) return on_format.status();
  if (*on_format) {
    if (i.result) values_[i.result.get()] = v;
    return absl::OkStatus();
  }
  switch (i.op) {
    case Op::kConst:
      v = constant(i.const_value, rt);
      break;
    case Op::kUndef:  // null meminfos, so that releasing it does nothing
      v = holdsRefs(rt) ? llvm::Constant::getNullValue(valueType(ctx_, rt))
                        : static_cast<llvm::Value*>(llvm::PoisonValue::get(valueType(ctx_, rt)));
      break;
    case Op::kLoadGlobal: {
      const compiler::GlobalRef* g = prog_.bundle->functions[inst_.function_index].global(i.name);
      v = (g && g->kind == compiler::GlobalRef::Kind::kConstant) ? constant(g->value, rt) : b_.getInt8(0);
      break;
    }
    case Op::kGetAttr: {
      double c;
      const typing::Type* obj = i.operands[0]->type;
      if (i.resolution && typing::isCudaValueRow(i.resolution->id)) {  // cuda: threadIdx.x (lower_cuda.cpp)
        v = cudaValue(i.resolution->id);
        break;
      }
      if (i.resolution) {  // a member row of the receiver (typing/builtins.def)
        v = member(i.resolution->id, i.operands[0], rt);
        break;
      }
      if (obj->isArray() && !obj->name.empty() && rt->kind == Kind::kBool) {  // buffers: a memoryview's flags
        v = bufferFlag(b_, value(i.operands[0]), obj, i.name);
        break;
      }
      if (obj->isRecord()) {  // records: r.x (lower_records.cpp)
        v = recordLoad(value(i.operands[0]), obj, obj->recordField(i.name));
        break;
      }
      if (obj->isArray() && obj->dtype()->isRecord() && rt->isArray() && obj->dtype()->recordField(i.name) >= 0) {
        v = recordArrayFieldView(value(i.operands[0]), obj, i.name);  // records: a.x
        break;
      }
      if (obj->isNumber() && rt->kind != Kind::kBoundMethod) {  // complex: z.real, z.imag (lower_complex.cpp)
        v = numberPart(value(i.operands[0]), obj, i.name, rt);
        break;
      }
      if (int k = typing::namedtupleField(obj, i.name); k >= 0) {  // namedtuples: p.x is p[k]
        v = b_.CreateExtractValue(value(i.operands[0]), static_cast<unsigned>(k));
        break;
      }
      if (obj->kind == Kind::kBuiltin && obj->name == typing::kArrayCTypes) {  // pysub4: a.ctypes.data
        const ir::Value* array = typing::arrayOfCTypes(i.operands[0]);
        v = b_.CreatePtrToInt(b_.CreateExtractValue(value(array), kData), b_.getInt64Ty());
        break;
      }
      if (obj->kind == Kind::kStructRef && typing::structRefField(obj, i.name) >= 0) {  // structref: s.x, a new reference
        // (typing takes a field before a user's overload_method or overload_attribute of the name)
        v = structRefGet(value(i.operands[0]), obj, typing::structRefField(obj, i.name));
        break;
      }
      if (obj->kind == Kind::kNPGenerator) {  // npgen: g.bit_generator draws through the same bitgen_t
        v = value(i.operands[0]);
        break;
      }
      if (obj->kind == Kind::kEnumMember) {  // enums: m.value is the member's representation
        v = value(i.operands[0]);
        break;
      }
      if (rt->kind == Kind::kEnumMember && obj->kind == Kind::kBuiltin) {  // enums: Color.red, frozen by bundle.py
        const compiler::GlobalRef* g =
            prog_.bundle->functions[inst_.function_index].global(typing::enumMemberGlobal(obj->name, i.name));
        if (!g) return absl::InternalError("enum member global missing in lowering");
        v = constant(g->value, rt);
        break;
      }
      if (rt->kind == Kind::kBoundMethod) {  // strings: a method written in Python carries its receiver
        v = value(i.operands[0]);
        break;
      }
      if (obj->kind == Kind::kModule && !typing::moduleConstant(obj->name, i.name, &c)) {
        // pysub3: a plain constant of the module, frozen by bundle.py as "M.A"
        const compiler::GlobalRef* g =
            prog_.bundle->functions[inst_.function_index].global(absl::StrCat(obj->name, ".", i.name));
        if (g && g->kind == compiler::GlobalRef::Kind::kConstant) {
          v = constant(g->value, rt);
          break;
        }
      }
      v = (obj->kind == Kind::kModule && typing::moduleConstant(obj->name, i.name, &c))
              ? static_cast<llvm::Value*>(llvm::ConstantFP::get(b_.getDoubleTy(), c))
              : b_.getInt8(0);
      break;
    }
    case Op::kBinOp:
      if (!i.operand_types) return absl::InternalError("binop without operand types reached lowering");
      v = binary(i.binary_op, i.operands[0], i.operands[1], rt, *i.operand_types, i.inplace, i.result.get());
      break;
    case Op::kUnaryOp:
      v = unary(i.unary_op, i.operands[0], rt);
      break;
    case Op::kCompare:
      if (typing::optionalStrEquality(i.compare_op, i.operands[0]->type, i.operands[1]->type)) {
        // format: optional strings: None equals only None.
        llvm::Value* present[2];
        llvm::Value* text[2];
        for (int k = 0; k < 2; ++k) {
          const typing::Type* t = i.operands[k]->type;
          llvm::Value* x = t->kind == Kind::kNone ? nullptr : value(i.operands[k]);
          present[k] = t->kind == Kind::kOptional ? b_.CreateExtractValue(x, 1) : b_.getInt1(t->kind != Kind::kNone);
          text[k] = t->kind == Kind::kOptional ? b_.CreateExtractValue(x, 0)
                    : x ? x : llvm::Constant::getNullValue(valueType(ctx_, types().str()));
        }
        // A None's value is the empty string with no characters: safe to compare.
        llvm::Value* same = strCompareValues(ir::CompareOp::kEq, text[0], text[1], nullptr, nullptr);
        llvm::Value* both = b_.CreateAnd(present[0], present[1]);
        llvm::Value* neither = b_.CreateNot(b_.CreateOr(present[0], present[1]));
        v = b_.CreateOr(b_.CreateAnd(both, same), neither);
        if (i.compare_op == ir::CompareOp::kNe) v = b_.CreateNot(v);
        break;
      }
      if (i.operands[0]->type->kind == Kind::kOptional || i.operands[1]->type->kind == Kind::kOptional) {
        v = optionalIsNone(i);  // optional: x is None, x is not None
        break;
      }
      if ((typing::isLiteralList(i.operands[1]->type) || typing::isLiteralStrKeyDict(i.operands[1]->type)) &&
          (i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn)) {  // litcont:
        std::vector<llvm::Value*> m = literalMatches(value(i.operands[0]), i.operands[0]->type,
                                                     value(i.operands[1]), i.operands[1]->type);
        v = b_.getInt1(false);
        for (llvm::Value* x : m) v = b_.CreateOr(v, x);
        if (i.compare_op == ir::CompareOp::kNotIn) v = b_.CreateNot(v);
        break;
      }
      if (i.operands[1]->type->kind == Kind::kDict &&
          (i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn)) {  // dicts:
        v = dictContains(i.operands[1], i.operands[0]);
        if (i.compare_op == ir::CompareOp::kNotIn) v = b_.CreateNot(v);
        break;
      }
      if (i.operands[0]->type->kind == Kind::kDict) {  // dicts: d == e
        v = dictEquals(value(i.operands[0]), value(i.operands[1]), i.operands[0]->type);
        if (i.compare_op == ir::CompareOp::kNe) v = b_.CreateNot(v);
        break;
      }
      if ((i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn) &&
          typing::isBytes(i.operands[1]->type)) {  // bytesm: a substring, or a byte value, of the bytes
        llvm::Value* hay = value(i.operands[1]);
        if (typing::isBytes(i.operands[0]->type)) {
          v = bytesContains(b_, hay, value(i.operands[0]));
        } else {
          llvm::Value* c = converted(i.operands[0], types().integer(64, true));
          raiseIf(b_.CreateICmpUGT(c, b_.getInt64(255)), KILN_VALUE_ERROR, "byte must be in range(0, 256)");
          v = bytesContainsByte(b_, hay, c);
        }
        if (i.compare_op == ir::CompareOp::kNotIn) v = b_.CreateNot(v);
        break;
      }
      if (typing::isBytes(i.operands[0]->type) && typing::isBytes(i.operands[1]->type)) {  // charseq: lexicographic
        v = bytesCompare(b_, static_cast<int>(i.compare_op), value(i.operands[0]), value(i.operands[1]));
        break;
      }
      if ((i.compare_op == ir::CompareOp::kIs || i.compare_op == ir::CompareOp::kIsNot) &&
          typing::isBytes(i.operands[0]->type) != typing::isBytes(i.operands[1]->type)) {
        v = b_.getInt1(i.compare_op == ir::CompareOp::kIsNot);  // bytes2: a bytes value is no value of another type
        break;
      }
      if (!i.operand_types) return absl::InternalError("compare without operand types reached lowering");
      v = compare(i.compare_op, i.operands[0], i.operands[1], rt, *i.operand_types);
      break;
    case Op::kTruth:
      if (i.operands[0]->type->kind == Kind::kDict) {  // dicts:
        v = b_.CreateICmpNE(dictLen(value(i.operands[0])), b_.getInt64(0));
        break;
      }
      if (typing::isBytes(i.operands[0]->type)) {  // charseq: not empty
        v = bytesTruth(b_, value(i.operands[0]));
        break;
      }
      if (const typing::Type* t = i.operands[0]->type; t->isArray() && t->name.empty()) {
        // pysub3: as NumPy's bool(a): its one element; an empty array is
        // false (NumPy 1.24 also warns); more than one element is an error.
        llvm::Value* arr = value(i.operands[0]);
        llvm::Value* size = arraySize(arr, t);
        raiseIf(b_.CreateICmpSGT(size, b_.getInt64(1)), KILN_VALUE_ERROR,
                "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()");
        llvm::Type* elem = memoryType(ctx_, t->dtype());
        llvm::AllocaInst* zero = entryAlloca(elem, "empty_truth");
        b_.CreateStore(llvm::Constant::getNullValue(elem), zero);
        llvm::Value* at = b_.CreateSelect(b_.CreateICmpEQ(size, b_.getInt64(1)),
                                          flatElementPtr(arr, t, b_.getInt64(0)), zero);
        v = truth(loadElement(at, t->dtype()), t->dtype());
        break;
      }
      v = truth(value(i.operands[0]), i.operands[0]->type);
      break;
    case Op::kCall: {
      absl::StatusOr<llvm::Value*> c = call(i);
      if (!c.ok()) return c.status();
      v = *c;
      break;
    }
    case Op::kBuildList:  // lists: lowerList above
      return absl::InternalError("build_list not lowered by lowerList");
    case Op::kBuildTuple: {
      v = llvm::PoisonValue::get(valueType(ctx_, rt));
      for (unsigned k = 0; k < i.operands.size(); ++k)
        v = b_.CreateInsertValue(v, converted(i.operands[k], rt->items[k]), k);
      break;
    }
    case Op::kUnpack:
      if (i.operands[0]->type->kind == Kind::kRange) {  // format: a, b, c = range(...)
        v = unpackRange(value(i.operands[0]), i.count, i.index);
        break;
      }
      if (i.operands[0]->type->isArray()) {  // realcode3: a, b = arr, along the first axis
        v = unpackArray(i.operands[0], i.count, i.index, rt);
        break;
      }
      v = b_.CreateExtractValue(value(i.operands[0]), static_cast<unsigned>(i.index));
      break;
    case Op::kBuildMap:  // dicts:
      v = buildMap(i, rt);
      break;
    case Op::kDelItem:  // del obj[index], by the container's kind
      if (i.operands[0]->type->kind == Kind::kList)  // lists: an index or a slice
        listMethod(i, i.operands[0]->type, value(i.operands[0]), "__delitem__");
      else  // dicts: a key
        dictDelItem(i.operands[0], i.operands[1]);
      return absl::OkStatus();
    case Op::kMakeFunction:  // closures: {captures, defaults}, borrowed as a tuple borrows its items
      v = llvm::PoisonValue::get(valueType(ctx_, rt));
      v = b_.CreateInsertValue(v, value(i.operands[0]), 0);
      v = b_.CreateInsertValue(v, value(i.operands[1]), 1);
      break;
    case Op::kGetItem: {
      if (rt->kind == Kind::kTypeRef) {  // typedempty: types.float64[:], a type (typing decided it)
        v = llvm::Constant::getNullValue(valueType(ctx_, rt));
        break;
      }
      if (i.operands[0]->type->kind == Kind::kStr) {  // strings
        v = strGetItem(i.operands[0], i.operands[1]);
        break;
      }
      if (i.operands[0]->type->kind == Kind::kDict) {  // dicts:
        v = dictGetItem(i.operands[0], i.operands[1]);
        break;
      }
      if (i.operands[0]->type->isRecord()) {  // records: r['x'], r[0]
        v = recordLoad(value(i.operands[0]), i.operands[0]->type, typing::recordFieldAt(i.operands[0]->type, i.operands[1], prog_.bundle->functions[inst_.function_index]));
        break;
      }
      if (i.operands[0]->type->isArray() && i.operands[1]->type->kind == Kind::kStr) {  // records: a['x']
        v = recordArrayFieldView(value(i.operands[0]), i.operands[0]->type,
                                 *typing::constantName(i.operands[1], prog_.bundle->functions[inst_.function_index]));
        break;
      }
      if (i.operands[0]->type->isArray()) {
        v = arrayGetItem(i.operands[0], i.operands[1], rt);
        break;
      }
      if (i.operands[0]->type->isFlatIter()) {  // flatimag: a.flat[k] (lower_iter.cpp)
        v = loadElement(flatIterElementPtr(value(i.operands[0]), i.operands[0]->type, i.operands[1]), rt,
                        b_.CreateExtractValue(flatIterArray(value(i.operands[0]), i.operands[0]->type), kMeminfo));
        break;
      }
      if (rt->kind == Kind::kEnumMember && i.operands[0]->type->kind == Kind::kBuiltin) {  // enums: Color['red']
        const std::string* key = typing::constantStr(i.operands[1]);
        const compiler::GlobalRef* g =
            key ? prog_.bundle->functions[inst_.function_index].global(typing::enumMemberGlobal(i.operands[0]->type->name, *key))
                : nullptr;
        if (!g) return absl::InternalError("enum member global missing in lowering");
        v = constant(g->value, rt);
        break;
      }
      const typing::Type* tup = i.operands[0]->type;
      const ir::Instr* idx_def = i.operands[1]->def;
      int64_t n = static_cast<int64_t>(tup->items.size());
      if (i.operands[1]->type->kind == Kind::kSlice) {  // constant bounds (typing checked)
        std::optional<std::vector<int64_t>> picks = typing::constantSlice(i.operands[1], n);
        if (!picks) return absl::InternalError("tuple slice without constant bounds reached lowering");
        v = llvm::PoisonValue::get(valueType(ctx_, rt));
        for (unsigned k = 0; k < picks->size(); ++k)
          v = b_.CreateInsertValue(v, b_.CreateExtractValue(value(i.operands[0]), static_cast<unsigned>((*picks)[k])), k);
        break;
      }
      if (typing::isLiteralStrKeyDict(tup)) {  // litcont: d['key'], a constant key (typing checked)
        const std::string* key = typing::constantStr(i.operands[1]);
        int k = key ? typing::literalDictIndex(tup, *key) : -1;
        if (k < 0) return absl::InternalError("literal dict getitem without a constant key reached lowering");
        v = b_.CreateExtractValue(value(i.operands[0]), static_cast<unsigned>(k));
        break;
      }
      if (idx_def && idx_def->op == Op::kConst && idx_def->const_value.kind == compiler::Constant::Kind::kInt) {
        int64_t k = idx_def->const_value.i < 0 ? idx_def->const_value.i + n : idx_def->const_value.i;
        v = b_.CreateExtractValue(value(i.operands[0]), static_cast<unsigned>(k));
        break;
      }
      llvm::Type* item = valueType(ctx_, rt);
      llvm::AllocaInst* slot = entryAlloca(llvm::ArrayType::get(item, n), "tuple");
      for (unsigned k = 0; k < n; ++k)
        b_.CreateStore(b_.CreateExtractValue(value(i.operands[0]), k), b_.CreateConstGEP2_32(slot->getAllocatedType(), slot, 0, k));
      llvm::Value* idx = converted(i.operands[1], types().integer(64, true));
      idx = b_.CreateSelect(b_.CreateICmpSLT(idx, b_.getInt64(0)), b_.CreateAdd(idx, b_.getInt64(n)), idx);
      raiseIf(b_.CreateICmpUGE(idx, b_.getInt64(n)), KILN_INDEX_ERROR, "tuple index out of range");
      v = b_.CreateLoad(item, b_.CreateGEP(slot->getAllocatedType(), slot, {b_.getInt64(0), idx}));
      break;
    }
    case Op::kBuildSlice: {
      // Omitted start/stop are INT64_MIN (no index a slice can name), step 1;
      // pyvals: and flagged in `nones` (kiln_abi.h's KilnSlice).
      v = llvm::PoisonValue::get(valueType(ctx_, rt));
      const int64_t none_bits[3] = {KILN_SLICE_START_NONE, KILN_SLICE_STOP_NONE, KILN_SLICE_STEP_NONE};
      int64_t nones = 0;
      for (unsigned k = 0; k < 3; ++k) {
        const ir::Value* part = i.operands[k];
        const bool none = part->type->kind == Kind::kNone;
        if (none) nones |= none_bits[k];
        llvm::Value* x = none ? b_.getInt64(k == 2 ? 1 : INT64_MIN) : converted(part, types().integer(64, true));
        v = b_.CreateInsertValue(v, x, k);
      }
      v = b_.CreateInsertValue(v, b_.getInt64(nones), 3);
      break;
    }
    case Op::kGetIter:
      v = makeIter(value(i.operands[0]), i.operands[0]->type, rt);
      break;
    case Op::kDeclare:  // locals: converted to the declared type
      v = converted(i.operands[0], rt);
      break;
    case Op::kCopy:
      v = value(i.operands[0]);
      if (i.operands[0]->type->kind == Kind::kOptional && rt->kind != Kind::kOptional)  // optional: an unwrap
        v = unwrapOptional(v, i.operands[0]->type);
      break;
    case Op::kSetItem:
      if (i.operands[0]->type->kind == Kind::kDict) {  // dicts:
        dictSetItem(i.operands[0], i.operands[1], i.operands[2]);
        return absl::OkStatus();
      }
      if (i.operands[0]->type->kind == Kind::kStructRef) {  // structref: s.x = v
        structRefSet(value(i.operands[0]), i.operands[0]->type, typing::structRefField(i.operands[0]->type, i.name),
                     i.operands[2]);
        return absl::OkStatus();
      }
      if (i.operands[0]->type->isRecord()) {  // records: r.x = v, r['x'] = v
        recordStore(value(i.operands[0]), i.operands[0]->type, typing::recordFieldAt(i.operands[0]->type, i.operands[1], prog_.bundle->functions[inst_.function_index]),
                    i.operands[2]);
        return absl::OkStatus();
      }
      if (i.operands[0]->type->isFlatIter()) {  // flatimag: a.flat[k] = x (lower_iter.cpp)
        const typing::Type* dt = i.operands[0]->type->items[0]->dtype();
        storeElement(flatIterElementPtr(value(i.operands[0]), i.operands[0]->type, i.operands[1]), converted(i.operands[2], dt), dt);
        return absl::OkStatus();
      }
      if (!i.operands[0]->type->isArray()) return absl::InternalError("setitem of a non-array reached lowering");
      if (!i.operand_types) return absl::InternalError("setitem without operand types reached lowering");
      arraySetItem(i.operands[0], i.operands[1], i.operands[2], i.operand_types->operand);
      return absl::OkStatus();
    case Op::kJump: {
      llvm::BasicBlock* dest;
      lowerEdge(i.succs[0], b_.GetInsertBlock(), &dest);
      b_.CreateBr(dest);
      return absl::OkStatus();
    }
    case Op::kBranch: {
      llvm::BasicBlock *t, *f;
      llvm::Value* cond = value(i.operands[0]);
      lowerEdge(i.succs[0], b_.GetInsertBlock(), &t);
      lowerEdge(i.succs[1], b_.GetInsertBlock(), &f);
      b_.CreateCondBr(cond, t, f);
      return absl::OkStatus();
    }
    case Op::kForIter: {
      llvm::Value* item = nullptr;
      if (!i.operand_types) return absl::InternalError("for_iter without its item type reached lowering");
      const typing::Type* item_type = i.operand_types->operand;
      const bool parallel = i.name == "prange" && !isGeneratorBody() && !prog_.cuda_ptx;  // prange:
      if (parallel) beginParallelLoop(i);
      llvm::Value* more = iterNext(value(i.operands[0]), i.operands[0]->type, item_type, &item);
      values_[i.result.get()] = convert(b_, item, item_type, i.result->type);
      // genpy: a root (a terminator's result gets no finishInstr): its own
      // reference, as a generator's item lives only until the next step
      // (null at the end).
      if (ownsGeneratorItem(i)) retain(values_[i.result.get()], i.result->type);
      llvm::BasicBlock *body, *done;
      lowerEdge(i.succs[0], b_.GetInsertBlock(), &body);
      lowerEdge(i.succs[1], b_.GetInsertBlock(), &done);
      b_.CreateCondBr(more, body, done);
      if (parallel) endParallelLoop(done);
      return absl::OkStatus();
    }
    case Op::kReturn: {
      if (isGeneratorBody()) {  // generators: the end (finishGenerator routes the return)
        releaseHeld();
        b_.CreateRet(b_.getInt32(KILN_OK));
        return absl::OkStatus();
      }
      // The caller gets references of its own; then this body lets go of
      // what it holds (RefcountPrune cancels the pair of a dying result).
      // recown: a record goes back as {meminfo, data} with a reference to
      // its array, like an array: the exported entry copies its bytes out
      // for Python, then lets go (lowerProgram).
      llvm::Value* r = converted(i.operands[0], inst_.ret);
      b_.CreateStore(r, ret_ptr_);
      retain(r, inst_.ret);
      releaseHeld();
      b_.CreateRet(b_.getInt32(KILN_OK));
      return absl::OkStatus();
    }
    case Op::kRaise:
      return raise(i);
    case Op::kReraise:  // exceptions: *err still holds the error being handled
      if (i.name == "active") {
        storeError(KILN_RERAISE_ACTIVE, "No active exception to reraise", "", false);
        leaveWithError(b_.getInt32(KILN_RERAISE_ACTIVE));
        return absl::OkStatus();
      }
      leaveWithError(b_.CreateLoad(b_.getInt32Ty(), b_.CreateStructGEP(errorType(), err_ptr_, 0)));
      return absl::OkStatus();
    case Op::kExcMatch:
      v = excMatch(i.operands[0]->type);
      break;
    case Op::kCatch:  // exceptions: *err copied aside
      v = b_.getInt8(0);  // None
      caught_errors_[i.result.get()] = entryAlloca(errorType(), "caught");
      b_.CreateStore(b_.CreateLoad(errorType(), err_ptr_), caught_errors_[i.result.get()]);
      retainError(caught_errors_[i.result.get()]);  // the copy holds the arguments too (drop_caught)
      break;
    case Op::kRestoreError: {
      auto it = caught_errors_.find(i.operands[0]);
      if (it == caught_errors_.end()) return absl::InternalError("restore_error of a value no catch defined");
      clearError(err_ptr_);
      b_.CreateStore(b_.CreateLoad(errorType(), it->second), err_ptr_);
      retainError(err_ptr_);
      return absl::OkStatus();
    }
    case Op::kDropCaught: {  // exceptions: the handler has ended
      auto it = caught_errors_.find(i.operands[0]);
      if (it == caught_errors_.end()) return absl::InternalError("drop_caught of a value no catch defined");
      clearError(it->second);
      return absl::OkStatus();
    }
    case Op::kFused:  // fusion: lower_fusion.cpp
      v = fusedArrayExpr(i);
      break;
    case Op::kYield:  // generators: lower_generators.cpp
      v = yieldValue(i);
      break;
    case Op::kUnreachable:
      b_.CreateUnreachable();
      return absl::OkStatus();
  }
  if (i.result) values_[i.result.get()] = v;
  return absl::OkStatus();
}

absl::Status FunctionLowering::lower(llvm::Function* fn) {
  fn_ = fn;
  ret_ptr_ = fn->getArg(0);
  err_ptr_ = fn->getArg(1);
  alloca_block_ = llvm::BasicBlock::Create(ctx_, "entry", fn);
  const ir::Function& f = *inst_.ir;
  std::vector<const ir::Block*> order = reversePostOrder(f);
  for (const ir::Block* blk : order) {
    llvm::BasicBlock* bb = llvm::BasicBlock::Create(ctx_, absl::StrCat("bb", blk->id), fn);
    blocks_[blk] = bb;
    if (blk == f.blocks[0].get()) continue;
    llvm::IRBuilder<> pb(bb);
    for (const auto& p : blk->params) values_[p.get()] = pb.CreatePHI(valueType(ctx_, p->type), 2);
  }
  for (size_t k = 0; k < f.blocks[0]->params.size(); ++k) values_[f.blocks[0]->params[k].get()] = fn->getArg(2 + k);
  b_.SetInsertPoint(alloca_block_);
  if (isGeneratorBody()) beginGenerator();  // generators: the coroutine's prologue
  b_.CreateBr(blocks_.at(f.blocks[0].get()));
  own_ = Ownership::analyze(f, order, inst_.calls);
  // prange: the blocks of the parallel loops' bodies (their headers come
  // before them in this order: beginParallelLoop maps each to its loop).
  for (const ir::Block* blk : order) {
    const ir::Instr* t = blk->terminator();
    if (t == nullptr || t->op != ir::Op::kForIter || t->name != "prange" || isGeneratorBody() || prog_.cuda_ptx) continue;
    for (const ir::Block* body : typing::loopBody(*t)) parallel_defined_.insert(body);
  }
  for (const ir::Block* blk : order) {
    b_.SetInsertPoint(blocks_.at(blk));
    beginBlock(blk);
    {  // prange: errors raised in a parallel loop's body leave through the loop's error exit
      auto pb = parallel_body_.find(blk);
      parallel_error_ = pb != parallel_body_.end() ? parallel_loops_.at(pb->second).error : nullptr;
    }
    {  // exceptions: errors raised in this block go to its handler, if any
      const ir::Instr* t = blk->terminator();
      handler_ = t && t->has_handler ? &t->succs.back() : nullptr;
    }
    for (size_t k = 0; k < blk->instrs.size(); ++k) {
      const ir::Instr& i = *blk->instrs[k];
      if (absl::Status s = lowerInstr(i); !s.ok()) return s;
      if (!ir::isTerminator(i.op)) finishInstr(i, k);
    }
  }
  // Phis of blocks reached only by some edges: give the missing inputs.
  for (const ir::Block* blk : order) {
    llvm::BasicBlock* bb = blocks_.at(blk);
    for (llvm::PHINode& phi : bb->phis())
      for (llvm::BasicBlock* pred : llvm::predecessors(bb))
        if (phi.getBasicBlockIndex(pred) < 0) phi.addIncoming(llvm::Constant::getNullValue(phi.getType()), pred);
  }
  if (isGeneratorBody()) finishGenerator();  // generators:
  outlineParallelLoops();  // prange: lower_parallel.cpp
  return absl::OkStatus();
}

llvm::FastMathFlags fastMathFlags(bool all, const std::vector<std::string>& names) {
  llvm::FastMathFlags f;
  if (all) {
    f.setFast();
    return f;
  }
  for (const std::string& n : names) {
    if (n == "fast") f.setFast();
    else if (n == "nnan") f.setNoNaNs();
    else if (n == "ninf") f.setNoInfs();
    else if (n == "nsz") f.setNoSignedZeros();
    else if (n == "arcp") f.setAllowReciprocal();
    else if (n == "contract") f.setAllowContract();
    else if (n == "afn") f.setApproxFunc();
    else if (n == "reassoc") f.setAllowReassoc();
  }
  return f;
}

namespace {
// The function attributes LLVM's code generator reads for what the
// instruction flags say (e.g. x86 min/max and fcmp lowering).
void addFastMathAttributes(llvm::Function* fn, llvm::FastMathFlags f) {
  if (f.isFast()) fn->addFnAttr("unsafe-fp-math", "true");
  if (f.noNaNs()) fn->addFnAttr("no-nans-fp-math", "true");
  if (f.noInfs()) fn->addFnAttr("no-infs-fp-math", "true");
  if (f.noSignedZeros()) fn->addFnAttr("no-signed-zeros-fp-math", "true");
  if (f.approxFunc()) fn->addFnAttr("approx-func-fp-math", "true");
}

// realcode5: a @jit callee's own fastmath (bundle Function.fastmath) wins
// over the compile's: stumpy's fastmath=True functions call helpers compiled
// without ninf whose np.isinf checks must stand, as they do in Numba.
// Functions without it (the entry, register_jitable helpers, the library)
// take the compile's flags.
llvm::FastMathFlags instanceFastMath(const typing::Program& program, const typing::Instance& inst,
                                     llvm::FastMathFlags compile_flags) {
  const std::optional<std::vector<std::string>>& own = program.bundle->functions[inst.function_index].fastmath;
  return own ? fastMathFlags(false, *own) : compile_flags;
}

// realcode7: a @jit callee's error_model, when its decorator sets one (bundle
// Function.error_model), wins over the compile's: wotan's lowess calls a
// helper declared error_model='numpy' whose 1/0 must give inf, not raise, as
// in Numba. A callee that sets none takes the compile's, as Numba's inherits
// its caller's.
bool instanceNumpyErrorModel(const typing::Program& program, const typing::Instance& inst, bool compile_numpy) {
  return program.bundle->functions[inst.function_index].numpy_error_model.value_or(compile_numpy);
}
}  // namespace

// cuda: lower_cuda_sim.cpp
void emitCudaSimLaunchEntry(llvm::Module& mod, llvm::Function* inner, const std::string& symbol, int32_t flags);
int32_t cudaSimLaunchFlags(const typing::Program& program);

absl::StatusOr<std::unique_ptr<llvm::Module>> lowerProgram(const typing::Program& program, llvm::LLVMContext& ctx,
                                                           const std::string& entry_symbol, bool boundscheck,
                                                           bool numpy_error_model, llvm::FastMathFlags fastmath,
                                                           bool numpy_fma) {
  auto mod = std::make_unique<llvm::Module>("kiln", ctx);
  std::vector<llvm::Function*> bodies(program.instances.size(), nullptr);
  for (size_t k = 0; k < program.instances.size(); ++k) {
    const typing::Instance& inst = *program.instances[k];
    if (!inst.reachable) continue;
    bodies[k] = llvm::Function::Create(bodyType(ctx, inst), llvm::Function::InternalLinkage, inst.symbol, mod.get());
    bodies[k]->addFnAttr(llvm::Attribute::NoUnwind);
    addFastMathAttributes(bodies[k], instanceFastMath(program, inst, fastmath));
  }
  for (size_t k = 0; k < program.instances.size(); ++k) {
    if (!bodies[k]) continue;
    FunctionLowering fl(program, *program.instances[k], *mod, bodies, boundscheck,
                        instanceNumpyErrorModel(program, *program.instances[k], numpy_error_model),
                        instanceFastMath(program, *program.instances[k], fastmath), numpy_fma);
    if (absl::Status s = fl.lower(bodies[k]); !s.ok()) return s;
  }
  // The exported entry point: unpack args from memory form, call the body,
  // store the result in memory form.
  const typing::Instance& entry = *program.instances[0];
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  auto* fty = llvm::FunctionType::get(llvm::Type::getInt32Ty(ctx), {ptr, ptr, ptr}, false);
  // cuda: an emulated kernel's exported entry runs this one per thread (lower_cuda_sim.cpp).
  const bool sim_kernel = program.cuda_kernel && !program.cuda_ptx;  // cuda: PTX: lower_cuda_ptx.cpp
  llvm::Function* fn = llvm::Function::Create(
      fty, sim_kernel ? llvm::Function::InternalLinkage : llvm::Function::ExternalLinkage,
      sim_kernel ? entry_symbol + ".thread" : entry_symbol, mod.get());
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  addFastMathAttributes(fn, fastmath);  // the bodies are inlined into it
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  const typing::Type* ret_type = program.declared_ret ? program.declared_ret : entry.ret;
  llvm::AllocaInst* tmp = b.CreateAlloca(valueType(ctx, entry.ret));
  std::vector<llvm::Value*> args = {tmp, fn->getArg(2)};
  for (size_t k = 0; k < entry.arg_types.size(); ++k) {
    llvm::Value* slot = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, fn->getArg(1), k));
    if (entry.arg_types[k]->isRecord()) {  // recown: a pointer to the np.void's bytes, borrowed for the call
      llvm::Value* rec = llvm::PoisonValue::get(valueType(ctx, entry.arg_types[k]));
      rec = b.CreateInsertValue(rec, llvm::ConstantPointerNull::get(b.getPtrTy()), kRecordMeminfo);
      args.push_back(b.CreateInsertValue(rec, b.CreateLoad(ptr, slot), kRecordData));
      continue;
    }
    llvm::Value* mem = b.CreateLoad(memoryType(ctx, entry.arg_types[k]), slot);
    args.push_back(fromMemory(b, mem, entry.arg_types[k]));
  }
  llvm::Value* status = b.CreateCall(bodies[0], args);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx, "ok", fn);
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx, "fail", fn);
  b.CreateCondBr(b.CreateICmpEQ(status, b.getInt32(0)), ok, fail);
  b.SetInsertPoint(ok);
  llvm::Value* result = convert(b, b.CreateLoad(valueType(ctx, entry.ret), tmp), entry.ret, ret_type);
  if (ret_type->isRecord()) {  // records: a record result is its bytes (kiln_abi.h); recown: then its reference goes
    b.CreateMemCpy(fn->getArg(0), llvm::MaybeAlign(1), b.CreateExtractValue(result, kRecordData), llvm::MaybeAlign(1),
                   b.getInt64(ret_type->index));
    emitDecref(b, *mod, b.CreateExtractValue(result, kRecordMeminfo));
  } else if (ret_type->kind != Kind::kNone) b.CreateStore(toMemory(b, result, ret_type), fn->getArg(0));
  b.CreateRet(b.getInt32(0));
  b.SetInsertPoint(fail);
  b.CreateRet(status);
  // genpy: a generator returned to the caller is stepped through "<entry>.step".
  if (ret_type->kind == Kind::kGenerator) lowerGeneratorStep(*mod, absl::StrCat(entry_symbol, ".step"), ret_type);
  if (sim_kernel) emitCudaSimLaunchEntry(*mod, fn, entry_symbol, cudaSimLaunchFlags(program));  // cuda:

  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (llvm::verifyModule(*mod, &os)) return absl::InternalError(absl::StrCat("lowering produced invalid LLVM IR: ", os.str()));
  return mod;
}

}  // namespace kiln::lowering
