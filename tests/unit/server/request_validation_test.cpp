// Request validation (server/request_validation.h): each check fails on the
// request it is for, with a message naming the field, and a good request
// passes. The same requests over real gRPC: tests/integration/test_bad_requests.py.
#include "server/request_validation.h"

#include <chrono>
#include <iostream>
#include <string>

#include "gtest/gtest.h"
#include "kiln/v1/bundle_hash.h"
#include "server/status_map.h"
#include "test_bundles.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;

pb::CompileRequest goodRequest() {
  pb::CompileRequest r;
  r.set_bundle_hash(std::string(32, 'h'));
  *r.mutable_bundle() = testing::addOneBundle();
  r.add_arg_types("int64");
  r.mutable_target()->set_triple("x86_64-unknown-linux-gnu");
  r.mutable_target()->set_cpu("x86-64");
  r.mutable_target()->add_features("+avx2");
  r.mutable_target()->add_features("+fma");
  return r;
}

void expectInvalid(const pb::CompileRequest& r, const std::string& message) {
  absl::Status s = validateCompileRequest(r);
  ASSERT_FALSE(s.ok()) << "expected: " << message;
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(message), std::string::npos) << s;
  EXPECT_LE(s.message().size(), kMaxMessageBytes);
}

TEST(RequestValidation, AGoodRequestPasses) {
  EXPECT_TRUE(validateCompileRequest(goodRequest()).ok()) << validateCompileRequest(goodRequest());
  pb::CompileRequest hash_only = goodRequest();
  hash_only.clear_bundle();
  EXPECT_TRUE(validateCompileRequest(hash_only).ok());
  EXPECT_TRUE(validateCompileRequestBytes(goodRequest().SerializeAsString()).ok());
}

TEST(RequestValidation, ACalleeClaimingMoreArgumentsThanItHasNamesIsRefused) {
  pb::CompileRequest r = goodRequest();
  r.mutable_bundle()->mutable_functions(0)->mutable_code()->set_argcount(2147483647);
  expectInvalid(r, "bad bundle: functions[0].code: claims 2147483647 parameters (argcount 2147483647, "
                   "kwonlyargcount 0) but co_varnames has 1 names");
  r = goodRequest();
  r.mutable_bundle()->mutable_functions(0)->mutable_code()->set_kwonlyargcount(1);
  expectInvalid(r, "claims 2 parameters");
  r = goodRequest();
  r.mutable_bundle()->mutable_functions(0)->mutable_code()->set_flags(3 | 0x04 | 0x08);  // *args, **kwargs
  expectInvalid(r, "claims 3 parameters");
}

TEST(RequestValidation, CodeObjectCountsMustMatchWhatItHolds) {
  struct Case {
    void (*mutate)(pb::CodeObject*);
    const char* message;
  };
  const Case cases[] = {
      {[](pb::CodeObject* c) { c->set_nlocals(1000000); }, "nlocals 1000000 does not match co_varnames"},
      {[](pb::CodeObject* c) { c->set_nlocals(-1); }, "must not be negative"},
      {[](pb::CodeObject* c) { c->set_posonlyargcount(2); }, "posonlyargcount 2 is more than argcount 1"},
      {[](pb::CodeObject* c) { c->set_stacksize(kMaxStackSize + 1); }, "stacksize 1048577 is more than the limit"},
      {[](pb::CodeObject* c) { c->mutable_lines(0)->set_start(3); }, "lines[0]: range [3, 2) is inverted"},
  };
  for (const Case& c : cases) {
    pb::CompileRequest r = goodRequest();
    c.mutate(r.mutable_bundle()->mutable_functions(0)->mutable_code());
    expectInvalid(r, c.message);
  }
  pb::CompileRequest r = goodRequest();
  r.mutable_bundle()->mutable_functions(0)->add_defaults()->set_int_value(1);
  r.mutable_bundle()->mutable_functions(0)->add_defaults()->set_int_value(2);
  expectInvalid(r, "has 2 defaults for 1 positional parameters");
  r = goodRequest();
  r.mutable_bundle()->clear_functions();
  expectInvalid(r, "bad bundle: it has no functions");
}

TEST(RequestValidation, TargetsComeFromTheAllowList) {
  struct Case {
    std::string triple, cpu;
    std::vector<std::string> features;
    int emit;
    std::string message;
  };
  const Case cases[] = {
      {"x86_64-unknown-linux-gnu", "i386", {}, 0, "target: target cpu 'i386' is not allowed: it lacks '64bit'"},
      {"x86_64-unknown-linux-gnu", "x86-64", {"-64bit"}, 0, "target feature '-64bit' is not allowed"},
      {"x86_64-unknown-linux-gnu", "x86-64", {"-sse", "-sse2"}, 0, "target feature '-sse' is not allowed"},
      {"x86_64-unknown-linux-gnu", "x86-64", {"+warp-drive"}, 0, "'+warp-drive' is not a recognized feature"},
      {"armv7-unknown-linux-gnueabihf", "generic", {}, 0, "target triple 'armv7-unknown-linux-gnueabihf' is not"},
      {"nvptx64-nvidia-cuda", "sm_70", {}, pb::EMIT_BINARY, "'sm_70' is not a recognized processor"},
      {"nvptx64-nvidia-cuda", "sm_1000", {}, pb::EMIT_ASM, "'sm_1000' is not a recognized processor"},
      {"nvptx64-nvidia-cuda", "sm_80", {"+ptx85"}, pb::EMIT_ASM, "the CUDA target takes none"},
      {"x86_64-unknown-linux-gnu", "x86-64", {}, pb::EMIT_PTX, "emit=ptx needs the CUDA target"},
      {std::string(65, 't'), "x86-64", {}, 0, "target.triple is 65 bytes long, more than the limit of 64"},
      {"x86_64-unknown-linux-gnu", std::string(1 << 20, 'c'), {}, 0, "target.cpu is 1048576 bytes long"},
      {"x86_64-unknown-linux-gnu", "x86-64", std::vector<std::string>(257, "+avx"), 0,
       "target.features has 257 entries, more than the limit of 256"},
  };
  for (const Case& c : cases) {
    pb::CompileRequest r = goodRequest();
    r.mutable_target()->set_triple(c.triple);
    r.mutable_target()->set_cpu(c.cpu);
    r.mutable_target()->clear_features();
    for (const std::string& f : c.features) r.mutable_target()->add_features(f);
    r.set_emit(static_cast<pb::Emit>(c.emit));
    expectInvalid(r, c.message);
  }
  pb::CompileRequest ptx = goodRequest();
  ptx.mutable_target()->set_triple("nvptx64-nvidia-cuda");
  ptx.mutable_target()->set_cpu("sm_80");
  ptx.mutable_target()->clear_features();
  for (pb::Emit emit : {pb::EMIT_ASM, pb::EMIT_PTX, pb::EMIT_CUBIN, pb::EMIT_BINARY}) {  // cuda: a cubin
    ptx.set_emit(emit);
    EXPECT_TRUE(validateCompileRequest(ptx).ok()) << validateCompileRequest(ptx);
  }
}

TEST(RequestValidation, SizesAreCheckedAndNeverEchoed) {
  const std::string huge(1 << 20, 'x');
  pb::CompileRequest r = goodRequest();
  r.mutable_options()->set_error_model(huge);
  expectInvalid(r, "options.error_model is 1048576 bytes long, more than the limit of 64");
  r = goodRequest();
  for (int i = 0; i < 17; ++i) r.mutable_options()->add_fastmath_flags("nnan");
  expectInvalid(r, "options.fastmath_flags has 17 entries, more than the limit of 16");
  r = goodRequest();
  r.set_return_type(huge);
  expectInvalid(r, "return_type is 1048576 bytes long");
  r = goodRequest();
  for (int i = 0; i < 300; ++i) r.add_arg_types("int64");
  expectInvalid(r, "arg_types has 301 entries, more than the limit of 256");
  r = goodRequest();
  r.set_bundle_hash("short");
  expectInvalid(r, "bundle_hash is 5 bytes, expected 32 (SHA-256)");
  r = goodRequest();
  r.set_emit(static_cast<pb::Emit>(99));
  expectInvalid(r, "unknown emit value 99");
}

TEST(RequestValidation, BytesThatAreNotARequestAreInvalidArgument) {
  for (const std::string& bytes : {std::string("\xff\xff\xff\xff"), std::string("\x0a\xff\xff\xff\xff\x0f"),
                                  std::string("\x3a\x02\xc3\x28", 4)}) {
    absl::Status s = validateCompileRequestBytes(bytes);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("malformed request"), std::string::npos) << s;
  }
}

// Every Compile pays for validation, hits included: it must stay small
// next to a cache lookup (measured ~0.03 ms on the CI machine).
TEST(RequestValidation, MeasureCostPerRequest) {
  const pb::CompileRequest r = goodRequest();
  ASSERT_TRUE(validateCompileRequest(r).ok());
  constexpr int kRounds = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(validateCompileRequest(r).ok());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / kRounds;
  std::cout << "validateCompileRequest (one-function bundle, host target): " << ms << " ms\n";
  EXPECT_LT(ms, 2.0);
}

TEST(SafeText, ValidUtf8PassesUnchanged) {
  const std::string text = "plain, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x94\xa5, tab\tnewline\n";
  EXPECT_EQ(safeText(text), text);
}

TEST(SafeText, BadBytesAreEscaped) {
  EXPECT_EQ(safeText("b'\xe9'"), "b'\\xe9'");
  EXPECT_EQ(safeText(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(safeText("\xc0\xaf"), "\\xc0\\xaf");                // overlong '/'
  EXPECT_EQ(safeText("\xed\xa0\x80"), "\\xed\\xa0\\x80");       // a surrogate
  EXPECT_EQ(safeText("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(safeText("ok\xe2\x82"), "ok\\xe2\\x82");            // cut short
}

TEST(SafeText, LongTextIsCutOnACharacterBoundary) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "\xc3\xa9";  // 200,000 bytes of 'é'
  const std::string out = safeText(text, 101);
  EXPECT_EQ(out.substr(0, 100), text.substr(0, 100));
  EXPECT_EQ(out.substr(100), "... (200000 bytes in all)");
  EXPECT_EQ(safeText(text, 0), text);
  EXPECT_EQ(echo(std::string(1000, 'v')), "'" + std::string(64, 'v') + "... (1000 bytes in all)'");
}

TEST(StatusMap, MessagesSentAreValidCappedAndNeverEmpty) {
  grpc::Status s = toGrpc(absl::InvalidArgumentError(std::string(1 << 20, 'm')));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(s.error_message().size(), kMaxMessageBytes + 40);
  EXPECT_NE(s.error_message().find("(1048576 bytes in all)"), std::string::npos);
  EXPECT_EQ(toGrpc(absl::InternalError("bad \xe9")).error_message(), "bad \\xe9");
  EXPECT_EQ(toGrpc(absl::InternalError("")).error_message(), "INTERNAL");
  EXPECT_TRUE(toGrpc(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace kiln::server
