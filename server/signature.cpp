#include "server/signature.h"


namespace kiln::server {
namespace {

std::string_view strip(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\n") - begin + 1);
}

absl::Status bad(std::string_view what, std::string_view whole) {
  return absl::InvalidArgumentError(std::string(what) + " in signature '" + std::string(whole) + "'");
}

absl::StatusOr<std::vector<std::string>> splitTopLevel(std::string_view list, std::string_view whole) {
  std::vector<std::string> out;
  if (strip(list).empty()) return out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    const char c = i < list.size() ? list[i] : ',';
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth < 0) return bad("unbalanced brackets", whole);
    if (c == ',' && depth == 0) {
      std::string_view item = strip(list.substr(start, i - start));
      if (item.empty()) return bad("empty type", whole);
      out.emplace_back(item);
      start = i + 1;
    }
  }
  if (depth != 0) return bad("unbalanced brackets", whole);
  return out;
}

}  // namespace

absl::StatusOr<Signature> parseSignature(std::string_view text) {
  const std::string_view sig = strip(text);
  Signature out;
  if (sig.empty() || sig.back() != ')') {
    absl::StatusOr<std::vector<std::string>> args = splitTopLevel(sig, text);
    if (!args.ok()) return args.status();
    out.arg_types = *std::move(args);
    return out;
  }
  // Find the "(" that opens the final group.
  int depth = 0;
  size_t open = std::string_view::npos;
  for (size_t i = sig.size(); i-- > 0;) {
    if (sig[i] == ')' || sig[i] == ']' || sig[i] == '}') ++depth;
    if (sig[i] == '(' || sig[i] == '[' || sig[i] == '{') --depth;
    if (depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos || sig[open] != '(')
    return bad("unbalanced brackets", text);
  std::string_view ret = strip(sig.substr(0, open));
  absl::StatusOr<std::vector<std::string>> args = splitTopLevel(sig.substr(open + 1, sig.size() - open - 2), text);
  if (!args.ok()) return args.status();
  absl::StatusOr<std::vector<std::string>> ret_items = splitTopLevel(ret, text);
  if (!ret_items.ok()) return ret_items.status();
  if (ret_items->size() > 1) {
    // "int64, UniTuple(int64, 2)": a bare list whose last item has brackets.
    absl::StatusOr<std::vector<std::string>> all = splitTopLevel(sig, text);
    if (!all.ok()) return all.status();
    out.arg_types = *std::move(all);
    return out;
  }
  out.return_type = std::string(ret);
  out.arg_types = *std::move(args);
  return out;
}

}  // namespace kiln::server
