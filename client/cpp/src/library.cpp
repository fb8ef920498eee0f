#include "kiln/client/library.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kiln_rt.h"

namespace kiln::client {

absl::StatusOr<std::shared_ptr<Library>> Library::load(std::string_view elf, std::string_view name) {
  std::string label = "kiln:" + std::string(name);
  // CLOEXEC: a kilnd this process spawns must not inherit loaded code.
  int fd = memfd_create(label.c_str(), MFD_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("memfd_create: ", std::strerror(errno)));
  size_t done = 0;
  while (done < elf.size()) {
    ssize_t n = write(fd, elf.data() + done, elf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      return absl::InternalError(absl::StrCat("writing memfd: ", std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  std::string path = absl::StrCat("/proc/self/fd/", fd);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("cannot load compiled code ", std::string(name), ": ", why ? why : "?"));
  }
  // Compiled code reaches the memory runtime through its hook (kiln_rt.h);
  // a library that allocates nothing may not define one.
  if (void* hook = dlsym(handle, KILN_RT_HOOK_SYMBOL)) *static_cast<const KilnRuntime**>(hook) = kiln_runtime();
  return std::shared_ptr<Library>(new Library(fd, handle));
}

Library::~Library() {
  dlclose(handle_);
  close(fd_);  // only now may the number be reused
}

absl::StatusOr<void*> Library::symbol(const std::string& name) const {
  dlerror();
  void* sym = dlsym(handle_, name.c_str());
  if (sym == nullptr) return absl::NotFoundError(absl::StrCat("symbol '", name, "' not found in compiled code"));
  return sym;
}

absl::StatusOr<KilnEntryFn> Library::entry(const std::string& name) const {
  absl::StatusOr<void*> sym = symbol(name);
  if (!sym.ok()) return sym.status();
  return reinterpret_cast<KilnEntryFn>(*sym);
}

}  // namespace kiln::client
