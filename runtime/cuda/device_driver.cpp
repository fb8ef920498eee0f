// gpu: a CUDA device through the driver API as a GPU worker's device
// (device.h). Every driver call goes through kiln_cuda.h's table (libcuda
// opened with dlopen); CUresults become absl::Status in one place, check().
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "arg_spec.h"
#include "device.h"
#include "kiln_cuda.h"

namespace kiln::gpu {
namespace {

// The driver's entry points, typed as driver_functions.def declares them.
struct Driver {
#define KILN_CUDA_FN(name, symbol, params) int(*name) params = nullptr;
#include "driver_functions.def"
};

// compiler/lowering/lower_cuda_ptx.h kKernelErrorGlobal: the device global a
// kernel stores its error record in (8 int32 words).
constexpr char kKernelErrorGlobal[] = "kiln_kernel_error";
constexpr size_t kKernelErrorBytes = 32;

// CUresults after which the context is lost (cuda.h): every later call in
// this process fails the same way, so the worker must be replaced.
bool isSticky(int code) {
  switch (code) {
    case 700:  // CUDA_ERROR_ILLEGAL_ADDRESS
    case 702:  // CUDA_ERROR_LAUNCH_TIMEOUT
    case 705:  // CUDA_ERROR_ASSERT (a device-side assert)
    case 714:  // CUDA_ERROR_HARDWARE_STACK_ERROR
    case 715:  // CUDA_ERROR_ILLEGAL_INSTRUCTION
    case 716:  // CUDA_ERROR_MISALIGNED_ADDRESS
    case 717:  // CUDA_ERROR_INVALID_ADDRESS_SPACE
    case 718:  // CUDA_ERROR_INVALID_PC
    case 719:  // CUDA_ERROR_LAUNCH_FAILED
      return true;
    default:
      return false;
  }
}

absl::Status check(int code, const char* what, bool* fatal = nullptr) {
  if (code == KILN_CUDA_SUCCESS) return absl::OkStatus();
  char text[256];
  kiln_cuda_error_text(code, text, sizeof text);
  if (fatal != nullptr) *fatal = isSticky(code);
  if (code == 2) return absl::ResourceExhaustedError(absl::StrCat(what, ": ", text));  // CUDA_ERROR_OUT_OF_MEMORY
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

// One load of a kernel's image: its function and its own globals.
struct Instance {
  KilnCuHandle module = nullptr;
  KilnCuHandle function = nullptr;
  KilnCuDevptr error_global = 0;  // 0: the kernel reports nothing
};

// A kernel's module. A kernel that reports errors (debug=True, bounds
// checks) writes one record, a global of its module, which each launch reads
// and clears: two launches sharing it on two streams would mix their
// records. So each launch running at once takes a load of its own (an
// Instance: cuModuleLoadData gives every load its own globals), made at the
// first overlap and kept; a kernel without a record shares one load.
struct Module {
  const Driver* driver = nullptr;
  std::string image;  // kept only for a kernel with a record (its next loads)
  std::string entry;
  std::mutex mu;
  std::condition_variable returned;
  std::vector<std::unique_ptr<Instance>> instances;  // every load, under mu
  Instance* first = nullptr;                         // instances[0], set before the module is shared
  std::vector<Instance*> idle;                       // loads no launch holds
  ~Module() {
    for (const std::unique_ptr<Instance>& i : instances)
      if (i->module != nullptr) driver->cuModuleUnload(i->module);
  }
};

// The most loads of one module: a worker runs this many launches at once.
constexpr size_t kMaxInstances = kConcurrentStreams + 1;

// Loads `data` (a cubin, or PTX NUL-terminated) and resolves `entry` and
// the error record into `out`; a failed load leaves `out.module` to unload.
absl::Status loadInstance(const Driver& d, const std::string& data, const std::string& entry, Instance& out) {
  if (absl::Status s = check(d.cuModuleLoadData(&out.module, data.data()), "cuModuleLoadData"); !s.ok()) return s;
  if (absl::Status s = check(d.cuModuleGetFunction(&out.function, out.module, entry.c_str()), "cuModuleGetFunction");
      !s.ok())
    return s;
  size_t bytes = 0;
  if (d.cuModuleGetGlobal(&out.error_global, &bytes, out.module, kKernelErrorGlobal) != KILN_CUDA_SUCCESS ||
      bytes < kKernelErrorBytes)
    out.error_global = 0;
  return absl::OkStatus();
}

// A launch's hold on one load of a module: the shared one for a kernel
// without a record, else an idle one (loaded when none is, up to
// kMaxInstances; past that it waits for one to be returned).
class InstanceLease {
 public:
  explicit InstanceLease(Module& m) : m_(m) {}
  ~InstanceLease() {
    if (held_ == nullptr || held_->error_global == 0) return;
    {
      std::lock_guard<std::mutex> lock(m_.mu);
      m_.idle.push_back(held_);
    }
    m_.returned.notify_one();
  }
  InstanceLease(const InstanceLease&) = delete;
  InstanceLease& operator=(const InstanceLease&) = delete;

  absl::StatusOr<Instance*> take() {
    if (m_.first->error_global == 0) return held_ = m_.first;
    std::unique_lock<std::mutex> lock(m_.mu);
    if (m_.idle.empty() && m_.instances.size() < kMaxInstances) {
      auto next = std::make_unique<Instance>();
      absl::Status s = loadInstance(*m_.driver, m_.image, m_.entry, *next);
      if (!s.ok()) {
        if (next->module != nullptr) m_.driver->cuModuleUnload(next->module);
        return s;
      }
      m_.instances.push_back(std::move(next));
      return held_ = m_.instances.back().get();
    }
    m_.returned.wait(lock, [&] { return !m_.idle.empty(); });
    held_ = m_.idle.back();
    m_.idle.pop_back();
    return held_;
  }

 private:
  Module& m_;
  Instance* held_ = nullptr;
};

class DriverDevice final : public Device {
 public:
  ~DriverDevice() override {
    bind();
    lru_.clear();
    index_.clear();
    for (auto& [key, s] : streams_) d_.cuStreamDestroy(s);
    if (stream_ != nullptr) d_.cuStreamDestroy(stream_);
    if (context_ != nullptr) d_.cuDevicePrimaryCtxRelease(device_);
  }

  absl::Status open(int ordinal) {
#define KILN_CUDA_FN(name, symbol, params) \
  d_.name = reinterpret_cast<int(*) params>(kiln_cuda_function(#name));
#include "driver_functions.def"
    int count = 0;
    if (absl::Status s = check(d_.cuDeviceGetCount(&count), "cuDeviceGetCount"); !s.ok()) return s;
    if (ordinal < 0 || ordinal >= count)
      return absl::FailedPreconditionError(absl::StrCat("there is no GPU ", ordinal, " (the driver sees ", count, ")"));
    if (absl::Status s = check(d_.cuDeviceGet(&device_, ordinal), "cuDeviceGet"); !s.ok()) return s;
    // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR (75) and _MINOR (76).
    if (absl::Status s = check(d_.cuDeviceGetAttribute(&cc_major_, 75, device_), "cuDeviceGetAttribute"); !s.ok())
      return s;
    if (absl::Status s = check(d_.cuDeviceGetAttribute(&cc_minor_, 76, device_), "cuDeviceGetAttribute"); !s.ok())
      return s;
    if (absl::Status s = check(d_.cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain"); !s.ok())
      return s;
    if (absl::Status s = check(d_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !s.ok()) return s;
    return check(d_.cuStreamCreate(&stream_, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate");
  }

  const char* backend() const override { return "driver"; }

  // The context is current per OS thread: each of the worker's threads
  // makes it current before its first driver call.
  void bind() {
    thread_local KilnCuHandle bound = nullptr;
    if (bound == context_) return;
    if (d_.cuCtxSetCurrent(context_) == KILN_CUDA_SUCCESS) bound = context_;
  }

  absl::StatusOr<uint64_t> alloc(uint64_t bytes) override {
    bind();
    KilnCuDevptr p = 0;
    const uint64_t size = bytes == 0 ? 1 : bytes;
    if (absl::Status s = check(d_.cuMemAlloc(&p, size), "cuMemAlloc"); !s.ok()) return s;
    // Zeroed, ordered before any copy or launch on the stream by the
    // synchronize (cuMemsetD8 runs on the legacy stream).
    if (absl::Status s = check(d_.cuMemsetD8(p, 0, size), "cuMemsetD8"); !s.ok()) return s;
    if (absl::Status s = check(d_.cuCtxSynchronize(), "cuCtxSynchronize"); !s.ok()) return s;
    return static_cast<uint64_t>(p);
  }

  absl::Status free(uint64_t address) override {
    bind();
    return check(d_.cuMemFree(address), "cuMemFree");
  }

  absl::Status copyIn(uint64_t dst, const void* src, uint64_t bytes) override {
    if (bytes == 0) return absl::OkStatus();
    bind();
    if (absl::Status s = check(d_.cuMemcpyHtoDAsync(dst, src, bytes, stream_), "cuMemcpyHtoDAsync"); !s.ok())
      return s;
    return check(d_.cuStreamSynchronize(stream_), "cuStreamSynchronize");
  }

  absl::Status copyOut(void* dst, uint64_t src, uint64_t bytes) override {
    if (bytes == 0) return absl::OkStatus();
    bind();
    if (absl::Status s = check(d_.cuMemcpyDtoHAsync(dst, src, bytes, stream_), "cuMemcpyDtoHAsync"); !s.ok())
      return s;
    return check(d_.cuStreamSynchronize(stream_), "cuStreamSynchronize");
  }

  bool hasModule(const std::string& key, const std::string& entry) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return index_.contains(key + '\0' + entry);
  }

  absl::StatusOr<KernelHandle> kernel(const std::string& key, const std::string& image,
                                      const std::string& entry) override {
    const std::string id = key + '\0' + entry;
    bind();
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return KernelHandle(it->second->second);
    }
    auto module = std::make_shared<Module>();
    Module& m = *module;
    m.driver = &d_;
    m.entry = entry;
    // cuModuleLoadData takes a cubin as it is and PTX NUL-terminated.
    std::string data = image;
    if (data.rfind("\x7f" "ELF", 0) != 0) data.push_back('\0');
    m.first = m.instances.emplace_back(std::make_unique<Instance>()).get();
    if (absl::Status s = loadInstance(d_, data, entry, *m.first); !s.ok())
      return s;  // what was loaded is unloaded with the module
    if (m.first->error_global != 0) {
      m.idle.push_back(m.first);
      m.image = std::move(data);
    }
    lru_.emplace_front(id, std::move(module));
    index_[id] = lru_.begin();
    // An evicted module is unloaded when the last launch holding it ends.
    while (lru_.size() > kModuleCacheSize) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return KernelHandle(lru_.front().second);
  }

  void endSession(const std::string& session) override {
    bind();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (it->first.first == session) {
        d_.cuStreamSynchronize(it->second);
        d_.cuStreamDestroy(it->second);
        streams_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  size_t streams() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return streams_.size();
  }

  std::pair<int, int> computeCapability() const override { return {cc_major_, cc_minor_}; }

  // The CUstream of a client stream, made at its first launch.
  absl::StatusOr<KilnCuHandle> streamOf(const StreamKey& key) {
    if (key.session.empty()) return stream_;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(std::make_pair(key.session, key.stream));
    if (it != streams_.end()) return it->second;
    if (streams_.size() >= kMaxDriverStreams) return stream_;  // in order, only not overlapping
    KilnCuHandle s = nullptr;
    if (absl::Status st = check(d_.cuStreamCreate(&s, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate"); !st.ok())
      return st;
    streams_.emplace(std::make_pair(key.session, key.stream), s);
    return s;
  }

  absl::StatusOr<KernelReport> launch(const KernelHandle& kernel, const LaunchConfig& config,
                                      const std::vector<KernelArg>& args, const StreamKey& stream_key,
                                      bool* fatal) override {
    *fatal = false;
    bind();
    Module& m = *const_cast<Module*>(static_cast<const Module*>(kernel.get()));
    absl::StatusOr<KilnCuHandle> stream = streamOf(stream_key);
    if (!stream.ok()) return stream.status();
    InstanceLease lease(m);
    absl::StatusOr<Instance*> taken = lease.take();
    if (!taken.ok()) return taken.status();
    const Instance& load = **taken;
    std::string spec;
    for (const KernelArg& a : args) spec += a.spec;
    char why[256] = {0};
    KilnCudaLayout* layout = kiln_cuda_layout_new(spec.c_str(), why, sizeof why);
    if (layout == nullptr) return absl::InvalidArgumentError(why);
    // The argument block, packed by the layout: an array is its data
    // pointer, shapes and strides (ABI, docs/cuda.md); a scalar its bytes.
    std::string block(layout->nbytes, '\0');
    uint32_t p = 0;
    auto put = [&](const void* bytes, size_t n) {
      if (p < layout->nparams) std::memcpy(block.data() + layout->params[p].offset, bytes, std::min<size_t>(n, layout->params[p].size));
      ++p;
    };
    for (const KernelArg& a : args) {
      if (a.spec[0] == 'A') {
        put(&a.data, 8);
        for (int64_t n : a.shape) put(&n, 8);
        for (int64_t s : a.strides) put(&s, 8);
      } else {
        // A scalar or tuple: one parameter per item, a complex two.
        absl::StatusOr<ScalarSpec> items = scalarSpec(a.spec);
        if (!items.ok()) {
          kiln_cuda_layout_free(layout);
          return items.status();
        }
        for (const SpecItem& item : items->items) {
          if (item.flat_offset + item.size > a.scalar.size()) continue;
          const char* bytes = a.scalar.data() + item.flat_offset;
          if (item.kind == 'c') {
            put(bytes, item.size / 2);
            put(bytes + item.size / 2, item.size / 2);
          } else {
            put(bytes, item.size);
          }
        }
      }
    }
    const int r = kiln_cuda_launch(load.function, config.grid, config.block, config.shared_bytes, *stream, layout,
                                   block.data());
    kiln_cuda_layout_free(layout);
    if (absl::Status s = check(r, "cuLaunchKernel", fatal); !s.ok()) return s;
    if (absl::Status s = check(d_.cuStreamSynchronize(*stream), "the kernel", fatal); !s.ok()) return s;
    KernelReport report;
    if (load.error_global != 0) {
      int32_t words[8] = {0};
      if (absl::Status s = copyOut(words, load.error_global, kKernelErrorBytes); !s.ok()) return s;
      if (words[0] != 0) {
        report.kind = words[0];
        report.line = words[1];
        for (int k = 0; k < 3; ++k) {
          report.thread[k] = words[2 + k];
          report.block[k] = words[5 + k];
        }
        const int32_t zero[8] = {0};
        if (absl::Status s = copyIn(load.error_global, zero, kKernelErrorBytes); !s.ok()) return s;
      }
    }
    return report;
  }

 private:
  Driver d_;
  int device_ = 0;
  int cc_major_ = 0;  // read once at open()
  int cc_minor_ = 0;
  KilnCuHandle context_ = nullptr;
  KilnCuHandle stream_ = nullptr;  // copies, and launches of no client stream
  mutable std::mutex mu_;          // the module cache and the streams
  using Entry = std::pair<std::string, std::shared_ptr<Module>>;
  std::list<Entry> lru_;
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_;
  std::map<std::pair<std::string, uint64_t>, KilnCuHandle> streams_;  // client stream -> CUstream
};

}  // namespace

absl::StatusOr<std::unique_ptr<Device>> openDriverDevice(int ordinal, const std::string& libcuda_path) {
  char why[512] = {0};
  if (kiln_cuda_open(libcuda_path.empty() ? nullptr : libcuda_path.c_str(), why, sizeof why) != KILN_CUDA_SUCCESS)
    return absl::FailedPreconditionError(why);
  auto device = std::make_unique<DriverDevice>();
  if (absl::Status s = device->open(ordinal); !s.ok()) return s;
  return std::unique_ptr<Device>(std::move(device));
}

}  // namespace kiln::gpu
