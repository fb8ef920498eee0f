#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kiln/client/client.h"
#include "kiln/client/library.h"
#include "kiln/client/local_server.h"

namespace kiln::client {
namespace {

std::string fixtureBytes() {
  std::ifstream in(KILN_FIXTURE_SO, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

kiln::v1::Bundle sampleBundle(const std::string& callee_code) {
  kiln::v1::Bundle b;
  b.set_python_major(3);
  b.set_python_minor(11);
  kiln::v1::Function* f = b.add_functions();
  f->mutable_code()->set_name("f");
  f->mutable_code()->set_code("\x97\x00", 2);
  kiln::v1::GlobalRef* g = f->add_globals();
  g->set_name("g");
  g->set_kind(kiln::v1::GlobalRef::KIND_FUNCTION);
  g->set_function_index(1);
  kiln::v1::Function* callee = b.add_functions();
  callee->mutable_code()->set_name("g");
  callee->mutable_code()->set_code(callee_code);
  return b;
}

TEST(BundleHash, IsStableAndSeesCallees) {
  BundleHash a = bundleHash(sampleBundle("abc"));
  EXPECT_EQ(a, bundleHash(sampleBundle("abc")));
  EXPECT_NE(a, bundleHash(sampleBundle("abd")));
  EXPECT_EQ(hexHash(a).size(), 64u);
}

TEST(BundleHash, IsSha256OfDeterministicBytes) {
  // The empty message serializes to no bytes: SHA-256("").
  EXPECT_EQ(hexHash(bundleHash(kiln::v1::Bundle())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HostTarget, IsSortedX86Features) {
  kiln::v1::Target t = hostTarget();
  EXPECT_EQ(t.triple(), "x86_64-unknown-linux-gnu");
  EXPECT_EQ(t.cpu(), "x86-64");
  ASSERT_TRUE(std::is_sorted(t.features().begin(), t.features().end()));
  for (const std::string& f : t.features()) EXPECT_EQ(f[0], '+') << f;
}

// keys: target tiers (docs/cache.md, "Target tiers"), on a faked CPU.
class TargetTier : public ::testing::Test {
 protected:
  void fakeCpu(const char* features) { setenv("KILN_TEST_HOST_FEATURES", features, 1); }
  void TearDown() override {
    unsetenv("KILN_TEST_HOST_FEATURES");
    unsetenv("KILN_TARGET_TIER");
  }
  static constexpr char kV3[] = "sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf,avx,avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave";
};

TEST_F(TargetTier, NamedLevelsAreTheSameOnEveryHost) {
  fakeCpu(kV3);
  absl::StatusOr<kiln::v1::Target> a = tierTarget("x86-64-v3");
  fakeCpu("sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf,avx,avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave,aes,avx512f");
  absl::StatusOr<kiln::v1::Target> b = tierTarget("x86-64-v3");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
  EXPECT_EQ(a->cpu(), "x86-64");
  EXPECT_EQ(std::vector<std::string>(a->features().begin(), a->features().end()),
            (std::vector<std::string>{"+avx", "+avx2", "+bmi", "+bmi2", "+cx16", "+f16c", "+fma", "+lzcnt", "+movbe",
                                      "+popcnt", "+sahf", "+sse3", "+sse4.1", "+sse4.2", "+ssse3", "+xsave"}));
  // The exact-host tier differs with the host's extras; a host with exactly
  // the level's features sends the level's target.
  EXPECT_NE(tierTarget("host")->SerializeAsString(), tierTarget("x86-64-v3")->SerializeAsString());
  fakeCpu(kV3);
  EXPECT_EQ(tierTarget("host")->SerializeAsString(), tierTarget("x86-64-v3")->SerializeAsString());
}

TEST_F(TargetTier, BestIsTheHighestLevelTheCpuRuns) {
  fakeCpu("sse3");
  EXPECT_EQ(bestTier(), "x86-64");
  fakeCpu("sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf");
  EXPECT_EQ(bestTier(), "x86-64-v2");
  fakeCpu(kV3);
  EXPECT_EQ(bestTier(), "x86-64-v3");
  EXPECT_EQ(tierTarget("best")->SerializeAsString(), tierTarget("x86-64-v3")->SerializeAsString());
  fakeCpu("sse3,ssse3,sse4.1,sse4.2,popcnt,cx16,sahf,avx,avx2,bmi,bmi2,f16c,fma,lzcnt,movbe,xsave,"
          "avx512f,avx512bw,avx512cd,avx512dq,avx512vl");
  EXPECT_EQ(bestTier(), "x86-64-v4");
}

TEST_F(TargetTier, CodeForALevelTheCpuLacksIsRefused) {
  fakeCpu(kV3);
  absl::StatusOr<kiln::v1::Target> v4 = tierTarget("x86-64-v4");
  ASSERT_TRUE(v4.ok());
  absl::Status runs = checkRunsHere(*v4);
  EXPECT_EQ(runs.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(runs.message().find("code built for target tier 'x86-64-v4': it lacks avx512bw, avx512cd, avx512dq, avx512f, avx512vl"), std::string::npos) << runs;
  EXPECT_TRUE(checkRunsHere(*tierTarget("x86-64-v3")).ok());
  EXPECT_TRUE(checkRunsHere(*tierTarget("host")).ok());
  kiln::v1::Target named = *tierTarget("x86-64");  // LLVM's processor names of the levels
  named.set_cpu("x86-64-v4");
  EXPECT_FALSE(checkRunsHere(named).ok());
  named.set_cpu("x86-64-v3");
  EXPECT_TRUE(checkRunsHere(named).ok());
  kiln::v1::Target host_plus = *tierTarget("host");
  host_plus.add_features("+avx512f");
  EXPECT_FALSE(checkRunsHere(host_plus).ok());
  kiln::v1::Target other_cpu = *tierTarget("host");
  other_cpu.set_cpu("skylake");
  EXPECT_FALSE(checkRunsHere(other_cpu).ok());
  kiln::v1::Target ptx;
  ptx.set_triple("nvptx64-nvidia-cuda");
  ptx.set_cpu("sm_80");
  EXPECT_TRUE(checkRunsHere(ptx).ok());  // not loaded as host code
}

TEST_F(TargetTier, UnknownNamesAndEnvironmentValuesAreInvalidArgument) {
  EXPECT_EQ(tierTarget("x86-64-v5").status().code(), absl::StatusCode::kInvalidArgument);
  setenv("KILN_TARGET_TIER", "haswell", 1);
  absl::StatusOr<kiln::v1::Target> t = tierTarget("");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("KILN_TARGET_TIER: 'haswell' is not a target tier"), std::string::npos)
      << t.status();
  setenv("KILN_TARGET_TIER", "x86-64-v2", 1);
  EXPECT_EQ(tierTarget("")->SerializeAsString(), tierTarget("x86-64-v2")->SerializeAsString());
  EXPECT_EQ(tierTarget("x86-64-v2")->features_size(), 7);
  unsetenv("KILN_TARGET_TIER");
  EXPECT_EQ(tierTarget("")->SerializeAsString(), tierTarget(kDefaultTargetTier)->SerializeAsString());
}

TEST(Library, LoadsFromMemoryAndCalls) {
  auto lib = Library::load(fixtureBytes(), "fixture");
  ASSERT_TRUE(lib.ok()) << lib.status();
  auto entry = (*lib)->entry("kiln_fixture_floordiv");
  ASSERT_TRUE(entry.ok()) << entry.status();
  int64_t a = -7, b = 2, r = 0;
  void* args[] = {&a, &b};
  KilnError err{};
  EXPECT_EQ((*entry)(&r, args, &err), KILN_OK);
  EXPECT_EQ(r, -4);
  b = 0;
  EXPECT_EQ((*entry)(&r, args, &err), KILN_ZERO_DIVISION_ERROR);
  EXPECT_STREQ(err.message, "integer division or modulo by zero");
  EXPECT_EQ(err.line, 7);
}

TEST(Library, EachLoadIsItsOwnCopy) {
  // Two loads of the same bytes must not alias (the memfd-reuse trap): a
  // write through one copy's data is invisible to the other.
  std::string bytes = fixtureBytes();
  auto first = Library::load(bytes, "one");
  ASSERT_TRUE(first.ok());
  auto tag1 = (*first)->symbol("kiln_fixture_tag");
  ASSERT_TRUE(tag1.ok());
  *static_cast<int64_t*>(*tag1) = 41;
  first->reset();  // unload; its memfd number is free again
  auto second = Library::load(bytes, "two");
  auto third = Library::load(bytes, "three");
  ASSERT_TRUE(second.ok() && third.ok());
  auto tag2 = (*second)->symbol("kiln_fixture_tag");
  auto tag3 = (*third)->symbol("kiln_fixture_tag");
  ASSERT_TRUE(tag2.ok() && tag3.ok());
  EXPECT_NE(*tag2, *tag3);
  *static_cast<int64_t*>(*tag2) = 5;
  EXPECT_EQ(*static_cast<int64_t*>(*tag3), 1);
}

TEST(Library, RejectsGarbageAndMissingSymbols) {
  auto bad = Library::load("not an elf file", "garbage");
  EXPECT_FALSE(bad.ok());
  auto lib = Library::load(fixtureBytes(), "fixture");
  ASSERT_TRUE(lib.ok());
  auto missing = (*lib)->entry("no_such_entry");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(Client, ConnectSharesOneChannelPerTarget) {
  auto a = Client::connect("unix:/nonexistent/kiln.sock");
  auto b = Client::connect("unix:/nonexistent/kiln.sock");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_FALSE(Client::connect("no-port-here").ok());
}

// A forked child must not share its parent's connection (both would read
// each other's HTTP/2 frames): Client::connect gives it a Client of its own,
// and the parent keeps its own.
TEST(Client, AForkedChildGetsItsOwnClient) {
  auto parent = Client::connect("unix:/nonexistent/kiln-fork.sock");
  ASSERT_TRUE(parent.ok());
  const Client* before = parent->get();
  const int64_t channels = Client::channelsCreated();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto child = Client::connect("unix:/nonexistent/kiln-fork.sock");
    auto again = Client::connect("unix:/nonexistent/kiln-fork.sock");
    const bool own = child.ok() && again.ok() && child->get() != before && child->get() == again->get() &&
                     Client::channelsCreated() == channels + 1;
    _exit(own ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto same = Client::connect("unix:/nonexistent/kiln-fork.sock");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), before);
}

TEST(Client, UnreachableServerIsAClearError) {
  auto c = Client::connect("unix:/nonexistent/kiln.sock");
  ASSERT_TRUE(c.ok());
  auto info = (*c)->info();
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find("/nonexistent/kiln.sock"), std::string::npos) << info.status();
}

TEST(Client, ConnectOptionsAreCheckedAndKeyTheChannel) {
  ConnectOptions with_token;
  with_token.token = "0123456789abcdef";
  auto plain = Client::connect("127.0.0.1:1");
  auto tokened = Client::connect("127.0.0.1:1", with_token);
  ASSERT_TRUE(plain.ok() && tokened.ok());
  EXPECT_NE(plain->get(), tokened->get());  // other settings, other channel
  EXPECT_EQ(tokened->get(), Client::connect("127.0.0.1:1", with_token)->get());

  ConnectOptions tls;
  tls.tls = true;
  EXPECT_EQ(Client::connect("unix:/tmp/k.sock", tls).status().code(), absl::StatusCode::kInvalidArgument);
  ConnectOptions half_cert;
  half_cert.tls = true;
  half_cert.tls_cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_NE(Client::connect("127.0.0.1:1", half_cert).status().message().find("KILN_TLS_KEY"), std::string::npos);
  ConnectOptions bad_key;
  bad_key.server_key_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
  absl::StatusOr<std::shared_ptr<Client>> refused = Client::connect("127.0.0.1:1", bad_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the server key"), std::string::npos) << refused.status();
}

TEST(LocalServer, ConnectOptionsFromEnv) {
  const std::string dir = ::testing::TempDir() + "kiln-env-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/ca.pem") << "CA PEM";
  std::ofstream(dir + "/token") << "  tok-from-a-file-0123 \n# only the first line counts\n";
  setenv("KILN_TLS_CA", (dir + "/ca.pem").c_str(), 1);
  setenv("KILN_TOKEN_FILE", (dir + "/token").c_str(), 1);
  setenv("KILN_SERVER_KEY", "-----BEGIN PUBLIC KEY-----\nabc\n", 1);
  absl::StatusOr<ConnectOptions> tcp = connectOptionsFromEnv("kiln.example.com:7070");
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_TRUE(tcp->tls);
  EXPECT_EQ(tcp->tls_ca_pem, "CA PEM");
  EXPECT_EQ(tcp->token, "tok-from-a-file-0123");
  EXPECT_EQ(tcp->server_key_pem, "-----BEGIN PUBLIC KEY-----\nabc\n");
  // A Unix socket never takes TLS; the token and key still apply.
  absl::StatusOr<ConnectOptions> unix_socket = connectOptionsFromEnv("unix:/tmp/k.sock");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_FALSE(unix_socket->tls);
  EXPECT_EQ(unix_socket->token, "tok-from-a-file-0123");
  setenv("KILN_TOKEN", "tok-from-the-variable", 1);  // wins over the file
  EXPECT_EQ(connectOptionsFromEnv("h:1")->token, "tok-from-the-variable");
  setenv("KILN_TLS_CERT", (dir + "/missing.pem").c_str(), 1);
  absl::StatusOr<ConnectOptions> missing = connectOptionsFromEnv("h:1");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("KILN_TLS_CERT=" + dir + "/missing.pem"), std::string::npos)
      << missing.status();
  for (const char* v : {"KILN_TLS_CA", "KILN_TOKEN_FILE", "KILN_TOKEN", "KILN_SERVER_KEY", "KILN_TLS_CERT"}) unsetenv(v);
  std::filesystem::remove_all(dir);
}

TEST(LocalServer, CacheDirFollowsXdg) {
  setenv("XDG_CACHE_HOME", "/tmp/kiln-xdg-test", 1);
  EXPECT_EQ(localCacheDir(), "/tmp/kiln-xdg-test/kiln");
  unsetenv("XDG_CACHE_HOME");
}

TEST(LocalServer, MissingKilndIsReportedNotHung) {
  char dir[] = "/tmp/kiln-ls-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  setenv("XDG_CACHE_HOME", dir, 1);
  setenv("KILN_KILND", "/nonexistent/kilnd", 1);
  auto target = ensureLocalServer();
  unsetenv("KILN_KILND");
  unsetenv("XDG_CACHE_HOME");
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.status().message().find("KILN_KILND"), std::string::npos) << target.status();
}

TEST(LocalServer, KilndThatExitsEarlyNamesTheLog) {
  char dir[] = "/tmp/kiln-ls-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  setenv("XDG_CACHE_HOME", dir, 1);
  setenv("KILN_KILND", "/bin/false", 1);
  auto target = ensureLocalServer();
  unsetenv("KILN_KILND");
  unsetenv("XDG_CACHE_HOME");
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.status().message().find("kilnd.log"), std::string::npos) << target.status();
}

}  // namespace
}  // namespace kiln::client
