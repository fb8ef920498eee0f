#include "base/type_grammar.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/type_parser.h"

namespace kiln::base {
namespace {

// NEP 50: the mark of a strong scalar's spelling ("np.float64").
constexpr char kStrongPrefix[] = "np.";

// buffers: the exporters whose buffers an argument may be (Numba's Buffer types).
bool isBufferName(absl::string_view name) {
  return name == "Bytes" || name == "bytearray" || name == "memoryview" || name == "pyarray";
}

struct ScalarRow {
  const char* name;
  int size;
};
constexpr ScalarRow kScalarRows[] = {
#define KILN_SCALAR(Name, canonical, size) {canonical, size},
#include "base/type_names.def"
};

// datetime: the datetime64/timedelta64 rows.
struct DatetimeRow {
  Scalar scalar;
  bool is_timedelta;
  const char* unit;
};
constexpr DatetimeRow kDatetimeRows[] = {
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) {Scalar::k##Name, is_timedelta, unit},
#include "base/type_names.def"
};

struct AliasRow {
  absl::string_view spelling;
  Scalar scalar;
};
constexpr AliasRow kAliases[] = {
#define KILN_SCALAR_ALIAS(spelling, Name) {spelling, Scalar::k##Name},
#include "base/type_names.def"
};

struct RefusedRow {
  absl::string_view spelling;
  const char* why;
};
constexpr RefusedRow kRefused[] = {
#define KILN_REFUSED_NAME(spelling, why) {spelling, why},
#include "base/type_names.def"
};

void print(const TypeSyntax& t, std::string* out) {
  if (!t.enum_class.empty()) {  // enums: the class, then the value's type
    TypeSyntax value = t;
    value.enum_class.clear();
    value.int_enum = false;
    absl::StrAppend(out, t.int_enum ? "IntEnumMember(" : "EnumMember(", t.enum_class, ", ");
    print(value, out);
    out->append(")");
    return;
  }
  if (t.dtype_form != 0) {  // dtypes: the class or dtype object of a scalar (flatimag: or of a record)
    out->append(t.dtype_form == 'c' ? "class(" : "dtype(");
    TypeSyntax inner = t;
    inner.dtype_form = 0;
    print(inner, out);
    out->append(")");
    return;
  }
  switch (t.kind) {
    case TypeSyntax::Kind::kScalar:
      if (t.strong) out->append(kStrongPrefix);  // NEP 50: np.float64
      out->append(scalarName(t.scalar));
      return;
    case TypeSyntax::Kind::kNone: out->append("none"); return;
    case TypeSyntax::Kind::kUnicode: out->append("unicode_type"); return;
    case TypeSyntax::Kind::kSlice: out->append(kSliceTypeName); return;  // slices2:
    case TypeSyntax::Kind::kEllipsis: out->append(kEllipsisTypeName); return;  // pyvals:
    case TypeSyntax::Kind::kNPGenerator:  // npgen:
      absl::StrAppend(out, "NumPyRandomGeneratorType(", t.named, ")");
      return;
    case TypeSyntax::Kind::kStructRef:  // structref:
      absl::StrAppend(out, "StructRef(", t.named);
      for (const TypeSyntax& item : t.items) {
        out->append(", ");
        print(item, out);
      }
      out->append(")");
      return;
    case TypeSyntax::Kind::kArray:
      // buffers: a bytes/bytearray/memoryview/array.array argument is an array named for its
      // exporter (`named`); Bytes is always read-only and spelled without the prefix.
      absl::StrAppend(out, t.readonly && t.named != "Bytes" ? "readonly " : "", t.named.empty() ? "array" : t.named, "(");
      if (!t.items.empty()) print(t.items[0], out);  // records: an array of records
      else out->append(scalarName(t.scalar));
      absl::StrAppend(out, ", ", t.ndim, "d, ", std::string(1, t.layout), ")");
      return;
    case TypeSyntax::Kind::kCharSeq:  // records: a U field; charseq: an S field ("[char x N]", named "char")
      absl::StrAppend(out, t.named == "char" ? "[char x " : "[unichr x ", t.count, "]");
      return;
    case TypeSyntax::Kind::kNestedArray:  // records2: a subarray field, Numba's nestedarray(float64, (3,))
      absl::StrAppend(out, "nestedarray(", scalarName(t.scalar), ", (", absl::StrJoin(t.shape, ", "),
                      t.shape.size() == 1 ? ",))" : "))");
      return;
    case TypeSyntax::Kind::kRecord:  // records: Numba's Record(a[type=int16;offset=0],...;size;aligned)
      out->append(t.readonly ? "readonly Record(" : "Record(");  // rorecord: an element of read-only memory
      for (size_t i = 0; i < t.items.size(); ++i) {
        absl::StrAppend(out, i > 0 ? "," : "", t.field_names[i], "[type=");
        print(t.items[i], out);
        absl::StrAppend(out, ";offset=", t.field_offsets[i]);
        if (!t.field_titles[i].empty()) absl::StrAppend(out, ";title=", t.field_titles[i]);
        out->append("]");
      }
      absl::StrAppend(out, ";", t.count, ";", t.aligned ? "True" : "False", ")");
      return;
    case TypeSyntax::Kind::kUniTuple:
      if (!t.named.empty()) {  // namedtuples:
        absl::StrAppend(out, "NamedUniTuple(", t.named, ", ");
        print(t.items[0], out);
        absl::StrAppend(out, " x ", t.count, ")");
        return;
      }
      out->append("UniTuple(");
      print(t.items[0], out);
      absl::StrAppend(out, ", ", t.count, ")");
      return;
    case TypeSyntax::Kind::kDict:  // dicts: DictType[key, value]
      if (t.set) {  // sets:
        out->append(t.reflected ? "reflected set(" : "set(");
        print(t.items[0], out);
        out->append(")");
        return;
      }
      out->append("DictType[");
      print(t.items[0], out);
      out->append(", ");
      print(t.items[1], out);
      out->append("]");
      return;
    case TypeSyntax::Kind::kList:  // lists
      if (t.typed) {  // tlist: Numba's spelling of its typed List
        out->append("ListType[");
        print(t.items[0], out);
        out->append("]");
        return;
      }
      out->append(t.reflected ? "reflected list(" : "list(");
      print(t.items[0], out);
      out->append(")");
      return;
    case TypeSyntax::Kind::kOptional:  // optional: Numba's spelling
      out->append("OptionalType(");
      print(t.items[0], out);
      out->append(")");
      return;
    case TypeSyntax::Kind::kTuple:
      if (!t.named.empty()) absl::StrAppend(out, "NamedTuple(", t.named, t.items.empty() ? "" : ", ");  // namedtuples:
      else out->append("Tuple(");
      for (size_t i = 0; i < t.items.size(); ++i) {
        if (i > 0) out->append(", ");
        print(t.items[i], out);
      }
      out->append(")");
      return;
  }
}

}  // namespace

const char* scalarName(Scalar s) { return kScalarRows[static_cast<int>(s)].name; }
int scalarSize(Scalar s) { return kScalarRows[static_cast<int>(s)].size; }

ScalarConversion scalarConversion(Scalar from, Scalar to) {
  if (from == to) return ScalarConversion::kExact;
  auto is_signed = [](Scalar s) {
    return s == Scalar::kInt8 || s == Scalar::kInt16 || s == Scalar::kInt32 || s == Scalar::kInt64;
  };
  auto is_unsigned = [](Scalar s) {
    return s == Scalar::kUint8 || s == Scalar::kUint16 || s == Scalar::kUint32 || s == Scalar::kUint64;
  };
  auto is_int = [&](Scalar s) { return is_signed(s) || is_unsigned(s); };
  auto is_float = [](Scalar s) { return s == Scalar::kFloat16 || s == Scalar::kFloat32 || s == Scalar::kFloat64; };
  auto is_complex = [](Scalar s) { return s == Scalar::kComplex64 || s == Scalar::kComplex128; };
  const bool wider = scalarSize(to) > scalarSize(from);
  bool safe = false;
  if (from == Scalar::kBool) {
    safe = is_int(to) || is_float(to);
  } else if (is_signed(from)) {
    safe = (is_signed(to) && wider) || to == Scalar::kFloat64;
  } else if (is_unsigned(from)) {
    safe = (is_int(to) && wider) || to == Scalar::kFloat64;
  } else if (from == Scalar::kFloat16 || from == Scalar::kFloat32) {
    safe = (is_float(to) && wider) || is_complex(to);
  } else if (from == Scalar::kFloat64) {
    safe = to == Scalar::kComplex128;
  }
  if (safe) return ScalarConversion::kSafe;
  if ((is_int(from) && is_int(to)) || (is_float(from) && is_float(to)) || (is_complex(from) && is_complex(to)))
    return ScalarConversion::kUnsafe;
  return ScalarConversion::kNone;
}

absl::StatusOr<Scalar> scalarFromName(absl::string_view name) {
  for (size_t i = 0; i < std::size(kScalarRows); ++i)
    if (name == kScalarRows[i].name) return static_cast<Scalar>(i);
  for (const AliasRow& a : kAliases)
    if (name == a.spelling) return a.scalar;
  for (const RefusedRow& r : kRefused)
    if (name == r.spelling) return absl::InvalidArgumentError(absl::StrCat("type name '", name, "' ", r.why));
  return absl::InvalidArgumentError(absl::StrCat("unknown type '", name, "'"));
}

bool scalarIsDatetime(Scalar s, bool* is_timedelta, const char** unit) {
  for (const DatetimeRow& r : kDatetimeRows)
    if (r.scalar == s) {
      if (is_timedelta) *is_timedelta = r.is_timedelta;
      if (unit) *unit = r.unit;
      return true;
    }
  return false;
}

bool datetimeScalar(bool is_timedelta, absl::string_view unit, Scalar* out) {
  for (const DatetimeRow& r : kDatetimeRows)
    if (r.is_timedelta == is_timedelta && unit == r.unit) {
      *out = r.scalar;
      return true;
    }
  return false;
}

bool scalarHasPythonTwin(Scalar s) {
  return s == Scalar::kBool || s == Scalar::kInt64 || s == Scalar::kFloat64 || s == Scalar::kComplex128;
}

std::vector<std::pair<std::string, Scalar>> scalarSpellings() {
  std::vector<std::pair<std::string, Scalar>> out;
  for (size_t i = 0; i < std::size(kScalarRows); ++i) out.emplace_back(kScalarRows[i].name, static_cast<Scalar>(i));
  for (const AliasRow& a : kAliases) out.emplace_back(std::string(a.spelling), a.scalar);
  return out;
}

TypeSyntax TypeSyntax::scalarType(Scalar s) {
  TypeSyntax t;
  t.kind = Kind::kScalar;
  t.scalar = s;
  return t;
}

TypeSyntax TypeSyntax::array(Scalar dtype, int ndim, char layout) {
  TypeSyntax t;
  t.kind = Kind::kArray;
  t.scalar = dtype;
  t.ndim = ndim;
  // A 0-d or 1-d contiguous array is both C and F; it is spelled C.
  t.layout = layout == 'F' && ndim <= 1 ? 'C' : layout;
  return t;
}

TypeSyntax TypeSyntax::tuple(std::vector<TypeSyntax> items) {
  TypeSyntax t;
  bool uniform = !items.empty();
  for (size_t i = 1; i < items.size() && uniform; ++i) uniform = items[i] == items[0];
  if (uniform) {
    t.kind = Kind::kUniTuple;
    t.count = static_cast<int64_t>(items.size());
    items.resize(1);
  } else {
    t.kind = Kind::kTuple;
  }
  t.items = std::move(items);
  return t;
}

bool operator==(const TypeSyntax& a, const TypeSyntax& b) {
  if (a.kind != b.kind || a.named != b.named) return false;  // namedtuples: the class too
  if (a.enum_class != b.enum_class || a.int_enum != b.int_enum) return false;  // enums: the class too
  if (a.dtype_form != b.dtype_form) return false;  // dtypes: class(T), dtype(T) and T differ
  switch (a.kind) {
    case TypeSyntax::Kind::kScalar: return a.scalar == b.scalar && a.strong == b.strong;  // NEP 50
    case TypeSyntax::Kind::kNone:
    case TypeSyntax::Kind::kUnicode:
    case TypeSyntax::Kind::kSlice: return true;  // slices2:
    case TypeSyntax::Kind::kEllipsis: return true;  // pyvals:
    case TypeSyntax::Kind::kNPGenerator: return true;  // npgen: the class is `named`, compared above
    case TypeSyntax::Kind::kStructRef: return a.items == b.items;  // structref: the class is `named`
    case TypeSyntax::Kind::kArray:
      return a.scalar == b.scalar && a.ndim == b.ndim && a.layout == b.layout && a.readonly == b.readonly &&
             a.items == b.items;  // records: the record of an array of records
    case TypeSyntax::Kind::kCharSeq: return a.count == b.count;  // records:
    case TypeSyntax::Kind::kNestedArray: return a.scalar == b.scalar && a.shape == b.shape;  // records2:
    case TypeSyntax::Kind::kRecord:  // records:
      return a.count == b.count && a.aligned == b.aligned && a.readonly == b.readonly && a.field_names == b.field_names &&
             a.field_offsets == b.field_offsets && a.field_titles == b.field_titles && a.items == b.items;
    case TypeSyntax::Kind::kUniTuple: return a.count == b.count && a.items[0] == b.items[0];
    case TypeSyntax::Kind::kTuple:
    case TypeSyntax::Kind::kDict: return a.set == b.set && a.reflected == b.reflected && a.items == b.items;  // sets
    case TypeSyntax::Kind::kList: return a.reflected == b.reflected && a.typed == b.typed && a.items == b.items;
    case TypeSyntax::Kind::kOptional: return a.items == b.items;  // optional:
  }
  return false;
}

absl::StatusOr<TypeSyntax> parseType(absl::string_view text) {
  internal::TypeParser p(text);
  absl::StatusOr<TypeSyntax> t = p.type();
  if (!t.ok()) return t.status();
  if (!p.atEnd()) return p.error("unexpected text after the type");
  return t;
}

std::string printType(const TypeSyntax& type) {
  std::string out;
  print(type, &out);
  return out;
}

namespace {
void dropStrong(TypeSyntax& t) {
  t.strong = false;
  for (TypeSyntax& item : t.items) dropStrong(item);
}
}  // namespace

std::string numbaSpelling(const TypeSyntax& type) {
  TypeSyntax weak = type;
  dropStrong(weak);
  return printType(weak);
}

TypeSyntax declaredArgument(TypeSyntax type) {
  if (type.kind == TypeSyntax::Kind::kScalar && type.dtype_form == 0 && type.enum_class.empty() &&
      scalarHasPythonTwin(type.scalar))
    type.strong = true;
  return type;
}

absl::StatusOr<std::string> canonicalType(absl::string_view text) {
  absl::StatusOr<TypeSyntax> t = parseType(text);
  if (!t.ok()) return t.status();
  return printType(*t);
}

namespace internal {

void TypeParser::skipSpace() {
  while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
}

bool TypeParser::atEnd() {
  skipSpace();
  return pos_ == text_.size();
}

bool TypeParser::peek(char c) {
  skipSpace();
  return pos_ < text_.size() && text_[pos_] == c;
}

absl::Status TypeParser::error(absl::string_view what) const {
  // Quote long inputs (a hostile 10k-level nesting) by their head only.
  constexpr size_t kQuoted = 120;
  absl::string_view shown = text_.substr(0, kQuoted);
  return absl::InvalidArgumentError(absl::StrCat(what, " at column ", pos_ + 1, " in '", shown,
                                                 text_.size() > kQuoted ? "...'" : "'"));
}

absl::Status TypeParser::expect(char c) {
  if (peek(c)) {
    ++pos_;
    return absl::OkStatus();
  }
  if (pos_ == text_.size()) return error(absl::StrCat("expected '", std::string(1, c), "' but the text ended"));
  return error(absl::StrCat("expected '", std::string(1, c), "', found '", std::string(1, text_[pos_]), "'"));
}

absl::string_view TypeParser::identifier() {
  skipSpace();
  const size_t start = pos_;
  while (pos_ < text_.size() &&
         (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
    ++pos_;
  return text_.substr(start, pos_ - start);
}

absl::string_view TypeParser::withUnit(absl::string_view name) {
  // datetime: "datetime64[ns]", "timedelta64[]" name one scalar; the
  // brackets of "datetime64[:]" are an array's dimensions.
  if ((name != "datetime64" && name != "timedelta64") || pos_ >= text_.size() || text_[pos_] != '[') return name;
  size_t end = pos_ + 1;
  while (end < text_.size() && absl::ascii_isalpha(static_cast<unsigned char>(text_[end]))) ++end;
  if (end >= text_.size() || text_[end] != ']') return name;
  pos_ = end + 1;
  return text_.substr(static_cast<size_t>(name.data() - text_.data()), pos_ - static_cast<size_t>(name.data() - text_.data()));
}

absl::StatusOr<int64_t> TypeParser::number(int64_t max, absl::string_view too_large) {
  skipSpace();
  const size_t start = pos_;
  int64_t n = 0;
  while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
    n = n * 10 + (text_[pos_] - '0');
    ++pos_;
    if (n > max) {
      pos_ = start;
      return error(too_large);
    }
  }
  if (pos_ == start) return error("expected a number");
  return n;
}

TypeParser::Sized TypeParser::tupleOf(std::vector<TypeSyntax> items, int64_t scalars) {
  if (static_cast<int64_t>(items.size()) > kMaxTupleLength)
    return fail(error(absl::StrCat("tuple of more than ", kMaxTupleLength, " items")));
  Sized out;
  out.type = TypeSyntax::tuple(std::move(items));
  out.scalars = scalars;
  return out;
}

absl::Status TypeParser::list(int depth, char close, std::vector<TypeSyntax>* items, int64_t* scalars) {
  *scalars = 0;
  while (!peek(close)) {
    Sized item = type(depth + 1);
    if (!item.status.ok()) return item.status;
    *scalars += item.scalars;
    if (*scalars > kMaxTypeScalars) return error(absl::StrCat("type of more than ", kMaxTypeScalars, " scalars"));
    items->push_back(std::move(item.type));
    if (static_cast<int64_t>(items->size()) > kMaxTupleLength)
      return error(absl::StrCat("tuple of more than ", kMaxTupleLength, " items"));
    if (peek(',')) {
      ++pos_;
      continue;
    }
    if (!peek(close)) {
      if (atEnd()) return error(absl::StrCat("expected '", std::string(1, close), "' but the text ended"));
      return error(absl::StrCat("expected ',' or '", std::string(1, close), "', found '", std::string(1, text_[pos_]),
                                "'"));
    }
  }
  ++pos_;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TypeSyntax>> TypeParser::parenthesisedList() {
  if (absl::Status s = expect('('); !s.ok()) return s;
  std::vector<TypeSyntax> items;
  int64_t scalars = 0;
  if (absl::Status s = list(0, ')', &items, &scalars); !s.ok()) return s;
  return items;
}

absl::StatusOr<std::vector<TypeSyntax>> TypeParser::bareList() {
  std::vector<TypeSyntax> items;
  while (!atEnd()) {
    Sized item = type(0);
    if (!item.status.ok()) return item.status;
    items.push_back(std::move(item.type));
    if (atEnd()) break;
    if (absl::Status s = expect(','); !s.ok()) return s;
  }
  return items;
}

// records2: the bytes of a subarray field.
static int64_t nestedArrayBytes(const TypeSyntax& t) {
  int64_t n = scalarSize(t.scalar);
  for (int64_t d : t.shape) n *= d;
  return n;
}

TypeParser::Sized TypeParser::record(int depth) {
  // records: "Record(" already read: fields, then ";" size ";" aligned ")".
  Sized out;
  out.type.kind = TypeSyntax::Kind::kRecord;
  out.scalars = 1;
  while (true) {
    absl::string_view name = identifier();
    if (name.empty()) return fail(error("expected a record field name"));
    if (absl::Status s = expect('['); !s.ok()) return fail(s);
    if (identifier() != "type") return fail(error("expected 'type=' in a record field"));
    if (absl::Status s = expect('='); !s.ok()) return fail(s);
    Sized field;
    if (peek('[')) {  // a NumPy U field: "[unichr x N]"; charseq: an S field, "[char x N]"
      ++pos_;
      const absl::string_view chars = identifier();
      if ((chars != "unichr" && chars != "char") || identifier() != "x") return fail(error("expected '[unichr x N]'"));
      if (chars == "char") field.type.named = "char";
      absl::StatusOr<int64_t> n = number(int64_t{1} << 30, "a string field too long");
      if (!n.ok()) return fail(n.status());
      if (*n < 1) return fail(error("a string field holds at least one character"));
      if (absl::Status s = expect(']'); !s.ok()) return fail(s);
      field.type.kind = TypeSyntax::Kind::kCharSeq;
      field.type.count = *n;
      field.scalars = 1;
    } else if (absl::StartsWith(text_.substr(pos_), "nestedarray(")) {  // records2: a subarray field
      field = nestedArray();
      if (!field.status.ok()) return field;
    } else {
      field = type(depth + 1);
      if (!field.status.ok()) return field;
    }
    if (field.type.kind != TypeSyntax::Kind::kScalar && field.type.kind != TypeSyntax::Kind::kRecord &&
        field.type.kind != TypeSyntax::Kind::kCharSeq && field.type.kind != TypeSyntax::Kind::kNestedArray)
      return fail(error("a record field is a scalar, a record, a string or a subarray"));
    if (field.type.readonly)  // rorecord: read-only is the whole record's memory, not a field's
      return fail(error("a record field is not read-only on its own"));
    if (absl::Status s = expect(';'); !s.ok()) return fail(s);
    if (identifier() != "offset") return fail(error("expected 'offset=' in a record field"));
    if (absl::Status s = expect('='); !s.ok()) return fail(s);
    absl::StatusOr<int64_t> offset = number(int64_t{1} << 40, "a record field offset too large");
    if (!offset.ok()) return fail(offset.status());
    absl::string_view title;
    if (peek(';')) {  // records: ";title=" name
      ++pos_;
      if (identifier() != "title") return fail(error("expected 'title=' in a record field"));
      if (absl::Status s = expect('='); !s.ok()) return fail(s);
      title = identifier();
      if (title.empty()) return fail(error("expected a record field title"));
    }
    if (absl::Status s = expect(']'); !s.ok()) return fail(s);
    out.type.field_titles.emplace_back(title);
    out.type.field_names.emplace_back(name);
    out.type.field_offsets.push_back(*offset);
    out.scalars += field.scalars;
    if (out.scalars > kMaxTypeScalars) return fail(error(absl::StrCat("type of more than ", kMaxTypeScalars, " scalars")));
    out.type.items.push_back(std::move(field.type));
    if (static_cast<int64_t>(out.type.items.size()) > kMaxTupleLength)
      return fail(error(absl::StrCat("record of more than ", kMaxTupleLength, " fields")));
    if (peek(',')) {
      ++pos_;
      continue;
    }
    break;
  }
  if (absl::Status s = expect(';'); !s.ok()) return fail(s);
  absl::StatusOr<int64_t> size = number(int64_t{1} << 40, "a record size too large");
  if (!size.ok()) return fail(size.status());
  if (absl::Status s = expect(';'); !s.ok()) return fail(s);
  absl::string_view aligned = identifier();
  if (aligned != "True" && aligned != "False") return fail(error("expected True or False (the record's alignment)"));
  if (absl::Status s = expect(')'); !s.ok()) return fail(s);
  out.type.count = *size;
  out.type.aligned = aligned == "True";
  // Every field lies inside the record.
  for (size_t i = 0; i < out.type.items.size(); ++i) {
    const TypeSyntax& f = out.type.items[i];
    const int64_t bytes = f.kind == TypeSyntax::Kind::kRecord    ? f.count
                          : f.kind == TypeSyntax::Kind::kCharSeq ? (f.named == "char" ? 1 : 4) * f.count
                          : f.kind == TypeSyntax::Kind::kNestedArray ? nestedArrayBytes(f)
                                                                 : scalarSize(f.scalar);
    if (out.type.field_offsets[i] + bytes > out.type.count)
      return fail(error(absl::StrCat("record field '", out.type.field_names[i], "' lies outside the record")));
  }
  return out;
}

TypeParser::Sized TypeParser::nestedArray() {
  // records2: "nestedarray(" scalar ", (" N {", " N} [","] "))".
  pos_ += std::string_view("nestedarray(").size();
  Sized out;
  out.type.kind = TypeSyntax::Kind::kNestedArray;
  out.scalars = 1;
  absl::StatusOr<Scalar> s = scalarFromName(withUnit(identifier()));
  if (!s.ok()) return fail(error("expected the scalar dtype of a subarray field"));
  out.type.scalar = *s;
  if (absl::Status st = expect(','); !st.ok()) return fail(st);
  if (absl::Status st = expect('('); !st.ok()) return fail(st);
  int64_t elements = 1;
  while (!peek(')')) {
    absl::StatusOr<int64_t> n = number(int64_t{1} << 30, "a subarray dimension too large");
    if (!n.ok()) return fail(n.status());
    elements *= std::max<int64_t>(*n, 1);
    if (elements > (int64_t{1} << 30)) return fail(error("a subarray field too large"));
    out.type.shape.push_back(*n);
    if (static_cast<int>(out.type.shape.size()) > kMaxArrayDims)
      return fail(error(absl::StrCat("a subarray has at most ", kMaxArrayDims, " dimensions")));
    if (!peek(',')) break;
    ++pos_;
  }
  if (out.type.shape.empty()) return fail(error("a subarray field has at least one dimension"));
  if (absl::Status st = expect(')'); !st.ok()) return fail(st);
  if (absl::Status st = expect(')'); !st.ok()) return fail(st);
  out.type.ndim = static_cast<int>(out.type.shape.size());
  return out;
}

absl::Status TypeParser::arrayTail(int* ndim, char* layout) {
  if (absl::Status s = expect(','); !s.ok()) return s;
  absl::StatusOr<int64_t> nd = number(kMaxArrayDims, absl::StrCat("an array has at most ", kMaxArrayDims, " dimensions"));
  if (!nd.ok()) return nd.status();
  if (pos_ >= text_.size() || text_[pos_] != 'd') return error("expected 'Nd' (the number of dimensions)");
  ++pos_;
  if (absl::Status s = expect(','); !s.ok()) return s;
  absl::string_view l = identifier();
  if (l != "C" && l != "F" && l != "A") return error("expected the array layout C, F or A");
  if (absl::Status s = expect(')'); !s.ok()) return s;
  *ndim = static_cast<int>(*nd);
  *layout = l[0];
  return absl::OkStatus();
}

TypeParser::Sized TypeParser::arrayCall(int depth) {
  // "array(" already read: dtype, Nd, layout ")".
  const size_t at = pos_;
  if (peek('[')) {  // chararrays: a NumPy U array, "array([unichr x N], 1d, C)" (its items typed as a U field's); S: [char x N]
    ++pos_;
    const absl::string_view chars = identifier();
    if ((chars != "unichr" && chars != "char") || identifier() != "x") return fail(error("expected '[unichr x N]'"));
    absl::StatusOr<int64_t> n = number(int64_t{1} << 30, "a string dtype too long");
    if (!n.ok()) return fail(n.status());
    if (*n < 1) return fail(error("a string dtype holds at least one character"));
    if (absl::Status s = expect(']'); !s.ok()) return fail(s);
    int nd = 0;
    char layout = 'C';
    if (absl::Status s = arrayTail(&nd, &layout); !s.ok()) return fail(s);
    Sized out;
    out.type = TypeSyntax::array(Scalar::kUint8, nd, layout);
    TypeSyntax item;
    item.kind = TypeSyntax::Kind::kCharSeq;
    item.count = *n;
    if (chars == "char") item.named = "char";
    out.type.items.push_back(std::move(item));
    out.scalars = 1;
    return out;
  }
  absl::string_view dtype_name = withUnit(identifier());
  if (dtype_name == "Record" && peek('(')) {  // records: an array of records
    ++pos_;
    Sized rec = record(depth + 1);
    if (!rec.status.ok()) return rec;
    int nd = 0;
    char layout = 'C';
    if (absl::Status s = arrayTail(&nd, &layout); !s.ok()) return fail(s);
    Sized out;
    out.type = TypeSyntax::array(Scalar::kUint8, nd, layout);
    out.type.items.push_back(std::move(rec.type));
    out.scalars = rec.scalars;
    return out;
  }
  absl::StatusOr<Scalar> dtype = scalarFromName(dtype_name);
  if (dtype_name.empty()) return fail(error("expected an array dtype"));
  if (!dtype.ok()) {
    pos_ = at;
    skipSpace();
    return fail(error(dtype.status().message()));
  }
  int nd = 0;
  char layout = 'C';
  if (absl::Status s = arrayTail(&nd, &layout); !s.ok()) return fail(s);
  Sized out;
  out.type = TypeSyntax::array(*dtype, nd, layout);
  out.scalars = 1;
  return out;
}

absl::StatusOr<char> TypeParser::sliceDims(int* ndim) {
  // "[" already read. Each dimension is ":" or "::1"; "::1" may be the last
  // (C order) or, with more than one dimension, the first (F order).
  int contiguous_at = -1;
  int n = 0;
  while (true) {
    if (absl::Status s = expect(':'); !s.ok()) return s;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '1') return error("expected '::1' (a contiguous dimension)");
      ++pos_;
      if (contiguous_at >= 0) return error("more than one '::1' dimension");
      contiguous_at = n;
    }
    ++n;
    if (n > kMaxArrayDims) return error(absl::StrCat("more than ", kMaxArrayDims, " dimensions"));
    if (peek(',')) {
      ++pos_;
      continue;
    }
    if (absl::Status s = expect(']'); !s.ok()) return s;
    break;
  }
  *ndim = n;
  if (contiguous_at < 0) return 'A';
  if (contiguous_at == n - 1) return 'C';
  if (contiguous_at == 0) return 'F';
  return error("'::1' must be the first or the last dimension");
}

TypeParser::Sized TypeParser::uniTuple(int depth) {
  // "UniTuple(" already read: item, count ")" or Numba's printed "item x count".
  Sized item = type(depth + 1);
  if (!item.status.ok()) return item;
  skipSpace();
  if (peek(',')) {
    ++pos_;
  } else if (absl::string_view x = identifier(); x != "x") {
    return fail(error("expected ',' or 'x' before the tuple length"));
  }
  absl::StatusOr<int64_t> count = number(kMaxTupleLength, absl::StrCat("a tuple has at most ", kMaxTupleLength, " items"));
  if (!count.ok()) return fail(count.status());
  if (*count < 1) return fail(error("a UniTuple has at least one item"));
  if (absl::Status s = expect(')'); !s.ok()) return fail(s);
  if (item.scalars * *count > kMaxTypeScalars)
    return fail(error(absl::StrCat("type of more than ", kMaxTypeScalars, " scalars")));
  Sized out;
  out.scalars = item.scalars * *count;
  out.type.kind = TypeSyntax::Kind::kUniTuple;
  out.type.count = *count;
  out.type.items.push_back(std::move(item.type));
  return out;
}

absl::Status TypeParser::className(std::string* named, int64_t* nfields) {
  skipSpace();
  const size_t start = pos_;
  while (pos_ < text_.size() && (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                 text_[pos_] == '_' || text_[pos_] == '.' || text_[pos_] == '<' || text_[pos_] == '>'))
    ++pos_;
  if (pos_ == start) return error("expected a class");
  *named = std::string(text_.substr(start, pos_ - start));
  if (absl::Status s = expect('['); !s.ok()) return s;
  *named += "[";
  *nfields = 0;
  while (!peek(']')) {
    absl::string_view field = identifier();
    if (field.empty()) return error("expected a field name");
    if (*nfields > 0) *named += ", ";
    *named += std::string(field);
    if (++*nfields > kMaxTupleLength) return error(absl::StrCat("tuple of more than ", kMaxTupleLength, " items"));
    if (peek(',')) ++pos_;
  }
  ++pos_;
  *named += "]";
  return absl::OkStatus();
}

TypeParser::Sized TypeParser::namedTuple(int depth, bool uniform) {
  // namedtuples: the class, "module.qualname[field, ...]", then the items
  // as a Tuple's or a UniTuple's.
  std::string named;
  int64_t nfields = 0;
  if (absl::Status s = className(&named, &nfields); !s.ok()) return fail(s);
  Sized out;
  if (uniform) {
    if (absl::Status s = expect(','); !s.ok()) return fail(s);
    out = uniTuple(depth);
  } else if (peek(')')) {
    ++pos_;
    out = tupleOf({}, 0);
  } else {
    if (absl::Status s = expect(','); !s.ok()) return fail(s);
    std::vector<TypeSyntax> items;
    int64_t scalars = 0;
    if (absl::Status s = list(depth, ')', &items, &scalars); !s.ok()) return fail(s);
    out = tupleOf(std::move(items), scalars);
  }
  if (!out.status.ok()) return out;
  if (out.type.tupleSize() != nfields) return fail(error("a namedtuple has one item per field"));
  out.type.named = std::move(named);
  return out;
}

TypeParser::Sized TypeParser::structRef(int depth) {
  // structref: the StructRef class with its field names, then one type per field.
  std::string named;
  int64_t nfields = 0;
  if (absl::Status s = className(&named, &nfields); !s.ok()) return fail(s);
  Sized out;
  out.type.kind = TypeSyntax::Kind::kStructRef;
  out.type.named = std::move(named);
  out.scalars = 1;
  if (peek(')')) {
    ++pos_;
  } else {
    if (absl::Status s = expect(','); !s.ok()) return fail(s);
    int64_t scalars = 0;
    if (absl::Status s = list(depth, ')', &out.type.items, &scalars); !s.ok()) return fail(s);
  }
  if (static_cast<int64_t>(out.type.items.size()) != nfields) return fail(error("a StructRef has one type per field"));
  return out;
}

TypeParser::Sized TypeParser::enumMember(int depth, bool int_enum) {
  // enums: the class's dotted path ("mod.Color"), then the value's type.
  skipSpace();
  const size_t start = pos_;
  while (pos_ < text_.size() &&
         (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' || text_[pos_] == '.'))
    ++pos_;
  if (pos_ == start) return fail(error("expected the enum's class"));
  std::string cls(text_.substr(start, pos_ - start));
  if (absl::Status s = expect(','); !s.ok()) return fail(s);
  Sized out = type(depth + 1);
  if (!out.status.ok()) return out;
  if (!out.type.enum_class.empty()) return fail(error("an enum member's value is not a member"));
  if (absl::Status s = expect(')'); !s.ok()) return fail(s);
  out.type.enum_class = std::move(cls);
  out.type.int_enum = int_enum;
  return out;
}

TypeParser::Sized TypeParser::type(int depth) {
  if (depth >= kMaxTypeDepth)
    return fail(error(absl::StrCat("type nested more than ", kMaxTypeDepth, " levels deep")));
  if (peek('(')) {
    ++pos_;
    std::vector<TypeSyntax> items;
    int64_t scalars = 0;
    if (absl::Status s = list(depth, ')', &items, &scalars); !s.ok()) return fail(s);
    return tupleOf(std::move(items), scalars);
  }
  const size_t at = pos_;
  absl::string_view name = identifier();
  if (name.empty()) {
    if (pos_ == text_.size()) return fail(error("expected a type but the text ended"));
    return fail(error(absl::StrCat("expected a type, found '", std::string(1, text_[pos_]), "'")));
  }
  bool readonly = false;
  if (name == "readonly") {
    // Numba's typeof of an array over a read-only buffer.
    name = identifier();
    if ((name != "array" && name != "Record" && !isBufferName(name)) || !peek('('))
      return fail(error("expected array(...) or Record(...) after 'readonly'"));
    readonly = true;
  }
  if (name == "array" && peek('(')) {
    ++pos_;
    Sized out = arrayCall(depth);
    out.type.readonly = readonly;
    return out;
  }
  if (isBufferName(name) && peek('(')) {  // buffers: an array named for its exporter
    ++pos_;
    Sized out = arrayCall(depth);
    if (!out.status.ok()) return out;
    if (!out.type.items.empty()) return fail(error("a buffer's items are scalars"));
    out.type.readonly = readonly || name == "Bytes";
    out.type.named = std::string(name);
    return out;
  }
  // lists: "list(T)" or "reflected list(T)".
  bool reflected = false;
  if (name == "reflected") {
    reflected = true;
    name = identifier();
    if ((name != "list" && name != "set") || !peek('('))  // sets:
      return fail(error("expected list(...) or set(...) after 'reflected'"));
  }
  if (name == "set" && peek('(')) {  // sets: a dict of the items to none
    ++pos_;
    Sized item = type(depth + 1);
    if (!item.status.ok()) return item;
    if (absl::Status s = expect(')'); !s.ok()) return fail(s);
    Sized out;
    out.scalars = item.scalars;
    out.type.kind = TypeSyntax::Kind::kDict;
    out.type.set = true;
    out.type.reflected = reflected;
    out.type.items.push_back(std::move(item.type));
    out.type.items.push_back(TypeSyntax{});
    return out;
  }
  const bool typed_list = name == "ListType" && peek('[');  // tlist: Numba's ListType[T]
  if ((name == "list" && peek('(')) || typed_list) {
    ++pos_;
    Sized item = type(depth + 1);
    if (!item.status.ok()) return item;
    if (absl::Status s = expect(typed_list ? ']' : ')'); !s.ok()) return fail(s);
    // realcode4: Numba prints a list type with its initial value,
    // "list(int64)<iv=None>" (pyts's signatures built from type objects);
    // no initial value is the list type itself. A literal initial value
    // (a literal list) stays refused.
    if (!typed_list && text_.substr(pos_).rfind("<iv=None>", 0) == 0) pos_ += 9;
    Sized out;
    out.scalars = item.scalars;
    out.type.kind = TypeSyntax::Kind::kList;
    out.type.reflected = reflected;
    out.type.typed = typed_list;
    out.type.items.push_back(std::move(item.type));
    return out;
  }
  if ((name == "OptionalType" || name == "optional") && peek('(')) {  // optional: None or a value of the type
    ++pos_;
    Sized item = type(depth + 1);
    if (!item.status.ok()) return item;
    if (absl::Status s = expect(')'); !s.ok()) return fail(s);
    if (item.type.kind == TypeSyntax::Kind::kNone || item.type.kind == TypeSyntax::Kind::kOptional)
      return fail(error("optional(...) of none or of an optional type"));
    Sized out;
    out.scalars = item.scalars;
    out.type.kind = TypeSyntax::Kind::kOptional;
    out.type.items.push_back(std::move(item.type));
    return out;
  }
  if (name == "UniTuple" && peek('(')) {
    ++pos_;
    return uniTuple(depth);
  }
  if (name == "Record" && peek('(')) {  // records:
    ++pos_;
    Sized out = record(depth);
    out.type.readonly = readonly;  // rorecord: an element of read-only memory
    return out;
  }
  if ((name == "EnumMember" || name == "IntEnumMember") && peek('(')) {  // enums:
    ++pos_;
    return enumMember(depth, name == "IntEnumMember");
  }
  if (name == "NumPyRandomGeneratorType" && peek('(')) {  // npgen: the bit generator's class name
    ++pos_;
    absl::string_view cls = identifier();
    if (cls.empty()) return fail(error("expected a bit generator class in NumPyRandomGeneratorType(...)"));
    if (absl::Status s = expect(')'); !s.ok()) return fail(s);
    Sized out;
    out.scalars = 1;
    out.type.kind = TypeSyntax::Kind::kNPGenerator;
    out.type.named = std::string(cls);
    return out;
  }
  if ((name == "class" || name == "dtype") && peek('(')) {  // dtypes: class(float32), dtype(float32)
    ++pos_;
    Sized out = type(depth + 1);
    if (!out.status.ok()) return out;
    if ((out.type.kind != TypeSyntax::Kind::kScalar && out.type.kind != TypeSyntax::Kind::kRecord) ||
        out.type.dtype_form != 0 || !out.type.enum_class.empty())  // flatimag: a record's dtype too
      return fail(error(absl::StrCat("expected a scalar or record type in ", name, "(...)")));
    if (absl::Status s = expect(')'); !s.ok()) return fail(s);
    out.type.dtype_form = name == "class" ? 'c' : 'd';
    return out;
  }
  if (name == "StructRef" && peek('(')) {  // structref:
    ++pos_;
    return structRef(depth);
  }
  if ((name == "NamedTuple" || name == "NamedUniTuple") && peek('(')) {  // namedtuples:
    ++pos_;
    return namedTuple(depth, name == "NamedUniTuple");
  }
  if (name == "DictType" && peek('[')) {  // dicts: Numba's DictType[key, value]
    ++pos_;
    std::vector<TypeSyntax> items;
    int64_t scalars = 0;
    if (absl::Status s = list(depth, ']', &items, &scalars); !s.ok()) return fail(s);
    if (items.size() != 2) return fail(error("a DictType has a key type and a value type"));
    Sized out;
    out.scalars = scalars;
    out.type.kind = TypeSyntax::Kind::kDict;
    out.type.items = std::move(items);
    return out;
  }
  if (name == "Tuple" && peek('(')) {
    ++pos_;
    std::vector<TypeSyntax> items;
    int64_t scalars = 0;
    // realcode4: Numba spells a heterogeneous tuple Tuple((a, b)), its one
    // argument the items' tuple; Tuple((a, b), c) keeps (a, b) as an item.
    if (peek('(')) {
      const size_t at = pos_;
      ++pos_;
      if (list(depth, ')', &items, &scalars).ok()) {  // it reads the inner ')'
        if (peek(')')) {
          ++pos_;
          return tupleOf(std::move(items), scalars);
        }
      }
      pos_ = at;
      items.clear();
      scalars = 0;
    }
    if (absl::Status s = list(depth, ')', &items, &scalars); !s.ok()) return fail(s);
    return tupleOf(std::move(items), scalars);
  }
  Sized out;
  out.scalars = 1;
  if (name == "none" || name == "void" || name == "None") {
    out.type.kind = TypeSyntax::Kind::kNone;
    return out;
  }
  if (name == "unicode_type") {
    out.type.kind = TypeSyntax::Kind::kUnicode;
    return out;
  }
  if (name == kSliceTypeName || name == "slice2_type") {  // slices2: a slice object
    out.type.kind = TypeSyntax::Kind::kSlice;
    return out;
  }
  if (name == kEllipsisTypeName) {  // pyvals: the Ellipsis object
    out.type.kind = TypeSyntax::Kind::kEllipsis;
    return out;
  }
  // NEP 50: "np.float64", a NumPy scalar; "np.float32" is float32 (a
  // narrow type is a NumPy scalar's alone, so it needs no mark).
  const bool numpy_scalar = name == absl::string_view(kStrongPrefix, 2) && peek('.');
  if (numpy_scalar) {
    ++pos_;
    name = identifier();
  }
  name = withUnit(name);
  absl::StatusOr<Scalar> scalar = scalarFromName(name);
  if (!scalar.ok()) {
    pos_ = at;
    skipSpace();
    return fail(error(scalar.status().message()));
  }
  if (!numpy_scalar && peek('[')) {  // an array's dtype is never strong: "np.float64[:]" is refused
    ++pos_;
    int ndim = 0;
    absl::StatusOr<char> layout = sliceDims(&ndim);
    if (!layout.ok()) return fail(layout.status());
    out.type = TypeSyntax::array(*scalar, ndim, *layout);
    return out;
  }
  out.type = TypeSyntax::scalarType(*scalar);
  out.type.strong = numpy_scalar && scalarHasPythonTwin(*scalar);
  return out;
}

}  // namespace internal
}  // namespace kiln::base
