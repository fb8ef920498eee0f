// format: format(x, spec), repr(x), ascii(x), f"{x!r:spec}" and
// "...".format(...) (docs/strings.md, "Format specs"). Specs and templates
// are constants, parsed here with CPython's grammar and checked against the
// value's type with CPython's ValueError wording; lowering
// (lower_format.cpp) parses them again and hands the fields to
// runtime/cpu/kiln_format.c.
#include <cctype>

#include "absl/strings/str_cat.h"
#include "compiler/typing/format_spec.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {
namespace {

std::vector<uint32_t> decodeUtf8(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    uint32_t cp = extra ? (c & (0x3F >> extra)) : c;
    for (int k = 1; k <= extra && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += 1 + extra;
  }
  return out;
}

bool isAlign(uint32_t c) { return c == '<' || c == '>' || c == '=' || c == '^'; }
bool isDigit(uint32_t c) { return c >= '0' && c <= '9'; }

absl::Status valueError(const std::string& m) { return absl::InvalidArgumentError(m); }

std::string codeText(char c) {
  if (c > 32 && c < 127) return std::string(1, c);
  char buf[8];
  snprintf(buf, sizeof buf, "\\x%x", static_cast<unsigned char>(c));
  return buf;
}

// CPython's parse of a spec for a value whose type is named `type_name`,
// aligned by `default_align` with `default_type` when none is given.
absl::Status parseSpec(const std::string& utf8, char default_align, char default_type, const char* type_name,
                       FormatSpec* f) {
  std::vector<uint32_t> s = decodeUtf8(utf8);
  *f = FormatSpec{};
  f->empty = s.empty();
  size_t pos = 0, n = s.size();
  bool fill_given = false, align_given = false;
  if (n >= 2 && isAlign(s[1])) {
    f->fill = s[0];
    f->align = static_cast<char>(s[1]);
    fill_given = align_given = true;
    pos = 2;
  } else if (n >= 1 && isAlign(s[0])) {
    f->align = static_cast<char>(s[0]);
    align_given = true;
    pos = 1;
  }
  if (pos < n && (s[pos] == '+' || s[pos] == '-' || s[pos] == ' ')) f->sign = static_cast<char>(s[pos++]);
  if (pos < n && s[pos] == 'z') {
    f->no_neg_zero = true;
    ++pos;
  }
  if (pos < n && s[pos] == '#') {
    f->alternate = true;
    ++pos;
  }
  if (!fill_given && pos < n && s[pos] == '0') {
    f->fill = '0';
    if (!align_given && default_align == '>') f->align = '=';
    ++pos;
  }
  auto number = [&](int64_t* out) -> absl::Status {
    int64_t v = 0;
    size_t start = pos;
    for (; pos < n && isDigit(s[pos]); ++pos) {
      if (v > (int64_t{1} << 58)) return valueError("Too many decimal digits in format string");
      v = v * 10 + (s[pos] - '0');
    }
    *out = pos > start ? v : -1;
    return absl::OkStatus();
  };
  if (absl::Status st = number(&f->width); !st.ok()) return st;
  if (pos < n && (s[pos] == ',' || s[pos] == '_')) {
    f->grouping = static_cast<char>(s[pos++]);
    if (pos < n && (s[pos] == ',' || s[pos] == '_')) {
      if (s[pos] == static_cast<uint32_t>(f->grouping))
        return valueError(absl::StrCat("Cannot specify '", std::string(1, f->grouping), "' with '",
                                       std::string(1, f->grouping), "'."));
      return valueError("Cannot specify both ',' and '_'.");
    }
  }
  if (pos < n && s[pos] == '.') {
    ++pos;
    if (absl::Status st = number(&f->precision); !st.ok()) return st;
    if (f->precision < 0) return valueError("Format specifier missing precision");
  }
  if (n - pos > 1)
    return valueError(absl::StrCat("Invalid format specifier '", utf8, "' for object of type '", type_name, "'"));
  if (pos < n) {
    if (s[pos] > 0x7f)  // CPython names it; Kiln refuses such a code
      return valueError(absl::StrCat("Unknown format code for object of type '", type_name, "'"));
    f->type = static_cast<char>(s[pos]);
  }
  if (f->grouping) {
    char t = f->type ? f->type : default_type;
    switch (t) {
      case 'd': case 'e': case 'f': case 'g': case 'E': case 'G': case '%': case 'F': case 0:
        break;
      case 'b': case 'o': case 'x': case 'X':
        if (f->grouping == '_') break;
        [[fallthrough]];
      default:
        return valueError(absl::StrCat("Cannot specify '", std::string(1, f->grouping), "' with '", codeText(t), "'."));
    }
  }
  return absl::OkStatus();
}

absl::Status unknownCode(char type, const char* type_name) {
  return valueError(absl::StrCat("Unknown format code '", codeText(type), "' for object of type '", type_name, "'"));
}

bool isFloatCode(char c) { return c && std::string_view("eEfFgG%").find(c) != std::string_view::npos; }

}  // namespace

absl::StatusOr<FormatAs> checkFormat(const Type* t, char conversion, const std::string& spec, FormatSpec* out) {
  FormatSpec scratch;
  FormatSpec* f = out ? out : &scratch;
  const bool is_int = t->kind == Kind::kInt, is_bool = t->kind == Kind::kBool;
  const bool is_float = t->kind == Kind::kFloat && (t->bits == 64 || t->bits == 32);
  if (!is_int && !is_bool && !is_float && t->kind != Kind::kStr)
    return absl::UnimplementedError(absl::StrCat("format spec in f-strings not supported yet for a value of type ",
                                                 t->str(), " (numbers, bools and str are formatted)"));
  if (conversion) {
    if (t->kind == Kind::kFloat && t->bits != 64)
      return absl::UnimplementedError(absl::StrCat("the conversion !", std::string(1, conversion), " of ", t->str(),
                                                   " is not supported (NumPy prints float32 its own way)"));
    t = nullptr;  // a str from here
  }
  if (t == nullptr || t->kind == Kind::kStr) {
    if (absl::Status s = parseSpec(spec, '<', 's', "str", f); !s.ok()) return s;
    if (f->type && f->type != 's') return unknownCode(f->type, "str");
    if (f->sign) return valueError("Sign not allowed in string format specifier");
    if (f->no_neg_zero) return valueError("Negative zero coercion (z) not allowed in string format specifier");
    if (f->alternate) return valueError("Alternate form (#) not allowed in string format specifier");
    if (f->align == '=') return valueError("'=' alignment not allowed in string format specifier");
    return FormatAs::kStr;
  }
  if (is_bool && spec.empty()) return FormatAs::kStrOfBool;
  const char* name = is_bool ? "bool" : is_int ? "int" : "float";
  if (absl::Status s = parseSpec(spec, '>', is_float ? 0 : 'd', name, f); !s.ok()) return s;
  if (!is_float && !isFloatCode(f->type)) {
    if (f->type && std::string_view("bcdoxXn").find(f->type) == std::string_view::npos)
      return unknownCode(f->type, name);
    if (f->precision >= 0) return valueError("Precision not allowed in integer format specifier");
    if (f->no_neg_zero) return valueError("Negative zero coercion (z) not allowed in integer format specifier");
    if (f->type == 'c' && f->sign) return valueError("Sign not allowed with integer format specifier 'c'");
    if (f->type == 'c' && f->alternate)
      return valueError("Alternate form (#) not allowed with integer format specifier 'c'");
    return FormatAs::kInt;
  }
  if (f->type && !isFloatCode(f->type) && f->type != 'n') return unknownCode(f->type, name);
  if (is_float && t->bits == 32 && f->type == 0 && f->precision < 0)
    return absl::UnimplementedError(
        "formatting float32 without a precision or presentation type is not supported (NumPy prints float32 its "
        "own way)");
  return FormatAs::kFloat;
}

absl::StatusOr<std::vector<FormatPiece>> parseFormatTemplate(const std::string& s) {
  std::vector<FormatPiece> pieces(1);
  int auto_index = 0;
  bool manual = false, automatic = false;
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == '}') {
      if (i + 1 < n && s[i + 1] == '}') {
        pieces.back().literal += '}';
        i += 2;
        continue;
      }
      return valueError("Single '}' encountered in format string");
    }
    if (c != '{') {
      pieces.back().literal += c;
      ++i;
      continue;
    }
    if (i + 1 < n && s[i + 1] == '{') {
      pieces.back().literal += '{';
      i += 2;
      continue;
    }
    // A field: {name[!conv][:spec]}, braces in the spec nesting.
    size_t j = i + 1;
    int depth = 1;
    size_t end = std::string::npos;
    for (; j < n; ++j) {
      if (s[j] == '{') ++depth;
      else if (s[j] == '}' && --depth == 0) {
        end = j;
        break;
      }
    }
    if (end == std::string::npos) {
      if (i + 1 == n) return valueError("Single '{' encountered in format string");
      return valueError("expected '}' before end of string");
    }
    std::string body = s.substr(i + 1, end - i - 1);
    FormatPiece& p = pieces.back();
    p.field = true;
    size_t colon = std::string::npos, bang = std::string::npos;
    for (size_t k = 0; k < body.size(); ++k) {
      if (body[k] == ':') {
        colon = k;
        break;
      }
      if (body[k] == '!' && bang == std::string::npos) {
        bang = k;
      }
    }
    std::string name = body.substr(0, std::min(bang, colon));
    if (bang != std::string::npos) {
      size_t conv_end = colon == std::string::npos ? body.size() : colon;
      if (conv_end != bang + 2) {
        if (conv_end == bang + 1) return valueError("unmatched '{' in format spec");
        return valueError("expected ':' after conversion specifier");
      }
      p.conversion = body[bang + 1];
      if (p.conversion != 'r' && p.conversion != 's' && p.conversion != 'a')
        return valueError(absl::StrCat("Unknown conversion specifier ", codeText(p.conversion)));
    }
    if (colon != std::string::npos) p.spec = body.substr(colon + 1);
    if (p.spec.find('{') != std::string::npos || p.spec.find('}') != std::string::npos)
      return absl::UnimplementedError("a nested replacement field in a format spec ('{:{width}}') is not supported");
    if (name.find_first_of(".[") != std::string::npos)
      return absl::UnimplementedError(absl::StrCat("the replacement field '{", name,
                                                   "}' (an attribute or an item of an argument) is not supported"));
    if (name.empty()) {
      if (manual) return valueError("cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      p.index = auto_index++;
    } else if (std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      if (automatic) return valueError("cannot switch from automatic field numbering to manual field specification");
      manual = true;
      p.index = std::stoi(name.substr(0, 9));
    } else {
      p.keyword = name;
    }
    pieces.emplace_back();
    i = end + 1;
  }
  return pieces;
}

std::optional<absl::StatusOr<const Type*>> formatBuiltinCall(TypeContext& tc, const std::string& name,
                                                             const std::vector<const Type*>& args,
                                                             const std::vector<std::string>& kwnames,
                                                             const std::string* spec) {
  if (name != "format" && name != "repr" && name != "ascii") return std::nullopt;
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  if (!kwnames.empty()) return absl::InvalidArgumentError(absl::StrCat(name, "() takes no keyword arguments"));
  const size_t most = name == "format" ? 2 : 1;
  if (args.empty() || args.size() > most)
    return absl::InvalidArgumentError(absl::StrCat(name, "() takes ", most == 2 ? "1 or 2" : "exactly one",
                                                   " argument", most == 2 ? "s" : "", " (", args.size(), " given)"));
  std::string text;
  if (args.size() == 2) {
    if (args[1]->kind != Kind::kStr)
      return absl::InvalidArgumentError(
          absl::StrCat("format() argument 2 must be str, not ", args[1]->str()));
    if (spec == nullptr)
      return absl::UnimplementedError("the format spec of format() (or of an f-string field) must be a constant string");
    text = *spec;
  }
  absl::StatusOr<FormatAs> as = checkFormat(args[0], name == "format" ? 0 : 'r', text, nullptr);
  if (!as.ok()) return as.status();
  return tc.str();
}

std::optional<absl::StatusOr<const Type*>> strFormatCall(TypeContext& tc, const std::string* tmpl,
                                                         const std::vector<const Type*>& args,
                                                         const std::vector<std::string>& kwnames) {
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  if (tmpl == nullptr)  // a TypingError, as Numba's (which has no str.format)
    return absl::InvalidArgumentError("str.format() of a string that is not a constant is not supported");
  absl::StatusOr<std::vector<FormatPiece>> pieces = parseFormatTemplate(*tmpl);
  if (!pieces.ok()) return pieces.status();
  const size_t npos = args.size() - kwnames.size();
  for (const FormatPiece& p : *pieces) {
    if (!p.field) continue;
    const Type* t = nullptr;
    if (p.index >= 0) {
      if (static_cast<size_t>(p.index) >= npos)
        return absl::InvalidArgumentError(
            absl::StrCat("Replacement index ", p.index, " out of range for positional args tuple"));
      t = args[p.index];
    } else {
      for (size_t k = 0; k < kwnames.size(); ++k)
        if (kwnames[k] == p.keyword) t = args[npos + k];
      if (t == nullptr) return absl::InvalidArgumentError(absl::StrCat("KeyError: '", p.keyword, "'"));
    }
    absl::StatusOr<FormatAs> as = checkFormat(t, p.conversion, p.spec, nullptr);
    if (!as.ok()) return as.status();
  }
  return tc.str();
}

}  // namespace kiln::typing
