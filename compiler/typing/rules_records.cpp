// records: structured dtypes, typed as Numba types them. A record
// ("Record(a[type=int16;offset=0],b[type=float64;offset=8];16;True)") is one
// element of a structured array, carried as a pointer to its bytes, so that
// r = a[i]; r.x = 1 writes to the array as in Numba and NumPy. Its fields
// are read and written by name (r.x, r['x'], a constant string variable)
// or by position (r[0]); a field of an array of records (a.x, a['x']) is a
// strided view of the same memory, with the field's dtype. The whole type,
// names, field types, offsets, itemsize and alignment, is its spelling, so
// it is in the cache key exactly.
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"

namespace kiln::typing {

namespace {

// The constant a value is: a literal, or a frozen global.
const compiler::Constant* constantOf(const ir::Value* v, const compiler::Function& fn) {
  const ir::Instr* def = v->def;
  if (!def) return nullptr;
  if (def->op == ir::Op::kConst) return &def->const_value;
  if (def->op == ir::Op::kLoadGlobal) {
    const compiler::GlobalRef* g = fn.global(def->name);
    return g && g->kind == compiler::GlobalRef::Kind::kConstant ? &g->value : nullptr;
  }
  return nullptr;
}

}  // namespace

const std::string* constantName(const ir::Value* v, const compiler::Function& fn) {
  if (const std::string* s = constantStr(v)) return s;
  // records3: a frozen str global, or a closure's captured str (its free
  // variable is frozen like a global, so it is a compile-time constant).
  if (const compiler::Constant* c = constantOf(v, fn); c && c->kind == compiler::Constant::Kind::kStr) return &c->s;
  const ir::Instr* def = v->def;
  // fs[1] of a constant tuple (a literal, a global, literal_unroll's item).
  if (!def || def->op != ir::Op::kGetItem) return nullptr;
  const compiler::Constant* tuple = constantOf(def->operands[0], fn);
  const compiler::Constant* index = constantOf(def->operands[1], fn);
  if (!tuple || !index || tuple->kind != compiler::Constant::Kind::kTuple || index->kind != compiler::Constant::Kind::kInt)
    return nullptr;
  const int64_t n = static_cast<int64_t>(tuple->items.size());
  const int64_t k = index->i < 0 ? index->i + n : index->i;
  if (k < 0 || k >= n || tuple->items[static_cast<size_t>(k)].kind != compiler::Constant::Kind::kStr) return nullptr;
  return &tuple->items[static_cast<size_t>(k)].s;
}

int recordFieldAt(const Type* rec, const ir::Value* index, const compiler::Function& fn) {
  if (const std::string* name = constantName(index, fn)) return rec->recordField(*name);
  const ir::Instr* def = index->def;
  if (def && def->op == ir::Op::kConst && def->const_value.kind == compiler::Constant::Kind::kInt) {
    const int64_t n = static_cast<int64_t>(rec->items.size());
    const int64_t k = def->const_value.i < 0 ? def->const_value.i + n : def->const_value.i;
    return k >= 0 && k < n ? static_cast<int>(k) : -1;
  }
  return -1;
}

const Type* recordFieldValue(TypeContext& tc, const Type* field, bool readonly) {
  // records2: a subarray field reads as a C array view of its bytes, as Numba's.
  if (field->kind == Kind::kNestedArray) return tc.array(field->items[0], field->ndim, 'C', readonly);
  if (field->isRecord()) return tc.recordView(field, readonly);  // rorecord: a view of the parent's bytes
  // charseq: an S field reads as bytes (Numba's CharSeq): a read-only Bytes view of the field, trailing NULs cut
  if (field->kind == Kind::kUnicodeCharSeq && field->name == "char") return *tc.parse("Bytes(uint8, 1d, C)");
  return field->kind == Kind::kUnicodeCharSeq ? tc.str() : field;
}

const Type* recordArrayField(TypeContext& tc, const Type* array, const std::string& name) {
  if (!array->isArray() || !array->dtype()->isRecord()) return nullptr;
  const int k = array->dtype()->recordField(name);
  if (k < 0) return nullptr;
  // Strided by the record's itemsize: any layout (Numba's 'A').
  const Type* field = array->dtype()->items[static_cast<size_t>(k)];
  if (field->kind == Kind::kUnicodeCharSeq) {  // records: an S or U field, a char array (chararrays) of the same memory
    if (field->name != "char") return tc.array(field, array->ndim, 'A', array->readonly);
    absl::StatusOr<const Type*> chars = tc.parse(absl::StrCat("array([char x ", field->index, "], 1d, C)"));
    if (!chars.ok() || !isCharDtype((*chars)->dtype())) return nullptr;
    return tc.array((*chars)->dtype(), array->ndim, 'A', array->readonly);
  }
  if (field->kind == Kind::kNestedArray)  // records2: the array's dimensions, then the subarray's
    return tc.array(field->items[0], array->ndim + field->ndim, 'A', array->readonly);
  return tc.array(array->dtype()->items[static_cast<size_t>(k)], array->ndim, 'A', array->readonly);
}

std::string recordStoreProblem(const Type* field, const Type* value) {
  if (field->kind == Kind::kUnicodeCharSeq) return absl::StrCat("storing into a string field (", field->str(), ") of a record is not supported yet");
  if (field->kind == Kind::kNestedArray) {  // records3: r.x = arr copies (broadcast) into the subarray
    const Type* e = value->isArray() ? value->dtype() : enumAsNumber(value);
    const bool fits = e->isNumber() && (e->kind != Kind::kComplex || field->items[0]->kind == Kind::kComplex) &&
                      !e->isDatetimeLike() && !field->items[0]->isDatetimeLike() &&
                      (!value->isArray() || value->ndim <= field->ndim);
    if (fits) return "";
    return absl::StrCat("cannot store ", value->str(), " into a subarray field of type ", field->str());
  }
  if (field->isRecord()) {
    if (value->isRecord() && value->name == field->name) return "";  // rorecord: a read-only one too (a copy of its bytes)
    return absl::StrCat("cannot store ", value->str(), " into a field of type ", field->str());
  }
  const Type* v = enumAsNumber(value);
  const bool fits = v->isNumber() && (v->kind != Kind::kComplex || field->kind == Kind::kComplex) &&
                    (!field->isDatetimeLike() || v == field);
  if (fits || (field->isDatetimeLike() && value == field)) return "";
  return absl::StrCat("cannot store ", value->str(), " into a record field of type ", field->str());
}

std::string recordNoField(const Type* rec, const std::string& name) {
  // Numba's words.
  std::string fields;
  for (size_t k = 0; k < rec->field_names.size(); ++k)
    absl::StrAppend(&fields, k > 0 ? ", " : "", "'", rec->field_names[k], "'");
  if (rec->field_names.size() == 1) fields += ",";
  return absl::StrCat("Field '", name, "' was not found in record with fields (", fields, ")");
}

std::string recordIndexProblem(const Type* rec, const ir::Value* index, const compiler::Function& fn) {
  if (const std::string* name = constantName(index, fn)) return recordNoField(rec, *name);
  if (index->type->kind == Kind::kStr)
    return "a record is indexed by a constant field name only (a string literal or a variable holding one)";
  if (index->type->kind == Kind::kInt) return "a record is indexed by a constant field position only";
  return absl::StrCat("a record cannot be indexed with ", index->type->str());
}

}  // namespace kiln::typing
