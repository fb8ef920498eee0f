#pragma once
// The state of lowering one instance; the op families are implemented in
// lower.cpp (control flow, calls, values), lower_arith.cpp (operators) and
// lower_builtins.cpp (builtins and the math module).
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/typing/inference.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "kiln_abi.h"

namespace kiln::lowering {

class FunctionLowering {
 public:
  FunctionLowering(const typing::Program& program, const typing::Instance& inst, llvm::Module& module,
                   std::vector<llvm::Function*>& bodies)
      : prog_(program), inst_(inst), mod_(module), ctx_(module.getContext()), b_(ctx_), bodies_(bodies) {}

  absl::Status lower(llvm::Function* fn);

  // Helpers shared by the op families.
  llvm::IRBuilder<>& builder() { return b_; }
  llvm::LLVMContext& ctx() { return ctx_; }
  llvm::Module& module() { return mod_; }
  typing::TypeContext& types() { return const_cast<typing::TypeContext&>(prog_.types); }
  llvm::Value* value(const ir::Value* v);
  llvm::Value* converted(const ir::Value* v, const typing::Type* to);
  /// Branches to a block that fills *err and returns `kind` when `bad` holds.
  void raiseIf(llvm::Value* bad, KilnErrorKind kind, const std::string& message);
  void raiseNow(KilnErrorKind kind, const std::string& message);
  llvm::AllocaInst* entryAlloca(llvm::Type* t, const char* name = "");
  llvm::Function* libm(const std::string& name, int nargs);
  llvm::Function* intrinsic(llvm::Intrinsic::ID id, llvm::Type* t);
  int line() const { return line_; }

  // Operators (lower_arith.cpp).
  llvm::Value* binary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result);
  llvm::Value* unary(ir::UnaryOp op, const ir::Value* x, const typing::Type* result);
  llvm::Value* compare(ir::CompareOp op, const ir::Value* lhs, const ir::Value* rhs);
  llvm::Value* truth(llvm::Value* v, const typing::Type* t);
  llvm::Value* floorDivMod(llvm::Value* a, llvm::Value* b, const typing::Type* t, bool want_div, const char* what);
  llvm::Value* power(llvm::Value* a, llvm::Value* b, const typing::Type* t);
  llvm::Value* compareValues(ir::CompareOp op, llvm::Value* a, llvm::Value* b, const typing::Type* t);

  // Builtins (lower_builtins.cpp).
  absl::StatusOr<llvm::Value*> builtin(const std::string& name, const std::vector<const ir::Value*>& args,
                                       const typing::Type* result);

 private:
  absl::Status lowerInstr(const ir::Instr& i);
  void lowerEdge(const ir::Edge& e, llvm::BasicBlock* from_block, llvm::BasicBlock** dest);
  llvm::Value* constant(const compiler::Constant& c, const typing::Type* t);
  absl::StatusOr<llvm::Value*> call(const ir::Instr& i);
  absl::Status raise(const ir::Instr& i);

  const typing::Program& prog_;
  const typing::Instance& inst_;
  llvm::Module& mod_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  std::vector<llvm::Function*>& bodies_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* ret_ptr_ = nullptr;
  llvm::Value* err_ptr_ = nullptr;
  llvm::BasicBlock* alloca_block_ = nullptr;
  std::map<const ir::Value*, llvm::Value*> values_;      // lookup only
  std::map<const ir::Block*, llvm::BasicBlock*> blocks_;  // lookup only
  int line_ = 0;
};

}  // namespace kiln::lowering
