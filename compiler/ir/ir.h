#pragma once
// Kiln IR: SSA form with block arguments (as MLIR and Swift SIL do) instead of
// phi nodes. A Function owns its Blocks, a Block owns its Instrs and its
// parameters; every Value is either an Instr's result or a block parameter.
//
// Invariants (checked by ir::verify):
//  - every block ends with exactly one terminator, and only there;
//  - an edge passes exactly as many args as its target has params;
//  - a value is used only where its definition dominates (the ForIter item
//    only on the body edge and below it);
//  - blocks[0] is the entry; its params are the function's arguments.
// Untyped IR comes from the frontend; typing fills Value::type and the
// callee/target fields, a builtin call's resolution and an operator's
// operand types, and nothing else.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/bundle.h"

namespace kiln::typing {
class Type;
enum class BuiltinId : uint16_t;  // typing/registry.h
}

namespace kiln::ir {

/// strings: the load_global name an f-string field (FORMAT_VALUE) calls:
/// the builtin str, whatever the function's globals say (a dotted name is
/// never a Python global).
inline constexpr const char* kFormatBuiltin = "builtins.str";
// format: what an f-string field with a format spec ({x:spec}) and a
// conversion ({x!r}, {x!a}) calls.
inline constexpr const char* kFormatSpecBuiltin = "builtins.format";
inline constexpr const char* kReprBuiltin = "builtins.repr";
inline constexpr const char* kAsciiBuiltin = "builtins.ascii";
// sets: the set() a set literal is built by ({a, b} is set((a, b))).
inline constexpr const char* kSetBuiltin = "builtins.set";

enum class Op {
#define KILN_OP(Name, mnemonic, kind) k##Name,
#include "compiler/ir/ops.def"
};
enum class OpKind { kValue, kEffect, kTerminator };

const char* mnemonic(Op op);
OpKind opKind(Op op);
inline bool isTerminator(Op op) { return opKind(op) == OpKind::kTerminator; }

enum class BinaryOp {
  kAdd, kSub, kMul, kTrueDiv, kFloorDiv, kMod, kPow, kLShift, kRShift,
  kAnd, kOr, kXor, kMatMul
};
enum class UnaryOp { kNeg, kPos, kNot, kInvert };
enum class CompareOp { kLt, kLe, kEq, kNe, kGt, kGe, kIs, kIsNot, kIn, kNotIn };

const char* name(BinaryOp op);   // "add", "floordiv", ...
const char* symbol(BinaryOp op); // "+", "//", ...
const char* name(UnaryOp op);
const char* name(CompareOp op);
const char* symbol(CompareOp op);

class Block;
class Function;
class Instr;

class Value {
 public:
  int id = -1;                        // %id in the printed form, unique per function
  const typing::Type* type = nullptr; // set by typing
  Instr* def = nullptr;               // null for a block parameter
  Block* param_of = nullptr;          // the block, for a block parameter
  std::string debug_name;             // the Python local it came from, if any
};

struct Edge {
  Block* target = nullptr;
  std::vector<Value*> args;
};

/// What typing resolved a call of a builtin to, for lowering to read and
/// never decide again: the registry row, the operand (1-based) bound to each
/// parameter given, and the types typing chose for it (their meaning is the
/// row's: a ufunc's operand and compute types, a comparison's type).
struct Resolution {
  typing::BuiltinId id;
  std::vector<int> bound;
  const typing::Type* operand = nullptr;  // the type operands are converted to
  const typing::Type* compute = nullptr;  // the type the work is done in
};

/// What typing decided for an operator, for lowering to read and never
/// decide again (typing's operand rules are not called from lowering):
///  - binop: `operand`, the type the operation computes in (each operand is
///    converted to it; for an elementwise array operator, the element type);
///    null for tuple concatenation;
///  - compare: `operand`, the type both sides are converted to (the element
///    type for arrays); for tuple <op> tuple and `x in tuple`, `items`, one
///    per pair of items compared;
///  - for_iter: `operand`, the item the iterator yields;
///  - setitem: `operand`, what a[index] designates (an element or a view).
struct OperandTypes {
  const typing::Type* operand = nullptr;
  std::vector<const typing::Type*> items;
};

class Instr {
 public:
  Op op;
  std::vector<Value*> operands;
  std::unique_ptr<Value> result;  // for kValue ops and ForIter
  std::vector<Edge> succs;        // for terminators
  bool has_handler = false;       // exceptions: succs.back() is the edge to the block's except handler
  int32_t line = 0;               // Python source line
  uint32_t offset = 0;            // bytecode offset it came from

  // Attributes (which are meaningful depends on op; see ops.def).
  compiler::Constant const_value;
  std::string name;
  BinaryOp binary_op = BinaryOp::kAdd;
  bool inplace = false;
  UnaryOp unary_op = UnaryOp::kNeg;
  CompareOp compare_op = CompareOp::kEq;
  std::vector<std::string> kwnames;
  int32_t index = 0, count = 0;
  std::optional<Resolution> resolution;  // a Call of a builtin or method, a GetAttr of a member; set by typing
  std::optional<OperandTypes> operand_types;  // BinOp, Compare, ForIter, SetItem; set by typing
  // fusion: a Fused op's elementwise array operations, in order, the last
  // the root; their operands are the Fused op's operands or earlier results
  // of the list (typing/fuse_array_exprs.h).
  std::vector<std::unique_ptr<Instr>> fused;

  Block* parent = nullptr;
};

class Block {
 public:
  int id = -1;
  std::vector<std::unique_ptr<Value>> params;
  std::vector<std::unique_ptr<Instr>> instrs;
  Function* parent = nullptr;

  Instr* terminator() const {
    return instrs.empty() || !isTerminator(instrs.back()->op) ? nullptr : instrs.back().get();
  }
  Value* addParam(std::string debug_name = "");
};

class Function {
 public:
  std::string name, qualname, filename;
  int32_t firstlineno = 0;
  std::vector<std::string> arg_names;
  std::vector<std::unique_ptr<Block>> blocks;  // blocks[0] is the entry

  Block* addBlock();
  /// Appends a new instruction; gives it a result Value when the op has one.
  Instr* append(Block* b, Op op, std::vector<Value*> operands, int32_t line);
  /// Renumbers values and blocks in block order (for stable printing).
  void renumber();
  /// A deep copy: same blocks, values, ids, attributes and types.
  std::unique_ptr<Function> clone() const;
  /// After ids were assigned from outside (the parser): new values and
  /// blocks get ids above every existing one.
  void syncIdCounters();

 private:
  int next_value_ = 0;
  int next_block_ = 0;
  friend class Block;
  int newValueId() { return next_value_++; }
};

/// Spells a value's type in the printed form. The IR does not depend on
/// typing: typing passes its own spelling (typing::printTyped).
using TypeNamer = std::function<std::string(const typing::Type*)>;

/// The text form, one instruction per line (parser.h reads it back). With a
/// `type_name`, every defined value is followed by ": type"; `annotate` (if
/// given) adds text after an instruction's operands (typing prints a call's
/// resolution and an operator's operand types there; the parser does not
/// read them).
std::string print(const Function& f, const TypeNamer& type_name = {},
                  const std::function<std::string(const Instr&)>& annotate = nullptr);

/// A Python constant as the printed IR spells it: Constant::repr with
/// strings and bytes escaped so that the parser reads back the same value.
std::string constantText(const compiler::Constant& c);

}  // namespace kiln::ir
