#include "compiler/bundle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiln::compiler {

namespace {
std::string floatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest representation that round-trips, as Python's repr does.
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}
}  // namespace

std::string pyQuoted(std::string_view text, bool bytes) {
  // As Python writes it: printable text as is, the rest escaped (so a
  // message quoting it is text, whatever it holds).
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f || (bytes && c > 0x7f)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;  // a str's UTF-8 passes through, as Python's repr keeps printable text
    }
  }
  return out + "'";
}

std::string Constant::repr() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return b ? "True" : "False";
    case Kind::kInt: return std::to_string(i);
    case Kind::kFloat: return floatRepr(f);
    case Kind::kComplex: return "(" + floatRepr(f) + (imag < 0 ? "" : "+") + floatRepr(imag) + "j)";
    case Kind::kStr: return "'" + s + "'";
    case Kind::kBytes: return "b" + pyQuoted(s, /*bytes=*/true);
    case Kind::kEllipsis: return "Ellipsis";
    case Kind::kBuiltin: return s;
    case Kind::kArray: {
      std::string out = dtype + "[";
      for (size_t k = 0; k < shape.size(); ++k) out += (k ? ", " : "") + std::to_string(shape[k]);
      return out + "] constant";
    }
    case Kind::kCode: return "<code #" + std::to_string(i) + ">";
    case Kind::kTuple: {
      std::string out = "(";
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) out += ", ";
        out += items[k].repr();
      }
      if (items.size() == 1) out += ",";
      return out + ")";
    }
  }
  return "?";
}

bool LineIndex::lookup(const CodeObject& code, uint32_t offset, int32_t* line) const {
  if (!built_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!built_.load(std::memory_order_relaxed)) {
      // CPython's co_lines() is sorted and disjoint, so every byte gets the
      // line of the only range holding it, in one pass over the code.
      std::vector<int32_t> table(code.code.size(), 0);
      uint32_t covered = 0;  // the end of the previous non-empty range
      bool ordered = true;
      for (const LineRange& r : code.lines) {
        if (r.start >= r.end) continue;  // matches no offset
        if (r.start < covered) {
          ordered = false;
          break;
        }
        covered = r.end;
        const uint32_t end = std::min<uint32_t>(r.end, static_cast<uint32_t>(table.size()));
        for (uint32_t k = r.start; k < end; ++k) table[k] = r.line;
      }
      if (!ordered) table.clear();
      by_byte_ = std::move(table);
      built_.store(true, std::memory_order_release);
    }
  }
  if (offset >= by_byte_.size()) return false;
  *line = by_byte_[offset];
  return true;
}

int32_t CodeObject::lineAt(uint32_t offset) const {
  int32_t line = 0;
  if (line_index_.lookup(*this, offset, &line)) return line;
  for (const LineRange& r : lines)
    if (offset >= r.start && offset < r.end) return r.line;
  return 0;
}

const GlobalRef* Function::global(const std::string& name) const {
  for (const GlobalRef& g : globals)
    if (g.name == name) return &g;
  return nullptr;
}

}  // namespace kiln::compiler
