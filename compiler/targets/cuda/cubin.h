#pragma once
// PTX -> cubin with the CUDA toolkit, found at run time (the compiler links
// no CUDA library): nvJitLink (libnvJitLink.so.13/.12, dlopen'd once), else
// the `ptxas` program, else nothing (the artifact stays PTX, which the
// driver JIT-compiles at load).
//
// KILN_CUBIN chooses: "auto" (default: nvJitLink, then ptxas), "nvjitlink",
// "ptxas" (only that one) or "none" (PTX only). Tools are looked for in
// $CUDA_HOME, $CUDA_PATH, /usr/local/cuda, then the loader's path / $PATH.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kiln::compiler::cuda {

struct Cubin {
  std::string bytes;     // an ELF image for the SM
  std::string tool;      // "nvJitLink 13.0" / "ptxas"
  std::string info_log;  // the tool's verbose report (registers, spills)
};

/// The cubin of `ptx` for `sm` ("sm_80"), or nullopt when KILN_CUBIN says
/// none or no tool is present. A tool refusing the PTX is INTERNAL (our
/// PTX: a compiler bug) with its log.
absl::StatusOr<std::optional<Cubin>> buildCubin(std::string_view ptx, const std::string& sm);

/// What buildCubin would use now: "nvJitLink 13.0", "ptxas", or "none".
std::string cubinTool();

}  // namespace kiln::compiler::cuda
