#include "compiler/targets/cuda/cubin.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace kiln::compiler::cuda {
namespace {

std::string env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

std::vector<std::string> toolkitDirs() {
  std::vector<std::string> dirs;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (std::string home = env(var); !home.empty()) dirs.push_back(home);
  dirs.push_back("/usr/local/cuda");
  return dirs;
}

// nvJitLink's C API, as its header declares it (the handle is opaque; every
// call returns 0 on success).
using Handle = void*;
struct NvJitLink {
  int (*create)(Handle*, uint32_t, const char**) = nullptr;
  int (*destroy)(Handle*) = nullptr;
  int (*add_data)(Handle, int, const void*, size_t, const char*) = nullptr;
  int (*complete)(Handle) = nullptr;
  int (*cubin_size)(Handle, size_t*) = nullptr;
  int (*cubin)(Handle, void*) = nullptr;
  int (*error_log_size)(Handle, size_t*) = nullptr;
  int (*error_log)(Handle, char*) = nullptr;
  int (*info_log_size)(Handle, size_t*) = nullptr;
  int (*info_log)(Handle, char*) = nullptr;
  int (*version)(unsigned*, unsigned*) = nullptr;
  std::string name;  // "nvJitLink 13.0"
};
constexpr int kInputPtx = 2;  // NVJITLINK_INPUT_PTX

template <typename F>
bool bind(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

// The library, opened once per process (never closed), or null.
const NvJitLink* nvJitLink() {
  static const NvJitLink* loaded = []() -> const NvJitLink* {
    std::vector<std::string> names;
    for (const std::string& dir : toolkitDirs())
      for (const char* so : {"libnvJitLink.so.13", "libnvJitLink.so.12", "libnvJitLink.so"})
        names.push_back(absl::StrCat(dir, "/lib64/", so));
    for (const char* so : {"libnvJitLink.so.13", "libnvJitLink.so.12"}) names.push_back(so);
    for (const std::string& name : names) {
      void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) continue;
      auto* api = new NvJitLink;
      bool ok = bind(lib, "nvJitLinkCreate", api->create) && bind(lib, "nvJitLinkDestroy", api->destroy) &&
                bind(lib, "nvJitLinkAddData", api->add_data) && bind(lib, "nvJitLinkComplete", api->complete) &&
                bind(lib, "nvJitLinkGetLinkedCubinSize", api->cubin_size) &&
                bind(lib, "nvJitLinkGetLinkedCubin", api->cubin) &&
                bind(lib, "nvJitLinkGetErrorLogSize", api->error_log_size) &&
                bind(lib, "nvJitLinkGetErrorLog", api->error_log) &&
                bind(lib, "nvJitLinkGetInfoLogSize", api->info_log_size) &&
                bind(lib, "nvJitLinkGetInfoLog", api->info_log);
      if (!ok) {
        delete api;
        dlclose(lib);
        continue;
      }
      unsigned major = 0, minor = 0;
      if (bind(lib, "nvJitLinkVersion", api->version)) api->version(&major, &minor);
      api->name = absl::StrCat("nvJitLink ", major, ".", minor);
      return api;
    }
    return nullptr;
  }();
  return loaded;
}

std::string findPtxas() {
  for (const std::string& dir : toolkitDirs())
    if (std::string p = dir + "/bin/ptxas"; access(p.c_str(), X_OK) == 0) return p;
  for (absl::string_view dir : absl::StrSplit(env("PATH"), ':', absl::SkipEmpty()))
    if (std::string p = absl::StrCat(dir, "/ptxas"); access(p.c_str(), X_OK) == 0) return p;
  return "";
}

std::string log(const NvJitLink& api, Handle h, bool error) {
  size_t size = 0;
  if ((error ? api.error_log_size : api.info_log_size)(h, &size) != 0 || size == 0) return "";
  std::string text(size, '\0');
  if ((error ? api.error_log : api.info_log)(h, text.data()) != 0) return "";
  while (!text.empty() && (text.back() == '\0' || text.back() == '\n')) text.pop_back();
  return text;
}

absl::StatusOr<Cubin> withNvJitLink(const NvJitLink& api, std::string_view ptx, const std::string& sm) {
  const std::string arch = "-arch=" + sm;
  const char* options[] = {arch.c_str(), "-verbose"};
  Handle h = nullptr;
  if (int r = api.create(&h, 2, options); r != 0)
    return absl::InternalError(absl::StrCat("nvJitLinkCreate(", arch, ") failed (", r, ")"));
  const std::string text(ptx);  // NUL-terminated
  int r = api.add_data(h, kInputPtx, text.c_str(), text.size() + 1, "kernel.ptx");
  if (r == 0) r = api.complete(h);
  Cubin out;
  out.tool = api.name;
  out.info_log = log(api, h, false);
  size_t size = 0;
  if (r == 0) r = api.cubin_size(h, &size);
  if (r == 0) {
    out.bytes.resize(size);
    r = api.cubin(h, out.bytes.data());
  }
  const std::string errors = r == 0 ? "" : log(api, h, true);
  api.destroy(&h);
  if (r != 0) return absl::InternalError(absl::StrCat(api.name, " refused the PTX (", r, "): ", errors));
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiln-ptxas-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

absl::StatusOr<Cubin> withPtxas(const std::string& ptxas, std::string_view ptx, const std::string& sm) {
  TempDir dir;
  if (dir.path().empty()) return absl::InternalError("cannot create a temporary directory for ptxas");
  const std::string in = dir.path() + "/kernel.ptx", out = dir.path() + "/kernel.cubin",
                    log_path = dir.path() + "/ptxas.log";
  {
    std::ofstream f(in, std::ios::binary);
    f.write(ptx.data(), static_cast<std::streamsize>(ptx.size()));
    if (!f) return absl::InternalError("cannot write the PTX for ptxas");
  }
  const std::string arch = "-arch=" + sm;
  std::vector<std::string> args = {ptxas, arch, "-v", "-o", out, in};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, ptxas.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return absl::InternalError(absl::StrCat("cannot run ", ptxas, " (errno ", spawned, ")"));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  std::string report = readAll(log_path);
  while (!report.empty() && report.back() == '\n') report.pop_back();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return absl::InternalError(absl::StrCat("ptxas ", arch, " refused the PTX: ", report));
  Cubin cubin;
  cubin.bytes = readAll(out);
  cubin.tool = "ptxas";
  cubin.info_log = std::move(report);
  return cubin;
}

}  // namespace

std::string cubinTool() {
  const std::string choice = env("KILN_CUBIN");
  if (choice == "none") return "none";
  if (choice != "ptxas")
    if (const NvJitLink* api = nvJitLink()) return api->name;
  if (choice != "nvjitlink" && !findPtxas().empty()) return "ptxas";
  return "none";
}

absl::StatusOr<std::optional<Cubin>> buildCubin(std::string_view ptx, const std::string& sm) {
  const std::string choice = env("KILN_CUBIN");
  if (choice == "none") return std::nullopt;
  if (choice != "ptxas")
    if (const NvJitLink* api = nvJitLink()) return withNvJitLink(*api, ptx, sm);
  if (choice != "nvjitlink")
    if (std::string ptxas = findPtxas(); !ptxas.empty()) return withPtxas(ptxas, ptx, sm);
  return std::nullopt;
}

}  // namespace kiln::compiler::cuda
