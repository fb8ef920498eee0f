#include "server/gpu_service.h"

#include <chrono>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/type_grammar.h"
#include "compiler/driver/compile.h"

namespace kiln::server {

namespace pb = kiln::v1;

absl::StatusOr<std::string> launchSpec(const std::string& type, int* size) {
  absl::StatusOr<base::TypeSyntax> t = base::parseType(type);
  if (!t.ok()) return t.status();
  auto scalarSpec = [&](base::Scalar s) -> std::string {
    *size = base::scalarSize(s);
    const std::string name = base::scalarName(s);
    if (base::scalarIsDatetime(s)) return "M8";
    if (name == "bool") return "b1";
    const char letter = absl::StartsWith(name, "uint")      ? 'u'
                        : absl::StartsWith(name, "int")     ? 'i'
                        : absl::StartsWith(name, "float")   ? 'f'
                        : absl::StartsWith(name, "complex") ? 'c'
                                                            : '?';
    return letter == '?' ? std::string() : absl::StrCat(std::string(1, letter), *size);
  };
  std::string spec;
  if (t->kind == base::TypeSyntax::Kind::kArray && t->items.empty()) {
    if (!scalarSpec(t->scalar).empty()) spec = absl::StrCat("A", t->ndim);
  } else if (t->kind == base::TypeSyntax::Kind::kScalar && t->dtype_form == 0 && t->enum_class.empty()) {
    spec = scalarSpec(t->scalar);
  }
  if (spec.empty())
    return absl::InvalidArgumentError(absl::StrCat("an argument of type ", type,
                                                   " cannot be passed to a remote launch (arrays of numbers and "
                                                   "number or bool scalars only)"));
  return spec;
}

GpuService::GpuService(const Config& config, std::string worker_exe)
    : backend_(config.gpu_pool),
      devices_(config.gpu_devices),
      max_bytes_(config.gpu_max_bytes),
      max_launch_seconds_(config.gpu_max_launch_seconds),
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
      counts_(new Counts[static_cast<size_t>(config.gpu_devices)]) {}

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
  }
  return out;
}

pb::GpuPoolInfo GpuService::info() const {
  pb::GpuPoolInfo info;
  info.set_backend(backend_);
  info.set_devices(static_cast<uint32_t>(devices_));
  info.set_max_device_bytes(max_bytes_);
  info.set_max_launch_seconds(max_launch_seconds_);
  // The emulation runs the host triple's kernels (the compiler's default
  // target); the driver runs PTX for KILN_CUDA_ARCH (default sm_80, which
  // newer GPUs JIT forward).
  pb::Target* t = info.mutable_target();
  if (backend_ == "driver") {
    t->set_triple("nvptx64-nvidia-cuda");
    const char* arch = std::getenv("KILN_CUDA_ARCH");
    t->set_cpu(arch != nullptr && *arch != '\0' ? arch : "sm_80");
  } else {
    const compiler::Target host;
    t->set_triple(host.triple);
    t->set_cpu(host.cpu);
    for (const std::string& f : host.features) t->add_features(f);
  }
  return info;
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
  absl::StatusOr<std::string> frame =
      pool_.run(static_cast<int>(device), what, request.SerializeAsString(),
                std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(left))), outcome,
                ran_on, required_generation);
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
  pb::WorkerRequest w;
  w.mutable_alloc()->set_bytes(request.bytes());
  w.mutable_alloc()->set_data(request.data());
  // The handle names the generation of the worker that made the buffer,
  // whatever restarts happen around the request.
  uint64_t generation = 0;
  absl::StatusOr<pb::WorkerReply> r = call(request.device(), "device memory", w, deadline, nullptr, &generation);
  if (!r.ok()) return r.status();
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
  return call(request.handle().device(), "device memory", w, deadline, nullptr, nullptr,
              request.handle().generation())
      .status();
}

absl::Status GpuService::launch(const pb::LaunchRequest& request, const pb::Artifact& artifact,
                                const std::vector<std::string>& arg_types, pb::LaunchResponse& reply,
                                absl::Time deadline) {
  if (absl::Status s = checkDevice(request.device()); !s.ok()) return s;
  gpu::Outcome outcome = gpu::Outcome::kOk;
  absl::Status s = run(request, artifact, arg_types, reply, deadline, &outcome);
  Counts& c = counts_[request.device()];
  switch (outcome) {
    case gpu::Outcome::kFault: c.fault.fetch_add(1); break;
    case gpu::Outcome::kDeadline: c.deadline.fetch_add(1); break;
    case gpu::Outcome::kOk:
      if (!s.ok()) c.refused.fetch_add(1);
      else if (reply.status() == pb::LaunchResponse::STATUS_KERNEL_ERROR) c.kernel_error.fetch_add(1);
      else c.ok.fetch_add(1);
      break;
  }
  return s;
}

absl::Status GpuService::run(const pb::LaunchRequest& request, const pb::Artifact& artifact,
                             const std::vector<std::string>& arg_types, pb::LaunchResponse& reply,
                             absl::Time deadline, gpu::Outcome* outcome) {
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
  pb::WorkerRequest w;
  pb::WorkerLaunch* l = w.mutable_launch();
  l->set_module_key(artifact.cache_key());
  l->set_image(artifact.shared_object());
  l->set_entry(artifact.entry_symbol());
  for (uint32_t n : request.grid()) l->add_grid(n);
  for (uint32_t n : request.block()) l->add_block(n);
  l->set_shared_bytes(request.shared_bytes());
  std::vector<int> host_arg;  // the argument of each host buffer
  uint64_t handles_generation = 0;  // of the device arrays (one device, so one generation)
  for (int i = 0; i < request.args_size(); ++i) {
    const pb::LaunchArg& a = request.args(i);
    int size = 0;
    absl::StatusOr<std::string> spec = launchSpec(arg_types[i], &size);
    if (!spec.ok())
      return absl::InvalidArgumentError(absl::StrCat("launch of ", kernel, ": argument ", i, ": ", spec.status().message()));
    const bool array = (*spec)[0] == 'A';
    const std::string what = absl::StrCat("launch of ", kernel, ": argument ", i, " (", arg_types[i], ")");
    pb::WorkerArg* out = l->add_args();
    out->set_spec(*spec);
    const pb::ArrayView* view = nullptr;
    switch (a.value_case()) {
      case pb::LaunchArg::kHost:
        if (!array) return absl::InvalidArgumentError(absl::StrCat(what, " is given an array"));
        view = &a.host().view();
        out->mutable_array()->set_host_index(static_cast<uint32_t>(l->host_size()));
        l->add_host(a.host().data());
        l->add_host_copy_back(a.host().copy_back());
        host_arg.push_back(i);
        break;
      case pb::LaunchArg::kDevice:
        if (!array) return absl::InvalidArgumentError(absl::StrCat(what, " is given a device array"));
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
    if (view != nullptr) {
      if (view->itemsize() != static_cast<uint32_t>(size) || view->shape_size() != std::stoi(spec->substr(1)))
        return absl::InvalidArgumentError(absl::StrCat(what, " is given ", view->shape_size(), " dimensions of ",
                                                       view->itemsize(), "-byte items"));
      *out->mutable_array()->mutable_view() = *view;
    }
  }
  absl::StatusOr<pb::WorkerReply> r = call(request.device(), kernel, w, deadline, outcome, nullptr, handles_generation);
  if (!r.ok()) return r.status();
  reply.set_status(pb::LaunchResponse::STATUS_OK);
  if (r->has_kernel_error() && r->kernel_error().kind() != 0) {
    reply.set_status(pb::LaunchResponse::STATUS_KERNEL_ERROR);
    *reply.mutable_kernel_error() = r->kernel_error();
  }
  // One entry per argument: a copied-back host array's bytes, else empty.
  for (int i = 0; i < request.args_size(); ++i) reply.add_host_data();
  for (size_t h = 0; h < host_arg.size() && static_cast<int>(h) < r->host_data_size(); ++h)
    *reply.mutable_host_data(host_arg[h]) = std::move(*r->mutable_host_data(static_cast<int>(h)));
  return absl::OkStatus();
}

}  // namespace kiln::server
