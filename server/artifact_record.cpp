#include "server/artifact_record.h"

#include "absl/strings/str_cat.h"
#include "base/facts.h"

namespace kiln::server {
namespace {

void putU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void putField(std::string& out, absl::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.append(s.data(), s.size());
}

class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}

  absl::StatusOr<uint32_t> u32(absl::string_view what) {
    if (in_.size() < 4) return absl::DataLossError(absl::StrCat("artifact record ends inside ", what));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(in_[i])) << (8 * i);
    in_.remove_prefix(4);
    return v;
  }

  absl::StatusOr<absl::string_view> field(absl::string_view what) {
    absl::StatusOr<uint32_t> n = u32(what);
    if (!n.ok()) return n.status();
    if (*n > in_.size())
      return absl::DataLossError(absl::StrCat("artifact record: ", what, " is ", *n, " bytes, ", in_.size(), " left"));
    absl::string_view out = in_.substr(0, *n);
    in_.remove_prefix(*n);
    return out;
  }

  absl::string_view rest() const { return in_; }

 private:
  absl::string_view in_;
};

}  // namespace

std::string encodeArtifact(const compiler::CompileResult& r) {
  size_t size = 4 + 4 * 4 + r.entry_symbol.size() + r.return_type.size() + r.text.size() + r.shared_object.size();
  for (const std::string& t : r.arg_types) size += 4 + t.size();
  for (const compiler::Diagnostic& w : r.warnings) size += 5 * 4 + w.message.size() + w.filename.size() + w.function.size();
  std::string out;
  out.reserve(size);
  putU32(out, kArtifactRecordVersion);
  putField(out, r.entry_symbol);
  putField(out, r.return_type);
  putField(out, r.text);
  putU32(out, static_cast<uint32_t>(r.arg_types.size()));
  for (const std::string& t : r.arg_types) putField(out, t);
  putU32(out, static_cast<uint32_t>(r.warnings.size()));
  for (const compiler::Diagnostic& w : r.warnings) {
    putU32(out, static_cast<uint32_t>(w.kind));
    putField(out, w.message);
    putField(out, w.filename);
    putU32(out, static_cast<uint32_t>(w.line));
    putField(out, w.function);
  }
  out.append(r.shared_object);
  return out;
}

absl::StatusOr<ArtifactView> decodeArtifact(absl::string_view record) {
  Reader in(record);
  absl::StatusOr<uint32_t> version = in.u32("the version");
  if (!version.ok()) return version.status();
  if (*version != 1 && *version != kArtifactRecordVersion)
    return absl::DataLossError(absl::StrCat("artifact record version ", *version, ", expected ",
                                            kArtifactRecordVersion));
  ArtifactView v;
  for (auto [field, what] : {std::pair{&v.entry_symbol, "the entry symbol"}, std::pair{&v.return_type, "the return type"},
                             std::pair{&v.text, "the text"}}) {
    absl::StatusOr<absl::string_view> f = in.field(what);
    if (!f.ok()) return f.status();
    *field = *f;
  }
  absl::StatusOr<uint32_t> n = in.u32("the argument count");
  if (!n.ok()) return n.status();
  if (*n > in.rest().size() / 4) return absl::DataLossError(absl::StrCat("artifact record: ", *n, " argument types"));
  for (uint32_t i = 0; i < *n; ++i) {
    absl::StatusOr<absl::string_view> f = in.field("an argument type");
    if (!f.ok()) return f.status();
    v.arg_types.push_back(*f);
  }
  if (*version >= 2) {
    absl::StatusOr<uint32_t> w = in.u32("the warning count");
    if (!w.ok()) return w.status();
    if (*w > in.rest().size() / 20) return absl::DataLossError(absl::StrCat("artifact record: ", *w, " warnings"));
    for (uint32_t i = 0; i < *w; ++i) {
      ArtifactView::Warning warning;
      absl::StatusOr<uint32_t> kind = in.u32("a warning's kind");
      if (!kind.ok()) return kind.status();
      if (*kind >= base::diagnosticKindTable().size())
        return absl::DataLossError(absl::StrCat("artifact record: warning kind ", *kind));
      warning.kind = static_cast<compiler::Diagnostic::Kind>(*kind);
      for (auto [field, what] : {std::pair{&warning.message, "a warning's message"},
                                 std::pair{&warning.filename, "a warning's filename"}}) {
        absl::StatusOr<absl::string_view> f = in.field(what);
        if (!f.ok()) return f.status();
        *field = *f;
      }
      absl::StatusOr<uint32_t> line = in.u32("a warning's line");
      if (!line.ok()) return line.status();
      warning.line = static_cast<int>(*line);
      absl::StatusOr<absl::string_view> function = in.field("a warning's function");
      if (!function.ok()) return function.status();
      warning.function = *function;
      v.warnings.push_back(warning);
    }
  }
  v.shared_object = in.rest();
  return v;
}

}  // namespace kiln::server
