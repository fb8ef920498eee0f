// gpu: the scalar and tuple arguments of a remote launch, by their parameter
// spec token (kiln_cuda.h: "f8", "b1", "c16", "(i4(f8b1))").
//
// A scalar or tuple argument travels (LaunchArg.scalar, WorkerArg.scalar) as
// its scalar items flattened in order, each in its native little-endian
// bytes with no padding. Each backend lays the items out as its kernel ABI
// expects (docs/cuda.md "ABI"): the driver one parameter per item (a complex
// two), the emulation the host data model's by-value struct (nested tuples
// are nested structs, every item at its natural alignment). Both read the
// items from here, so the token grammar and the flat encoding are defined
// once.
#ifndef KILN_RUNTIME_CUDA_ARG_SPEC_H_
#define KILN_RUNTIME_CUDA_ARG_SPEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::gpu {

/// One scalar item of a token: its letter ('b', 'i', 'u', 'f', 'c', 'M'),
/// its size in bytes, where it starts in the flat bytes, and where the host
/// data model puts it.
struct SpecItem {
  char kind = 0;
  uint32_t size = 0;
  uint32_t flat_offset = 0;
  uint32_t host_offset = 0;
};

struct ScalarSpec {
  std::vector<SpecItem> items;  // in order
  uint32_t flat_bytes = 0;      // the sum of the items' sizes
  uint32_t host_bytes = 0;      // the host struct's size (a multiple of its alignment)
  uint32_t host_align = 1;
};

/// The items of a scalar or tuple token; INVALID_ARGUMENT for an array
/// token or anything else the grammar does not have.
absl::StatusOr<ScalarSpec> scalarSpec(std::string_view token);

/// `flat` (the flat bytes of `spec`) laid out as the host data model's value.
std::string hostBytes(const ScalarSpec& spec, std::string_view flat);

}  // namespace kiln::gpu

#endif  // KILN_RUNTIME_CUDA_ARG_SPEC_H_
