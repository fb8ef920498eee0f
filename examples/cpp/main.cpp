// Calls functions written in Python (kernels.py) from C++ with kiln::Module:
//
//   kilnctl export kernels.py:axpy,norm,hypot,fill_squares -o kernels.kiln
//   ./kiln_example kernels.kiln
//
// The embedded default starts a private kilnd (the package's bin/kilnd)
// unless KILN_SERVER names a server. docs/cpp.md explains the API.
#include <cstdio>
#include <fstream>
#include <vector>

#include "kiln/module.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BUNDLE_FILE [SHARED_OBJECT_OUT [OBJECT_OUT]]\n", argv[0]);
    return 2;
  }
  absl::StatusOr<kiln::Module> mod = kiln::Module::load(argv[1]);
  if (!mod.ok()) {
    std::fprintf(stderr, "%s\n", std::string(mod.status().message()).c_str());
    return 1;
  }

  // A scalar function, typed: double(double, double) is float64(float64, float64).
  auto hypot = mod->function<double(double, double)>("hypot");
  if (!hypot.ok()) {
    std::fprintf(stderr, "%s\n", std::string(hypot.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<double> h = (*hypot)(3.0, 4.0);
  if (!h.ok()) return 1;
  std::printf("hypot(3, 4) = %.17g\n", *h);

  // A loop over double arrays: std::vector<double> passes as array(float64, 1d, C).
  std::vector<double> x = {1, 2, 3, 4}, y = {10, 20, 30, 40};
  auto axpy = mod->function<void(double, kiln::ArrayRef<double>, kiln::ArrayRef<double>)>("axpy");
  if (!axpy.ok()) {
    std::fprintf(stderr, "%s\n", std::string(axpy.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = (*axpy)(0.5, x, y); !s.ok()) return 1;
  std::printf("axpy:");
  for (double v : y) std::printf(" %.17g", v);
  std::printf("\n");

  auto norm = mod->function<double(kiln::ArrayRef<double>)>("norm");
  if (!norm.ok()) return 1;
  std::printf("norm(y) = %.17g\n", *(*norm)(y));

  // An array the compiled code allocates: kiln::Array owns it.
  auto squares = mod->function<kiln::Array<double>(int64_t)>("fill_squares");
  if (!squares.ok()) {
    std::fprintf(stderr, "%s\n", std::string(squares.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<kiln::Array<double>> sq = (*squares)(5);
  if (!sq.ok()) return 1;
  std::printf("fill_squares(5):");
  for (int64_t i = 0; i < sq->size(); ++i) std::printf(" %.17g", (*sq)[i]);
  std::printf("\n");

  // The generic entry point (kiln_abi.h): arguments and result by pointer.
  absl::StatusOr<kiln::CompiledFunction> generic = mod->compile("hypot", {"float64", "float64"});
  if (!generic.ok()) return 1;
  double a = 5, b = 12, r = 0;
  void* args[] = {&a, &b};
  if (!generic->call(&r, args).ok()) return 1;
  std::printf("generic hypot(5, 12) = %.17g (%s)\n", r, generic->returnType().c_str());

  // Ahead of time: the shared object itself, to dlopen later, and the
  // relocatable object, to link into a program (see kiln_abi.h for the entry).
  if (argc > 2) {
    std::ofstream(argv[2], std::ios::binary) << generic->sharedObject();
    std::printf("wrote %s (%zu bytes, entry %s)\n", argv[2], generic->sharedObject().size(),
                generic->entrySymbol().c_str());
  }
  if (argc > 3) {
    absl::StatusOr<kiln::ObjectCode> obj = mod->object("hypot", {"float64", "float64"}, "float64");
    if (!obj.ok()) {
      std::fprintf(stderr, "%s\n", std::string(obj.status().message()).c_str());
      return 1;
    }
    std::ofstream(argv[3], std::ios::binary) << obj->object;
    std::printf("wrote %s (%zu bytes, entry %s)\n", argv[3], obj->object.size(), obj->entry_symbol.c_str());
  }
  return 0;
}
