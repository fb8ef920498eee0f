#include "server/gpu_service.h"

#include <chrono>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/type_grammar.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/target_registry.h"
#include "runtime/cuda/device.h"

namespace kiln::server {

namespace pb = kiln::v1;

namespace {

// The token of a number or bool scalar ("f8"), adding its size; empty for
// any other scalar (a dtype object, an enum member).
std::string scalarToken(const base::TypeSyntax& t, int* size) {
  if (t.dtype_form != 0 || !t.enum_class.empty()) return "";
  const int bytes = base::scalarSize(t.scalar);
  const std::string name = base::scalarName(t.scalar);
  std::string token;
  if (base::scalarIsDatetime(t.scalar)) token = "M8";
  else if (name == "bool") token = "b1";
  else if (absl::StartsWith(name, "uint")) token = absl::StrCat("u", bytes);
  else if (absl::StartsWith(name, "int")) token = absl::StrCat("i", bytes);
  else if (absl::StartsWith(name, "float")) token = absl::StrCat("f", bytes);
  else if (absl::StartsWith(name, "complex")) token = absl::StrCat("c", bytes);
  if (!token.empty()) *size += bytes;
  return token;
}

// A scalar, or a tuple (namedtuples too) of scalars and tuples: "(f8(i4b1))".
std::string valueToken(const base::TypeSyntax& t, int* size, int depth) {
  if (t.kind == base::TypeSyntax::Kind::kScalar) return scalarToken(t, size);
  if ((t.kind != base::TypeSyntax::Kind::kTuple && t.kind != base::TypeSyntax::Kind::kUniTuple) || depth > 8 ||
      t.tupleSize() > 64)
    return "";
  std::string token = "(";
  for (int64_t i = 0; i < t.tupleSize(); ++i) {
    const std::string item = valueToken(t.item(i), size, depth + 1);
    if (item.empty()) return "";
    token += item;
  }
  return token + ")";
}

}  // namespace

absl::StatusOr<std::string> launchSpec(const std::string& type, int* size) {
  absl::StatusOr<base::TypeSyntax> t = base::parseType(type);
  if (!t.ok()) return t.status();
  *size = 0;
  std::string spec;
  if (t->kind == base::TypeSyntax::Kind::kArray && t->items.empty()) {
    if (!scalarToken(base::TypeSyntax::scalarType(t->scalar), size).empty()) spec = absl::StrCat("A", t->ndim);
  } else if (t->kind == base::TypeSyntax::Kind::kRecord && t->enum_class.empty()) {
    // A record: its bytes travel as a 0-d host array; the kernel gets a
    // pointer to them (the host ABI), and they come back (it may write).
    spec = "R";
    *size = static_cast<int>(t->count);
  } else if (t->kind == base::TypeSyntax::Kind::kUnicode) {
    // A str: its characters as a 1-d host array of 1, 2 or 4-byte code
    // units (CPython's kind); the kernel gets {NULL, data, length, kind}.
    spec = "U";
  } else {
    spec = valueToken(*t, size, 0);
  }
  if (spec.empty())
    return absl::InvalidArgumentError(absl::StrCat("an argument of type ", type,
                                                   " cannot be passed to a remote launch (arrays of numbers, "
                                                   "number or bool scalars, tuples of them, records and str only)"));
  return spec;
}

namespace {

// The pool's target (GpuService::pool_target_). The emulation runs the host
// triple's kernels (the compiler's default target); the driver runs PTX for
// each GPU's own SM (targetFor), or for every GPU KILN_CUDA_ARCH's.
pb::Target poolTarget(const std::string& backend) {
  pb::Target t;
  if (backend == "driver") {
    t.set_triple("nvptx64-nvidia-cuda");
    const char* arch = std::getenv("KILN_CUDA_ARCH");
    if (arch != nullptr && *arch != '\0') t.set_cpu(arch);
    return t;
  }
  const compiler::Target host;
  t.set_triple(host.triple);
  t.set_cpu(host.cpu);
  for (const std::string& f : host.features) t.add_features(f);
  return t;
}

}  // namespace

GpuService::GpuService(const Config& config, std::string worker_exe)
    : backend_(config.gpu_pool),
      pool_target_(poolTarget(config.gpu_pool)),
      devices_(config.gpu_devices),
      max_bytes_(config.gpu_max_bytes),
      max_launch_seconds_(config.gpu_max_launch_seconds),
      session_idle_seconds_(config.gpu_session_idle_seconds),
      pool_id_([] {
        std::random_device rd;
        return (static_cast<uint64_t>(rd()) << 32) ^ rd();
      }()),
      pool_([&] {
        gpu::GpuPoolOptions o;
        o.devices = config.gpu_devices;
        o.worker_argv = {worker_exe, "--gpu-worker", "{device}", "--gpu-backend", config.gpu_pool, "--gpu-max-bytes",
                         absl::StrCat(config.gpu_max_bytes)};
        if (!config.gpu_libcuda.empty()) {
          o.worker_argv.push_back("--libcuda");
          o.worker_argv.push_back(config.gpu_libcuda);
        }
        return o;
      }()),
      counts_(new Counts[static_cast<size_t>(config.gpu_devices)]),
      modules_(static_cast<size_t>(config.gpu_devices)),
      ccs_(static_cast<size_t>(config.gpu_devices)),
      queues_(std::make_unique<LaunchQueues>(config.gpu_devices, config.gpu_max_queued_launches,
                                             absl::Seconds(config.gpu_session_idle_seconds), gpu::kConcurrentStreams,
                                             [this](const std::string& session) { endSession(session); },
                                             [this](const std::string& session) { return holdsMemory(session); })) {
  if (backend_ == "driver")
    for (int d = 0; d < devices_; ++d)
      describers_.emplace_back([this, d] { describeUntilKnown(static_cast<uint32_t>(d)); });
}

GpuService::~GpuService() {
  {
    absl::MutexLock lock(&targets_mu_);
    stopping_ = true;
  }
  for (std::thread& t : describers_) t.join();
}

void GpuService::describeUntilKnown(uint32_t device) {
  for (absl::Duration backoff = absl::Seconds(1);; backoff = std::min(backoff * 2, absl::Minutes(1))) {
    // A short deadline: the destructor waits for the call in flight.
    absl::StatusOr<std::pair<int, int>> cc = describe(device, absl::Now() + absl::Seconds(5));
    if (cc.ok()) return;
    // Said at the first failure and then once a minute at most.
    if (backoff == absl::Seconds(1) || backoff == absl::Minutes(1))
      KILN_LOG(kWarning) << "GPU " << device << " not described (retrying in " << backoff
                         << "): " << cc.status().message();
    absl::MutexLock lock(&targets_mu_);
    auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(targets_mu_) { return stopping_; };
    if (targets_mu_.AwaitWithTimeout(absl::Condition(&stop), backoff)) return;
  }
}

bool GpuService::holdsMemory(const std::string& session) {
  absl::MutexLock lock(&owned_mu_);
  auto it = owned_.find(session);
  return it != owned_.end() && !it->second.empty();
}

void GpuService::endSession(const std::string& session) {
  // Each running worker lets go of what the session's streams hold (the
  // driver's CUstreams); a worker not running holds nothing of it.
  pb::WorkerRequest w;
  w.mutable_end_session()->set_session(session);
  for (int d = 0; d < devices_; ++d)
    if (pool_.workerPid(d) != 0)
      (void)call(static_cast<uint32_t>(d), "end of a launch session", w, absl::Now() + absl::Seconds(10));
  // The device memory the session allocated and did not free. A buffer of
  // an earlier worker generation went with that worker (call refuses to
  // name it to the new one); one a running launch of another session still
  // uses is freed by the worker when that launch lets go of it.
  absl::flat_hash_set<BufferKey> buffers;
  {
    absl::MutexLock lock(&owned_mu_);
    auto it = owned_.find(session);
    if (it == owned_.end()) return;
    buffers = std::move(it->second);
    owned_.erase(it);
    for (const BufferKey& b : buffers) owner_.erase(b);
  }
  for (const auto& [device, generation, id] : buffers) {
    pb::WorkerRequest f;
    f.mutable_free()->set_id(id);
    (void)call(device, "device memory of an ended session", f, absl::Now() + absl::Seconds(10), nullptr, nullptr,
               generation);
  }
}

std::vector<MetricsSample::GpuDevice> GpuService::sample() const {
  std::vector<MetricsSample::GpuDevice> out(static_cast<size_t>(devices_));
  for (int d = 0; d < devices_; ++d) {
    const Counts& c = counts_[static_cast<size_t>(d)];
    out[d].launches_ok = c.ok.load();
    out[d].launches_kernel_error = c.kernel_error.load();
    out[d].launches_fault = c.fault.load();
    out[d].launches_deadline = c.deadline.load();
    out[d].launches_refused = c.refused.load();
    out[d].worker_restarts = pool_.restarts(d);
    out[d].modules_hit = c.module_hit.load();
    out[d].modules_loaded = c.module_loaded.load();
    out[d].modules_resent = c.module_resent.load();
    out[d].launches_dropped = queues_->dropped(static_cast<uint32_t>(d));
    out[d].queued_launches = queues_->queued(static_cast<uint32_t>(d));
  }
  return out;
}

pb::GpuPoolInfo GpuService::info() {
  pb::GpuPoolInfo info;
  info.set_backend(backend_);
  info.set_devices(static_cast<uint32_t>(devices_));
  info.set_max_device_bytes(max_bytes_);
  info.set_max_launch_seconds(max_launch_seconds_);
  info.set_session_idle_seconds(session_idle_seconds_);
  *info.mutable_target() = pool_target_;
  if (backend_ == "driver") {
    absl::MutexLock lock(&targets_mu_);
    for (const auto& [major, minor] : ccs_) {
      pb::GpuDeviceInfo* device = info.add_device_info();
      device->set_cc_major(static_cast<uint32_t>(major));
      device->set_cc_minor(static_cast<uint32_t>(minor));
    }
  }
  return info;
}

absl::StatusOr<std::pair<int, int>> GpuService::describe(uint32_t device, absl::Time deadline) {
  {
    absl::MutexLock lock(&targets_mu_);
    if (ccs_[device].first != 0) return ccs_[device];
  }
  // Asked once per device (a restarted worker drives the same GPU).
  pb::WorkerRequest w;
  w.mutable_describe();
  absl::StatusOr<pb::WorkerReply> r = call(device, "describe the device", w, deadline);
  if (!r.ok()) return r.status();
  absl::MutexLock lock(&targets_mu_);
  ccs_[device] = {r->cc_major(), r->cc_minor()};
  return ccs_[device];
}

absl::StatusOr<pb::Target> GpuService::targetFor(uint32_t device, absl::Time deadline) {
  if (absl::Status s = checkDevice(device); !s.ok()) return s;
  pb::Target t = pool_target_;
  if (backend_ != "driver" || !t.cpu().empty()) return t;
  absl::StatusOr<std::pair<int, int>> cc = describe(device, deadline);
  if (!cc.ok()) return cc.status();
  absl::StatusOr<compiler::Target> best = compiler::cudaTargetFor(cc->first, cc->second);
  if (!best.ok())
    return absl::FailedPreconditionError(absl::StrCat("GPU ", device, ": ", best.status().message()));
  t.set_cpu(best->cpu);
  return t;
}

namespace {

std::string moduleId(const pb::Artifact& artifact) {
  std::string id = artifact.cache_key();
  id.push_back('\0');
  return id + artifact.entry_symbol();
}

}  // namespace

bool GpuService::believesLoaded(uint32_t device, const pb::Artifact& artifact) {
  // A worker that died since its last request is replaced first, so a
  // fresh worker is sent the image at once rather than asked to resend.
  const uint64_t generation = pool_.refresh(static_cast<int>(device));
  absl::MutexLock lock(&modules_mu_);
  auto it = modules_[device].find(moduleId(artifact));
  return it != modules_[device].end() && it->second == generation;
}

void GpuService::noteLoaded(uint32_t device, const pb::Artifact& artifact, uint64_t generation) {
  absl::MutexLock lock(&modules_mu_);
  auto& known = modules_[device];
  // A hint, not a mirror of the worker's LRU: a stale entry costs one
  // MODULE_MISSING round trip. Bounded by starting over.
  if (known.size() >= 4 * gpu::kModuleCacheSize) known.clear();
  known[moduleId(artifact)] = generation;
}

absl::Status GpuService::checkDevice(uint32_t device) const {
  if (device >= static_cast<uint32_t>(devices_))
    return absl::InvalidArgumentError(absl::StrCat("there is no GPU ", device, " (the pool has ", devices_, ")"));
  return absl::OkStatus();
}

absl::Status GpuService::checkHandle(const pb::DeviceArrayHandle& handle) {
  if (absl::Status s = checkDevice(handle.device()); !s.ok()) return s;
  if (handle.pool() != pool_id_)
    return absl::FailedPreconditionError("a device array of another kilnd, or of an earlier run of this one: its "
                                         "memory is gone");
  pool_.refresh(static_cast<int>(handle.device()));
  return pool_.checkGeneration(static_cast<int>(handle.device()), handle.generation());
}

absl::StatusOr<pb::WorkerReply> GpuService::call(uint32_t device, const std::string& what,
                                                 const pb::WorkerRequest& request, absl::Time deadline,
                                                 gpu::Outcome* outcome, uint64_t* ran_on,
                                                 uint64_t required_generation) {
  absl::Duration left = absl::Seconds(max_launch_seconds_);
  if (deadline != absl::InfiniteFuture()) left = std::min(left, deadline - absl::Now());
  if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError(absl::StrCat(what, ": no time left"));
  // A worker that died since its last request is replaced first, so this
  // request is not reported as its fault.
  pool_.refresh(static_cast<int>(device));
  // A launch on a client stream runs beside the device's other work, in its
  // stream's order (the worker keeps it); the rest go one at a time.
  const bool concurrent = (request.has_launch() && !request.launch().session().empty()) || request.has_end_session();
  absl::StatusOr<std::string> frame =
      pool_.run(static_cast<int>(device), what, request.SerializeAsString(),
                std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(left))), outcome,
                ran_on, required_generation, concurrent);
  if (!frame.ok()) return frame.status();
  pb::WorkerReply reply;
  if (!reply.ParseFromString(*frame)) return absl::InternalError(absl::StrCat(what, ": a reply that does not parse"));
  if (reply.code() != 0)
    return absl::Status(static_cast<absl::StatusCode>(reply.code()), absl::StrCat(what, ": ", reply.message()));
  return reply;
}

absl::Status GpuService::alloc(const pb::AllocDeviceRequest& request, pb::AllocDeviceResponse& reply,
                               absl::Time deadline) {
  if (absl::Status s = checkDevice(request.device()); !s.ok()) return s;
  if (!request.data().empty() && request.data().size() != request.bytes())
    return absl::InvalidArgumentError(
        absl::StrCat("data is ", request.data().size(), " bytes for an allocation of ", request.bytes()));
  const std::string& session = request.session();
  if (!session.empty()) {
    if (absl::Status s = queues_->touch(session, /*create=*/true); !s.ok()) return s;
    absl::MutexLock lock(&owned_mu_);
    auto it = owned_.find(session);
    if (it != owned_.end() && it->second.size() >= kMaxBuffersPerSession)
      return absl::ResourceExhaustedError(
          absl::StrCat("a client may hold ", kMaxBuffersPerSession, " device arrays of this kilnd at once"));
  }
  pb::WorkerRequest w;
  w.mutable_alloc()->set_bytes(request.bytes());
  w.mutable_alloc()->set_data(request.data());
  // The handle names the generation of the worker that made the buffer,
  // whatever restarts happen around the request.
  uint64_t generation = 0;
  absl::StatusOr<pb::WorkerReply> r = call(request.device(), "device memory", w, deadline, nullptr, &generation);
  if (!r.ok()) return r.status();
  if (!session.empty()) {
    const BufferKey key{request.device(), generation, r->id()};
    {
      absl::MutexLock lock(&owned_mu_);
      owned_[session].insert(key);
      owner_[key] = session;
    }
    // The session may have ended while the worker allocated (its client
    // exited, or its lease lapsed during a long copy): then nothing would
    // ever free the buffer, so it goes now and the client hears why.
    if (absl::Status s = queues_->touch(session, /*create=*/true); !s.ok()) {
      {
        absl::MutexLock lock(&owned_mu_);
        owner_.erase(key);
        auto it = owned_.find(session);
        if (it != owned_.end() && it->second.erase(key) > 0 && it->second.empty()) owned_.erase(it);
      }
      pb::WorkerRequest f;
      f.mutable_free()->set_id(r->id());
      (void)call(request.device(), "device memory", f, deadline, nullptr, nullptr, generation);
      return s;
    }
  }
  pb::DeviceArrayHandle* h = reply.mutable_handle();
  h->set_device(request.device());
  h->set_generation(generation);
  h->set_id(r->id());
  h->set_pool(pool_id_);
  return absl::OkStatus();
}

absl::Status GpuService::read(const pb::ReadDeviceRequest& request, pb::ReadDeviceResponse& reply,
                              absl::Time deadline) {
  if (absl::Status s = checkHandle(request.handle()); !s.ok()) return s;
  pb::WorkerRequest w;
  w.mutable_read()->set_id(request.handle().id());
  w.mutable_read()->set_offset(request.offset());
  w.mutable_read()->set_bytes(request.bytes());
  absl::StatusOr<pb::WorkerReply> r =
      call(request.handle().device(), "device memory", w, deadline, nullptr, nullptr, request.handle().generation());
  if (!r.ok()) return r.status();
  reply.set_data(std::move(*r->mutable_data()));
  return absl::OkStatus();
}

absl::Status GpuService::write(const pb::WriteDeviceRequest& request, absl::Time deadline) {
  if (absl::Status s = checkHandle(request.handle()); !s.ok()) return s;
  pb::WorkerRequest w;
  w.mutable_write()->set_id(request.handle().id());
  w.mutable_write()->set_offset(request.offset());
  w.mutable_write()->set_data(request.data());
  return call(request.handle().device(), "device memory", w, deadline, nullptr, nullptr,
              request.handle().generation())
      .status();
}

absl::Status GpuService::free(const pb::FreeDeviceRequest& request, absl::Time deadline) {
  if (absl::Status s = checkHandle(request.handle()); !s.ok()) return s;
  pb::WorkerRequest w;
  w.mutable_free()->set_id(request.handle().id());
  absl::Status s = call(request.handle().device(), "device memory", w, deadline, nullptr, nullptr,
                        request.handle().generation())
                       .status();
  if (s.ok() || absl::IsNotFound(s)) {
    // Freed (or already gone): no session owns it any more.
    const BufferKey key{request.handle().device(), request.handle().generation(), request.handle().id()};
    absl::MutexLock lock(&owned_mu_);
    auto o = owner_.find(key);
    if (o != owner_.end()) {
      auto it = owned_.find(o->second);
      if (it != owned_.end() && it->second.erase(key) > 0 && it->second.empty()) owned_.erase(it);
      owner_.erase(o);
    }
  }
  return s;
}

void GpuService::count(uint32_t device, gpu::Outcome outcome, const absl::Status& s, const pb::LaunchResponse& reply) {
  Counts& c = counts_[device];
  switch (outcome) {
    case gpu::Outcome::kFault: c.fault.fetch_add(1); break;
    case gpu::Outcome::kDeadline: c.deadline.fetch_add(1); break;
    case gpu::Outcome::kOk:
      if (!s.ok()) c.refused.fetch_add(1);
      else if (reply.status() == pb::LaunchResponse::STATUS_KERNEL_ERROR) c.kernel_error.fetch_add(1);
      else c.ok.fetch_add(1);
      break;
  }
}

absl::Status GpuService::launch(const pb::LaunchRequest& request, const pb::Artifact& artifact,
                                const std::vector<std::string>& arg_types, pb::LaunchResponse& reply,
                                absl::Time deadline) {
  if (absl::Status s = checkDevice(request.device()); !s.ok()) return s;
  gpu::Outcome outcome = gpu::Outcome::kOk;
  PreparedLaunch p;
  absl::Status s = prepare(request, artifact, arg_types, p);
  if (s.ok()) s = execute(request.device(), artifact, p, reply, deadline, &outcome);
  count(request.device(), outcome, s, reply);
  return s;
}

absl::Status GpuService::launchAsync(const pb::LaunchRequest& request, std::shared_ptr<const pb::Artifact> artifact,
                                     const std::vector<std::string>& arg_types, pb::LaunchResponse& reply,
                                     absl::Time deadline) {
  if (absl::Status s = checkDevice(request.device()); !s.ok()) return s;
  auto p = std::make_shared<PreparedLaunch>();
  absl::Status s = prepare(request, *artifact, arg_types, *p);
  if (s.ok() && !p->host_arg.empty())
    s = absl::InvalidArgumentError(absl::StrCat("launch of ", p->kernel, ": argument ", p->host_arg[0],
                                                " is a host array, which an asynchronous launch cannot take "
                                                "(its bytes come back in the launch's reply)"));
  if (!s.ok()) {
    count(request.device(), gpu::Outcome::kOk, s, reply);
    return s;
  }
  const uint32_t device = request.device();
  p->request.mutable_launch()->set_session(request.session());
  p->request.mutable_launch()->set_stream(request.stream());
  LaunchQueues::Work work = [this, device, p, artifact](pb::KernelError* kernel_error) {
    gpu::Outcome outcome = gpu::Outcome::kOk;
    pb::LaunchResponse done;
    // Only the pool's own limit: the client's deadline was for queueing.
    absl::Status s = execute(device, *artifact, *p, done, absl::InfiniteFuture(), &outcome);
    count(device, outcome, s, done);
    if (s.ok() && done.status() == pb::LaunchResponse::STATUS_KERNEL_ERROR) *kernel_error = done.kernel_error();
    return s;
  };
  if (absl::Status q = queues_->enqueue(request.session(), request.stream(), device, p->kernel, std::move(work),
                                        deadline);
      !q.ok())
    return q;
  reply.set_status(pb::LaunchResponse::STATUS_QUEUED);
  return absl::OkStatus();
}

absl::Status GpuService::sync(const pb::SyncLaunchesRequest& request, pb::SyncLaunchesResponse& reply,
                              absl::Time deadline) {
  if (request.session().empty()) return absl::InvalidArgumentError("SyncLaunchesRequest.session is empty");
  if (request.keepalive()) return queues_->touch(request.session(), /*create=*/false);
  return queues_->sync(request.session(), request.stream(), request.end(), deadline, reply);
}

absl::Status GpuService::prepare(const pb::LaunchRequest& request, const pb::Artifact& artifact,
                                 const std::vector<std::string>& arg_types, PreparedLaunch& p) {
  const std::string kernel = request.kernel_name().empty() ? "kernel" : request.kernel_name().substr(0, 200);
  if (request.grid_size() < 1 || request.grid_size() > 3 || request.block_size() < 1 || request.block_size() > 3)
    return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": grid and block need 1 to 3 extents each, got ",
                                                   request.grid_size(), " and ", request.block_size()));
  uint64_t threads = 1;
  for (uint32_t n : request.block()) threads *= n;
  for (uint32_t n : request.grid())
    if (n < 1) return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": a grid extent of 0"));
  for (uint32_t n : request.block())
    if (n < 1) return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": a block extent of 0"));
  if (threads > 1024)
    return absl::InvalidArgumentError(
        absl::StrCat("launch of ", kernel, ": a block of ", threads, " threads is more than 1024"));
  if (request.shared_bytes() > 48 * 1024)
    return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": ", request.shared_bytes(),
                                                   " bytes of dynamic shared memory is more than 49152"));
  if (request.args_size() != static_cast<int>(arg_types.size()))
    return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": ", request.args_size(),
                                                   " arguments for ", arg_types.size(), " argument types"));
  p.kernel = kernel;
  p.args = request.args_size();
  pb::WorkerRequest& w = p.request;
  pb::WorkerLaunch* l = w.mutable_launch();
  l->set_module_key(artifact.cache_key());
  l->set_entry(artifact.entry_symbol());
  for (uint32_t n : request.grid()) l->add_grid(n);
  for (uint32_t n : request.block()) l->add_block(n);
  l->set_shared_bytes(request.shared_bytes());
  std::vector<int>& host_arg = p.host_arg;
  uint64_t& handles_generation = p.handles_generation;
  for (int i = 0; i < request.args_size(); ++i) {
    const pb::LaunchArg& a = request.args(i);
    int size = 0;
    absl::StatusOr<std::string> spec = launchSpec(arg_types[i], &size);
    if (!spec.ok())
      return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": argument ", i, ": ", spec.status().message()));
    const bool array = (*spec)[0] == 'A';
    // A record or str: host bytes only, as a 0-d (record) or 1-d (str) view.
    const bool pointed = *spec == "R" || *spec == "U";
    const std::string what = absl::StrCat("launch of ", kernel, ": argument ", i, " (", arg_types[i], ")");
    pb::WorkerArg* out = l->add_args();
    out->set_spec(*spec);
    l->add_params(*spec);
    const pb::ArrayView* view = nullptr;
    switch (a.value_case()) {
      case pb::LaunchArg::kHost:
        if (!array && !pointed) return absl::InvalidArgumentError(absl::StrCat(what, " is given an array"));
        view = &a.host().view();
        out->mutable_array()->set_host_index(static_cast<uint32_t>(l->host_size()));
        l->add_host(a.host().data());
        l->add_host_copy_back(a.host().copy_back());
        host_arg.push_back(i);
        break;
      case pb::LaunchArg::kDevice:
        if (!array || pointed) return absl::InvalidArgumentError(absl::StrCat(what, " is given a device array"));
        if (a.device().handle().device() != request.device())
          return absl::InvalidArgumentError(absl::StrCat(what, " is a device array of GPU ", a.device().handle().device(),
                                                         ", not of GPU ", request.device(), " the launch runs on"));
        if (absl::Status s = checkHandle(a.device().handle()); !s.ok()) return s;
        handles_generation = a.device().handle().generation();
        view = &a.device().view();
        out->mutable_array()->set_id(a.device().handle().id());
        break;
      case pb::LaunchArg::kScalar:
        if (array) return absl::InvalidArgumentError(absl::StrCat(what, " is given a scalar"));
        if (a.scalar().size() != static_cast<size_t>(size))
          return absl::InvalidArgumentError(absl::StrCat(what, " is given ", a.scalar().size(), " bytes, not ", size));
        out->set_scalar(a.scalar());
        break;
      case pb::LaunchArg::VALUE_NOT_SET: return absl::InvalidArgumentError(absl::StrCat(what, " has no value"));
    }
    if (view != nullptr && pointed) {
      const bool ok = *spec == "R" ? view->itemsize() == static_cast<uint32_t>(size) && view->shape_size() == 0
                                   : (view->itemsize() == 1 || view->itemsize() == 2 || view->itemsize() == 4) &&
                                         view->shape_size() == 1 && view->strides(0) == view->itemsize();
      if (!ok)
        return absl::InvalidArgumentError(absl::StrCat(what, " is given ", view->shape_size(), " dimensions of ",
                                                       view->itemsize(), "-byte items"));
      *out->mutable_array()->mutable_view() = *view;
    } else if (view != nullptr) {
      if (view->itemsize() != static_cast<uint32_t>(size) || view->shape_size() != std::stoi(spec->substr(1)))
        return absl::InvalidArgumentError(absl::StrCat(what, " is given ", view->shape_size(), " dimensions of ",
                                                       view->itemsize(), "-byte items"));
      *out->mutable_array()->mutable_view() = *view;
    }
  }
  return absl::OkStatus();
}

absl::Status GpuService::execute(uint32_t device, const pb::Artifact& artifact, PreparedLaunch& p,
                                 pb::LaunchResponse& reply, absl::Time deadline, gpu::Outcome* outcome) {
  const std::string& kernel = p.kernel;
  pb::WorkerRequest& w = p.request;
  pb::WorkerLaunch* l = w.mutable_launch();
  const std::vector<int>& host_arg = p.host_arg;
  const uint64_t handles_generation = p.handles_generation;
  // The image only when this device's worker may lack the module.
  const bool send_image = !believesLoaded(device, artifact);
  if (send_image) l->set_image(artifact.shared_object());
  else l->clear_image();
  uint64_t ran_on = 0;
  absl::StatusOr<pb::WorkerReply> r = call(device, kernel, w, deadline, outcome, &ran_on, handles_generation);
  if (r.ok() && r->module() == pb::MODULE_MISSING) {
    // The worker evicted it or was replaced: once more, with the image.
    if (send_image) return absl::InternalError(absl::StrCat("launch of ", kernel, ": the worker lost a module it was sent"));
    counts_[device].module_resent.fetch_add(1);
    l->set_image(artifact.shared_object());
    r = call(device, kernel, w, deadline, outcome, &ran_on, handles_generation);
  }
  if (!r.ok()) return r.status();
  switch (r->module()) {
    case pb::MODULE_HIT: counts_[device].module_hit.fetch_add(1); break;
    case pb::MODULE_LOADED: counts_[device].module_loaded.fetch_add(1); break;
    case pb::MODULE_MISSING:
      return absl::InternalError(absl::StrCat("launch of ", kernel, ": the worker lost a module it was sent"));
    case pb::MODULE_LOOKUP_UNSPECIFIED:
    case pb::ModuleLookup_INT_MIN_SENTINEL_DO_NOT_USE_:
    case pb::ModuleLookup_INT_MAX_SENTINEL_DO_NOT_USE_: break;
  }
  noteLoaded(device, artifact, ran_on);
  l->clear_image();  // a queued launch's request is not kept with its image
  reply.set_status(pb::LaunchResponse::STATUS_OK);
  if (r->has_kernel_error() && r->kernel_error().kind() != 0) {
    reply.set_status(pb::LaunchResponse::STATUS_KERNEL_ERROR);
    *reply.mutable_kernel_error() = r->kernel_error();
  }
  // One entry per argument: a copied-back host array's bytes, else empty.
  for (int i = 0; i < p.args; ++i) reply.add_host_data();
  for (size_t h = 0; h < host_arg.size() && static_cast<int>(h) < r->host_data_size(); ++h)
    *reply.mutable_host_data(host_arg[h]) = std::move(*r->mutable_host_data(static_cast<int>(h)));
  return absl::OkStatus();
}

}  // namespace kiln::server
