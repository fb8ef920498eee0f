// CodeObject::lineAt: the indexed lookup gives what a scan of co_lines gives
// (the line of the first range holding the offset, 0 when none does) for
// CPython's own tables and for tables CPython never writes.

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "compiler/bundle.h"
#include "tests/unit/frontend/fixture_helpers.h"
#include "tests/unit/frontend/py311_fixtures.inc"

namespace kiln::frontend::testing {
namespace {

// The definition lineAt had before it was indexed.
int32_t scanLine(const compiler::CodeObject& code, uint32_t offset) {
  for (const compiler::LineRange& r : code.lines)
    if (offset >= r.start && offset < r.end) return r.line;
  return 0;
}

void expectSameAsScan(const compiler::CodeObject& code) {
  const uint32_t past = static_cast<uint32_t>(code.code.size()) + 8;
  for (uint32_t off = 0; off < past; ++off)
    EXPECT_EQ(code.lineAt(off), scanLine(code, off)) << code.name << " at byte " << off;
}

compiler::CodeObject withLines(std::string code_bytes, std::vector<compiler::LineRange> lines) {
  compiler::CodeObject c;
  c.name = "f";
  c.code = std::move(code_bytes);
  c.lines = std::move(lines);
  return c;
}

TEST(LineTable, CPythonTablesMatchTheScan) {
  for (const compiler::CodeObject& code :
       {py311_arith(), py311_if_else(), py311_while_loop(), py311_for_range(), py311_nested_loops(),
        py311_try_except(), py311_raise_error(), py311_generator(), py311_closure()}) {
    ASSERT_FALSE(code.lines.empty()) << code.name;
    expectSameAsScan(code);
  }
}

TEST(LineTable, KnownLinesOfArith) {
  const compiler::CodeObject code = py311_arith();
  EXPECT_EQ(code.lineAt(0), 1);   // RESUME
  EXPECT_EQ(code.lineAt(2), 2);   // c = a * b + 2
  EXPECT_EQ(code.lineAt(18), 3);  // return c - a / 3
  EXPECT_EQ(code.lineAt(32), 3);
  EXPECT_EQ(code.lineAt(34), 0);  // past the code
  EXPECT_EQ(code.lineAt(1u << 30), 0);
}

TEST(LineTable, GapsEmptyRangesAndRangesPastTheCode) {
  // Bytes 4..8 are covered by no range; {6, 6} and {12, 10} match nothing;
  // the last range runs past the 12 code bytes.
  const compiler::CodeObject code =
      withLines(std::string(12, '\0'), {{0, 4, 7}, {6, 6, 99}, {8, 10, 0}, {12, 10, 5}, {10, 20, 9}});
  expectSameAsScan(code);
  EXPECT_EQ(code.lineAt(5), 0);
  EXPECT_EQ(code.lineAt(11), 9);
  EXPECT_EQ(code.lineAt(15), 9);  // past the code, still in a range
  EXPECT_EQ(code.lineAt(20), 0);
}

TEST(LineTable, UnorderedAndOverlappingTablesTakeTheFirstRange) {
  expectSameAsScan(withLines(std::string(16, '\0'), {{8, 16, 3}, {0, 8, 1}, {4, 12, 2}}));
  expectSameAsScan(withLines(std::string(16, '\0'), {{0, 10, 1}, {4, 16, 2}}));
  const compiler::CodeObject code = withLines(std::string(16, '\0'), {{0, 10, 1}, {4, 16, 2}});
  EXPECT_EQ(code.lineAt(6), 1);
  EXPECT_EQ(code.lineAt(12), 2);
}

TEST(LineTable, CopiesIndexTheirOwnLines) {
  compiler::CodeObject a = withLines(std::string(8, '\0'), {{0, 8, 1}});
  EXPECT_EQ(a.lineAt(4), 1);  // a's index is built
  compiler::CodeObject b = a;
  b.lines = {{0, 8, 2}};
  EXPECT_EQ(b.lineAt(4), 2);
  EXPECT_EQ(a.lineAt(4), 1);
  compiler::CodeObject c;
  EXPECT_EQ(c.lineAt(0), 0);  // c's (empty) index is built
  c = b;
  EXPECT_EQ(c.lineAt(4), 2);
}

TEST(LineTable, ConcurrentFirstLookupsAgree) {
  const compiler::CodeObject code = py311_nested_loops();
  const uint32_t size = static_cast<uint32_t>(code.code.size());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (uint32_t off = 0; off < size; ++off) mismatches[t] += code.lineAt(off) != scanLine(code, off);
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace kiln::frontend::testing
