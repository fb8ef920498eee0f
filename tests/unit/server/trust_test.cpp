// The pieces of trust that need no network: the artifact seal (digest and
// Ed25519 signature, kiln/v1/artifact_seal.h) and the tokens file grammar
// (server/auth.h).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <google/protobuf/descriptor.h>
#include <grpcpp/create_channel.h>

#include "kiln/v1/artifact_seal.h"
#include "kiln/v1/bundle_hash.h"
#include "kiln/v1/kiln.grpc.pb.h"
#include "server/auth.h"
#include "server/server.h"
#include "tests/unit/server/test_bundles.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;

pb::Artifact sampleArtifact() {
  pb::Artifact a;
  a.set_shared_object(std::string("\x7f" "ELF and more bytes", 19));
  a.set_entry_symbol("kiln_entry_add1");
  a.set_return_type("int64");
  a.add_arg_types("int64");
  a.set_cache_key(std::string(32, 'k'));
  return a;
}

pb::CompileRequest sampleRequest() {
  pb::CompileRequest r;
  r.set_bundle_hash(std::string(32, 'b'));
  r.add_arg_types("int64");
  r.mutable_target()->set_triple("x86_64-unknown-linux-gnu");
  r.mutable_target()->set_cpu("x86-64");
  r.mutable_options()->set_opt_level(3);
  return r;
}

const pb::CompileRequest kRequest = sampleRequest();

class TrustFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-trust-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST(ArtifactSeal, DigestCoversEveryField) {
  const pb::Artifact a = sampleArtifact();
  const std::string d = pb::artifactDigest(kRequest, a);
  EXPECT_EQ(d.size(), 32u);
  EXPECT_EQ(d, pb::artifactDigest(sampleRequest(), sampleArtifact()));
  auto changed = [&](auto mutate) {
    pb::Artifact b = sampleArtifact();
    mutate(b);
    return pb::artifactDigest(kRequest, b) != d;
  };
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.mutable_shared_object()->back() ^= 1; }));
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.set_entry_symbol("other"); }));
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.set_return_type("float64"); }));
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.set_arg_types(0, "float64"); }));
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.add_arg_types("int64"); }));
  EXPECT_TRUE(changed([](pb::Artifact& b) { b.set_cache_key(std::string(32, 'K')); }));
  // Length prefixes: moving a byte from one field to the next changes it.
  EXPECT_TRUE(changed([](pb::Artifact& b) {
    b.set_entry_symbol("kiln_entry_add");
    b.set_return_type("1int64");
  }));
  // Neither the digest nor the signature field is covered by itself.
  EXPECT_FALSE(changed([](pb::Artifact& b) { b.set_digest("x"); }));
}

// The request digest covers everything the client asked for, and nothing
// else: not the bundle (named by its hash).
TEST(ArtifactSeal, RequestDigestCoversEveryFieldButTheBundle) {
  // A field added to CompileRequest must be added to requestDigest (or
  // deliberately left out, like the bundle) and counted here.
  EXPECT_EQ(pb::CompileRequest::descriptor()->field_count(), 7);
  const std::string d = pb::requestDigest(kRequest);
  auto changed = [&](auto mutate) {
    pb::CompileRequest r = sampleRequest();
    mutate(r);
    return pb::requestDigest(r) != d;
  };
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.set_bundle_hash(std::string(32, 'c')); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.set_arg_types(0, "float64"); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.set_return_type("int64"); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.mutable_target()->add_features("+avx512f"); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.mutable_target()->set_cpu("skylake"); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.mutable_options()->set_opt_level(0); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.mutable_options()->set_fastmath(true); }));
  EXPECT_TRUE(changed([](pb::CompileRequest& r) { r.set_emit(pb::EMIT_LLVM); }));
  EXPECT_FALSE(changed([](pb::CompileRequest& r) { r.mutable_bundle()->set_python_minor(11); }));
}

TEST_F(TrustFiles, SigningKeyIsCreatedPrivateAndReloaded) {
  const std::string path = dir_ + "/key.pem";
  const mode_t old_umask = umask(0);
  absl::StatusOr<pb::SigningKey> made = pb::SigningKey::loadOrCreate(path);
  umask(old_umask);
  ASSERT_TRUE(made.ok()) << made.status();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((path + ".pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  absl::StatusOr<pb::SigningKey> again = pb::SigningKey::loadOrCreate(path);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->publicKeyPem(), made->publicKeyPem());

  std::ifstream pub_file(path + ".pub");
  std::string pub((std::istreambuf_iterator<char>(pub_file)), std::istreambuf_iterator<char>());
  absl::StatusOr<pb::VerifyKey> verify = pb::VerifyKey::fromPem(pub);
  ASSERT_TRUE(verify.ok()) << verify.status();
  const std::string sig = made->sign("message");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify->verify("message", sig));
  EXPECT_FALSE(verify->verify("messagE", sig));
  std::string bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(verify->verify("message", bad));
  EXPECT_FALSE(verify->verify("message", sig.substr(1)));

  // An existing key in a folder kilnd cannot write still loads (no .pub then).
  std::filesystem::remove(path + ".pub");
  chmod(dir_.c_str(), 0500);
  absl::StatusOr<pb::SigningKey> read_only = pb::SigningKey::loadOrCreate(path);
  chmod(dir_.c_str(), 0700);
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  EXPECT_EQ(read_only->publicKeyPem(), made->publicKeyPem());

  chmod(path.c_str(), 0640);
  absl::StatusOr<pb::SigningKey> loose = pb::SigningKey::loadOrCreate(path);
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.status().message().find("accessible by group or others"), std::string::npos);
}

TEST_F(TrustFiles, CheckArtifactSeal) {
  absl::StatusOr<pb::SigningKey> key = pb::SigningKey::loadOrCreate(dir_ + "/k.pem");
  ASSERT_TRUE(key.ok());
  absl::StatusOr<pb::SigningKey> other = pb::SigningKey::loadOrCreate(dir_ + "/other.pem");
  ASSERT_TRUE(other.ok());
  absl::StatusOr<pb::VerifyKey> trusted = pb::VerifyKey::fromPem(key->publicKeyPem());
  ASSERT_TRUE(trusted.ok());

  pb::Artifact a = sampleArtifact();
  EXPECT_EQ(pb::checkArtifactSeal(kRequest, a, nullptr).code(), absl::StatusCode::kDataLoss);  // no digest
  a.set_digest(pb::artifactDigest(kRequest, a));
  EXPECT_TRUE(pb::checkArtifactSeal(kRequest, a, nullptr).ok());
  pb::CompileRequest replayed = sampleRequest();
  replayed.set_arg_types(0, "float64");  // a genuine artifact replayed for another request
  EXPECT_EQ(pb::checkArtifactSeal(replayed, a, nullptr).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(pb::checkArtifactSeal(kRequest, a, &*trusted).code(), absl::StatusCode::kPermissionDenied);  // unsigned
  a.set_signature(other->sign(a.digest()));
  EXPECT_EQ(pb::checkArtifactSeal(kRequest, a, &*trusted).code(), absl::StatusCode::kPermissionDenied);
  a.set_signature(key->sign(a.digest()));
  EXPECT_TRUE(pb::checkArtifactSeal(kRequest, a, &*trusted).ok());
  a.mutable_shared_object()->front() ^= 1;  // signed, then tampered
  EXPECT_EQ(pb::checkArtifactSeal(kRequest, a, &*trusted).code(), absl::StatusCode::kDataLoss);

  EXPECT_FALSE(pb::VerifyKey::fromPem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n").ok());
  absl::StatusOr<pb::VerifyKey> missing = pb::VerifyKey::fromPemOrFile(dir_ + "/nothing.pub", "KILN_SERVER_KEY");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("KILN_SERVER_KEY"), std::string::npos);
}

TEST(Tokens, ParseGrammar) {
  absl::StatusOr<TokenTable> t = parseTokens(
      "# who may do what\n"
      "\n"
      "0123456789abcdef0123 alice admin,compile\n"
      "  tok-ABCDEFGHIJKLMNOP\tbob   compile  \n"
      "launch-token-000000 carol launch\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->size(), 3u);
  std::map<std::string, uint8_t> rights;
  for (const auto& [id, entry] : *t) {
    EXPECT_EQ(id.size(), 32u);  // stored hashed, never as the token
    rights[entry.name] = entry.rights;
  }
  const auto bit = [](Right r) { return static_cast<uint8_t>(r); };
  EXPECT_EQ(rights, (std::map<std::string, uint8_t>{{"alice", bit(Right::kAdmin) | bit(Right::kCompile)},
                                                    {"bob", bit(Right::kCompile)},
                                                    {"carol", bit(Right::kLaunch)}}));
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& bad : {Bad{"short alice compile\n", "line 1: the token is shorter than 16"},
                         Bad{"0123456789abcdef0123 alice\n", "expected TOKEN NAME RIGHT"},
                         Bad{"#\n0123456789abcdef0123 alice root\n", "line 2: unknown right 'root'"},
                         Bad{"0123456789abcdef012\"3 alice compile\n", "a character outside"},
                         Bad{"0123456789abcdef0123 a compile\n0123456789abcdef0123 b admin\n", "listed twice"}}) {
    absl::StatusOr<TokenTable> r = parseTokens(bad.text);
    ASSERT_FALSE(r.ok()) << bad.text;
    EXPECT_NE(r.status().message().find(bad.says), std::string::npos) << r.status();
  }
}

// Every RPC of the service has a rule; a method without one is refused, so
// adding an RPC forces a decision on who may call it.
TEST(Tokens, EveryRpcHasAnAccessRule) {
  // Any message of kiln.proto links its descriptors into the generated pool.
  ASSERT_NE(pb::CompileRequest::descriptor(), nullptr);
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(pb::Kiln::service_full_name());
  ASSERT_NE(service, nullptr);
  ASSERT_GT(service->method_count(), 0);
  for (int i = 0; i < service->method_count(); ++i)
    EXPECT_TRUE(ruleFor(service->method(i)->name()).known) << service->method(i)->name();
  EXPECT_FALSE(ruleFor("DropTheCache").known);
  EXPECT_EQ(ruleFor("Shutdown").right, Right::kAdmin);
  EXPECT_EQ(ruleFor("Compile").right, Right::kCompile);
  EXPECT_FALSE(ruleFor("GetServerInfo").right.has_value());
}

TEST_F(TrustFiles, TokensFileMustBePrivate) {
  const std::string path = dir_ + "/tokens";
  std::ofstream(path) << "0123456789abcdef0123 alice admin\n";
  chmod(path.c_str(), 0644);
  absl::StatusOr<std::unique_ptr<Authorizer>> open = Authorizer::fromFile(path);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), absl::StatusCode::kPermissionDenied);
  chmod(path.c_str(), 0600);
  absl::StatusOr<std::unique_ptr<Authorizer>> ok = Authorizer::fromFile(path);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE((*ok)->hasTokens());
  std::ofstream(path) << "garbage\n";
  EXPECT_FALSE((*ok)->reload().ok());
}

// The real server, in process: what it sends is sealed (and signed with a
// key), misses and hits alike; the socket is the user's alone.
TEST_F(TrustFiles, ServerSealsAndSignsEveryArtifact) {
  Config config;
  config.socket_path = dir_ + "/run/kilnd.sock";
  config.cache_dir = dir_ + "/cache";
  config.signing_key_path = dir_ + "/signing.pem";
  absl::StatusOr<std::unique_ptr<KilnServer>> server = KilnServer::start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  struct stat st {};
  ASSERT_EQ(stat(config.socket_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  std::ifstream pub_file(config.signing_key_path + ".pub");
  std::string pub((std::istreambuf_iterator<char>(pub_file)), std::istreambuf_iterator<char>());
  absl::StatusOr<pb::VerifyKey> key = pb::VerifyKey::fromPem(pub);
  ASSERT_TRUE(key.ok()) << key.status();
  auto stub = pb::Kiln::NewStub(grpc::CreateChannel("unix:" + config.socket_path, grpc::InsecureChannelCredentials()));
  const pb::Bundle bundle = kiln::server::testing::addOneBundle();
  std::string signature;
  for (bool with_bundle : {true, false}) {  // a miss, then a hit
    pb::CompileRequest request;
    request.set_bundle_hash(pb::bundleHash(bundle));
    if (with_bundle) *request.mutable_bundle() = bundle;
    request.add_arg_types("int64");
    grpc::ClientContext context;
    pb::CompileResponse reply;
    ASSERT_TRUE(stub->Compile(&context, request, &reply).ok());
    ASSERT_EQ(reply.status(), pb::CompileResponse::STATUS_OK) << reply.diagnostic().message();
    EXPECT_EQ(reply.cache_hit(), !with_bundle);
    EXPECT_EQ(reply.artifact().digest(), pb::artifactDigest(request, reply.artifact()));
    EXPECT_TRUE(pb::checkArtifactSeal(request, reply.artifact(), &*key).ok());
    if (!signature.empty()) {
      EXPECT_EQ(reply.artifact().signature(), signature);
    }
    signature = reply.artifact().signature();
  }
}

TEST_F(TrustFiles, ServerRefusesASocketFolderOthersCanWrite) {
  const std::string shared = dir_ + "/shared";
  std::filesystem::create_directories(shared);
  chmod(shared.c_str(), 0777);
  Config config;
  config.socket_path = shared + "/kilnd.sock";
  config.cache_dir = dir_ + "/cache";
  absl::StatusOr<std::unique_ptr<KilnServer>> server = KilnServer::start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(server.status().message().find("group or others can write it"), std::string::npos) << server.status();
}

}  // namespace
}  // namespace kiln::server
