// cuda: the typing of the kernel language (the kiln.cuda module; the rows
// "kiln.cuda.*" of builtins.def), as numba.cuda types it: thread and block
// indices and extents are int32, cuda.grid/gridsize int64 (a tuple for 2
// and 3 dimensions), shared and local arrays C-contiguous arrays of a
// literal shape and a dtype class, atomics the old value of the element
// (of the array's dtype), votes bool (ballot uint32), shuffles the value's
// own type. And the checks of a kernel program as a whole: a kernel
// returns None, and nothing a GPU cannot do (exceptions, Python objects,
// allocating arrays) is reachable from it.
#include "compiler/typing/rules_cuda.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/diagnostic.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

const char kCudaModule[] = "kiln.cuda";
constexpr int64_t kMaxStaticSharedBytes = 48 * 1024;  // a block's static shared memory (sm_80 without opt-in)

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string argList(const std::vector<const Type*>& args) {
  std::string out;
  for (const Type* t : args) absl::StrAppend(&out, out.empty() ? "" : ", ", t->str());
  return out;
}

// The value rows: read as attributes, never called.
bool isValueRow(BuiltinId id) {
  switch (id) {
    case BuiltinId::kCudaThreadIdxX:
    case BuiltinId::kCudaThreadIdxY:
    case BuiltinId::kCudaThreadIdxZ:
    case BuiltinId::kCudaBlockIdxX:
    case BuiltinId::kCudaBlockIdxY:
    case BuiltinId::kCudaBlockIdxZ:
    case BuiltinId::kCudaBlockDimX:
    case BuiltinId::kCudaBlockDimY:
    case BuiltinId::kCudaBlockDimZ:
    case BuiltinId::kCudaGridDimX:
    case BuiltinId::kCudaGridDimY:
    case BuiltinId::kCudaGridDimZ:
    case BuiltinId::kCudaLaneid:
    case BuiltinId::kCudaWarpsize:
      return true;
    default:
      return false;
  }
}

// The pseudo-modules under kiln.cuda: cuda.threadIdx, cuda.shared, ...
const std::set<std::string>& submodules() {
  static const std::set<std::string> s = {"threadIdx", "blockIdx", "blockDim", "gridDim",
                                          "shared",    "local",    "const",    "atomic",
                                          "fp16"};  // fp16: its functions travel as the bundle's members
  return s;
}

// A literal integer (a constant, or a global frozen as one).
bool literalInt(const compiler::Function& fn, const ir::Value* v, int64_t* out) {
  const ir::Instr* d = v->def;
  if (!d) return false;
  if (d->op == ir::Op::kConst && d->const_value.kind == compiler::Constant::Kind::kInt) {
    *out = d->const_value.i;
    return true;
  }
  if (d->op == ir::Op::kLoadGlobal) {
    const compiler::GlobalRef* g = fn.global(d->name);
    if (g && g->kind == compiler::GlobalRef::Kind::kConstant && g->value.kind == compiler::Constant::Kind::kInt) {
      *out = g->value.i;
      return true;
    }
  }
  if (d->op == ir::Op::kCopy && !d->operands.empty()) return literalInt(fn, d->operands[0], out);
  return false;
}

bool constantInts(const compiler::Constant& c, std::vector<int64_t>* out) {
  if (c.kind == compiler::Constant::Kind::kInt) {
    out->push_back(c.i);
    return true;
  }
  if (c.kind != compiler::Constant::Kind::kTuple) return false;
  for (const compiler::Constant& item : c.items) {
    if (item.kind != compiler::Constant::Kind::kInt) return false;
    out->push_back(item.i);
  }
  return true;
}

}  // namespace

bool isCudaBuiltin(BuiltinId id) { return startsWith(builtinName(id), "kiln.cuda."); }

bool isCudaValueRow(BuiltinId id) { return isValueRow(id); }

bool isCudaModule(const std::string& module) { return module == kCudaModule || startsWith(module, "kiln.cuda."); }

absl::StatusOr<const Type*> cudaModuleAttr(TypeContext& tc, const std::string& module, const std::string& attr,
                                           std::optional<ir::Resolution>* resolution) {
  if (module == kCudaModule && submodules().count(attr)) return tc.module(absl::StrCat(module, ".", attr));
  std::string name = absl::StrCat(module, ".", attr);
  std::optional<BuiltinId> id = findBuiltin(name);
  std::string shown = "cuda" + name.substr(sizeof(kCudaModule) - 1);
  if (!id) return absl::InvalidArgumentError(absl::StrCat("'", shown, "' is not supported in kernels"));
  if (!isValueRow(*id)) return tc.builtin(name);
  *resolution = ir::Resolution{*id, {}, nullptr, nullptr};
  return tc.integer(32, true);  // threadIdx.x, laneid, warpsize: int32, as Numba
}

bool cudaLiteralShape(const compiler::Function& fn, const ir::Value* v, std::vector<int64_t>* shape) {
  shape->clear();
  const ir::Instr* d = v->def;
  if (!d) return false;
  if (d->op == ir::Op::kConst) return constantInts(d->const_value, shape);
  if (d->op == ir::Op::kLoadGlobal) {
    const compiler::GlobalRef* g = fn.global(d->name);
    return g && g->kind == compiler::GlobalRef::Kind::kConstant && constantInts(g->value, shape);
  }
  if (d->op == ir::Op::kBuildTuple) {
    for (const ir::Value* item : d->operands) {
      int64_t n;
      if (!literalInt(fn, item, &n)) return false;
      shape->push_back(n);
    }
    return true;
  }
  if (d->op == ir::Op::kCopy && !d->operands.empty()) return cudaLiteralShape(fn, d->operands[0], shape);
  return false;
}

absl::StatusOr<const Type*> cudaBuiltinCall(TypeContext& tc, const ir::Resolution& res,
                                            const std::vector<const Type*>& args) {
  BuiltinId id = res.id;
  const std::string shown = absl::StrCat("cuda", std::string(builtinName(id)).substr(sizeof(kCudaModule) - 1));
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("no implementation of '", shown, "' for argument types (", argList(args), ")"));
  };
  auto isInt = [](const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; };
  if (isValueRow(id)) return absl::InvalidArgumentError(absl::StrCat("'", shown, "' is not callable"));
  switch (id) {
    case BuiltinId::kCudaGrid:
    case BuiltinId::kCudaGridsize:
      // The dimension count must be a literal; lowering reads it from the
      // operand's constant (checked by checkCudaCall).
      if (args.size() != 1 || args[0]->kind != Kind::kInt) return bad();
      return tc.integer(64, true);  // refined to a tuple by the caller for 2 and 3
    case BuiltinId::kCudaSyncthreads:
    case BuiltinId::kCudaThreadfence:
    case BuiltinId::kCudaThreadfenceBlock:
    case BuiltinId::kCudaThreadfenceSystem:
      if (!args.empty()) return bad();
      return tc.none();
    case BuiltinId::kCudaSyncthreadsCount:
    case BuiltinId::kCudaSyncthreadsAnd:
    case BuiltinId::kCudaSyncthreadsOr:
      if (args.size() != 1 || !args[0]->isNumber() || args[0]->kind == Kind::kComplex) return bad();
      return tc.integer(32, true);
    case BuiltinId::kCudaSharedArray:
    case BuiltinId::kCudaLocalArray: {
      if (args.size() != 2) return bad();
      const Type* dt = dtypeOf(tc, args[1]);
      if (!dt || !(dt->isNumber() && dt->kind != Kind::kComplex))
        return absl::InvalidArgumentError(
            absl::StrCat(shown, "(): the dtype must be a NumPy scalar type such as np.float64, got ", args[1]->str()));
      int ndim = 0;
      if (args[0]->kind == Kind::kInt) {
        ndim = 1;
      } else if (args[0]->kind == Kind::kTuple && !args[0]->items.empty()) {
        for (const Type* t : args[0]->items)
          if (t->kind != Kind::kInt) return bad();
        ndim = static_cast<int>(args[0]->items.size());
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            shown, "(): the shape must be an integer or a tuple of integers, got ", args[0]->str()));
      }
      return tc.array(dt, ndim, 'C');
    }
    case BuiltinId::kCudaConstArrayLike:
      if (args.size() != 1 || !args[0]->isArray()) return bad();
      return args[0];
    case BuiltinId::kCudaAtomicAdd:
    case BuiltinId::kCudaAtomicSub:
    case BuiltinId::kCudaAtomicMax:
    case BuiltinId::kCudaAtomicMin:
    case BuiltinId::kCudaAtomicNanmax:  // fp16:
    case BuiltinId::kCudaAtomicNanmin:
    case BuiltinId::kCudaAtomicExch:
    case BuiltinId::kCudaAtomicAnd:
    case BuiltinId::kCudaAtomicOr:
    case BuiltinId::kCudaAtomicXor:
    case BuiltinId::kCudaAtomicInc:
    case BuiltinId::kCudaAtomicDec:
    case BuiltinId::kCudaAtomicCas: {
      size_t want = id == BuiltinId::kCudaAtomicCas ? 4 : 3;
      if (args.size() != want || !args[0]->isArray()) return bad();
      const Type* at = args[0];
      const Type* dt = at->dtype();
      if (at->readonly) return absl::InvalidArgumentError(absl::StrCat(shown, "() on a read-only array"));
      // The index: an integer for a 1-d array, a tuple of ndim integers.
      const Type* ix = args[1];
      bool index_ok = (isInt(ix) && at->ndim == 1) ||
                      (ix->kind == Kind::kTuple && static_cast<int>(ix->items.size()) == at->ndim);
      if (ix->kind == Kind::kTuple)
        for (const Type* t : ix->items) index_ok = index_ok && isInt(t);
      if (!index_ok)
        return absl::InvalidArgumentError(absl::StrCat(shown, "(): the index of a ", at->ndim,
                                                       "-d array must be ", at->ndim == 1 ? "an integer or " : "",
                                                       "a tuple of ", at->ndim, " integers, got ", ix->str()));
      for (size_t k = 2; k < args.size(); ++k)
        if (!args[k]->isNumber() || args[k]->kind == Kind::kComplex) return bad();
      bool is_int = dt->kind == Kind::kInt;
      bool is_float = dt->kind == Kind::kFloat;
      bool bits_ok = dt->bits == 32 || dt->bits == 64;
      switch (id) {
        case BuiltinId::kCudaAtomicAnd:
        case BuiltinId::kCudaAtomicOr:
        case BuiltinId::kCudaAtomicXor:
        case BuiltinId::kCudaAtomicCas:
          if (!is_int || !bits_ok)
            return absl::InvalidArgumentError(
                absl::StrCat(shown, "() supports int32, int64, uint32 and uint64 arrays, not ", at->str()));
          break;
        case BuiltinId::kCudaAtomicInc:
        case BuiltinId::kCudaAtomicDec:
          if (!is_int || dt->is_signed || !bits_ok)
            return absl::InvalidArgumentError(
                absl::StrCat(shown, "() supports uint32 and uint64 arrays, not ", at->str()));
          break;
        default:
          // fp16: a float16 add (PTX atom.add.noftz.f16, sm_70+; a CAS loop in the emulation)
          if (id == BuiltinId::kCudaAtomicAdd && is_float && dt->bits == 16) break;
          if (!(is_int || is_float) || !bits_ok)
            return absl::InvalidArgumentError(absl::StrCat(
                shown, "() supports int32, int64, uint32, uint64, float32 and float64 arrays, not ", at->str()));
          break;
      }
      return dt;
    }
    case BuiltinId::kCudaAllSync:
    case BuiltinId::kCudaAnySync:
    case BuiltinId::kCudaEqSync:
    case BuiltinId::kCudaBallotSync:
      if (args.size() != 2 || !isInt(args[0]) || !args[1]->isNumber() || args[1]->kind == Kind::kComplex)
        return bad();
      return id == BuiltinId::kCudaBallotSync ? tc.integer(32, false) : tc.boolean();
    case BuiltinId::kCudaShflSync:
    case BuiltinId::kCudaShflUpSync:
    case BuiltinId::kCudaShflDownSync:
    case BuiltinId::kCudaShflXorSync: {
      if (args.size() != 3 || !isInt(args[0]) || !isInt(args[2])) return bad();
      const Type* v = args[1];
      bool ok = (v->kind == Kind::kInt && (v->bits == 32 || v->bits == 64)) ||
                (v->kind == Kind::kFloat && (v->bits == 32 || v->bits == 64));
      if (!ok)
        return absl::InvalidArgumentError(absl::StrCat(
            shown, "() shuffles int32, int64, uint32, uint64, float32 and float64 values, not ", v->str()));
      return v;
    }
    case BuiltinId::kCudaMatchAnySync:  // fp16: warp match; numba.cuda's int32 mask (and pred)
    case BuiltinId::kCudaMatchAllSync: {
      if (args.size() != 2 || !isInt(args[0])) return bad();
      const Type* v = args[1];
      bool ok = (v->kind == Kind::kInt && (v->bits == 32 || v->bits == 64)) ||
                (v->kind == Kind::kFloat && (v->bits == 32 || v->bits == 64));
      if (!ok)
        return absl::InvalidArgumentError(absl::StrCat(
            shown, "() matches int32, int64, uint32, uint64, float32 and float64 values, not ", v->str()));
      if (id == BuiltinId::kCudaMatchAnySync) return tc.integer(32, true);
      return tc.tuple({tc.integer(32, true), tc.boolean()});
    }
    case BuiltinId::kCudaSyncwarp:
      if (args.size() > 1 || (args.size() == 1 && !isInt(args[0]))) return bad();
      return tc.none();
    case BuiltinId::kCudaActivemask:
      if (!args.empty()) return bad();
      return tc.integer(32, false);
    // cudalang: Numba's bit intrinsics: popc and clz keep the integer's
    // type, brev gives uint32/uint64, ffs uint32 (the 1-based position of
    // the lowest set bit, 0 for 0).
    case BuiltinId::kCudaPopc:
    case BuiltinId::kCudaClz:
    case BuiltinId::kCudaBrev:
    case BuiltinId::kCudaFfs: {
      if (args.size() != 1 || args[0]->kind != Kind::kInt) return bad();
      if (id == BuiltinId::kCudaFfs) return tc.integer(32, false);
      if (id == BuiltinId::kCudaBrev) return tc.integer(args[0]->bits == 64 ? 64 : 32, false);
      return args[0];
    }
    case BuiltinId::kCudaFma:
    case BuiltinId::kCudaCbrt: {
      // float32 when every operand is float32, else float64 (ints included).
      size_t want = id == BuiltinId::kCudaFma ? 3 : 1;
      if (args.size() != want) return bad();
      bool f32 = true;
      for (const Type* t : args) {
        if (!(isInt(t) || t->kind == Kind::kFloat)) return bad();
        f32 = f32 && t->kind == Kind::kFloat && t->bits == 32;
      }
      return tc.floating(f32 ? 32 : 64);
    }
    case BuiltinId::kCudaSelp: {
      if (args.size() != 3 || !args[0]->isNumber() || args[0]->kind == Kind::kComplex) return bad();
      const Type* t = args[1] == args[2] ? args[1] : promote(tc, args[1], args[2]);
      if (t == nullptr || !t->isNumber()) return bad();
      return t;
    }
    case BuiltinId::kCudaLanemaskLt:
      if (!args.empty()) return bad();
      return tc.integer(32, false);
    case BuiltinId::kCudaNanosleep:
      if (args.size() != 1 || !isInt(args[0])) return bad();
      return tc.none();
    case BuiltinId::kCudaAtomicCompareAndSwap: {
      // numba.cuda's older compare-and-swap of ary[0] (a 1-d integer array).
      if (args.size() != 3 || !args[0]->isArray() || args[0]->ndim != 1 || !isInt(args[1]) || !isInt(args[2]))
        return bad();
      const Type* dt = args[0]->dtype();
      if (args[0]->readonly) return absl::InvalidArgumentError(absl::StrCat(shown, "() on a read-only array"));
      if (dt->kind != Kind::kInt || (dt->bits != 32 && dt->bits != 64))
        return absl::InvalidArgumentError(
            absl::StrCat(shown, "() supports int32, int64, uint32 and uint64 arrays, not ", args[0]->str()));
      return dt;
    }
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("'", builtinName(id), "' is not a kernel-language row"));
}

absl::StatusOr<const Type*> checkCudaCall(TypeContext& tc, const compiler::Function& fn, const ir::Instr& call,
                                          const ir::Resolution& res, const Type* typed) {
  BuiltinId id = res.id;
  const std::string shown = absl::StrCat("cuda", std::string(builtinName(id)).substr(sizeof(kCudaModule) - 1));
  if (id == BuiltinId::kCudaGrid || id == BuiltinId::kCudaGridsize) {
    int64_t n = 0;
    if (res.bound.empty() || !literalInt(fn, call.operands[res.bound[0]], &n) || n < 1 || n > 3)
      return absl::InvalidArgumentError(absl::StrCat(shown, "() takes a literal 1, 2 or 3"));
    if (n == 1) return typed;
    return tc.tuple(std::vector<const Type*>(static_cast<size_t>(n), tc.integer(64, true)));
  }
  if (id == BuiltinId::kCudaSharedArray || id == BuiltinId::kCudaLocalArray) {
    std::vector<int64_t> shape;
    if (res.bound.empty() || !cudaLiteralShape(fn, call.operands[res.bound[0]], &shape))
      return absl::InvalidArgumentError(absl::StrCat(
          shown, "(): the shape must be a literal integer or tuple of literal integers (a constant or a global)"));
    int64_t count = 1;
    for (int64_t d : shape) {
      bool dynamic = id == BuiltinId::kCudaSharedArray && d == 0 && shape.size() == 1;
      if (d < 1 && !dynamic)
        return absl::InvalidArgumentError(absl::StrCat(shown, "(): the shape must be positive, got ", d));
      if (d > (int64_t{1} << 30) || count > (int64_t{1} << 30) / (d > 0 ? d : 1))
        return absl::InvalidArgumentError(absl::StrCat(shown, "(): the shape is too large"));
      count *= d > 0 ? d : 1;
    }
    return typed;
  }
  return typed;
}

bool cudaMathHasFloat32(BuiltinId id) {
  switch (id) {
    case BuiltinId::kMathSin:
    case BuiltinId::kMathCos:
    case BuiltinId::kMathTan:
    case BuiltinId::kMathAsin:
    case BuiltinId::kMathAcos:
    case BuiltinId::kMathAtan:
    case BuiltinId::kMathSinh:
    case BuiltinId::kMathCosh:
    case BuiltinId::kMathTanh:
    case BuiltinId::kMathAsinh:
    case BuiltinId::kMathAcosh:
    case BuiltinId::kMathAtanh:
    case BuiltinId::kMathExp:
    case BuiltinId::kMathExpm1:
    case BuiltinId::kMathExp2:
    case BuiltinId::kMathLog1p:
    case BuiltinId::kMathLog10:
    case BuiltinId::kMathLog2:
    case BuiltinId::kMathLog:
    case BuiltinId::kMathSqrt:
    case BuiltinId::kMathFabs:
    case BuiltinId::kMathErf:
    case BuiltinId::kMathErfc:
    case BuiltinId::kMathGamma:
    case BuiltinId::kMathLgamma:
    case BuiltinId::kMathCbrt:
    case BuiltinId::kMathAtan2:
    case BuiltinId::kMathPow:
    case BuiltinId::kMathCopysign:
    case BuiltinId::kMathHypot:
    case BuiltinId::kMathFmod:
      return true;
    default:
      return false;
  }
}

const Type* cudaMathType(TypeContext& tc, const compiler::Bundle& bundle, BuiltinId id,
                         const std::vector<const Type*>& args, const Type* typed) {
  if (bundle.functions.empty() || bundle.functions[0].global(kCudaKernelMarker) == nullptr) return typed;
  if (!cudaMathHasFloat32(id) || typed->kind != Kind::kFloat || args.empty()) return typed;
  if (id == BuiltinId::kMathLog && args.size() != 1) return typed;  // log(x, base): float64, as Numba
  for (const Type* t : args)
    if (t->kind != Kind::kFloat || t->bits != 32) return typed;
  return tc.floating(32);
}

absl::Status checkCudaProgram(Program& p) {
  const compiler::Function& entry = p.bundle->functions[0];
  p.cuda_kernel = entry.global(kCudaKernelMarker) != nullptr;
  auto located = [&](const Instance& inst, int line, const std::string& message) {
    const compiler::CodeObject& code = p.bundle->functions[inst.function_index].code;
    return compiler::userError(compiler::Diagnostic::Kind::kUnsupported, message, code.filename,
                               line > 0 ? line : code.firstlineno, code.qualname);
  };
  // Two passes, so that the construct the user wrote is what is named (a
  // raise's message string is not what is wrong with it): operations, then
  // the values they make.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& inst : p.instances) {
      if (!inst->reachable) continue;
      for (const auto& b : inst->ir->blocks)
        for (const auto& i : b->instrs) {
          bool cuda_row = i->resolution && isCudaBuiltin(i->resolution->id);
          if (!p.cuda_kernel) {
            if (cuda_row)
              return located(*inst, i->line,
                             absl::StrCat("'cuda", std::string(builtinName(i->resolution->id)).substr(9),
                                          "' can only be used in a kernel (@kiln.cuda.jit) or a device function "
                                          "called from one"));
            continue;
          }
          ir::Op op = i->op;
          if (pass == 0) {  // what a GPU cannot do
            if (op == ir::Op::kRaise || op == ir::Op::kReraise)
              return located(*inst, i->line, "'raise' is not supported in a CUDA kernel");
            if (op == ir::Op::kExcMatch || op == ir::Op::kCatch || op == ir::Op::kRestoreError ||
                op == ir::Op::kDropCaught)
              return located(*inst, i->line, "'try'/'except' is not supported in a CUDA kernel");
            if (op == ir::Op::kYield) return located(*inst, i->line, "a generator is not supported in a CUDA kernel");
            if (op == ir::Op::kBuildList)
              return located(*inst, i->line, "a list is a Python object: not supported in a CUDA kernel");
            if (op == ir::Op::kBuildMap)
              return located(*inst, i->line, "a dict is a Python object: not supported in a CUDA kernel");
            continue;
          }
          if (!i->result) continue;
          const Type* t = i->result->type;
          if (t->kind == Kind::kList || t->kind == Kind::kDict || t->kind == Kind::kGenerator ||
              t->kind == Kind::kStr || isSet(t))
            return located(*inst, i->line,
                           absl::StrCat("a value of type ", t->str(), " is a Python object: not supported in a CUDA kernel"));
          bool allocates = t->isArray() && !cuda_row &&
                           ((op == ir::Op::kCall && i->resolution) || op == ir::Op::kBinOp ||
                            op == ir::Op::kUnaryOp || op == ir::Op::kFused);
          if (allocates && i->resolution && op == ir::Op::kCall) {
            // A view (a.T, a.reshape of a contiguous array) allocates nothing;
            // refuse the rows that make new arrays.
            const std::string name = builtinName(i->resolution->id);
            allocates = startsWith(name, "numpy.") || name == "array.copy" || name == "array.astype" ||
                        name == "array.flatten";
          }
          if (allocates)
            return located(*inst, i->line,
                           op == ir::Op::kCall && i->resolution
                               ? absl::StrCat("'", builtinName(i->resolution->id),
                                              "' allocates an array: not supported in a CUDA kernel (use "
                                              "cuda.local.array or cuda.shared.array)")
                               : "an array expression allocates an array: not supported in a CUDA kernel "
                                 "(write the loop over elements)");
        }
    }
  }
  if (p.cuda_kernel) {
    // A block's static shared memory (every cuda.shared.array site that
    // can be reached, as a GPU allocates them all): at most 48 KiB.
    int64_t shared_bytes = 0;
    for (const auto& inst : p.instances) {
      if (!inst->reachable) continue;
      const compiler::Function& fn = p.bundle->functions[inst->function_index];
      for (const auto& b : inst->ir->blocks)
        for (const auto& i : b->instrs) {
          if (!i->resolution || i->resolution->id != BuiltinId::kCudaSharedArray || !i->result ||
              !i->result->type->isArray() || i->resolution->bound.empty())
            continue;
          std::vector<int64_t> shape;
          if (!cudaLiteralShape(fn, i->operands[i->resolution->bound[0]], &shape)) continue;
          int64_t count = 1;
          for (int64_t d : shape) count *= d;
          const int bits = i->result->type->dtype()->bits;
          shared_bytes += count * (bits >= 8 ? bits / 8 : 1);  // bool: a byte
          if (shared_bytes > kMaxStaticSharedBytes)
            return located(*inst, i->line,
                           absl::StrCat("the kernel's static shared memory (cuda.shared.array) is at least ",
                                        shared_bytes, " bytes, more than the ", kMaxStaticSharedBytes,
                                        " bytes a block has"));
        }
    }
    const Type* ret = p.declared_ret ? p.declared_ret : p.instances[0]->ret;
    if (ret->kind != Kind::kNone)
      return compiler::userError(compiler::Diagnostic::Kind::kTyping,
                                 absl::StrCat("a kernel must return None, but it returns ", ret->str()),
                                 entry.code.filename, entry.code.firstlineno, entry.code.qualname);
  }
  return absl::OkStatus();
}

}  // namespace kiln::typing
