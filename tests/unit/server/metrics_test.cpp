// server/metrics: the contract's names, the stage mapping, sampled gauges and
// a real scrape of the pull listener.

#include "server/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace kiln::server {
namespace {

bool hasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricsTest, EveryContractNameIsRegisteredFromTheStart) {
  Metrics m("1.2.3", "kiln-test");
  const std::string text = m.text();
  for (const char* name :
       {"kiln_build_info", "kiln_requests_total", "kiln_compile_duration_seconds", "kiln_cache_lookups_total",
        "kiln_cache_evictions_total", "kiln_cache_corrupt_values_total", "kiln_cache_bytes", "kiln_cache_entries",
        "kiln_cache_read_only", "kiln_single_flight_waits_total", "kiln_compile_queue_depth",
        "kiln_compiles_in_flight", "kiln_compiles_total", "kiln_received_bytes_total", "kiln_sent_bytes_total",
        "kiln_shared_tier_errors_total", "kiln_draining"})
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  EXPECT_NE(text.find("kiln_build_info{compiler_build_id=\"kiln-test\",llvm_version=\""), std::string::npos) << text;
  EXPECT_TRUE(hasLine(text, "kiln_cache_lookups_total{result=\"hit\",tier=\"l2\"} 0")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_requests_total{code=\"OK\",rpc=\"Compile\"} 0")) << text;
  // One series per shared-tier instance: none without a shared tier.
  EXPECT_EQ(text.find("kiln_shared_tier_up"), std::string::npos) << text;
  // gpu: series per device of the pool: none without one.
  EXPECT_EQ(text.find("kiln_gpu_launches_total{"), std::string::npos) << text;
}

TEST(MetricsTest, GpuPoolCountersFollowTheSampledTotals) {
  Metrics m("1.2.3", "kiln-test");
  MetricsSample::GpuDevice d0, d1;
  d0.launches_ok = 5;
  d0.launches_fault = 1;
  d0.worker_restarts = 2;
  d1.launches_deadline = 3;
  d1.modules_hit = 7;
  d1.modules_loaded = 2;
  d1.modules_resent = 1;
  m.setSampler([&] {
    MetricsSample s;
    s.gpu = {d0, d1};
    return s;
  });
  const std::string text = m.text();
  EXPECT_TRUE(hasLine(text, "kiln_gpu_launches_total{device=\"0\",outcome=\"ok\"} 5")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_launches_total{device=\"0\",outcome=\"fault\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_launches_total{device=\"1\",outcome=\"deadline\"} 3")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_launches_total{device=\"1\",outcome=\"kernel_error\"} 0")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_worker_restarts_total{device=\"0\"} 2")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_worker_restarts_total{device=\"1\"} 0")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_modules_total{device=\"1\",result=\"hit\"} 7")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_modules_total{device=\"1\",result=\"loaded\"} 2")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_modules_total{device=\"1\",result=\"resent\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_gpu_modules_total{device=\"0\",result=\"resent\"} 0")) << text;
}

TEST(MetricsTest, PassesFoldIntoTheContractStages) {
  EXPECT_EQ(Metrics::stageOfPass("frontend", ""), "frontend");
  EXPECT_EQ(Metrics::stageOfPass("simplify-block-params", "frontend"), "frontend");
  EXPECT_EQ(Metrics::stageOfPass("refcount-prune", "lowering"), "lowering");
  EXPECT_EQ(Metrics::stageOfPass("link", "codegen"), "link");

  Metrics m("1", "b");
  m.observeCompile(Metrics::CompileResult::kOk, 1.0,
                   {{"frontend", 0.1}, {"simplify-block-params", 0.05}, {"typing", 0.2}, {"lowering", 0.1},
                    {"refcount-prune", 0.1}, {"optimize", 0.2}, {"codegen", 0.1}, {"link", 0.1}});
  m.observeCompile(Metrics::CompileResult::kInternalError, 0.5, {});
  const std::string text = m.text();
  EXPECT_TRUE(hasLine(text, "kiln_compile_duration_seconds_sum{stage=\"frontend\"} 0.15")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compile_duration_seconds_sum{stage=\"lowering\"} 0.2")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compile_duration_seconds_count{stage=\"typing\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compile_duration_seconds_count{stage=\"total\"} 2")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compiles_total{result=\"ok\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compiles_total{result=\"internal_error\"} 1")) << text;
}

TEST(MetricsTest, CountersAndSampledGauges) {
  Metrics m("1", "b");
  m.countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kHit);
  m.countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kHit);
  m.countSingleFlightWait(Metrics::WaitScope::kLocal);
  m.countRequest("Compile", 3);
  m.addSentBytes("Compile", 100);
  m.setDraining(true);
  MetricsSample sample;
  sample.queue_depth = 4;
  sample.cache_bytes = 1234;
  sample.l1_evictions = 7;
  m.setSampler([&] { return sample; });
  std::string text = m.text();
  EXPECT_TRUE(hasLine(text, "kiln_cache_lookups_total{result=\"hit\",tier=\"l1\"} 2")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_single_flight_waits_total{scope=\"local\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_requests_total{code=\"INVALID_ARGUMENT\",rpc=\"Compile\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_sent_bytes_total{rpc=\"Compile\"} 100")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_draining 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_compile_queue_depth 4")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_cache_bytes{tier=\"l1\"} 1234")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_cache_evictions_total{tier=\"l1\"} 7")) << text;
  m.countSharedTierError("timeout");
  m.setSharedTierUp("redis://127.0.0.1:6379", true);
  text = m.text();
  EXPECT_TRUE(hasLine(text, "kiln_shared_tier_errors_total{reason=\"timeout\"} 1")) << text;
  EXPECT_TRUE(hasLine(text, "kiln_shared_tier_up{instance=\"redis://127.0.0.1:6379\"} 1")) << text;
  // The evictions counter follows the store's total and never goes down.
  sample.l1_evictions = 9;
  EXPECT_TRUE(hasLine(m.text(), "kiln_cache_evictions_total{tier=\"l1\"} 9"));
  sample.l1_evictions = 2;
  EXPECT_TRUE(hasLine(m.text(), "kiln_cache_evictions_total{tier=\"l1\"} 9"));
}

TEST(MetricsTest, ServesMetricsOverHttp) {
  Metrics m("1", "b");
  m.countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kMiss);
  ASSERT_TRUE(m.serve("127.0.0.1:0").ok());
  ASSERT_GT(m.port(), 0);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(m.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) reply.append(buffer, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("kiln_cache_lookups_total{result=\"miss\",tier=\"l1\"} 1"), std::string::npos);
}

TEST(MetricsTest, AnAddressInUseIsAnError) {
  Metrics first("1", "b");
  ASSERT_TRUE(first.serve("127.0.0.1:0").ok());
  Metrics second("1", "b");
  absl::Status s = second.serve("127.0.0.1:" + std::to_string(first.port()));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("--metrics-listen"), std::string::npos) << s;
}

}  // namespace
}  // namespace kiln::server
