// buffers: see rules_buffers.h.
#include "compiler/typing/rules_buffers.h"

#include "absl/strings/str_cat.h"

namespace kiln::typing {

const Type* bufferAttr(TypeContext& tc, const Type* buffer, const std::string& attr) {
  if (!isBuffer(buffer) || buffer->name != "memoryview") return nullptr;
  if (attr == "readonly" || attr == "contiguous" || attr == "c_contiguous" || attr == "f_contiguous") return tc.boolean();
  return nullptr;
}

absl::StatusOr<const Type*> bytesOfCall(TypeContext& tc, const std::vector<const Type*>& args) {
  if (args.size() != 1 || !args[0]->isArray() || !args[0]->name.empty() || args[0]->ndim != 1 ||
      args[0]->layout != 'C' || args[0]->dtype()->kind != Kind::kInt || args[0]->dtype()->bits != 8 ||
      args[0]->dtype()->is_signed)
    return absl::InternalError(absl::StrCat("kiln.bytes.of() takes a 1-d C uint8 array, not ",
                                            args.empty() ? std::string("nothing") : args[0]->str()));
  return tc.parse("Bytes(uint8, 1d, C)");
}

absl::StatusOr<const Type*> strOfCodesCall(TypeContext& tc, const std::vector<const Type*>& args) {
  if (args.size() != 1 || !args[0]->isArray() || args[0]->ndim != 1 || args[0]->layout != 'C' ||
      args[0]->dtype()->kind != Kind::kInt || args[0]->dtype()->is_signed ||
      (args[0]->dtype()->bits != 8 && args[0]->dtype()->bits != 16 && args[0]->dtype()->bits != 32))
    return absl::InternalError(absl::StrCat("kiln.str.of() takes a 1-d C uint8, uint16 or uint32 array, not ",
                                            args.empty() ? std::string("nothing") : args[0]->str()));
  return tc.str();
}

const Type* bytesType(TypeContext& tc) { return *tc.parse("Bytes(uint8, 1d, C)"); }

const Type* bytesBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b) {
  auto count = [](const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; };
  const bool bytes = (op == ir::BinaryOp::kAdd && isBytes(a) && isBytes(b)) ||
                     (op == ir::BinaryOp::kMul && ((isBytes(a) && count(b)) || (count(a) && isBytes(b))));
  return bytes ? bytesType(tc) : nullptr;
}

std::string bufferIndexProblem(const Type* buffer, const Type* index) {
  if (!isBuffer(buffer) || index->kind != Kind::kSlice) return "";
  if (buffer->name != "bytearray" && buffer->name != "pyarray") return "";
  // Numba's words: no getitem for a slice of a mutable buffer.
  return absl::StrCat("No implementation of function getitem found for signature: getitem(", buffer->str(),
                      ", slice3_type): slicing a ", buffer->name == "pyarray" ? "array.array" : "bytearray",
                      " would copy it, which compiled code does not do");
}

}  // namespace kiln::typing
