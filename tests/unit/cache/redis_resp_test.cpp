// The RESP parser (cache/redis_resp.h): every reply type, replies split at
// every byte, several replies in one read, and bounded refusal of garbage.

#include "cache/redis_resp.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln::cache {
namespace {

RespValue parseWhole(std::string_view bytes) {
  RespParser p;
  p.feed(bytes);
  absl::StatusOr<std::optional<RespValue>> r = p.next();
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ(p.buffered(), 0u);
  return r.ok() && r->has_value() ? **r : RespValue{};
}

TEST(RespTest, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(encodeCommand({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encodeCommand({"SET", std::string_view("a\0\r\nb", 5)}), std::string("*2\r\n$3\r\nSET\r\n$5\r\na\0\r\nb\r\n", 24));
}

TEST(RespTest, ParsesEveryType) {
  EXPECT_TRUE(parseWhole("+OK\r\n").isOk());
  RespValue e = parseWhole("-ERR wrong\r\n");
  EXPECT_EQ(e.type, RespValue::Type::kError);
  EXPECT_EQ(e.str, "ERR wrong");
  RespValue i = parseWhole(":-42\r\n");
  EXPECT_EQ(i.type, RespValue::Type::kInteger);
  EXPECT_EQ(i.integer, -42);
  RespValue b = parseWhole(std::string("$5\r\na\r\n\0b\r\n", 11));
  EXPECT_EQ(b.type, RespValue::Type::kBulk);
  EXPECT_EQ(b.str, std::string("a\r\n\0b", 5));
  EXPECT_EQ(parseWhole("$0\r\n\r\n").str, "");
  EXPECT_EQ(parseWhole("$-1\r\n").type, RespValue::Type::kNil);
  EXPECT_EQ(parseWhole("*-1\r\n").type, RespValue::Type::kNil);
  RespValue a = parseWhole("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n");
  ASSERT_EQ(a.type, RespValue::Type::kArray);
  ASSERT_EQ(a.elements.size(), 3u);
  EXPECT_EQ(a.elements[0].integer, 1);
  EXPECT_EQ(a.elements[1].elements[0].str, "x");
  EXPECT_EQ(a.elements[2].type, RespValue::Type::kNil);
}

TEST(RespTest, RepliesSplitAtEveryByte) {
  const std::string wire = "*2\r\n$6\r\nfoobar\r\n:7\r\n+PONG\r\n";
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    RespParser p;
    p.feed(wire.substr(0, cut));
    absl::StatusOr<std::optional<RespValue>> first = p.next();
    ASSERT_TRUE(first.ok()) << cut;
    if (cut < wire.size() - 7) {
      EXPECT_FALSE(first->has_value()) << cut;
    }
    p.feed(wire.substr(cut));
    if (!first->has_value()) first = p.next();
    ASSERT_TRUE(first.ok() && first->has_value()) << cut;
    EXPECT_EQ((*first)->elements[0].str, "foobar");
    absl::StatusOr<std::optional<RespValue>> second = p.next();
    ASSERT_TRUE(second.ok() && second->has_value()) << cut;
    EXPECT_EQ((*second)->str, "PONG");
    EXPECT_EQ(p.buffered(), 0u);
  }
}

TEST(RespTest, RefusesGarbageAndOversizedClaims) {
  for (std::string_view bad : {"?what\r\n", ":12x\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "*-5\r\n", "\r\n",
                               "$99999999999999999999\r\n"}) {
    RespParser p;
    p.feed(bad);
    EXPECT_FALSE(p.next().ok()) << bad;
  }
  RespParser small(/*max_bulk_bytes=*/4);
  small.feed("$5\r\n");  // refused on the length alone, before the bytes arrive
  EXPECT_FALSE(small.next().ok());
  RespParser few(/*max_bulk_bytes=*/100, /*max_array_elements=*/2);
  few.feed("*3\r\n");
  EXPECT_FALSE(few.next().ok());
  RespParser deep;
  deep.feed("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n");
  EXPECT_FALSE(deep.next().ok());
  RespParser endless;
  endless.feed("+" + std::string(70 << 10, 'x'));  // no CRLF, ever
  EXPECT_FALSE(endless.next().ok());
}

}  // namespace
}  // namespace kiln::cache
