// cuda: a stand-in for libcuda.so.1 that runs on the CPU, so the driver
// backend (runtime/cuda/device_driver.cpp) runs for real on machines with no
// GPU: the same dlopen, the same entry points (driver_functions.def), the
// same module, global, stream and launch calls a GPU would see.
//
// Device memory is host memory (a CUdeviceptr is the address). A module is
// the image's text: "fake-module <kernel>... [kiln_kernel_error]"; each
// loaded module has its own 32-byte kiln_kernel_error global, as each
// cuModuleLoadData of a real image has its own globals. Launches run on the
// calling thread, so a stream is only a handle here. The kernels:
//
//   report(int32 tag)      writes an error record {1, tag, ...} to its module's
//                          global (what a debug kernel does when a check fails)
//   rendezvous(int32 tag)  waits up to 3 s for a second rendezvous launch to
//                          arrive, then writes {1, tag, arrivals seen, tag}
//                          where its module has a record, and keeps the
//                          arrivals it saw by tag (fake_cuda_rendezvous_seen):
//                          two launches that overlap see 2, two that take
//                          turns see 1
//   add_one(float32[:] a)  a[i] += 1 for each i < shape0 (data, shape, stride)
//   fault()                returns CUDA_ERROR_ILLEGAL_ADDRESS from the launch
//
// A compiled image (PTX, or a cubin) is accepted too: its kernels are the
// names it holds, and a launch of one runs nothing but is recorded (grid,
// block, shared bytes, the first parameters) for the test to read: so the
// Python client's own launch path (kiln/cuda/_driver.py, KILN_LIBCUDA) runs
// against it up to the kernel's first instruction.
//
// In the environment: FAKE_CUDA_DEVICE_COUNT, the GPUs it has (1 unless
// set; all alike); FAKE_CUDA_INIT_DELAY_MS makes cuInit take that long (a
// driver slow to start, as a real one can be on a busy node).
//
// Counters for the test: fake_cuda_modules_loaded(), fake_cuda_streams_live(),
// fake_cuda_rendezvous_seen(tag), fake_cuda_rendezvous_reset().
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Devptr = unsigned long long;

struct FakeModule;

struct FakeFunction {
  FakeModule* module;
  std::string name;
};

struct FakeModule {
  std::vector<std::unique_ptr<FakeFunction>> kernels;  // owned, as a real module owns its CUfunctions
  bool has_error_global = false;
  int32_t error_record[8] = {0};
  std::string image;  // a compiled image (PTX or cubin), whose kernels only record their launch
};

// The last launch of a compiled image's kernel, for the test to read.
struct LaunchRecord {
  std::mutex mu;
  unsigned grid[3] = {0, 0, 0}, block[3] = {0, 0, 0}, shared = 0;
  int params_wanted = 0;          // how many 8-byte parameters to keep (the test knows the kernel's)
  unsigned long long params[64] = {0};
  int launches = 0;
  std::string last_image;         // the image of the last module loaded
} launch_log;

// The bytes of a compiled image: PTX up to its NUL, a 64-bit ELF (cubin)
// up to the end of its section headers.
std::string imageBytes(const void* image) {
  const auto* p = static_cast<const unsigned char*>(image);
  if (std::memcmp(p, "\x7f" "ELF", 4) == 0) {
    uint64_t shoff = 0;
    uint16_t shentsize = 0, shnum = 0;
    std::memcpy(&shoff, p + 0x28, 8);
    std::memcpy(&shentsize, p + 0x3a, 2);
    std::memcpy(&shnum, p + 0x3c, 2);
    return std::string(reinterpret_cast<const char*>(p), shoff + uint64_t{shentsize} * shnum);
  }
  return std::string(static_cast<const char*>(image));
}

std::atomic<int> modules_loaded{0};
std::atomic<int> streams_live{0};

std::mutex rendezvous_mu;
std::condition_variable rendezvous_cv;
int rendezvous_arrivals = 0;
int rendezvous_seen[64] = {0};  // by tag: the arrivals a rendezvous launch saw

int event_token;    // every event is this one: launches are synchronous
int context_token;  // the primary context

constexpr int kSuccess = 0;
constexpr int kInvalidValue = 1;
constexpr int kOutOfMemory = 2;
constexpr int kNotFound = 500;
constexpr int kIllegalAddress = 700;

}  // namespace

extern "C" {

int fake_cuda_modules_loaded(void) { return modules_loaded.load(); }
int fake_cuda_streams_live(void) { return streams_live.load(); }
int fake_cuda_rendezvous_seen(int tag) {
  std::lock_guard<std::mutex> lock(rendezvous_mu);
  return tag >= 0 && tag < 64 ? rendezvous_seen[tag] : -1;
}
// The last compiled kernel's launch: keep `n` 8-byte parameters of later
// launches; read them back, the grid, block and shared bytes, the number of
// launches, and the last image loaded (its size; copied into `out`).
void fake_cuda_keep_params(int n) {
  std::lock_guard<std::mutex> lock(launch_log.mu);
  launch_log.params_wanted = n < 0 ? 0 : n > 64 ? 64 : n;
}
unsigned long long fake_cuda_param(int i) {
  std::lock_guard<std::mutex> lock(launch_log.mu);
  return i >= 0 && i < 64 ? launch_log.params[i] : 0;
}
unsigned fake_cuda_launch_dim(int i) {  // 0-2 grid, 3-5 block, 6 shared bytes
  std::lock_guard<std::mutex> lock(launch_log.mu);
  return i < 3 ? launch_log.grid[i] : i < 6 ? launch_log.block[i - 3] : launch_log.shared;
}
int fake_cuda_launches(void) {
  std::lock_guard<std::mutex> lock(launch_log.mu);
  return launch_log.launches;
}
size_t fake_cuda_last_image(char* out, size_t size) {
  std::lock_guard<std::mutex> lock(launch_log.mu);
  if (out != nullptr) std::memcpy(out, launch_log.last_image.data(), std::min(size, launch_log.last_image.size()));
  return launch_log.last_image.size();
}

void fake_cuda_rendezvous_reset(void) {
  std::lock_guard<std::mutex> lock(rendezvous_mu);
  rendezvous_arrivals = 0;
  std::memset(rendezvous_seen, 0, sizeof rendezvous_seen);
}

int cuInit(unsigned int) {
  if (const char* delay = std::getenv("FAKE_CUDA_INIT_DELAY_MS"))
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay)));
  return kSuccess;
}
int cuDriverGetVersion(int* v) {
  *v = 12080;
  return kSuccess;
}
int cuGetErrorName(int code, const char** name) {
  *name = code == kIllegalAddress ? "CUDA_ERROR_ILLEGAL_ADDRESS" : "CUDA_ERROR_FAKE";
  return kSuccess;
}
int cuGetErrorString(int code, const char** text) {
  *text = code == kIllegalAddress ? "an illegal memory access was encountered" : "an error of the fake driver";
  return kSuccess;
}
int cuDeviceGetCount(int* n) {
  const char* count = std::getenv("FAKE_CUDA_DEVICE_COUNT");
  *n = count ? std::atoi(count) : 1;
  return kSuccess;
}
int cuDeviceGet(int* device, int ordinal) {
  *device = ordinal;
  return kSuccess;
}
int cuDeviceGetName(char* name, int len, int) {
  std::snprintf(name, static_cast<size_t>(len), "Fake GPU");
  return kSuccess;
}
int cuDeviceGetAttribute(int* value, int attribute, int) {
  switch (attribute) {  // an RTX 3090's (compute capability 8.6), by CUdevice_attribute number
    case 1: *value = 1024; break;        // MAX_THREADS_PER_BLOCK
    case 2: case 3: *value = 1024; break;  // MAX_BLOCK_DIM_X, _Y
    case 4: *value = 64; break;          // MAX_BLOCK_DIM_Z
    case 5: *value = 2147483647; break;  // MAX_GRID_DIM_X
    case 6: case 7: *value = 65535; break;
    case 8: *value = 49152; break;       // MAX_SHARED_MEMORY_PER_BLOCK
    case 10: *value = 32; break;         // WARP_SIZE
    case 16: *value = 82; break;         // MULTIPROCESSOR_COUNT
    case 75: *value = 8; break;          // COMPUTE_CAPABILITY_MAJOR
    case 76: *value = 6; break;          // COMPUTE_CAPABILITY_MINOR
    case 97: *value = 101376; break;     // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    default: *value = 0; break;
  }
  return kSuccess;
}
int cuDeviceTotalMem_v2(size_t* bytes, int) {
  *bytes = size_t{1} << 30;
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void** context, int) {
  *context = &context_token;
  return kSuccess;
}
int cuDevicePrimaryCtxRelease_v2(int) { return kSuccess; }
int cuCtxSetCurrent(void*) { return kSuccess; }
int cuCtxSynchronize(void) { return kSuccess; }

int cuModuleLoadData(void** module, const void* image) {
  const std::string bytes = imageBytes(image);
  {
    std::lock_guard<std::mutex> lock(launch_log.mu);
    launch_log.last_image = bytes;
  }
  if (bytes.find(".entry") != std::string::npos || bytes.rfind("\x7f" "ELF", 0) == 0) {
    // A compiled kernel: its functions are the names its image holds.
    auto* m = new FakeModule;
    m->image = bytes;
    m->has_error_global = bytes.find("kiln_kernel_error") != std::string::npos;
    *module = m;
    ++modules_loaded;
    return kSuccess;
  }
  std::istringstream in(bytes);
  std::string word;
  if (!(in >> word) || word != "fake-module") return 218;  // CUDA_ERROR_INVALID_PTX
  auto* m = new FakeModule;
  while (in >> word) {
    if (word == "kiln_kernel_error")
      m->has_error_global = true;
    else
      m->kernels.push_back(std::make_unique<FakeFunction>(FakeFunction{m, word}));
  }
  *module = m;
  ++modules_loaded;
  return kSuccess;
}
int cuModuleUnload(void* module) {
  delete static_cast<FakeModule*>(module);
  --modules_loaded;
  return kSuccess;
}
int cuModuleGetFunction(void** function, void* module, const char* name) {
  auto* m = static_cast<FakeModule*>(module);
  for (const std::unique_ptr<FakeFunction>& k : m->kernels) {
    if (k->name == name) {
      *function = k.get();
      return kSuccess;
    }
  }
  if (!m->image.empty() && m->image.find(name) != std::string::npos) {
    m->kernels.push_back(std::make_unique<FakeFunction>(FakeFunction{m, name}));
    *function = m->kernels.back().get();
    return kSuccess;
  }
  return kNotFound;
}
int cuModuleGetGlobal_v2(Devptr* address, size_t* bytes, void* module, const char* name) {
  auto* m = static_cast<FakeModule*>(module);
  if (std::strcmp(name, "kiln_kernel_error") != 0 || !m->has_error_global) return kNotFound;
  *address = reinterpret_cast<Devptr>(m->error_record);
  *bytes = sizeof m->error_record;
  return kSuccess;
}
int cuFuncGetAttribute(int* value, int attribute, void*) {
  *value = attribute == 0 ? 1024 : 0;  // MAX_THREADS_PER_BLOCK; no static shared memory
  return kSuccess;
}
int cuFuncSetAttribute(void*, int, int) { return kSuccess; }

int cuLaunchKernel(void* function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                   unsigned int bz, unsigned int shared, void*, void** params, void**) {
  auto* f = static_cast<FakeFunction*>(function);
  if (!f->module->image.empty()) {  // a compiled kernel: recorded, not run
    std::lock_guard<std::mutex> lock(launch_log.mu);
    const unsigned dims[7] = {gx, gy, gz, bx, by, bz, shared};
    std::copy(dims, dims + 3, launch_log.grid);
    std::copy(dims + 3, dims + 6, launch_log.block);
    launch_log.shared = shared;
    for (int i = 0; i < launch_log.params_wanted; ++i) std::memcpy(&launch_log.params[i], params[i], 8);
    ++launch_log.launches;
    return kSuccess;
  }
  int32_t* record = f->module->error_record;
  if (f->name == "report") {
    if (f->module->has_error_global) {
      record[0] = 1;
      record[1] = *static_cast<int32_t*>(params[0]);
    }
    return kSuccess;
  }
  if (f->name == "rendezvous") {
    const int32_t tag = *static_cast<int32_t*>(params[0]);
    std::unique_lock<std::mutex> lock(rendezvous_mu);
    ++rendezvous_arrivals;
    rendezvous_cv.notify_all();
    rendezvous_cv.wait_for(lock, std::chrono::seconds(3), [] { return rendezvous_arrivals >= 2; });
    const int seen = rendezvous_arrivals;
    if (tag >= 0 && tag < 64) rendezvous_seen[tag] = seen;
    lock.unlock();
    if (f->module->has_error_global) {
      // Written field by field with a pause between, as a kernel's stores
      // land: two launches sharing one record would mix their fields.
      record[0] = 1;
      record[1] = tag;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      record[2] = seen;
      record[3] = tag;
    }
    return kSuccess;
  }
  if (f->name == "add_one") {
    auto* data = reinterpret_cast<float*>(*static_cast<Devptr*>(params[0]));
    const int64_t n = *static_cast<int64_t*>(params[1]);
    const int64_t stride = *static_cast<int64_t*>(params[2]);
    for (int64_t i = 0; i < n; ++i) *reinterpret_cast<float*>(reinterpret_cast<char*>(data) + i * stride) += 1.0f;
    return kSuccess;
  }
  if (f->name == "fault") return kIllegalAddress;
  return kInvalidValue;
}

int cuMemAlloc_v2(Devptr* address, size_t bytes) {
  void* p = std::malloc(bytes);
  if (p == nullptr) return kOutOfMemory;
  *address = reinterpret_cast<Devptr>(p);
  return kSuccess;
}
int cuMemFree_v2(Devptr address) {
  std::free(reinterpret_cast<void*>(address));
  return kSuccess;
}
int cuMemAllocHost_v2(void** p, size_t bytes) {
  *p = std::malloc(bytes);
  return *p == nullptr ? kOutOfMemory : kSuccess;
}
int cuMemFreeHost(void* p) {
  std::free(p);
  return kSuccess;
}
int cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
  *free_bytes = *total = size_t{1} << 30;
  return kSuccess;
}
int cuMemcpyHtoD_v2(Devptr dst, const void* src, size_t n) {
  std::memcpy(reinterpret_cast<void*>(dst), src, n);
  return kSuccess;
}
int cuMemcpyDtoH_v2(void* dst, Devptr src, size_t n) {
  std::memcpy(dst, reinterpret_cast<const void*>(src), n);
  return kSuccess;
}
int cuMemcpyDtoD_v2(Devptr dst, Devptr src, size_t n) {
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
  return kSuccess;
}
int cuMemcpyHtoDAsync_v2(Devptr dst, const void* src, size_t n, void*) { return cuMemcpyHtoD_v2(dst, src, n); }
int cuMemcpyDtoHAsync_v2(void* dst, Devptr src, size_t n, void*) { return cuMemcpyDtoH_v2(dst, src, n); }
int cuMemsetD8_v2(Devptr dst, unsigned char value, size_t n) {
  std::memset(reinterpret_cast<void*>(dst), value, n);
  return kSuccess;
}

int cuStreamCreate(void** stream, unsigned int) {
  *stream = new int(0);
  ++streams_live;
  return kSuccess;
}
int cuStreamDestroy_v2(void* stream) {
  delete static_cast<int*>(stream);
  --streams_live;
  return kSuccess;
}
int cuStreamSynchronize(void*) { return kSuccess; }
int cuEventCreate(void** event, unsigned int) {
  *event = &event_token;
  return kSuccess;
}
int cuEventDestroy_v2(void*) { return kSuccess; }
int cuEventRecord(void*, void*) { return kSuccess; }
int cuEventSynchronize(void*) { return kSuccess; }
int cuEventElapsedTime(float* ms, void*, void*) {
  *ms = 0;
  return kSuccess;
}

}  // extern "C"
