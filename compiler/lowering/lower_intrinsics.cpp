// intrinsic: a call of a numba.extending.intrinsic. The client ran the
// intrinsic's typing and its llvmlite codegen (kiln/extending.py) and sent
// the LLVM IR text of one function whose signature is Kiln's data model of
// the types typing recorded (bundle.h Intrinsic). The text is the client's
// input like any other, so it is checked before it joins the module: it must
// parse, define exactly that one function with exactly that signature,
// declare nothing but LLVM's intrinsics, and hold no global variables,
// aliases, inline asm or calls of anything else; then the verifier must
// accept it. A text that fails is a located error at the call, never a
// crash. The function is linked in once per module under a name of Kiln's,
// internal and always inlined, as Numba inlines an intrinsic's body.
#include <string>

#include "absl/strings/str_cat.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "compiler/diagnostic.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"

namespace kiln::lowering {

namespace {

// The LLVM intrinsics an intrinsic's text may declare and call: the
// target-independent scalar operations that every backend selects (bit
// counting and shuffling, integer min/max/abs, saturating and overflow-checked
// arithmetic, float math, hints). Anything else is refused: a target's own
// intrinsic, or a generic one that some backend cannot select, would end the
// compile in LLVM's fatal error handler, taking the server down.
constexpr llvm::Intrinsic::ID kAllowedIntrinsics[] = {
    llvm::Intrinsic::ctpop,     llvm::Intrinsic::ctlz,      llvm::Intrinsic::cttz,      llvm::Intrinsic::bswap,
    llvm::Intrinsic::bitreverse, llvm::Intrinsic::fshl,     llvm::Intrinsic::fshr,      llvm::Intrinsic::abs,
    llvm::Intrinsic::smax,      llvm::Intrinsic::smin,      llvm::Intrinsic::umax,      llvm::Intrinsic::umin,
    llvm::Intrinsic::sadd_sat,  llvm::Intrinsic::uadd_sat,  llvm::Intrinsic::ssub_sat,  llvm::Intrinsic::usub_sat,
    llvm::Intrinsic::sadd_with_overflow, llvm::Intrinsic::uadd_with_overflow, llvm::Intrinsic::ssub_with_overflow,
    llvm::Intrinsic::usub_with_overflow, llvm::Intrinsic::smul_with_overflow, llvm::Intrinsic::umul_with_overflow,
    llvm::Intrinsic::sqrt,      llvm::Intrinsic::fabs,      llvm::Intrinsic::copysign,  llvm::Intrinsic::floor,
    llvm::Intrinsic::ceil,      llvm::Intrinsic::trunc,     llvm::Intrinsic::rint,      llvm::Intrinsic::nearbyint,
    llvm::Intrinsic::round,     llvm::Intrinsic::roundeven, llvm::Intrinsic::fma,       llvm::Intrinsic::fmuladd,
    llvm::Intrinsic::minnum,    llvm::Intrinsic::maxnum,    llvm::Intrinsic::minimum,   llvm::Intrinsic::maximum,
    llvm::Intrinsic::sin,       llvm::Intrinsic::cos,       llvm::Intrinsic::exp,       llvm::Intrinsic::exp2,
    llvm::Intrinsic::log,       llvm::Intrinsic::log2,      llvm::Intrinsic::log10,     llvm::Intrinsic::pow,
    llvm::Intrinsic::powi,      llvm::Intrinsic::assume,    llvm::Intrinsic::expect,    llvm::Intrinsic::trap,
};

bool allowedIntrinsic(const llvm::Function& f) {
  for (llvm::Intrinsic::ID id : kAllowedIntrinsics)
    if (f.getIntrinsicID() == id) return true;
  return false;
}

// Why the text is refused, or "" when it may be linked: `want` is the type
// the function must have.
std::string refusal(llvm::Module& m, const std::string& symbol, llvm::FunctionType* want) {
  if (!m.getModuleInlineAsm().empty()) return "it has module-level inline asm";
  if (!m.global_empty()) return absl::StrCat("it defines global variables (@", m.global_begin()->getName().str(), ")");
  if (!m.alias_empty() || !m.ifunc_empty()) return "it defines aliases or ifuncs";
  llvm::Function* defined = nullptr;
  for (llvm::Function& f : m) {
    if (f.isDeclaration()) {
      if (!f.isIntrinsic()) return absl::StrCat("it declares @", f.getName().str(), ", which is not an LLVM intrinsic");
      if (!allowedIntrinsic(f))
        return absl::StrCat("it declares @", f.getName().str(),
                            ", which is not one of the target-independent scalar intrinsics kiln accepts "
                            "(docs/extending.md)");
      continue;
    }
    if (f.getName() != symbol)
      return absl::StrCat("it defines @", f.getName().str(), " besides @", symbol);
    defined = &f;
  }
  if (!defined) return absl::StrCat("it does not define @", symbol);
  if (defined->getFunctionType() != want) {
    std::string got, expected;
    llvm::raw_string_ostream g(got), e(expected);
    defined->getFunctionType()->print(g);
    want->print(e);
    return absl::StrCat("@", symbol, " has type ", g.str(), ", not ", e.str(), " (Kiln's data model of its signature)");
  }
  if (defined->hasPersonalityFn() || defined->hasGC() || defined->hasSection() || defined->hasPrefixData() ||
      defined->hasPrologueData())
    return absl::StrCat("@", symbol, " has a personality, gc, section, prefix or prologue");
  for (llvm::Instruction& inst : llvm::instructions(*defined)) {
    auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
    if (!call) continue;
    if (call->isInlineAsm()) return "it has inline asm";
    llvm::Function* callee = call->getCalledFunction();
    if (!callee || !callee->isIntrinsic() || !allowedIntrinsic(*callee))
      return "it calls something other than an LLVM intrinsic (only llvm.* functions may be called)";
  }
  std::string broken;
  llvm::raw_string_ostream os(broken);
  if (llvm::verifyModule(m, &os)) return absl::StrCat("the LLVM verifier rejects it: ", os.str());
  return "";
}

}  // namespace

absl::StatusOr<llvm::Value*> FunctionLowering::intrinsicCall(const ir::Instr& i, const typing::CallBinding& binding,
                                                             const typing::Type* result) {
  const compiler::Intrinsic& x = prog_.bundle->intrinsics[binding.intrinsic];
  // The signature's types, which typing checked are scalars.
  std::vector<const typing::Type*> params;
  std::vector<llvm::Type*> llvm_params;
  for (const std::string& spelling : x.arg_types) {
    absl::StatusOr<const typing::Type*> t = types().parse(spelling);
    if (!t.ok()) return t.status();
    params.push_back(*t);
    llvm_params.push_back(valueType(ctx_, *t));
  }
  absl::StatusOr<const typing::Type*> ret = types().parse(x.return_type);
  if (!ret.ok()) return ret.status();
  const std::string name = absl::StrCat("kiln.intrinsic.", binding.intrinsic);
  llvm::Function* f = mod_.getFunction(name);
  if (!f) {
    const ir::Function& here = *inst_.ir;
    auto refuse = [&](const std::string& why) {
      return compiler::userError(compiler::Diagnostic::Kind::kLowering,
                                 absl::StrCat("intrinsic ", x.name, "(): its LLVM IR is refused: ", why),
                                 here.filename, line() > 0 ? line() : here.firstlineno, here.qualname);
    };
    // The allow-list is what every CPU backend selects; NVPTX selects less
    // (no f64 sin), and a selection failure is fatal, so a GPU kernel takes
    // none.
    if (prog_.cuda_ptx) return refuse("intrinsics are compiled for the CPU only, not in a CUDA kernel");
    llvm::SMDiagnostic err;
    std::unique_ptr<llvm::Module> m = llvm::parseAssemblyString(x.llvm_ir, err, ctx_);
    if (!m) return refuse(absl::StrCat("line ", err.getLineNo(), ": ", err.getMessage().str()));
    // llvmlite writes an unknown triple and an empty layout; the module's own apply.
    m->setTargetTriple(mod_.getTargetTriple());
    m->setDataLayout(mod_.getDataLayout());
    if (std::string why = refusal(*m, x.symbol, llvm::FunctionType::get(valueType(ctx_, *ret), llvm_params, false));
        !why.empty())
      return refuse(why);
    llvm::Function* defined = m->getFunction(x.symbol);
    defined->setName(name);
    // External while linking: the linker brings over an internal function
    // only when something in the destination already uses it. Made
    // internal once it is in (no other module names it).
    defined->setLinkage(llvm::GlobalValue::ExternalLinkage);
    defined->removeFnAttr(llvm::Attribute::NoInline);
    defined->removeFnAttr(llvm::Attribute::OptimizeNone);
    defined->addFnAttr(llvm::Attribute::AlwaysInline);
    defined->addFnAttr(llvm::Attribute::NoUnwind);
    if (llvm::Linker::linkModules(mod_, std::move(m))) return refuse("it cannot be linked into the module");
    f = mod_.getFunction(name);
    if (!f) return absl::InternalError(absl::StrCat("intrinsic ", x.name, " was linked but is not in the module"));
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  std::vector<llvm::Value*> args;
  for (size_t k = 0; k < binding.source.size() && k < params.size(); ++k)
    args.push_back(converted(i.operands[binding.source[k]], params[k]));
  llvm::Value* v = b_.CreateCall(f, args);
  return convert(b_, v, *ret, result);
}

}  // namespace kiln::lowering
