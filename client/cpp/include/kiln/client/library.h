#pragma once
// Loads a compiled shared object from memory: memfd_create + write +
// dlopen("/proc/self/fd/N"). The memfd stays open for the Library's whole
// lifetime, because dlopen identifies a library by its path: a closed memfd
// whose number is reused would make a later dlopen return the old library.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kiln_abi.h"

namespace kiln::client {

class Library {
 public:
  /// `name` only labels the memfd (visible in /proc/PID/maps).
  static absl::StatusOr<std::shared_ptr<Library>> load(std::string_view elf, std::string_view name);
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  absl::StatusOr<void*> symbol(const std::string& name) const;
  /// The entry point of a compiled function (see kiln_abi.h).
  absl::StatusOr<KilnEntryFn> entry(const std::string& name) const;

 private:
  Library(int fd, void* handle) : fd_(fd), handle_(handle) {}
  int fd_;
  void* handle_;
};

}  // namespace kiln::client
