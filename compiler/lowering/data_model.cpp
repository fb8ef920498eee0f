#include "compiler/lowering/data_model.h"

namespace kiln::lowering {

using typing::Kind;

llvm::StructType* strStruct(llvm::LLVMContext& ctx) {
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  return llvm::StructType::get(ctx, {ptr, ptr, i64, i64});
}

llvm::Value* complexValue(llvm::IRBuilder<>& b, llvm::Type* ct, llvm::Value* re, llvm::Value* im) {
  return b.CreateInsertValue(b.CreateInsertValue(llvm::PoisonValue::get(ct), re, 0), im, 1);
}

llvm::Type* valueType(llvm::LLVMContext& ctx, const typing::Type* t) {
  switch (t->kind) {
    case Kind::kBool: return llvm::Type::getInt1Ty(ctx);
    case Kind::kInt: return llvm::Type::getIntNTy(ctx, t->bits);
    case Kind::kNPDatetime:  // datetime: an int64 count of units
    case Kind::kNPTimedelta:
    case Kind::kFunctionSet:  // pycells: the position of the function it holds
      return llvm::Type::getInt64Ty(ctx);
    case Kind::kEnumMember: return valueType(ctx, t->items[0]);  // enums: a member is its value
    case Kind::kFloat:
      if (t->bits == 16) return llvm::Type::getHalfTy(ctx);  // float16: IEEE half
      return t->bits == 32 ? llvm::Type::getFloatTy(ctx) : llvm::Type::getDoubleTy(ctx);
    case Kind::kComplex: {
      llvm::Type* f = t->bits == 64 ? llvm::Type::getFloatTy(ctx) : llvm::Type::getDoubleTy(ctx);
      return llvm::StructType::get(ctx, {f, f});
    }
    case Kind::kTuple: {
      std::vector<llvm::Type*> items;
      for (const typing::Type* item : t->items) items.push_back(valueType(ctx, item));
      return llvm::StructType::get(ctx, items);
    }
    case Kind::kFunction:  // closures: a closure made in compiled code is {captures, defaults}
      if (t->items.empty()) return llvm::Type::getInt8Ty(ctx);
      return llvm::StructType::get(ctx, {valueType(ctx, t->items[0]), valueType(ctx, t->items[1])});
    case Kind::kRange: {  // {start, stop, step}
      llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
      return llvm::StructType::get(ctx, {i64, i64, i64});
    }
    case Kind::kSlice: {  // pyvals: kiln_abi.h's KilnSlice, {start, stop, step, nones}
      llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
      return llvm::StructType::get(ctx, {i64, i64, i64, i64});
    }
    case Kind::kArray: {
      // kiln_abi.h: {meminfo, data, shape[nd], strides[nd]}.
      llvm::Type* dims = llvm::ArrayType::get(llvm::Type::getInt64Ty(ctx), t->ndim);
      llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
      return llvm::StructType::get(ctx, {ptr, ptr, dims, dims});
    }
    case Kind::kBoundMethod:
      return valueType(ctx, t->items[0]);  // the receiver
    case Kind::kRecord: {  // recown: {meminfo, data}: its array's meminfo (null when borrowed), its bytes
      llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
      return llvm::StructType::get(ctx, {ptr, ptr});
    }
    case Kind::kUnicodeCharSeq:  // records: never a value (a U field is read as a str)
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
      return llvm::PointerType::getUnqual(ctx);
    case Kind::kStr:  // strings: KilnStr (kiln_unicode.h)
      return strStruct(ctx);
    case Kind::kDict:  // dicts: {meminfo} (runtime/cpu/kiln_dict.h)
      return llvm::StructType::get(ctx, std::vector<llvm::Type*>{llvm::PointerType::getUnqual(ctx)});
    case Kind::kList:  // lists: {meminfo} (lower_lists.cpp)
    case Kind::kStructRef:  // structref: {meminfo} (lower_structref.cpp)
      return llvm::StructType::get(ctx, std::vector<llvm::Type*>{llvm::PointerType::getUnqual(ctx)});
    case Kind::kNPGenerator: {  // npgen: {PyObject* generator, bitgen_t*}, borrowed from the caller
      llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
      return llvm::StructType::get(ctx, {ptr, ptr});
    }
    case Kind::kOptional:  // optional: {value, present}; the value is all zeros (null meminfos) when None
      return llvm::StructType::get(ctx, {valueType(ctx, t->items[0]), llvm::Type::getInt1Ty(ctx)});
#define KILN_CASES_kIterator 1  // a pointer to its state (lower_iter.cpp)
#include "compiler/typing/kind_cases.def"
      return llvm::PointerType::getUnqual(ctx);
    case Kind::kDType:
    case Kind::kEllipsis:
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kModule:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
      return llvm::Type::getInt8Ty(ctx);
  }
  return llvm::Type::getInt8Ty(ctx);
}

llvm::Type* memoryType(llvm::LLVMContext& ctx, const typing::Type* t) {
  if (t->kind == Kind::kEnumMember) return memoryType(ctx, t->items[0]);  // enums: its value
  if (t->kind == Kind::kBool) return llvm::Type::getInt8Ty(ctx);
  if (t->kind == Kind::kOptional)  // optional: as C's struct { T value; uint8_t present; }
    return llvm::StructType::get(ctx, {memoryType(ctx, t->items[0]), llvm::Type::getInt8Ty(ctx)});
  if (t->kind == Kind::kTuple) {
    std::vector<llvm::Type*> items;
    for (const typing::Type* item : t->items) items.push_back(memoryType(ctx, item));
    return llvm::StructType::get(ctx, items);
  }
  return valueType(ctx, t);
}

llvm::Value* toMemory(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* t) {
  if (t->kind == Kind::kEnumMember) return toMemory(b, v, t->items[0]);  // enums: its value
  if (t->kind == Kind::kBool) return b.CreateZExt(v, b.getInt8Ty());
  if (t->kind == Kind::kOptional) {  // optional:
    llvm::Value* out = llvm::PoisonValue::get(memoryType(b.getContext(), t));
    out = b.CreateInsertValue(out, toMemory(b, b.CreateExtractValue(v, 0), t->items[0]), 0);
    return b.CreateInsertValue(out, b.CreateZExt(b.CreateExtractValue(v, 1), b.getInt8Ty()), 1);
  }
  if (t->kind == Kind::kTuple) {
    llvm::Value* out = llvm::PoisonValue::get(memoryType(b.getContext(), t));
    for (unsigned k = 0; k < t->items.size(); ++k)
      out = b.CreateInsertValue(out, toMemory(b, b.CreateExtractValue(v, k), t->items[k]), k);
    return out;
  }
  return v;
}

llvm::Value* fromMemory(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* t) {
  if (t->kind == Kind::kEnumMember) return fromMemory(b, v, t->items[0]);  // enums: its value
  if (t->kind == Kind::kBool) return b.CreateICmpNE(v, b.getInt8(0));
  if (t->kind == Kind::kOptional) {  // optional:
    llvm::Value* out = llvm::PoisonValue::get(valueType(b.getContext(), t));
    out = b.CreateInsertValue(out, fromMemory(b, b.CreateExtractValue(v, 0), t->items[0]), 0);
    return b.CreateInsertValue(out, b.CreateICmpNE(b.CreateExtractValue(v, 1), b.getInt8(0)), 1);
  }
  if (t->kind == Kind::kTuple) {
    llvm::Value* out = llvm::PoisonValue::get(valueType(b.getContext(), t));
    for (unsigned k = 0; k < t->items.size(); ++k)
      out = b.CreateInsertValue(out, fromMemory(b, b.CreateExtractValue(v, k), t->items[k]), k);
    return out;
  }
  return v;
}

llvm::Value* convert(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* from, const typing::Type* to) {
  // NEP 50: a weak scalar and its strong twin share one data model.
  if (from == to || from->isTwinOf(to)) return v;
  llvm::Type* dst = valueType(b.getContext(), to);
  if (from->kind == Kind::kUnknown) return llvm::PoisonValue::get(dst);
  // enums: an IntEnum member used as a number is its value.
  if (from->kind == Kind::kEnumMember && to->kind != Kind::kEnumMember) return convert(b, v, from->items[0], to);
  switch (to->kind) {
    case Kind::kBool:
      if (from->kind == Kind::kInt) return b.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
      if (from->kind == Kind::kFloat) return b.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0));
      break;
    case Kind::kInt:
      if (from->kind == Kind::kBool) return b.CreateZExt(v, dst);
      if (from->kind == Kind::kInt) return b.CreateIntCast(v, dst, from->is_signed);
      if (from->kind == Kind::kFloat) return to->is_signed ? b.CreateFPToSI(v, dst) : b.CreateFPToUI(v, dst);
      break;
    case Kind::kFloat:
      if (from->kind == Kind::kBool) return b.CreateUIToFP(v, dst);
      if (from->kind == Kind::kInt) return from->is_signed ? b.CreateSIToFP(v, dst) : b.CreateUIToFP(v, dst);
      if (from->kind == Kind::kFloat) return b.CreateFPCast(v, dst);
      break;
    case Kind::kComplex: {
      llvm::Type* f = llvm::cast<llvm::StructType>(dst)->getElementType(0);
      llvm::Value* re = nullptr;
      llvm::Value* im = llvm::ConstantFP::get(f, 0.0);
      if (from->kind == Kind::kComplex) {
        re = b.CreateFPCast(b.CreateExtractValue(v, 0), f);
        im = b.CreateFPCast(b.CreateExtractValue(v, 1), f);
      } else if (from->kind == Kind::kBool) {
        re = b.CreateUIToFP(v, f);
      } else if (from->kind == Kind::kInt) {
        re = from->is_signed ? b.CreateSIToFP(v, f) : b.CreateUIToFP(v, f);
      } else if (from->kind == Kind::kFloat) {
        re = b.CreateFPCast(v, f);
      }
      if (!re) break;
      llvm::Value* out = llvm::PoisonValue::get(dst);
      out = b.CreateInsertValue(out, re, 0);
      return b.CreateInsertValue(out, im, 1);
    }
    case Kind::kTuple:
      if (from->kind == Kind::kTuple && from->items.size() == to->items.size()) {
        llvm::Value* out = llvm::PoisonValue::get(dst);
        for (unsigned k = 0; k < to->items.size(); ++k)
          out = b.CreateInsertValue(out, convert(b, b.CreateExtractValue(v, k), from->items[k], to->items[k]), k);
        return out;
      }
      break;
    case Kind::kNPDatetime:  // datetime: another unit
    case Kind::kNPTimedelta:
      if (from->kind == to->kind) return datetimeToUnit(b, v, from, to);
      break;
    case Kind::kOptional: {  // optional: None is absent (a zero value: null meminfos); a value is present
      llvm::Value* out = llvm::Constant::getNullValue(dst);
      if (from->kind == Kind::kNone) return out;
      if (from->kind == Kind::kOptional) {
        llvm::Value* present = b.CreateExtractValue(v, 1);
        llvm::Value* item = convert(b, b.CreateExtractValue(v, 0), from->items[0], to->items[0]);
        item = b.CreateSelect(present, item, llvm::Constant::getNullValue(item->getType()));
        return b.CreateInsertValue(b.CreateInsertValue(out, item, 0), present, 1);
      }
      out = b.CreateInsertValue(out, convert(b, v, from, to->items[0]), 0);
      return b.CreateInsertValue(out, b.getTrue(), 1);
    }
    case Kind::kFunctionSet: {  // pycells: a function's position in the set, or a smaller set's remapped
      auto position = [&](const typing::Type* f) {
        for (size_t k = 0; k < to->items.size(); ++k)
          if (to->items[k] == f) return static_cast<int64_t>(k);
        return int64_t{0};  // typing made `to` from `from`: never reached
      };
      if (from->kind == Kind::kFunction) return b.getInt64(static_cast<uint64_t>(position(from)));
      if (from->kind != Kind::kFunctionSet) break;
      llvm::Value* out = b.getInt64(static_cast<uint64_t>(position(from->items[0])));
      for (size_t k = 1; k < from->items.size(); ++k)
        out = b.CreateSelect(b.CreateICmpEQ(v, b.getInt64(k)), b.getInt64(static_cast<uint64_t>(position(from->items[k]))), out);
      return out;
    }
    case Kind::kEnumMember:  // enums: typing joins only members of one class
    case Kind::kRecord:  // records: typing joins only equal records
    case Kind::kNPGenerator:  // npgen: typing joins only equal generator types
    case Kind::kStructRef:  // structref: typing joins only equal StructRef types
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kArray:  // layouts differ only in what typing knows; the struct is the same
    case Kind::kDict:   // dicts: {} refined to its type is the same struct
    case Kind::kList:   // lists: typing makes every list reaching a join one type
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kStr:
    case Kind::kRange:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
      break;
  }
  // Types typing unified but that carry no convertible content.
  return v->getType() == dst ? v : llvm::PoisonValue::get(dst);
}

}  // namespace kiln::lowering
