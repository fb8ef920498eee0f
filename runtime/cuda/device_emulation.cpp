// gpu: the CPU emulation as a GPU worker's device (device.h).
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "arg_spec.h"
#include "device.h"
#include "kiln_abi.h"
#include "kiln_cuda_sim.h"
#include "kiln_rt.h"

namespace kiln::gpu {
namespace {

// One loaded emulation shared object. The memfd stays open while the
// library is loaded: dlopen("/proc/self/fd/N") identifies a library by that
// path, so a reused number would silently give back the old library.
struct Module {
  int fd = -1;
  void* handle = nullptr;
  KilnEntryFn entry = nullptr;
  std::string entry_name;
  ~Module() {
    if (handle != nullptr) dlclose(handle);
    if (fd >= 0) close(fd);
  }
};

absl::StatusOr<std::unique_ptr<Module>> loadModule(const std::string& image, const std::string& entry) {
  auto m = std::make_unique<Module>();
  m->fd = memfd_create("kiln-gpu-kernel", MFD_CLOEXEC);
  if (m->fd < 0) return absl::InternalError(absl::StrCat("memfd_create: ", std::strerror(errno)));
  size_t done = 0;
  while (done < image.size()) {
    ssize_t n = write(m->fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(absl::StrCat("writing the kernel's memfd: ", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  const std::string path = absl::StrCat("/proc/self/fd/", m->fd);
  m->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m->handle == nullptr) {
    const char* why = dlerror();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load the kernel's emulation object: ", why != nullptr ? why : "?"));
  }
  if (void* hook = dlsym(m->handle, KILN_RT_HOOK_SYMBOL)) *static_cast<const KilnRuntime**>(hook) = kiln_runtime();
  m->entry = reinterpret_cast<KilnEntryFn>(dlsym(m->handle, entry.c_str()));
  if (m->entry == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("the kernel's object has no entry '", entry, "'"));
  m->entry_name = entry;
  return m;
}

class EmulationDevice final : public Device {
 public:
  const char* backend() const override { return "emulation"; }

  absl::StatusOr<uint64_t> alloc(uint64_t bytes) override {
    // 256-byte aligned, as cuMemAlloc's memory is.
    void* p = nullptr;
    const uint64_t size = bytes == 0 ? 1 : bytes;
    if (posix_memalign(&p, 256, size) != 0 || p == nullptr)
      return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes of emulated device memory"));
    std::memset(p, 0, size);
    return reinterpret_cast<uint64_t>(p);
  }

  absl::Status free(uint64_t address) override {
    std::free(reinterpret_cast<void*>(address));
    return absl::OkStatus();
  }

  absl::Status copyIn(uint64_t dst, const void* src, uint64_t bytes) override {
    if (bytes > 0) std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return absl::OkStatus();
  }

  absl::Status copyOut(void* dst, uint64_t src, uint64_t bytes) override {
    if (bytes > 0) std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return absl::OkStatus();
  }

  bool hasModule(const std::string& key, const std::string& entry) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return index_.contains(key + '\0' + entry);
  }

  absl::StatusOr<KernelHandle> kernel(const std::string& key, const std::string& image,
                                      const std::string& entry) override {
    const std::string id = key + '\0' + entry;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
      return KernelHandle(it->second->second);
    }
    absl::StatusOr<std::unique_ptr<Module>> m = loadModule(image, entry);
    if (!m.ok()) return m.status();
    lru_.emplace_front(id, std::shared_ptr<Module>(std::move(*m)));
    index_[id] = lru_.begin();
    // An evicted module a launch still runs is unloaded when that launch lets go of it.
    while (lru_.size() > kModuleCacheSize) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return KernelHandle(lru_.front().second);
  }

  // The emulation's launches run on the calling thread (its blocks on the
  // emulation's own threads): a stream needs nothing of its own.
  void endSession(const std::string&) override {}
  size_t streams() const override { return 0; }

  absl::StatusOr<KernelReport> launch(const KernelHandle& kernel, const LaunchConfig& config,
                                      const std::vector<KernelArg>& args, const StreamKey&, bool* fatal) override {
    *fatal = false;
    const Module& m = *static_cast<const Module*>(kernel.get());
    // Each argument in its host-ABI form (kiln_abi.h): an array is
    // {meminfo = NULL (borrowed), data, shape[nd], strides[nd]}; a scalar its
    // bytes, 16-byte aligned.
    std::vector<std::vector<int64_t>> storage(args.size());
    std::vector<void*> pointers(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      const KernelArg& a = args[i];
      std::vector<int64_t>& s = storage[i];
      if (a.spec == "R") {
        s.push_back(static_cast<int64_t>(a.data));  // records: a pointer to its bytes
      } else if (a.spec == "U") {
        // strings: KilnStr {meminfo (none: borrowed), data, length, kind}
        s = {0, static_cast<int64_t>(a.data), a.shape.empty() ? 0 : a.shape[0], static_cast<int64_t>(a.itemsize)};
      } else if (!a.spec.empty() && a.spec[0] == 'A') {
        s.push_back(0);
        s.push_back(static_cast<int64_t>(a.data));
        s.insert(s.end(), a.shape.begin(), a.shape.end());
        s.insert(s.end(), a.strides.begin(), a.strides.end());
      } else {
        // A scalar or tuple: the host data model's by-value layout.
        absl::StatusOr<ScalarSpec> spec = scalarSpec(a.spec);
        if (!spec.ok()) return spec.status();
        const std::string bytes = hostBytes(*spec, a.scalar);
        s.assign(bytes.size() / 8 + 2, 0);
        std::memcpy(s.data(), bytes.data(), bytes.size());
      }
      pointers[i] = s.data();
    }
    if (kiln_cuda_sim_configure(static_cast<int32_t>(config.grid[0]), static_cast<int32_t>(config.grid[1]),
                                static_cast<int32_t>(config.grid[2]), static_cast<int32_t>(config.block[0]),
                                static_cast<int32_t>(config.block[1]), static_cast<int32_t>(config.block[2]),
                                config.shared_bytes) != 0)
      return absl::InvalidArgumentError("the launch configuration is out of the emulation's range");
    KilnError err;
    std::memset(&err, 0, sizeof err);
    alignas(16) char ret[64];
    const int32_t kind = m.entry(ret, pointers.data(), &err);
    KernelReport report;
    if (kind == KILN_OK) return report;
    report.kind = kind;
    report.line = err.line;
    report.message = err.message != nullptr ? err.message : "";
    int32_t where[6];
    if (kiln_cuda_sim_last_fault(where) != 0) {
      for (int k = 0; k < 3; ++k) {
        report.thread[k] = where[k];
        report.block[k] = where[3 + k];
      }
    } else {
      for (int k = 0; k < 3; ++k) report.thread[k] = report.block[k] = -1;
    }
    return report;
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<Module>>;
  mutable std::mutex mu_;  // the module cache
  std::list<Entry> lru_;
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Device>> openEmulationDevice(int ordinal) {
  if (ordinal < 0) return absl::InvalidArgumentError(absl::StrCat("no GPU ", ordinal));
  return std::unique_ptr<Device>(new EmulationDevice());
}

}  // namespace kiln::gpu
