// The real service, in process: KilnServer on a temporary Unix socket with a
// temporary cache directory, driven through the generated stub.

#include "kiln/v1/bundle_hash.h"
#include <gtest/gtest.h>
#include <grpcpp/create_channel.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/time/clock.h"
#include "kiln/v1/kiln.grpc.pb.h"
#include "server/bundle_convert.h"
#include "server/server.h"
#include "tests/unit/server/test_bundles.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;
using testing::addOneBundle;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-server-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.socket_path = dir_ + "/kilnd.sock";
    config_.cache_dir = dir_ + "/cache";
    config_.threads = 2;
    startServer();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void startServer() {
    absl::StatusOr<std::unique_ptr<KilnServer>> s = KilnServer::start(config_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    stub_ = pb::Kiln::NewStub(grpc::CreateChannel("unix:" + config_.socket_path, grpc::InsecureChannelCredentials()));
  }

  grpc::Status compile(const pb::CompileRequest& request, pb::CompileResponse& reply) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->Compile(&context, request, &reply);
  }

  pb::StatsResponse stats() {
    grpc::ClientContext context;
    pb::StatsResponse reply;
    EXPECT_TRUE(stub_->GetStats(&context, pb::StatsRequest(), &reply).ok());
    return reply;
  }

  // A request by hash alone for `bundle`, compiling it for (int64).
  static pb::CompileRequest requestFor(const pb::Bundle& bundle, bool with_bundle,
                                       const std::string& arg = "int64") {
    pb::CompileRequest r;
    r.set_bundle_hash(kiln::v1::bundleHash(bundle));
    if (with_bundle) *r.mutable_bundle() = bundle;
    r.add_arg_types(arg);
    return r;
  }

  void expectAlive() {
    grpc::ClientContext context;
    pb::ServerInfo info;
    EXPECT_TRUE(stub_->GetServerInfo(&context, pb::ServerInfoRequest(), &info).ok());
  }

  std::string dir_;
  Config config_;
  std::unique_ptr<KilnServer> server_;
  std::unique_ptr<pb::Kiln::Stub> stub_;
};

TEST_F(ServerTest, GetServerInfo) {
  grpc::ClientContext context;
  pb::ServerInfo info;
  ASSERT_TRUE(stub_->GetServerInfo(&context, pb::ServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.protocol_version(), 1u);
  EXPECT_EQ(info.pid(), getpid());
  EXPECT_EQ(info.compiler_build_id(), compiler::compilerBuildId());
  EXPECT_FALSE(info.version().empty());
  EXPECT_NE(std::find(info.python_versions().begin(), info.python_versions().end(), "3.11"),
            info.python_versions().end());
  ASSERT_EQ(info.targets_size(), 1);
  EXPECT_EQ(info.targets(0), "x86_64-unknown-linux-gnu");
}

TEST_F(ServerTest, UnknownHashWithoutBundleNeedsTheBundle) {
  pb::CompileResponse reply;
  ASSERT_TRUE(compile(requestFor(addOneBundle(), false), reply).ok());
  EXPECT_EQ(reply.status(), pb::CompileResponse::STATUS_NEED_BUNDLE);
  EXPECT_EQ(stats().compiles(), 0u);
}

TEST_F(ServerTest, HashMismatchIsInvalidArgument) {
  pb::CompileRequest r = requestFor(addOneBundle(), true);
  r.mutable_bundle()->mutable_functions(0)->mutable_code()->set_name("tampered");
  pb::CompileResponse reply;
  grpc::Status s = compile(r, reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("does not match"), std::string::npos) << s.error_message();
  EXPECT_EQ(stats().bundle_uploads(), 0u);
}

TEST_F(ServerTest, MalformedHashIsInvalidArgument) {
  pb::CompileRequest r = requestFor(addOneBundle(), false);
  r.set_bundle_hash("short");
  pb::CompileResponse reply;
  EXPECT_EQ(compile(r, reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, UnsupportedPythonVersionIsInvalidArgument) {
  pb::Bundle b = addOneBundle();
  b.set_python_minor(8);
  pb::CompileResponse reply;
  grpc::Status s = compile(requestFor(b, true), reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("3.8"), std::string::npos) << s.error_message();
}

TEST_F(ServerTest, BadOptionsAreInvalidArgument) {
  pb::CompileRequest r = requestFor(addOneBundle(), true);
  r.mutable_options()->set_opt_level(9);
  pb::CompileResponse reply;
  EXPECT_EQ(compile(r, reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, GarbageBytecodeIsAnErrorWithADiagnosticAndTheServerLives) {
  for (std::string code : {std::string("\xff\xff\xff\x01\x02", 5), std::string("\x53", 1),
                           std::string(4096, '\xfe'), std::string()}) {
    pb::Bundle b = addOneBundle();
    b.mutable_functions(0)->mutable_code()->set_code(code);
    pb::CompileResponse reply;
    grpc::Status s = compile(requestFor(b, true), reply);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(reply.status(), pb::CompileResponse::STATUS_ERROR);
    EXPECT_FALSE(reply.diagnostic().message().empty());
    // Malformed input is the client's problem, not a compiler bug.
    EXPECT_EQ(reply.diagnostic().kind(), pb::Diagnostic::KIND_UNSUPPORTED) << reply.diagnostic().message();
    EXPECT_EQ(reply.diagnostic().filename(), "test.py");
    expectAlive();
  }
  // Errors are not cached as artifacts.
  EXPECT_EQ(stats().cache_entries(), 0u);
  EXPECT_EQ(stats().compile_errors(), 4u);
}

TEST_F(ServerTest, UserErrorIsADiagnosticAndIsNotCached) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    pb::CompileResponse reply;
    ASSERT_TRUE(compile(requestFor(testing::missingGlobalBundle(), true), reply).ok());
    ASSERT_EQ(reply.status(), pb::CompileResponse::STATUS_ERROR);
    EXPECT_EQ(reply.diagnostic().kind(), pb::Diagnostic::KIND_NAME) << reply.diagnostic().message();
    EXPECT_EQ(reply.diagnostic().filename(), "test.py");
    EXPECT_EQ(reply.diagnostic().line(), 7);
    EXPECT_NE(reply.diagnostic().message().find("'y'"), std::string::npos);
    EXPECT_FALSE(reply.cache_hit());
  }
  pb::StatsResponse s = stats();
  EXPECT_EQ(s.compiles(), 2u);  // not cached: the second request compiled again
  EXPECT_EQ(s.compile_errors(), 2u);
  EXPECT_EQ(s.cache_entries(), 0u);
}

TEST_F(ServerTest, ShutdownRpcStopsTheServer) {
  grpc::ClientContext context;
  pb::ShutdownResponse reply;
  ASSERT_TRUE(stub_->Shutdown(&context, pb::ShutdownRequest(), &reply).ok());
  EXPECT_EQ(server_->wait(), "Shutdown RPC");
  EXPECT_FALSE(std::filesystem::exists(config_.socket_path));
}

TEST_F(ServerTest, IdleTimeoutStopsTheServer) {
  server_.reset();
  config_.idle_timeout_seconds = 1;
  startServer();
  const absl::Time start = absl::Now();
  EXPECT_EQ(server_->wait(), "idle for 1 s");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ServerTest, StaleSocketFileIsReplacedButALiveOneIsNot) {
  // A second server on the live socket must refuse, not steal it.
  Config second = config_;
  second.cache_dir = dir_ + "/cache2";
  EXPECT_EQ(KilnServer::start(second).status().code(), absl::StatusCode::kAlreadyExists);

  server_.reset();
  // Leave a socket file that nothing listens on.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, config_.socket_path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
  ASSERT_TRUE(std::filesystem::exists(config_.socket_path));
  startServer();
  expectAlive();
}

// --- success path: needs a compiler that compiles `x + 1` ---

TEST_F(ServerTest, CompilesThenHitsTheCache) {
  const pb::Bundle bundle = addOneBundle();
  pb::CompileResponse first;
  ASSERT_TRUE(compile(requestFor(bundle, true), first).ok());
  ASSERT_EQ(first.status(), pb::CompileResponse::STATUS_OK) << first.diagnostic().message();
  EXPECT_FALSE(first.cache_hit());
  EXPECT_EQ(first.artifact().shared_object().substr(0, 4), "\x7f" "ELF");
  EXPECT_FALSE(first.artifact().entry_symbol().empty());
  EXPECT_EQ(first.artifact().return_type(), "int64");
  EXPECT_EQ(first.artifact().cache_key().size(), 32u);

  pb::CompileResponse second;  // by hash alone: the bundle is known now
  ASSERT_TRUE(compile(requestFor(bundle, false), second).ok());
  ASSERT_EQ(second.status(), pb::CompileResponse::STATUS_OK);
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(second.artifact().shared_object(), first.artifact().shared_object());
  EXPECT_EQ(second.artifact().cache_key(), first.artifact().cache_key());

  pb::StatsResponse s = stats();
  EXPECT_EQ(s.compiles(), 1u);
  EXPECT_EQ(s.cache_hits(), 1u);
  EXPECT_EQ(s.cache_entries(), 1u);
  EXPECT_EQ(s.bundles_stored(), 1u);
}

TEST_F(ServerTest, RestartOnTheSameCacheHitsWithoutCompiling) {
  const pb::Bundle bundle = addOneBundle();
  pb::CompileResponse first;
  ASSERT_TRUE(compile(requestFor(bundle, true), first).ok());
  ASSERT_EQ(first.status(), pb::CompileResponse::STATUS_OK) << first.diagnostic().message();

  server_.reset();
  startServer();
  pb::CompileResponse again;
  ASSERT_TRUE(compile(requestFor(bundle, false), again).ok());
  ASSERT_EQ(again.status(), pb::CompileResponse::STATUS_OK);
  EXPECT_TRUE(again.cache_hit());
  EXPECT_EQ(again.artifact().shared_object(), first.artifact().shared_object());
  EXPECT_EQ(stats().compiles(), 0u);

  // A new signature needs the compiler, and the bundle comes from the store.
  pb::CompileResponse other;
  ASSERT_TRUE(compile(requestFor(bundle, false, "float64"), other).ok());
  EXPECT_EQ(other.status(), pb::CompileResponse::STATUS_OK) << other.diagnostic().message();
  EXPECT_FALSE(other.cache_hit());
}

TEST_F(ServerTest, ConcurrentRequestsForOneKeyCompileOnce) {
  const pb::Bundle bundle = addOneBundle();
  pb::CompileResponse upload;  // store the bundle; compile a different key
  ASSERT_TRUE(compile(requestFor(bundle, true, "int32"), upload).ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      pb::CompileResponse reply;
      if (compile(requestFor(bundle, false, "float64"), reply).ok() &&
          reply.status() == pb::CompileResponse::STATUS_OK)
        ok.fetch_add(1);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(stats().compiles(), 2u);  // int32 once, float64 once
}

TEST_F(ServerTest, EmitLlvmReturnsText) {
  pb::CompileRequest r = requestFor(addOneBundle(), true);
  r.set_emit(pb::EMIT_LLVM);
  pb::CompileResponse reply;
  ASSERT_TRUE(compile(r, reply).ok());
  ASSERT_EQ(reply.status(), pb::CompileResponse::STATUS_OK) << reply.diagnostic().message();
  EXPECT_NE(reply.text().find("define"), std::string::npos);
}

}  // namespace
}  // namespace kiln::server
