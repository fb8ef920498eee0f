#include "kiln/module.h"

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "kiln/client/bundle_file.h"
#include "kiln/client/client.h"
#include "kiln/client/library.h"
#include "kiln/client/local_server.h"
#include "kiln_error.h"
#include "kiln_rt.h"

namespace kiln {

namespace detail {
void decrefMemInfo(void* meminfo) { kiln_mi_decref(static_cast<KilnMemInfo*>(meminfo)); }
}  // namespace detail

struct CompiledFunction::State {
  std::string name;
  std::vector<std::string> arg_types;
  std::string return_type;
  std::string shared_object;
  std::string entry_symbol;
  bool cache_hit = false;
  std::shared_ptr<client::Library> library;
  KilnEntryFn entry = nullptr;
};

struct Module::State {
  ModuleOptions options;
  kiln::v1::BundleArchive archive;
  absl::Mutex mu;
  std::shared_ptr<client::Client> client ABSL_GUARDED_BY(mu);
  // (name, signature) -> compiled, so a Module compiles each once.
  absl::flat_hash_map<std::string, std::shared_ptr<const CompiledFunction::State>> compiled ABSL_GUARDED_BY(mu);

  const kiln::v1::ExportedFunction* find(std::string_view name) const {
    for (const kiln::v1::ExportedFunction& f : archive.functions())
      if (f.name() == name) return &f;
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<client::Client>> connect() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

namespace {

absl::Status notFound(const Module::State& st, std::string_view name_sv) {
  const absl::string_view name(name_sv.data(), name_sv.size());  // Debian's absl has its own string_view
  std::vector<std::string> names;
  for (const kiln::v1::ExportedFunction& f : st.archive.functions()) names.push_back(f.name());
  return absl::NotFoundError(absl::StrCat("no function '", name, "' in the bundle file (it has: ",
                                          absl::StrJoin(names, ", "), ")"));
}

// exceptions: one argument as Python's str() of it would read (a tuple as its repr's shape).
std::string argText(const KilnErrorArg& a) {
  switch (a.tag) {
    case KILN_ARG_NONE: return "None";
    case KILN_ARG_BOOL: return a.bits ? "True" : "False";
    case KILN_ARG_INT: return absl::StrCat(a.bits);
    case KILN_ARG_UINT: return absl::StrCat(static_cast<uint64_t>(a.bits));
    case KILN_ARG_FLOAT: {
      double d;
      static_assert(sizeof d == sizeof a.bits);
      std::memcpy(&d, &a.bits, sizeof d);
      return absl::StrCat(d);
    }
    case KILN_ARG_STR: return reinterpret_cast<const char*>(a.bits);
    case KILN_ARG_OWNED_STR: {  // the code points, as UTF-8
      const auto* s = static_cast<const KilnErrorStr*>(reinterpret_cast<KilnMemInfo*>(a.bits)->data);
      const auto* bytes = reinterpret_cast<const unsigned char*>(s + 1);
      std::string out;
      for (int64_t i = 0; i < s->length; ++i) {
        uint32_t c = 0;
        std::memcpy(&c, bytes + i * s->kind, static_cast<size_t>(s->kind));  // little-endian widths
        if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (c < 0x800) {
          out += static_cast<char>(0xC0 | (c >> 6));
          out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
          out += static_cast<char>(0xE0 | (c >> 12));
          out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (c >> 18));
          out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (c & 0x3F));
        }
      }
      return out;
    }
    case KILN_ARG_OWNED_BYTES: {  // codec: as Python's repr of bytes (b'ab\xff')
      const auto* s = static_cast<const KilnErrorStr*>(reinterpret_cast<KilnMemInfo*>(a.bits)->data);
      const auto* bytes = reinterpret_cast<const unsigned char*>(s + 1);
      std::string out = "b'";
      for (int64_t i = 0; i < s->length; ++i) {
        const unsigned char c = bytes[i];
        if (c == '\\' || c == '\'') out += absl::StrCat("\\", std::string(1, static_cast<char>(c)));
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c >= 0x7f) out += absl::StrCat("\\x", absl::Hex(c, absl::kZeroPad2));
        else out += static_cast<char>(c);
      }
      return out + "'";
    }
    case KILN_ARG_TUPLE: {
      const auto* t = static_cast<const KilnErrorTuple*>(reinterpret_cast<KilnMemInfo*>(a.bits)->data);
      const auto* items = reinterpret_cast<const KilnErrorArg*>(t + 1);
      std::vector<std::string> parts;
      for (int64_t i = 0; i < t->count; ++i) parts.push_back(argText(items[i]));
      return absl::StrCat("(", absl::StrJoin(parts, ", "), t->count == 1 ? ",)" : ")");
    }
    default: return "None";
  }
}

// Python's words for an error of compiled code (dispatcher.cpp raises the
// same classes in Python).
std::string pythonError(const KilnError& err) {
  const char* cls = "RuntimeError";
  const char* fallback = "error in compiled code";
  switch (err.kind) {
    case KILN_ZERO_DIVISION_ERROR: cls = "ZeroDivisionError"; fallback = "division by zero"; break;
    case KILN_INDEX_ERROR: cls = "IndexError"; fallback = "index out of range"; break;
    case KILN_VALUE_ERROR: cls = "ValueError"; break;
    case KILN_OVERFLOW_ERROR: cls = "OverflowError"; break;
    case KILN_ASSERTION_ERROR: cls = "AssertionError"; fallback = ""; break;
    case KILN_RUNTIME_ERROR: cls = "RuntimeError"; break;
    case KILN_NAME_ERROR: cls = "NameError"; break;
    case KILN_TYPE_ERROR: cls = "TypeError"; break;
    case KILN_MEMORY_ERROR: cls = "MemoryError"; break;
    case KILN_KEY_ERROR: cls = "KeyError"; break;
    case KILN_STOP_ITERATION: cls = "StopIteration"; fallback = ""; break;
    case KILN_CLASS_ERROR: cls = err.class_name != nullptr ? err.class_name : "Exception"; fallback = ""; break;
    case KILN_RERAISE_ACTIVE: cls = "RuntimeError"; fallback = "No active exception to reraise"; break;
    default: return absl::StrCat("compiled code returned unknown error kind ", err.kind);
  }
  std::string text;
  if (err.has_args && err.nargs > 0 && err.nargs <= KILN_ERROR_MAX_ARGS) {
    std::vector<std::string> args;
    for (int32_t i = 0; i < err.nargs; ++i) args.push_back(argText(err.args[i]));
    text = args.size() == 1 ? args[0] : absl::StrCat("(", absl::StrJoin(args, ", "), ")");
  } else {
    text = err.message != nullptr ? err.message : fallback;
  }
  std::string out = text.empty() ? std::string(cls) : absl::StrCat(cls, ": ", text);
  if (err.filename != nullptr && err.line > 0)
    absl::StrAppend(&out, " (at ", err.filename, ":", err.line, err.function ? " in " : "",
                    err.function ? err.function : "", ")");
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<client::Client>> Module::State::connect() {
  if (client != nullptr) return client;
  client::LocalServerOptions local;
  local.kilnd_hint = options.kilnd;
  absl::StatusOr<std::shared_ptr<client::Client>> c;
  if (!options.server.empty()) {
    absl::StatusOr<client::ConnectOptions> co = client::connectOptionsFromEnv(options.server);
    if (!co.ok()) return co.status();
    c = client::Client::connect(options.server, *co);
  } else {
    c = client::defaultClient(local);
  }
  if (!c.ok()) return c.status();
  client = *c;
  return client;
}

absl::StatusOr<Module> Module::load(const std::string& path, ModuleOptions options) {
  absl::StatusOr<kiln::v1::BundleArchive> archive = client::readBundleFile(path);
  if (!archive.ok()) return archive.status();
  auto st = std::make_shared<State>();
  st->options = std::move(options);
  st->archive = *std::move(archive);
  return Module(std::move(st));
}

absl::StatusOr<Module> Module::fromBytes(std::string_view bytes, ModuleOptions options) {
  absl::StatusOr<kiln::v1::BundleArchive> archive = client::decodeBundleFile(bytes);
  if (!archive.ok()) return archive.status();
  auto st = std::make_shared<State>();
  st->options = std::move(options);
  st->archive = *std::move(archive);
  return Module(std::move(st));
}

std::vector<std::string> Module::names() const {
  std::vector<std::string> out;
  for (const kiln::v1::ExportedFunction& f : state_->archive.functions()) out.push_back(f.name());
  return out;
}

absl::StatusOr<std::vector<std::string>> Module::signatures(std::string_view name) const {
  const kiln::v1::ExportedFunction* f = state_->find(name);
  if (f == nullptr) return notFound(*state_, name);
  return std::vector<std::string>(f->signatures().begin(), f->signatures().end());
}

namespace {

struct Compiled {
  kiln::v1::Artifact artifact;
  bool cache_hit = false;
};

// One Compile RPC for an exported function: the artifact, checked against
// the types asked for, or the located diagnostic as a status.
absl::StatusOr<Compiled> compileArtifact(Module::State& st, const kiln::v1::ExportedFunction& f,
                                                   const std::vector<std::string>& arg_types,
                                                   const std::string& return_type, kiln::v1::Emit emit)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(st.mu) {
  absl::StatusOr<std::shared_ptr<client::Client>> c = st.connect();
  if (!c.ok()) return c.status();
  client::CompileArgs args;
  args.arg_types = arg_types;
  args.return_type = return_type;
  args.options = f.options();
  if (st.options.opt_level >= 0) args.options.set_opt_level(st.options.opt_level);
  args.emit = emit;
  client::BundleHash hash;
  std::copy_n(f.bundle_hash().begin(), hash.size(), hash.begin());
  absl::StatusOr<kiln::v1::CompileResponse> reply = (*c)->compile(f.bundle(), hash, args);
  if (!reply.ok()) return reply.status();
  const std::string sig = absl::StrCat(f.qualname().empty() ? f.name() : f.qualname(), "(",
                                       absl::StrJoin(arg_types, ", "), ")");
  if (reply->status() == kiln::v1::CompileResponse::STATUS_ERROR) {
    const kiln::v1::Diagnostic& d = reply->diagnostic();
    const char* kind = d.kind() == kiln::v1::Diagnostic::KIND_UNSUPPORTED ? "UnsupportedError"
                       : d.kind() == kiln::v1::Diagnostic::KIND_INTERNAL  ? "CompilerError"
                                                                          : "TypingError";
    std::string where = d.filename().empty() ? "" : absl::StrCat(" (", d.filename(), ":", d.line(), ")");
    return absl::Status(d.kind() == kiln::v1::Diagnostic::KIND_INTERNAL ? absl::StatusCode::kInternal
                                                                        : absl::StatusCode::kInvalidArgument,
                        absl::StrCat(kind, " compiling ", sig, ": ", d.message(), where));
  }
  if (reply->status() != kiln::v1::CompileResponse::STATUS_OK)
    return absl::InternalError(absl::StrCat("compiling ", sig, ": unexpected reply status ", reply->status()));
  Compiled out{std::move(*reply->mutable_artifact()), reply->cache_hit()};
  const kiln::v1::Artifact& a = out.artifact;
  if (!return_type.empty() && a.return_type() != return_type)
    return absl::InvalidArgumentError(absl::StrCat(sig, " returns ", a.return_type(), ", not ", return_type));
  if (std::vector<std::string>(a.arg_types().begin(), a.arg_types().end()) != arg_types)
    return absl::InvalidArgumentError(absl::StrCat(sig, " was compiled for (", absl::StrJoin(a.arg_types(), ", "),
                                                   "), not the argument types asked for"));
  return out;
}

}  // namespace

absl::StatusOr<CompiledFunction> Module::compile(std::string_view name, const std::vector<std::string>& arg_types,
                                                 const std::string& return_type) const {
  State& st = *state_;
  const kiln::v1::ExportedFunction* f = st.find(name);
  if (f == nullptr) return notFound(st, name);
  const std::string key = absl::StrCat(std::string(name), "(", absl::StrJoin(arg_types, ", "), ") -> ", return_type);
  absl::MutexLock lock(&st.mu);
  if (auto it = st.compiled.find(key); it != st.compiled.end()) return CompiledFunction(it->second);
  absl::StatusOr<Compiled> c = compileArtifact(st, *f, arg_types, return_type, kiln::v1::EMIT_BINARY);
  if (!c.ok()) return c.status();
  const kiln::v1::Artifact* a = &c->artifact;
  auto state = std::make_shared<CompiledFunction::State>();
  state->name = f->name();
  state->arg_types = arg_types;
  state->return_type = a->return_type();
  state->shared_object = a->shared_object();
  state->entry_symbol = a->entry_symbol();
  state->cache_hit = c->cache_hit;
  absl::StatusOr<std::shared_ptr<client::Library>> lib = client::Library::load(a->shared_object(), f->name());
  if (!lib.ok()) return lib.status();
  absl::StatusOr<KilnEntryFn> entry = (*lib)->entry(a->entry_symbol());
  if (!entry.ok()) return entry.status();
  state->library = *std::move(lib);
  state->entry = *entry;
  st.compiled[key] = state;
  return CompiledFunction(std::move(state));
}

absl::StatusOr<ObjectCode> Module::object(std::string_view name, const std::vector<std::string>& arg_types,
                                          const std::string& return_type) const {
  State& st = *state_;
  const kiln::v1::ExportedFunction* f = st.find(name);
  if (f == nullptr) return notFound(st, name);
  absl::MutexLock lock(&st.mu);
  absl::StatusOr<Compiled> c = compileArtifact(st, *f, arg_types, return_type, kiln::v1::EMIT_OBJECT);
  if (!c.ok()) return c.status();
  ObjectCode out;
  out.object = std::move(*c->artifact.mutable_shared_object());
  out.entry_symbol = c->artifact.entry_symbol();
  out.arg_types = arg_types;
  out.return_type = c->artifact.return_type();
  return out;
}

const std::string& CompiledFunction::name() const { return state_->name; }
const std::vector<std::string>& CompiledFunction::argTypes() const { return state_->arg_types; }
const std::string& CompiledFunction::returnType() const { return state_->return_type; }
const std::string& CompiledFunction::sharedObject() const { return state_->shared_object; }
const std::string& CompiledFunction::entrySymbol() const { return state_->entry_symbol; }
bool CompiledFunction::cacheHit() const { return state_->cache_hit; }
KilnEntryFn CompiledFunction::entry() const { return state_->entry; }

absl::Status CompiledFunction::call(void* ret, void* const* args) const {
  KilnError err{};
  // The entry may store nothing (none); give it somewhere harmless.
  alignas(16) unsigned char scratch[16];
  int32_t rc = state_->entry(ret != nullptr ? ret : scratch, args, &err);
  if (rc == KILN_OK) {
    kiln_error_clear(&err);  // exceptions: what an error the code handled left
    return absl::OkStatus();
  }
  if (err.kind == 0) err.kind = rc;
  std::string text = pythonError(err);
  kiln_error_clear(&err);
  return absl::UnknownError(text);
}

}  // namespace kiln
