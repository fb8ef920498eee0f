#include "server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <exception>
#include <map>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message_lite.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

#ifndef KILN_LLVM_VERSION
#define KILN_LLVM_VERSION "unknown"
#endif

namespace kiln::server {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr std::array<std::string_view, 6> kStages = {"frontend", "typing", "lowering", "optimize", "codegen", "link"};

// Compile times run from a millisecond (a tiny function, -O0) to minutes.
Histogram::BucketBoundaries compileBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

const char* tierName(Metrics::Tier tier) {
  switch (tier) {
    case Metrics::Tier::kL1: return "l1";
    case Metrics::Tier::kL2: return "l2";
  }
  return "?";
}

const char* resultName(Metrics::LookupResult result) {
  switch (result) {
    case Metrics::LookupResult::kHit: return "hit";
    case Metrics::LookupResult::kMiss: return "miss";
    case Metrics::LookupResult::kError: return "error";
  }
  return "?";
}

const char* scopeName(Metrics::WaitScope scope) {
  switch (scope) {
    case Metrics::WaitScope::kLocal: return "local";
    case Metrics::WaitScope::kCluster: return "cluster";
  }
  return "?";
}

const char* compileResultName(Metrics::CompileResult result) {
  switch (result) {
    case Metrics::CompileResult::kOk: return "ok";
    case Metrics::CompileResult::kError: return "error";
    case Metrics::CompileResult::kInternalError: return "internal_error";
  }
  return "?";
}

// "/kiln.v1.Kiln/Compile" -> "Compile"; another service's method keeps its
// service: "/grpc.health.v1.Health/Check" -> "grpc.health.v1.Health/Check".
std::string rpcLabel(std::string_view method) {
  constexpr std::string_view kKiln = "/kiln.v1.Kiln/";
  if (method.substr(0, kKiln.size()) == kKiln) return std::string(method.substr(kKiln.size()));
  if (!method.empty() && method.front() == '/') method.remove_prefix(1);
  return std::string(method);
}

// Counters that follow a monotonic total kept elsewhere (the store's).
void follow(Counter& counter, uint64_t total) {
  const double now = static_cast<double>(total);
  if (now > counter.Value()) counter.Increment(now - counter.Value());
}

}  // namespace

struct Metrics::Impl : prometheus::Collectable {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  Family<Gauge>& build_info;
  Family<Counter>& requests;
  Family<Histogram>& compile_duration;
  Family<Counter>& cache_lookups;
  Family<Counter>& cache_evictions;
  Family<Counter>& cache_corrupt_values;
  Family<Gauge>& cache_bytes;
  Family<Gauge>& cache_entries;
  Family<Gauge>& cache_read_only;
  Family<Counter>& single_flight_waits;
  Family<Gauge>& queue_depth;
  Family<Gauge>& compiles_in_flight;
  Family<Counter>& compiles;
  Family<Counter>& received_bytes;
  Family<Counter>& sent_bytes;
  Family<Counter>& shared_tier_errors;
  Family<Gauge>& shared_tier_up;
  Family<Gauge>& draining;
  Family<Counter>& gpu_launches;         // gpu:
  Family<Counter>& gpu_worker_restarts;
  Family<Counter>& gpu_modules;
  Family<Gauge>& gpu_queued_launches;

  std::map<std::string_view, Histogram*> stage_histograms;  // by stage, "total" included

  mutable absl::Mutex sampler_mu;
  std::function<MetricsSample()> sampler ABSL_GUARDED_BY(sampler_mu);
  std::unique_ptr<prometheus::Exposer> exposer;
  int port = 0;

  Impl()
      : build_info(prometheus::BuildGauge()
                       .Name("kiln_build_info")
                       .Help("Always 1; the labels identify this kilnd build")
                       .Register(*registry)),
        requests(prometheus::BuildCounter()
                     .Name("kiln_requests_total")
                     .Help("RPCs finished, by method and canonical gRPC status code")
                     .Register(*registry)),
        compile_duration(prometheus::BuildHistogram()
                             .Name("kiln_compile_duration_seconds")
                             .Help("Wall time of compiles, per pipeline stage and in total")
                             .Register(*registry)),
        cache_lookups(prometheus::BuildCounter()
                          .Name("kiln_cache_lookups_total")
                          .Help("Artifact lookups, by cache tier and result")
                          .Register(*registry)),
        cache_evictions(prometheus::BuildCounter()
                            .Name("kiln_cache_evictions_total")
                            .Help("Cache values evicted (size bound or kilnctl cache evict/clear), by tier")
                            .Register(*registry)),
        cache_corrupt_values(prometheus::BuildCounter()
                                 .Name("kiln_cache_corrupt_values_total")
                                 .Help("Cache values that failed their checks (dropped, recompiled), by tier")
                                 .Register(*registry)),
        cache_bytes(prometheus::BuildGauge()
                        .Name("kiln_cache_bytes")
                        .Help("Bytes of values stored in the cache")
                        .Register(*registry)),
        cache_entries(prometheus::BuildGauge()
                          .Name("kiln_cache_entries")
                          .Help("Artifacts stored in the cache")
                          .Register(*registry)),
        cache_read_only(prometheus::BuildGauge()
                            .Name("kiln_cache_read_only")
                            .Help("1 while the L1 cache drops writes (full disk); compiling goes on")
                            .Register(*registry)),
        single_flight_waits(prometheus::BuildCounter()
                                .Name("kiln_single_flight_waits_total")
                                .Help("Requests that waited for another request's compile of the same key")
                                .Register(*registry)),
        queue_depth(prometheus::BuildGauge()
                        .Name("kiln_compile_queue_depth")
                        .Help("Compiles waiting for a compile slot")
                        .Register(*registry)),
        compiles_in_flight(prometheus::BuildGauge()
                               .Name("kiln_compiles_in_flight")
                               .Help("Compiles running now (holding a slot)")
                               .Register(*registry)),
        compiles(prometheus::BuildCounter()
                     .Name("kiln_compiles_total")
                     .Help("Compiles run (cache misses), by result: ok, error (the user's code), internal_error")
                     .Register(*registry)),
        received_bytes(prometheus::BuildCounter()
                           .Name("kiln_received_bytes_total")
                           .Help("Bytes of request messages received, by method")
                           .Register(*registry)),
        sent_bytes(prometheus::BuildCounter()
                       .Name("kiln_sent_bytes_total")
                       .Help("Bytes of response messages sent, by method")
                       .Register(*registry)),
        shared_tier_errors(prometheus::BuildCounter()
                               .Name("kiln_shared_tier_errors_total")
                               .Help("Failed requests to the shared (L2) cache tier, by reason")
                               .Register(*registry)),
        shared_tier_up(prometheus::BuildGauge()
                           .Name("kiln_shared_tier_up")
                           .Help("1 while an instance of the shared (L2) cache tier answers")
                           .Register(*registry)),
        draining(prometheus::BuildGauge()
                     .Name("kiln_draining")
                     .Help("1 while the server drains before it stops (health: NOT_SERVING)")
                     .Register(*registry)),
        gpu_launches(prometheus::BuildCounter()
                         .Name("kiln_gpu_launches_total")
                         .Help("Launches on the GPU pool, by device and outcome (ok, kernel_error, fault, deadline, "
                               "refused; dropped: queued and never run)")
                         .Register(*registry)),
        gpu_worker_restarts(prometheus::BuildCounter()
                                .Name("kiln_gpu_worker_restarts_total")
                                .Help("GPU workers replaced after a fault, a deadline or a death, by device")
                                .Register(*registry)),
        gpu_modules(prometheus::BuildCounter()
                        .Name("kiln_gpu_modules_total")
                        .Help("Launches on the GPU pool by how they found the kernel's module in the worker "
                              "(hit; loaded from the image sent; resent: the worker lacked one it had been sent)")
                        .Register(*registry)),
        gpu_queued_launches(prometheus::BuildGauge()
                                .Name("kiln_gpu_queued_launches")
                                .Help("Asynchronous launches queued on a client stream and not yet started, by device")
                                .Register(*registry)) {
    // Every series a dashboard plots exists from the start, at 0.
    for (std::string_view stage : kStages)
      stage_histograms[stage] = &compile_duration.Add({{"stage", std::string(stage)}}, compileBuckets());
    stage_histograms["total"] = &compile_duration.Add({{"stage", "total"}}, compileBuckets());
    for (Tier tier : {Tier::kL1, Tier::kL2}) {
      for (LookupResult r : {LookupResult::kHit, LookupResult::kMiss, LookupResult::kError})
        cache_lookups.Add({{"tier", tierName(tier)}, {"result", resultName(r)}});
      cache_evictions.Add({{"tier", tierName(tier)}});
      cache_corrupt_values.Add({{"tier", tierName(tier)}});
    }
    cache_bytes.Add({{"tier", "l1"}});
    cache_entries.Add({{"tier", "l1"}});
    cache_read_only.Add({});
    for (WaitScope scope : {WaitScope::kLocal, WaitScope::kCluster}) single_flight_waits.Add({{"scope", scopeName(scope)}});
    queue_depth.Add({});
    compiles_in_flight.Add({});
    for (CompileResult r : {CompileResult::kOk, CompileResult::kError, CompileResult::kInternalError})
      compiles.Add({{"result", compileResultName(r)}});
    for (const char* reason : {"timeout", "connect", "protocol", "digest"}) shared_tier_errors.Add({{"reason", reason}});
    // Each method of kiln.v1.Kiln, OK, at 0: a family without series is not
    // exported at all.
    if (const google::protobuf::ServiceDescriptor* kiln =
            google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("kiln.v1.Kiln");
        kiln != nullptr) {
      for (int i = 0; i < kiln->method_count(); ++i) {
        const std::string rpc(kiln->method(i)->name());
        requests.Add({{"rpc", rpc}, {"code", "OK"}});
        received_bytes.Add({{"rpc", rpc}});
        sent_bytes.Add({{"rpc", rpc}});
      }
    }
    // kiln_shared_tier_up{instance} has a series per L2 instance: none (so
    // not exported) until the shared tier is configured.
    draining.Add({});
  }

  void sample() const {
    std::function<MetricsSample()> f;
    {
      absl::MutexLock lock(&sampler_mu);
      f = sampler;
    }
    if (!f) return;
    const MetricsSample s = f();
    queue_depth.Add({}).Set(static_cast<double>(s.queue_depth));
    compiles_in_flight.Add({}).Set(static_cast<double>(s.compiles_in_flight));
    cache_bytes.Add({{"tier", "l1"}}).Set(static_cast<double>(s.cache_bytes));
    cache_entries.Add({{"tier", "l1"}}).Set(static_cast<double>(s.cache_entries));
    cache_read_only.Add({}).Set(s.cache_read_only ? 1 : 0);
    follow(cache_evictions.Add({{"tier", "l1"}}), s.l1_evictions);
    follow(cache_corrupt_values.Add({{"tier", "l1"}}), s.l1_corrupt_values);
    if (s.l2_enabled) {
      using L2 = cache::SharedTierStats;
      follow(cache_lookups.Add({{"tier", "l2"}, {"result", "hit"}}), s.l2.hits);
      follow(cache_lookups.Add({{"tier", "l2"}, {"result", "miss"}}), s.l2.misses);
      uint64_t errors = 0;
      for (int r = 0; r < L2::kReasonCount; ++r) {
        const auto reason = static_cast<L2::Reason>(r);
        errors += s.l2.errors[r];
        follow(shared_tier_errors.Add({{"reason", L2::reasonName(reason)}}), s.l2.errors[r]);
      }
      // A failed round trip is a lookup that answered nothing (a miss too).
      follow(cache_lookups.Add({{"tier", "l2"}, {"result", "error"}}), errors);
      follow(cache_corrupt_values.Add({{"tier", "l2"}}), s.l2.corrupt_values);
      follow(single_flight_waits.Add({{"scope", "cluster"}}), s.l2.lock_waits);
      for (const auto& [instance, up] : s.l2.instance_up) shared_tier_up.Add({{"instance", instance}}).Set(up ? 1 : 0);
    }
    for (size_t d = 0; d < s.gpu.size(); ++d) {  // gpu:
      const std::string device = std::to_string(d);
      const MetricsSample::GpuDevice& g = s.gpu[d];
      follow(gpu_launches.Add({{"device", device}, {"outcome", "ok"}}), g.launches_ok);
      follow(gpu_launches.Add({{"device", device}, {"outcome", "kernel_error"}}), g.launches_kernel_error);
      follow(gpu_launches.Add({{"device", device}, {"outcome", "fault"}}), g.launches_fault);
      follow(gpu_launches.Add({{"device", device}, {"outcome", "deadline"}}), g.launches_deadline);
      follow(gpu_launches.Add({{"device", device}, {"outcome", "refused"}}), g.launches_refused);
      follow(gpu_worker_restarts.Add({{"device", device}}), g.worker_restarts);
      follow(gpu_modules.Add({{"device", device}, {"result", "hit"}}), g.modules_hit);
      follow(gpu_modules.Add({{"device", device}, {"result", "loaded"}}), g.modules_loaded);
      follow(gpu_modules.Add({{"device", device}, {"result", "resent"}}), g.modules_resent);
      follow(gpu_launches.Add({{"device", device}, {"outcome", "dropped"}}), g.launches_dropped);
      gpu_queued_launches.Add({{"device", device}}).Set(static_cast<double>(g.queued_launches));
    }
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    sample();
    return registry->Collect();
  }
};

namespace {

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(grpc::experimental::ServerRpcInfo* info, std::shared_ptr<Metrics::Impl> impl)
      : impl_(std::move(impl)), rpc_(rpcLabel(info->method())) {
    const std::string_view method = info->method();
    kiln_ = method.substr(0, 14) == "/kiln.v1.Kiln/";
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      void* message = methods->GetRecvMessage();
      if (message == nullptr) {
        malformed_ = true;  // gRPC could not parse it (status_map.cpp says so to the client)
      } else if (kiln_) {
        // Every kiln.v1.Kiln request is a generated protobuf message (other
        // services, such as the default health service, may use raw buffers).
        received_ += static_cast<const google::protobuf::MessageLite*>(message)->ByteSizeLong();
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
      if (grpc::ByteBuffer* buffer = methods->GetSerializedSendMessage(); buffer != nullptr)
        sent_ += buffer->Length();
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      grpc::StatusCode code = methods->GetSendStatus().error_code();
      // The status interceptor turns gRPC's INTERNAL for an unparsable
      // request into INVALID_ARGUMENT, whichever runs first.
      if (malformed_ && code == grpc::StatusCode::INTERNAL) code = grpc::StatusCode::INVALID_ARGUMENT;
      const std::string code_name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
      impl_->requests.Add({{"rpc", rpc_}, {"code", code_name}}).Increment();
      if (received_ > 0) impl_->received_bytes.Add({{"rpc", rpc_}}).Increment(static_cast<double>(received_));
      if (sent_ > 0) impl_->sent_bytes.Add({{"rpc", rpc_}}).Increment(static_cast<double>(sent_));
      received_ = sent_ = 0;
    }
    methods->Proceed();
  }

 private:
  std::shared_ptr<Metrics::Impl> impl_;
  std::string rpc_;
  bool kiln_ = false;
  bool malformed_ = false;
  uint64_t received_ = 0, sent_ = 0;
};

class MetricsInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(std::shared_ptr<Metrics::Impl> impl) : impl_(std::move(impl)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info, impl_);
  }

 private:
  std::shared_ptr<Metrics::Impl> impl_;
};

}  // namespace

Metrics::Metrics(std::string version, std::string compiler_build_id) : impl_(std::make_shared<Impl>()) {
  impl_->build_info
      .Add({{"version", std::move(version)},
            {"compiler_build_id", std::move(compiler_build_id)},
            {"llvm_version", KILN_LLVM_VERSION}})
      .Set(1);
}

Metrics::~Metrics() {
  // The listener first: no scrape may run into a half-destroyed sampler.
  impl_->exposer.reset();
  setSampler(nullptr);
}

absl::Status Metrics::serve(const std::string& address) {
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot serve metrics on ", address, " (--metrics-listen): ", e.what()));
  }
  impl_->exposer->RegisterCollectable(impl_);
  const std::vector<int> ports = impl_->exposer->GetListeningPorts();
  impl_->port = ports.empty() ? 0 : ports.front();
  return absl::OkStatus();
}

int Metrics::port() const { return impl_->port; }

void Metrics::setSampler(std::function<MetricsSample()> sampler) {
  absl::MutexLock lock(&impl_->sampler_mu);
  impl_->sampler = std::move(sampler);
}

void Metrics::countRequest(std::string_view rpc, int code) {
  impl_->requests
      .Add({{"rpc", std::string(rpc)}, {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}})
      .Increment();
}

void Metrics::addReceivedBytes(std::string_view rpc, uint64_t bytes) {
  impl_->received_bytes.Add({{"rpc", std::string(rpc)}}).Increment(static_cast<double>(bytes));
}

void Metrics::addSentBytes(std::string_view rpc, uint64_t bytes) {
  impl_->sent_bytes.Add({{"rpc", std::string(rpc)}}).Increment(static_cast<double>(bytes));
}

void Metrics::countLookup(Tier tier, LookupResult result) {
  impl_->cache_lookups.Add({{"tier", tierName(tier)}, {"result", resultName(result)}}).Increment();
}

void Metrics::countSingleFlightWait(WaitScope scope) {
  impl_->single_flight_waits.Add({{"scope", scopeName(scope)}}).Increment();
}

std::string_view Metrics::stageOfPass(std::string_view pass, std::string_view previous) {
  for (std::string_view stage : kStages)
    if (pass == stage) return stage;
  return previous.empty() ? kStages.front() : previous;
}

void Metrics::observeCompile(CompileResult result, double seconds,
                             const std::vector<std::pair<std::string, double>>& pass_seconds) {
  impl_->compiles.Add({{"result", compileResultName(result)}}).Increment();
  std::map<std::string_view, double> stages;
  std::string_view stage;
  for (const auto& [pass, s] : pass_seconds) {
    stage = stageOfPass(pass, stage);
    stages[stage] += s;
  }
  for (const auto& [name, s] : stages) impl_->stage_histograms.at(name)->Observe(s);
  impl_->stage_histograms.at("total")->Observe(seconds);
}

void Metrics::setDraining(bool draining) { impl_->draining.Add({}).Set(draining ? 1 : 0); }

void Metrics::countSharedTierError(std::string_view reason) {
  impl_->shared_tier_errors.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::setSharedTierUp(std::string_view instance, bool up) {
  impl_->shared_tier_up.Add({{"instance", std::string(instance)}}).Set(up ? 1 : 0);
}

std::string Metrics::text() const {
  return prometheus::TextSerializer().Serialize(impl_->Collect());
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Metrics::interceptorFactory() {
  return std::make_unique<MetricsInterceptorFactory>(impl_);
}

}  // namespace kiln::server
