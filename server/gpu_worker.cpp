#include "server/gpu_worker.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/type_grammar.h"
#include "runtime/cuda/arg_spec.h"
#include "runtime/cuda/gpu_pool.h"

namespace kiln::server {

namespace pb = kiln::v1;

namespace {

void setError(pb::WorkerReply& reply, const absl::Status& s) {
  reply.set_code(static_cast<int32_t>(s.code()));
  reply.set_message(std::string(s.message()));
}

}  // namespace

absl::Status checkView(const pb::ArrayView& view, uint64_t size, const std::string& what, uint32_t max_itemsize) {
  if (view.itemsize() == 0 || view.itemsize() > max_itemsize)
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": itemsize ", view.itemsize(), " is not 1 to ", max_itemsize));
  if (view.shape_size() != view.strides_size() || view.shape_size() > base::kMaxArrayDims)
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", view.shape_size(), " extents and ", view.strides_size(),
                                                   " strides (at most ", base::kMaxArrayDims, " each, as many)"));
  if (view.offset() > size)
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": offset ", view.offset(), " is past the end of its ", size, "-byte buffer"));
  __int128 lo = view.offset(), hi = view.offset();
  bool empty = false;
  for (int d = 0; d < view.shape_size(); ++d) {
    const int64_t n = view.shape(d), s = view.strides(d);
    if (n < 0 || n > (int64_t{1} << 48) || s > (int64_t{1} << 48) || s < -(int64_t{1} << 48))
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": extent ", n, " or stride ", s, " of dimension ", d, " is out of range"));
    if (n == 0) empty = true;
    const __int128 reach = static_cast<__int128>(n - 1) * s;
    if (reach < 0) lo += reach; else hi += reach;
  }
  if (empty) return absl::OkStatus();
  hi += view.itemsize();
  if (lo < 0 || hi > static_cast<__int128>(size))
    return absl::InvalidArgumentError(absl::StrCat(what, ": the array's elements reach bytes [",
                                                   static_cast<int64_t>(lo), ", ", static_cast<int64_t>(hi),
                                                   ") of a ", size, "-byte buffer"));
  return absl::OkStatus();
}

GpuWorker::GpuWorker(GpuWorkerOptions options, std::unique_ptr<gpu::Device> device, absl::Status open_error)
    : options_(std::move(options)),
      device_(std::move(device)),
      open_error_(std::move(open_error)),
      executor_(std::make_unique<StreamExecutor>(gpu::kConcurrentStreams + 1)) {}

GpuWorker::~GpuWorker() {
  executor_.reset();  // the launches running now end first
  if (device_ == nullptr) return;
  for (auto& [id, b] : buffers_) (void)device_->free(b.address);
}

uint64_t GpuWorker::bytesInUse() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_;
}

absl::StatusOr<uint64_t> GpuWorker::allocate(uint64_t bytes, const std::string& data) {
  if (!data.empty() && data.size() != bytes)
    return absl::InvalidArgumentError(
        absl::StrCat("the initial data is ", data.size(), " bytes for a ", bytes, "-byte allocation"));
  {
    // Counted before the device allocates, so two threads cannot both pass the limit.
    std::lock_guard<std::mutex> lock(mu_);
    if (bytes > options_.max_bytes || in_use_ > options_.max_bytes - bytes)
      return absl::ResourceExhaustedError(absl::StrCat("GPU ", options_.device, ": ", bytes,
                                                       " more bytes of device memory would pass the limit of ",
                                                       options_.max_bytes, " (", in_use_,
                                                       " in use; kilnd --gpu-max-bytes)"));
    in_use_ += bytes;
  }
  auto uncount = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    in_use_ -= bytes;
  };
  absl::StatusOr<uint64_t> address = device_->alloc(bytes);
  if (!address.ok()) {
    uncount();
    return address.status();
  }
  if (!data.empty()) {
    if (absl::Status s = device_->copyIn(*address, data.data(), bytes); !s.ok()) {
      (void)device_->free(*address);
      uncount();
      return s;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  buffers_[id] = Buffer{*address, bytes};
  return id;
}

absl::Status GpuWorker::release(uint64_t id) {
  Buffer b;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buffers_.find(id);
    if (it == buffers_.end() || it->second.freed)
      return absl::NotFoundError(absl::StrCat("GPU ", options_.device, " has no buffer ", id));
    if (it->second.pins > 0) {
      it->second.freed = true;  // the last launch using it frees it
      return absl::OkStatus();
    }
    b = it->second;
    buffers_.erase(it);
  }
  absl::Status s = device_->free(b.address);
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ -= b.size;
  return s;
}

absl::StatusOr<GpuWorker::Buffer> GpuWorker::find(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(id);
  if (it == buffers_.end() || it->second.freed)
    return absl::NotFoundError(absl::StrCat("GPU ", options_.device, " has no device array ", id,
                                            " (freed, or never made by this worker)"));
  return it->second;
}

absl::StatusOr<GpuWorker::Buffer> GpuWorker::pin(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(id);
  if (it == buffers_.end() || it->second.freed)
    return absl::NotFoundError(absl::StrCat("GPU ", options_.device, " has no device array ", id,
                                            " (freed, or never made by this worker)"));
  ++it->second.pins;
  return it->second;
}

void GpuWorker::unpin(uint64_t id) {
  Buffer b;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buffers_.find(id);
    if (it == buffers_.end()) return;
    if (--it->second.pins > 0 || !it->second.freed) return;
    b = it->second;
    buffers_.erase(it);
  }
  (void)device_->free(b.address);
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ -= b.size;
}

absl::Status GpuWorker::bindParams(const pb::WorkerLaunch& launch, bool loaded_now) {
  const std::string key = launch.module_key() + '\0' + launch.entry();
  std::vector<std::string> params(launch.params().begin(), launch.params().end());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = params_.find(key);
  if (it != params_.end() && !loaded_now) {
    if (it->second == params) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("kernel '", launch.entry(), "' takes (",
                                                   absl::StrJoin(it->second, ", "), "), not (",
                                                   absl::StrJoin(params, ", "), ")"));
  }
  if (it == params_.end() && params_.size() >= kMaxModuleParams) params_.clear();
  params_[key] = std::move(params);
  return absl::OkStatus();
}

absl::Status GpuWorker::launch(const pb::WorkerLaunch& launch, pb::WorkerReply& reply, bool* exit_now) {
  gpu::LaunchConfig config;
  if (launch.grid_size() < 1 || launch.grid_size() > 3 || launch.block_size() < 1 || launch.block_size() > 3)
    return absl::InvalidArgumentError("grid and block need 1 to 3 extents each");
  for (int k = 0; k < launch.grid_size(); ++k) config.grid[k] = launch.grid(k);
  for (int k = 0; k < launch.block_size(); ++k) config.block[k] = launch.block(k);
  config.shared_bytes = launch.shared_bytes();
  if (launch.host_copy_back_size() != launch.host_size())
    return absl::InvalidArgumentError("host_copy_back must have one entry per host buffer");
  // The worker checks the arguments itself (kilnd did too): a kernel given
  // fewer or other arguments than it takes would read past them.
  if (launch.args_size() != launch.params_size())
    return absl::InvalidArgumentError(absl::StrCat("a launch of ", launch.args_size(), " arguments for a kernel of ",
                                                   launch.params_size(), " parameters"));
  for (int i = 0; i < launch.args_size(); ++i)
    if (launch.args(i).spec() != launch.params(i))
      return absl::InvalidArgumentError(absl::StrCat("argument ", i, " is a '", launch.args(i).spec(),
                                                     "' for parameter '", launch.params(i), "'"));
  // The supervisor leaves the image out when it believes the module is
  // loaded here; if it is not (evicted, or this worker is new), nothing runs
  // and the supervisor resends the launch with the image.
  const bool loaded = device_->hasModule(launch.module_key(), launch.entry());
  if (!loaded && launch.image().empty()) {
    reply.set_module(pb::MODULE_MISSING);
    return absl::OkStatus();
  }
  absl::StatusOr<gpu::KernelHandle> kernel = device_->kernel(launch.module_key(), launch.image(), launch.entry());
  if (!kernel.ok()) return kernel.status();
  if (absl::Status s = bindParams(launch, !loaded); !s.ok()) return s;
  reply.set_module(loaded ? pb::MODULE_HIT : pb::MODULE_LOADED);
  // The host buffers go into temporary device buffers for the launch, and
  // the device arrays it names are pinned; on every path the temporaries
  // are released and the pins let go.
  std::vector<uint64_t> temps, pinned;
  struct Release {
    GpuWorker& w;
    std::vector<uint64_t>& temps;
    std::vector<uint64_t>& pinned;
    ~Release() {
      for (uint64_t id : pinned) w.unpin(id);
      for (uint64_t id : temps) (void)w.release(id);
    }
  } release{*this, temps, pinned};
  for (const std::string& data : launch.host()) {
    absl::StatusOr<uint64_t> id = allocate(data.size(), data);
    if (!id.ok()) return id.status();
    temps.push_back(*id);
  }
  std::vector<gpu::KernelArg> args;
  for (int i = 0; i < launch.args_size(); ++i) {
    const pb::WorkerArg& a = launch.args(i);
    gpu::KernelArg arg;
    arg.spec = a.spec();
    const std::string what = absl::StrCat("argument ", i);
    switch (a.value_case()) {
      case pb::WorkerArg::kArray: {
        const pb::WorkerArray& arr = a.array();
        uint64_t id = 0;
        switch (arr.buffer_case()) {
          case pb::WorkerArray::kId: id = arr.id(); break;
          case pb::WorkerArray::kHostIndex:
            if (arr.host_index() >= temps.size())
              return absl::InvalidArgumentError(absl::StrCat(what, ": no host buffer ", arr.host_index()));
            id = temps[arr.host_index()];
            break;
          case pb::WorkerArray::BUFFER_NOT_SET: return absl::InvalidArgumentError(absl::StrCat(what, ": no buffer"));
        }
        absl::StatusOr<Buffer> b = arr.buffer_case() == pb::WorkerArray::kId ? pin(id) : find(id);
        if (!b.ok()) return b.status();
        if (arr.buffer_case() == pb::WorkerArray::kId) pinned.push_back(id);
        if (absl::Status s = checkView(arr.view(), b->size, what, arg.spec == "R" ? 1u << 20 : 64u); !s.ok())
          return s;
        const bool pointed = (arg.spec == "R" && arr.view().shape_size() == 0) ||
                             (arg.spec == "U" && arr.view().shape_size() == 1 &&
                              (arr.view().itemsize() == 1 || arr.view().itemsize() == 2 ||
                               arr.view().itemsize() == 4));
        if (!pointed && arg.spec != absl::StrCat("A", arr.view().shape_size()))
          return absl::InvalidArgumentError(absl::StrCat(what, ": an array of ", arr.view().shape_size(),
                                                         " dimensions for parameter '", arg.spec, "'"));
        arg.data = b->address + arr.view().offset();
        arg.itemsize = arr.view().itemsize();
        arg.shape.assign(arr.view().shape().begin(), arr.view().shape().end());
        arg.strides.assign(arr.view().strides().begin(), arr.view().strides().end());
        break;
      }
      case pb::WorkerArg::kScalar: {
        // A scalar or a tuple of them: its items' bytes, flat (arg_spec.h).
        absl::StatusOr<gpu::ScalarSpec> spec = gpu::scalarSpec(arg.spec);
        if (!spec.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", spec.status().message()));
        if (a.scalar().size() != spec->flat_bytes)
          return absl::InvalidArgumentError(absl::StrCat(what, ": ", a.scalar().size(), " bytes for parameter '",
                                                         arg.spec, "' of ", spec->flat_bytes));
        arg.scalar = a.scalar();
        break;
      }
      case pb::WorkerArg::VALUE_NOT_SET: return absl::InvalidArgumentError(absl::StrCat(what, ": no value"));
    }
    args.push_back(std::move(arg));
  }
  bool fatal = false;
  const gpu::StreamKey stream{launch.session(), launch.session().empty() ? 0 : launch.stream()};
  absl::StatusOr<gpu::KernelReport> report = device_->launch(*kernel, config, args, stream, &fatal);
  if (fatal) *exit_now = true;
  if (!report.ok()) return report.status();
  if (report->kind != 0) {
    pb::KernelError* e = reply.mutable_kernel_error();
    e->set_kind(report->kind);
    e->set_line(report->line);
    for (int k = 0; k < 3; ++k) {
      e->add_thread(report->thread[k]);
      e->add_block(report->block[k]);
    }
    e->set_message(report->message);
  }
  for (int h = 0; h < launch.host_size(); ++h) {
    std::string* out = reply.add_host_data();
    if (!launch.host_copy_back(h)) continue;
    absl::StatusOr<Buffer> b = find(temps[h]);
    if (!b.ok()) return b.status();
    out->resize(b->size);
    if (absl::Status s = device_->copyOut(out->data(), b->address, b->size); !s.ok()) return s;
  }
  return absl::OkStatus();
}

pb::WorkerReply GpuWorker::handle(const pb::WorkerRequest& request, bool* exit_now) {
  *exit_now = false;
  pb::WorkerReply reply;
  if (!open_error_.ok()) {
    setError(reply, open_error_);
    return reply;
  }
  absl::Status s = absl::OkStatus();
  switch (request.op_case()) {
    case pb::WorkerRequest::kAlloc: {
      absl::StatusOr<uint64_t> id = allocate(request.alloc().bytes(), request.alloc().data());
      if (id.ok()) reply.set_id(*id);
      s = id.status();
      break;
    }
    case pb::WorkerRequest::kRead: {
      const auto& r = request.read();
      absl::StatusOr<Buffer> b = find(r.id());
      if (!b.ok()) {
        s = b.status();
      } else if (r.offset() > b->size || r.bytes() > b->size - r.offset()) {
        s = absl::InvalidArgumentError(absl::StrCat("reading bytes [", r.offset(), ", +", r.bytes(), ") of a ",
                                                    b->size, "-byte device array"));
      } else {
        std::string* data = reply.mutable_data();
        data->resize(r.bytes());
        s = device_->copyOut(data->data(), b->address + r.offset(), r.bytes());
      }
      break;
    }
    case pb::WorkerRequest::kWrite: {
      const auto& w = request.write();
      absl::StatusOr<Buffer> b = find(w.id());
      if (!b.ok()) {
        s = b.status();
      } else if (w.offset() > b->size || w.data().size() > b->size - w.offset()) {
        s = absl::InvalidArgumentError(absl::StrCat("writing bytes [", w.offset(), ", +", w.data().size(), ") of a ",
                                                    b->size, "-byte device array"));
      } else {
        s = device_->copyIn(b->address + w.offset(), w.data().data(), w.data().size());
      }
      break;
    }
    case pb::WorkerRequest::kFree: s = release(request.free().id()); break;
    case pb::WorkerRequest::kLaunch: s = launch(request.launch(), reply, exit_now); break;
    case pb::WorkerRequest::kEndSession: {
      const std::string session = request.end_session().session();
      if (session.empty()) {
        s = absl::InvalidArgumentError("EndSession names no session");
        break;
      }
      // What its streams hold goes once their launches ran.
      gpu::Device* device = device_.get();
      executor_->endSession(session, [device, session] { device->endSession(session); });
      break;
    }
    case pb::WorkerRequest::kDescribe: {
      const auto [major, minor] = device_->computeCapability();
      reply.set_cc_major(major);
      reply.set_cc_minor(minor);
      break;
    }
    case pb::WorkerRequest::OP_NOT_SET: s = absl::InvalidArgumentError("an empty worker request"); break;
  }
  if (!s.ok()) {
    reply.Clear();
    setError(reply, s);
  }
  return reply;
}

void GpuWorker::submit(pb::WorkerRequest request, Done done) {
  if (request.op_case() != pb::WorkerRequest::kLaunch || !open_error_.ok()) {
    bool exit_now = false;
    pb::WorkerReply reply = handle(request, &exit_now);
    done(std::move(reply), exit_now);
    return;
  }
  // A launch of no client stream has the stream ("", 0) to itself: kilnd
  // sends those one at a time.
  const std::string session = request.launch().session();
  const uint64_t stream = session.empty() ? 0 : request.launch().stream();
  auto shared = std::make_shared<pb::WorkerRequest>(std::move(request));
  executor_->submit(session, stream, [this, shared, done = std::move(done)] {
    bool exit_now = false;
    pb::WorkerReply reply = handle(*shared, &exit_now);
    done(std::move(reply), exit_now);
  });
}

int gpuWorkerMain(int argc, char** argv) {
  GpuWorkerOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    bool ok = true;
    if (flag == "--gpu-worker") ok = absl::SimpleAtoi(value, &options.device) && options.device >= 0;
    else if (flag == "--gpu-backend") options.backend = value;
    else if (flag == "--gpu-max-bytes") ok = absl::SimpleAtoi(value, &options.max_bytes);
    else if (flag == "--libcuda") options.libcuda = value;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "kilnd --gpu-worker: bad argument %s %s\n", argv[i], value);
      return 2;
    }
  }
  absl::StatusOr<std::unique_ptr<gpu::Device>> device =
      options.backend == "driver"      ? gpu::openDriverDevice(options.device, options.libcuda)
      : options.backend == "emulation" ? gpu::openEmulationDevice(options.device)
                                       : absl::InvalidArgumentError(absl::StrCat("unknown GPU backend '",
                                                                                 options.backend, "'"));
  absl::Status open_error = device.status();
  if (!open_error.ok())
    open_error = absl::FailedPreconditionError(absl::StrCat("GPU ", options.device, " (", options.backend,
                                                            ") cannot be used: ", open_error.message()));
  GpuWorker worker(options, device.ok() ? std::move(*device) : nullptr, open_error);
  const int device_number = options.device;
  return gpu::runGpuWorkerAsync(gpu::kWorkerFd, [&worker, device_number](std::string frame,
                                                                          gpu::WorkerRespond respond) {
    pb::WorkerRequest request;
    if (!request.ParseFromString(frame)) {
      pb::WorkerReply reply;
      setError(reply, absl::InvalidArgumentError("a worker request that does not parse"));
      respond(reply.SerializeAsString());
      return;
    }
    worker.submit(std::move(request), [respond, device_number](pb::WorkerReply reply, bool exit_now) {
      // The device is lost: no answer; the supervisor sees the exit, fails
      // the requests in flight naming their kernels and starts a fresh worker.
      if (exit_now) {
        std::fprintf(stderr, "kilnd --gpu-worker %d: the device is lost: %s\n", device_number,
                     reply.message().c_str());
        _exit(70);
      }
      respond(reply.SerializeAsString());
    });
  });
}

}  // namespace kiln::server
