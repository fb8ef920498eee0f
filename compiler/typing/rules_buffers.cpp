// buffers: see rules_buffers.h.
#include "compiler/typing/rules_buffers.h"

#include "absl/strings/str_cat.h"

namespace kiln::typing {

const Type* bufferAttr(TypeContext& tc, const Type* buffer, const std::string& attr) {
  if (!isBuffer(buffer) || buffer->name != "memoryview") return nullptr;
  if (attr == "readonly" || attr == "contiguous" || attr == "c_contiguous" || attr == "f_contiguous") return tc.boolean();
  return nullptr;
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
