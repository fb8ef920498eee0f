#pragma once
// Internal to kiln_base: the recursive-descent reader behind parseType and
// parseSignature. One cursor over the text; every rule consumes what it
// reads, so a parse is one left-to-right pass.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "base/type_grammar.h"

namespace kiln::base::internal {

class TypeParser {
 public:
  explicit TypeParser(absl::string_view text) : text_(text) {}

  /// A type at the cursor.
  absl::StatusOr<TypeSyntax> type() { return type(0).value_or_status(); }
  /// "(" [type {"," type}] [","] ")" at the cursor; the items.
  absl::StatusOr<std::vector<TypeSyntax>> parenthesisedList();
  /// type {"," type} [","] up to the end of the text.
  absl::StatusOr<std::vector<TypeSyntax>> bareList();

  void skipSpace();
  bool atEnd();
  bool peek(char c);
  size_t position() const { return pos_; }
  absl::Status error(absl::string_view what) const;
  /// Consumes `c` (after spaces) or says what was found instead.
  absl::Status expect(char c);

 private:
  // A type with the number of scalars it flattens to.
  struct Sized {
    TypeSyntax type;
    int64_t scalars = 0;
    absl::Status status;
    absl::StatusOr<TypeSyntax> value_or_status() {
      if (!status.ok()) return status;
      return std::move(type);
    }
  };
  Sized type(int depth);
  Sized fail(absl::Status s) {
    Sized out;
    out.status = std::move(s);
    return out;
  }
  // Items of a list closed by `close` (the opener already consumed).
  absl::Status list(int depth, char close, std::vector<TypeSyntax>* items, int64_t* scalars);
  Sized tupleOf(std::vector<TypeSyntax> items, int64_t scalars);
  Sized arrayCall(int depth);
  /// ", N d, L)" after an array's dtype: its dimensions and layout.
  absl::Status arrayTail(int* ndim, char* layout);
  /// records: "Record(" already read.
  Sized record(int depth);
  Sized nestedArray();  // records2:
  Sized uniTuple(int depth);
  Sized enumMember(int depth, bool int_enum);  // enums:
  /// namedtuples: "NamedTuple(" or "NamedUniTuple(" already read.
  Sized namedTuple(int depth, bool uniform);
  /// namedtuples, structref: "module.qualname[field, ...]" into *named; *nfields the fields.
  absl::Status className(std::string* named, int64_t* nfields);
  Sized structRef(int depth);  // structref:
  absl::StatusOr<char> sliceDims(int* ndim);
  absl::string_view identifier();
  /// datetime: a datetime64/timedelta64 name just read, with its "[unit]".
  absl::string_view withUnit(absl::string_view name);
  absl::StatusOr<int64_t> number(int64_t max, absl::string_view too_large);

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace kiln::base::internal
