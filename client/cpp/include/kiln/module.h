#pragma once
// kiln::Module — call functions written in Python from C++ (docs/cpp.md).
//
// A Module is an exported bundle file (`f.export(path)` or `kilnctl export
// FILE.py:FUNC -o PATH`; kiln/client/bundle_file.h). Compiling one of its
// functions for a signature goes to a kiln server exactly as a Python call
// would: the server named by ModuleOptions::server, else $KILN_SERVER, else
// the embedded default (a private kilnd on a Unix socket, started on first
// need: docs/python.md). The server returns a position-independent shared
// object; the Module loads it from memory and hands back either
//
//   - a typed callable:    auto f = mod.function<double(double, double)>("add");
//                          absl::StatusOr<double> r = (*f)(1.0, 2.0);
//   - a generic one:       mod.compile("add", {"float64", "float64"}) and
//                          CompiledFunction::call(ret, args), kiln_abi.h's entry
//   - code to use ahead of time: the shared object itself
//                          (CompiledFunction::sharedObject()) or the
//                          relocatable object (Module::object) to link.
//
// Python exceptions raised by compiled code come back as a non-OK status
// (absl::StatusCode::kUnknown) whose message is Python's: "ZeroDivisionError:
// division by zero (at f.py:12 in div)". Compile errors (a TypingError) are
// kInvalidArgument with the server's located diagnostic.
//
// A Module, its CompiledFunctions and Functions are cheap to copy (shared
// state) and safe to call from several threads.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln_abi.h"

namespace kiln {

/// A C-contiguous N-dimensional array argument, borrowed for the call: the
/// kiln_abi.h array struct { meminfo, data, shape[N], strides[N] } with a
/// null meminfo. Its kiln type is "array(<dtype>, Nd, C)".
template <typename T, int N = 1>
struct ArrayRef {
  static_assert(N >= 1 && N <= 32, "kiln arrays have 1 to 32 dimensions");
  void* meminfo = nullptr;
  T* data = nullptr;
  int64_t shape[N] = {};
  int64_t strides[N] = {};  // bytes

  ArrayRef() = default;
  ArrayRef(T* data_, const std::array<int64_t, N>& shape_) : data(data_) {
    int64_t stride = sizeof(T);
    for (int i = N - 1; i >= 0; --i) {
      shape[i] = shape_[i];
      strides[i] = stride;
      stride *= shape_[i];
    }
  }
  /// A std::vector (or anything with data() and size()) as a 1-d array.
  template <typename C, typename = std::enable_if_t<N == 1 && std::is_same_v<decltype(std::declval<C&>().data()), T*>>>
  ArrayRef(C& container) : ArrayRef(container.data(), {static_cast<int64_t>(container.size())}) {}
};

/// An array that compiled code allocated and returned: owns one reference
/// to its block (dropped by the destructor), as kiln_abi.h describes.
template <typename T, int N = 1>
class Array {
 public:
  Array() = default;
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  Array(Array&& other) noexcept : raw_(other.raw_) { other.raw_.meminfo = nullptr; }
  Array& operator=(Array&& other) noexcept {
    std::swap(raw_, other.raw_);
    return *this;
  }
  ~Array() { release(raw_.meminfo); }

  T* data() const { return raw_.data; }
  int64_t shape(int i) const { return raw_.shape[i]; }
  int64_t stride(int i) const { return raw_.strides[i]; }  // bytes
  /// Elements in all (the product of the shape).
  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < N; ++i) n *= raw_.shape[i];
    return n;
  }
  /// Element i of a 1-d array (any stride).
  T& operator[](int64_t i) const {
    static_assert(N == 1, "operator[] is for 1-d arrays; use data() and stride()");
    return *reinterpret_cast<T*>(reinterpret_cast<char*>(raw_.data) + i * raw_.strides[0]);
  }
  ArrayRef<T, N>* raw() { return &raw_; }  // the entry point writes its result here

 private:
  static void release(void* meminfo);
  ArrayRef<T, N> raw_;
};

namespace detail {
void decrefMemInfo(void* meminfo);

template <typename T>
struct KilnType;  // no kiln type for this C++ type: see docs/cpp.md for those that have one
#define KILN_CPP_SCALAR(T, name) \
  template <>                     \
  struct KilnType<T> {            \
    static std::string name_() { return name; } \
  };
KILN_CPP_SCALAR(double, "float64")
KILN_CPP_SCALAR(float, "float32")
KILN_CPP_SCALAR(int64_t, "int64")
KILN_CPP_SCALAR(int32_t, "int32")
KILN_CPP_SCALAR(int16_t, "int16")
KILN_CPP_SCALAR(int8_t, "int8")
KILN_CPP_SCALAR(uint64_t, "uint64")
KILN_CPP_SCALAR(uint32_t, "uint32")
KILN_CPP_SCALAR(uint16_t, "uint16")
KILN_CPP_SCALAR(uint8_t, "uint8")
KILN_CPP_SCALAR(bool, "bool")
#undef KILN_CPP_SCALAR
template <typename T, int N>
struct KilnType<ArrayRef<T, N>> {
  static std::string name_() {
    return "array(" + KilnType<std::remove_const_t<T>>::name_() + ", " + std::to_string(N) + "d, C)";
  }
};
template <typename T, int N>
struct KilnType<Array<T, N>> {
  static std::string name_() {
    return "array(" + KilnType<std::remove_const_t<T>>::name_() + ", " + std::to_string(N) + "d, C)";
  }
};
template <typename T>
std::string kilnTypeName() {
  if constexpr (std::is_same_v<T, void>) {
    return "none";
  } else {
    return KilnType<std::remove_cv_t<std::remove_reference_t<T>>>::name_();
  }
}
}  // namespace detail

template <typename T, int N>
void Array<T, N>::release(void* meminfo) {
  if (meminfo != nullptr) detail::decrefMemInfo(meminfo);
}

struct ModuleOptions {
  /// The server: "unix:/path" or "host:port". Empty: $KILN_SERVER, else the
  /// embedded default. TLS, tokens and the server key come from the
  /// environment as for Python (docs/security-config.md).
  std::string server;
  /// The kilnd the embedded default runs when $KILN_KILND is unset (then
  /// $PATH). The installed package's kilnConfig.cmake defines
  /// KILN_DEFAULT_KILND as its own bin/kilnd.
#ifdef KILN_DEFAULT_KILND
  std::string kilnd = KILN_DEFAULT_KILND;
#else
  std::string kilnd;
#endif
  /// Compile options; unset: the ones the function was exported with.
  int opt_level = -1;  // 0..3
};

/// One function compiled for one signature and loaded.
class CompiledFunction {
 public:
  const std::string& name() const;
  const std::vector<std::string>& argTypes() const;
  const std::string& returnType() const;  // as the server inferred or was told
  /// The shared object (ELF, position-independent) and its entry symbol:
  /// `int32_t entry(void* ret, void* const* args, KilnError* err)`.
  const std::string& sharedObject() const;
  const std::string& entrySymbol() const;
  bool cacheHit() const;  // the server had it cached
  /// kiln_abi.h's entry: args[i] points at argument i in its native form,
  /// ret at storage for the result. A Python exception raised by the code
  /// is a kUnknown status with Python's message.
  absl::Status call(void* ret, void* const* args) const;
  /// The raw entry point (valid while this object, or a copy, lives).
  KilnEntryFn entry() const;

  struct State;
  explicit CompiledFunction(std::shared_ptr<const State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<const State> state_;
};

/// A function compiled for one signature to a relocatable object, to link
/// ahead of time (docs/cpp.md, "Ahead of time").
struct ObjectCode {
  std::string object;        // ELF relocatable object (.o), position-independent
  std::string entry_symbol;  // its entry point, kiln_abi.h's signature
  std::vector<std::string> arg_types;
  std::string return_type;
};

template <typename Sig>
class Function;

/// A compiled function with a C++ signature: argument and result types are
/// checked against what the server compiled.
template <typename R, typename... Args>
class Function<R(Args...)> {
 public:
  using Result = std::conditional_t<std::is_void_v<R>, absl::Status, absl::StatusOr<R>>;
  explicit Function(CompiledFunction compiled) : compiled_(std::move(compiled)) {}

  Result operator()(Args... args) const {
    void* argv[sizeof...(Args) + 1] = {static_cast<void*>(&args)..., nullptr};
    if constexpr (std::is_void_v<R>) {
      return compiled_.call(nullptr, argv);
    } else if constexpr (std::is_same_v<R, bool>) {
      uint8_t out = 0;
      if (absl::Status s = compiled_.call(&out, argv); !s.ok()) return s;
      return out != 0;
    } else {
      R out{};
      void* ret = &out;
      if constexpr (requires { out.raw(); }) ret = out.raw();
      if (absl::Status s = compiled_.call(ret, argv); !s.ok()) return s;
      return out;
    }
  }
  const CompiledFunction& compiled() const { return compiled_; }

 private:
  CompiledFunction compiled_;
};

class Module {
 public:
  /// Reads and checks an exported bundle file (no server is contacted yet).
  static absl::StatusOr<Module> load(const std::string& path, ModuleOptions options = {});
  /// The same from the file's bytes.
  static absl::StatusOr<Module> fromBytes(std::string_view bytes, ModuleOptions options = {});

  /// The exported functions' names, in file order.
  std::vector<std::string> names() const;
  /// A function's eager signatures as exported ("float64(float64, float64)").
  absl::StatusOr<std::vector<std::string>> signatures(std::string_view name) const;

  /// Compiles `name` for these argument types (Numba spellings: "float64",
  /// "array(float64, 1d, C)"); `return_type` empty: inferred. Compiled once
  /// per Module and signature; the server caches across processes.
  absl::StatusOr<CompiledFunction> compile(std::string_view name, const std::vector<std::string>& arg_types,
                                           const std::string& return_type = "") const;

  /// The relocatable object of `name` for a signature (not loaded), to link
  /// into a program or library ahead of time with kiln::runtime_cpu and
  /// libm. Its entry symbol is the same for every function: rename it
  /// (objcopy --redefine-sym) to link several into one program.
  absl::StatusOr<ObjectCode> object(std::string_view name, const std::vector<std::string>& arg_types,
                                    const std::string& return_type = "") const;

  /// The typed callable: the C++ signature decides the kiln one
  /// (double -> float64, int64_t -> int64, bool -> bool, ArrayRef<double>
  /// -> array(float64, 1d, C), Array<double> result, void -> none).
  template <typename Sig>
  absl::StatusOr<Function<Sig>> function(std::string_view name) const {
    return typed<Sig>(name, static_cast<Sig*>(nullptr));
  }

  struct State;

 private:
  explicit Module(std::shared_ptr<State> state) : state_(std::move(state)) {}
  template <typename Sig, typename R, typename... Args>
  absl::StatusOr<Function<Sig>> typed(std::string_view name, R (*)(Args...)) const {
    std::vector<std::string> arg_types = {detail::kilnTypeName<Args>()...};
    absl::StatusOr<CompiledFunction> c = compile(name, arg_types, detail::kilnTypeName<R>());
    if (!c.ok()) return c.status();
    return Function<Sig>(*std::move(c));
  }
  std::shared_ptr<State> state_;
};

}  // namespace kiln
