// kiln.typed.Dict from Python: the compiled dicts' hash table
// (runtime/cpu/kiln_dict.h) driven from the extension, so a typed Dict is
// one block that Python and compiled code share without copying.
//
// Keys are hashed as compiled code hashes them: CPython's hash() of the key
// converted to the key type (the same numbers for bools, integers, floats,
// complex and tuples of them), a str key by the runtime's own hash
// (kiln_unicode.h: CPython's SipHash with the key module.cpp installs), and
// compared by value in that type (0.0 == -0.0, strings by code points).
//
// dictstr: keys and values are numbers, strings and tuples of them (tuple
// keys of numbers only, as compiled code's). The
// table holds a reference to the block of each string it holds, as
// compiled code's dicts do (kiln_dict.h): a str stored from Python is copied
// into a block of its own (the unboxed form borrows the str object's
// characters), what is overwritten or removed is released here, and a block
// made here gets a destructor that releases the strings of its live entries.
//
// tdarrays: values may be arrays (and tuples holding them), as compiled
// code's. The table holds a reference to each array's block: an ndarray
// stored from Python (borrowed memory) gets a block that owns it (ownArray,
// ndarray.cpp), so the array lives while the table holds it and goes when it
// is overwritten or removed, whichever side does it; `d[k]` is that ndarray
// itself (boxArray), so writes through it are seen by compiled code. The
// destructor releases the blocks of strings and arrays alike: both structs
// start with their meminfo.
#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kiln_dict.h"
#include "kiln_unicode.h"
#include "native.h"

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

constexpr const char* kCapsule = "kiln.dict";

// The key layout of the lookup in progress (the table's equality callback
// takes no context; the GIL serialises the extension's lookups).
thread_local const Layout* eq_layout = nullptr;

template <typename T>
T at(const void* p) {
  T out;
  std::memcpy(&out, p, sizeof out);
  return out;
}

bool sameValue(const Layout& l, const char* a, const char* b) {
  switch (l.kind) {
    case Kind::kTuple:
      for (size_t i = 0; i < l.items.size(); ++i)
        if (!sameValue(l.items[i], a + l.offsets[i], b + l.offsets[i])) return false;
      return true;
    case Kind::kFloat32: return at<float>(a) == at<float>(b);
    case Kind::kFloat64: return at<double>(a) == at<double>(b);
    case Kind::kFloat16: {  // float16: as the values compare (+0 == -0, NaN never equal)
      const uint16_t x = at<uint16_t>(a), y = at<uint16_t>(b);
      auto nan = [](uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; };
      return !nan(x) && !nan(y) && (x == y || ((x | y) & 0x7fff) == 0);
    }
    case Kind::kComplex64: return at<float>(a) == at<float>(b) && at<float>(a + 4) == at<float>(b + 4);
    case Kind::kComplex128: return at<double>(a) == at<double>(b) && at<double>(a + 8) == at<double>(b + 8);
    case Kind::kBool: return (at<uint8_t>(a) != 0) == (at<uint8_t>(b) != 0);
    case Kind::kStr: {
      const KilnStr x = at<KilnStr>(a), y = at<KilnStr>(b);
      return kiln_unicode_table.eq(&x, &y) != 0;
    }
    default: return std::memcmp(a, b, l.size) == 0;  // integers
  }
}

int keyEq(const void* a, const void* b) {
  return sameValue(*eq_layout, static_cast<const char*>(a), static_cast<const char*>(b)) ? 1 : 0;
}

// What a typed Dict from Python holds: numbers, bools, strings and tuples of
// them, and (values only) arrays of numbers, as ndarrays.
bool holdable(const Layout& l, bool arrays) {
  if (l.kind == Kind::kTuple) {
    for (const Layout& item : l.items)
      if (!holdable(item, arrays)) return false;
    return true;
  }
  if (l.kind == Kind::kArray)  // tdarrays: not a buffer, a record or a read-only view's type
    return arrays && l.buffer == BufferKind::kNone && !l.readonly && l.dtype < Kind::kNone;
  return l.kind < Kind::kNone || l.kind == Kind::kStr;
}

// The offsets of the strings in a key or value's memory form.
void strOffsets(const Layout& l, size_t base, std::vector<size_t>* out) {
  if (l.kind == Kind::kStr) out->push_back(base);
  if (l.kind == Kind::kTuple)
    for (size_t i = 0; i < l.items.size(); ++i) strOffsets(l.items[i], base + l.offsets[i], out);
}

// Whether Python can drive a dict of this type; why not, otherwise.
bool drivable(const Layout& dict, const char** why) {
  if (!holdable(dict.items[0], /*arrays=*/false) || !holdable(dict.items[1], /*arrays=*/true)) {
    *why = "a typed Dict from Python holds numbers, strings and tuples of them (values: arrays too)";
    return false;
  }
  std::vector<size_t> key_strs;
  strOffsets(dict.items[0], 0, &key_strs);
  if (dict.items[0].kind == Kind::kTuple && !key_strs.empty()) {  // as compiled code's dicts (python-subset.md)
    *why = "a typed Dict's tuple keys hold numbers (not yet strings)";
    return false;
  }
  return true;
}

// The offsets of the blocks (their meminfo fields) a key or value's memory
// form holds: its strings' and (tdarrays) its arrays'.
void blockOffsets(const Layout& l, size_t base, std::vector<size_t>* out) {
  static_assert(offsetof(KilnStr, meminfo) == 0, "a string's block is its first field, as an array's");
  if (l.kind == Kind::kStr || l.kind == Kind::kArray) out->push_back(base);
  if (l.kind == Kind::kTuple)
    for (size_t i = 0; i < l.items.size(); ++i) blockOffsets(l.items[i], base + l.offsets[i], out);
}

// The destructor of a block made here: releases the blocks (strings,
// arrays) of its live entries. The runtime calls it with the data alone, so
// each place of the blocks (their offsets in the key and the value) has a
// function of its own, bound once; few shapes exist (a str key, a str or
// array value, both...).
struct BlockSpots {
  std::vector<size_t> key, value;
};
constexpr size_t kMaxBlockShapes = 64;
std::array<BlockSpots, kMaxBlockShapes> block_shapes;  // written once each, before any block uses it
size_t n_block_shapes = 0;

void dropEntryBlocks(void* key, void* value, void* ctx) {
  const BlockSpots& spots = *static_cast<const BlockSpots*>(ctx);
  for (size_t off : spots.key) kiln_mi_decref(at<KilnMemInfo*>(static_cast<char*>(key) + off));
  for (size_t off : spots.value) kiln_mi_decref(at<KilnMemInfo*>(static_cast<char*>(value) + off));
}
template <size_t kShape>
void dropBlocks(void* data) {
  kiln_dict_each_live(data, dropEntryBlocks, &block_shapes[kShape]);
}
template <size_t... kN>
constexpr std::array<void (*)(void*), sizeof...(kN)> blockDtors(std::index_sequence<kN...>) {
  return {dropBlocks<kN>...};
}
constexpr auto kBlockDtors = blockDtors(std::make_index_sequence<kMaxBlockShapes>());

// The destructor for a dict of this layout (nullptr: it holds no blocks);
// false with a TypeError when every shape is taken.
bool dtorFor(const Layout& dict, void (**dtor)(void*)) {
  BlockSpots spots;
  blockOffsets(dict.items[0], 0, &spots.key);
  blockOffsets(dict.items[1], 0, &spots.value);
  *dtor = nullptr;
  if (spots.key.empty() && spots.value.empty()) return true;
  for (size_t i = 0; i < n_block_shapes; ++i)
    if (block_shapes[i].key == spots.key && block_shapes[i].value == spots.value) {
      *dtor = kBlockDtors[i];
      return true;
    }
  if (n_block_shapes == kMaxBlockShapes) {
    PyErr_Format(PyExc_TypeError, "too many shapes of typed Dicts holding strings or arrays (at most %d)",
                 static_cast<int>(kMaxBlockShapes));
    return false;
  }
  block_shapes[n_block_shapes] = std::move(spots);
  *dtor = kBlockDtors[n_block_shapes++];
  return true;
}

// Gives each string and array at p, unboxed from Python value v as layout l
// (borrowing the str object's characters, the ndarray's memory), a block
// whose reference the table will hold: a string is copied into a block of
// its own, an ndarray is held by one (ownArray). False with MemoryError.
bool ownPlaces(const Layout& l, PyObject* v, char* p) {
  switch (l.kind) {
    case Kind::kStr: {
      KilnStr s = at<KilnStr>(p), out;
      if (s.meminfo != nullptr) return true;
      if (kiln_unicode_table.from_data(&out, s.data, s.length, s.kind) != 0) {
        PyErr_NoMemory();
        return false;
      }
      std::memcpy(p, &out, sizeof out);
      return true;
    }
    case Kind::kArray: return at<KilnMemInfo*>(p) != nullptr || ownArray(v, p);
    case Kind::kTuple:  // unbox took v as a tuple of these items
      for (size_t i = 0; i < l.items.size(); ++i)
        if (!ownPlaces(l.items[i], PyTuple_GET_ITEM(v, static_cast<Py_ssize_t>(i)), p + l.offsets[i])) return false;
      return true;
    default: return true;  // numbers hold no block
  }
}

// ownPlaces, or, when it fails, the blocks it made released (the places not
// reached still borrow: their meminfo is NULL, which releasing ignores).
bool ownBlocks(const Layout& l, PyObject* v, char* p) {
  if (ownPlaces(l, v, p)) return true;
  releaseResult(l, p);
  return false;
}

// tdarrays: whether a value of this layout holds arrays.
bool holdsArrays(const Layout& l) {
  if (l.kind == Kind::kArray) return true;
  if (l.kind == Kind::kTuple)
    for (const Layout& item : l.items)
      if (holdsArrays(item)) return true;
  return false;
}

// tdarrays: adoptBorrowedArray for each array in a value at p.
bool adoptPlaces(const Layout& l, char* p, PyObject* args) {
  if (l.kind == Kind::kArray) return adoptBorrowedArray(l, p, args);
  if (l.kind == Kind::kStructRef) {  // structref: the fields, in the block's data
    KilnMemInfo* mi = at<KilnMemInfo*>(p);
    return mi == nullptr || adoptPlaces(l.items[0], static_cast<char*>(mi->data), args);
  }
  if (l.kind == Kind::kTuple)
    for (size_t i = 0; i < l.items.size(); ++i)
      if (!adoptPlaces(l.items[i], p + l.offsets[i], args)) return false;
  return true;
}

// The layout of a "DictType[K, V]" spelling, parsed once per spelling.
const Layout* dictLayout(PyObject* spelling) {
  static std::map<std::string, std::unique_ptr<Layout>>* cache = new std::map<std::string, std::unique_ptr<Layout>>();
  const char* s = PyUnicode_AsUTF8(spelling);
  if (s == nullptr) return nullptr;
  auto it = cache->find(s);
  if (it != cache->end()) return it->second.get();
  absl::StatusOr<Layout> l = parseType(s);
  if (!l.ok() || l->kind != Kind::kDict) {
    PyErr_Format(PyExc_TypeError, "not a dict type: %s", s);
    return nullptr;
  }
  const char* why = nullptr;
  if (!drivable(*l, &why)) {
    PyErr_Format(PyExc_TypeError, "%s, not %s", why, s);
    return nullptr;
  }
  const Layout* out = cache->emplace(s, std::make_unique<Layout>(*std::move(l))).first->second.get();
  return out;
}

KilnMemInfo* handleOf(PyObject* cap) { return static_cast<KilnMemInfo*>(PyCapsule_GetPointer(cap, kCapsule)); }

void dropHandle(PyObject* cap) {
  if (KilnMemInfo* mi = static_cast<KilnMemInfo*>(PyCapsule_GetPointer(cap, kCapsule))) kiln_mi_decref(mi);
}

// The key in memory form and its hash.
bool keyOf(const Layout& kl, PyObject* key, std::vector<char>* buf, int64_t* hash) {
  buf->assign(kl.size + 1, 0);
  if (!unbox(key, kl, buf->data())) return false;
  if (kl.kind == Kind::kStr) {  // the runtime's hash, as compiled code's
    const KilnStr s = at<KilnStr>(buf->data());
    *hash = kiln_unicode_table.hash(&s);
    return true;
  }
  PyObject* canon = box(kl, buf->data());
  if (canon == nullptr) return false;
  Py_hash_t h = PyObject_Hash(canon);
  Py_DECREF(canon);
  if (h == -1 && PyErr_Occurred()) return false;
  *hash = h;
  return true;
}

struct Args {
  KilnMemInfo* mi = nullptr;
  const Layout* l = nullptr;
};
bool parseArgs(PyObject* const* args, Py_ssize_t n, Py_ssize_t want, Args* out) {
  if (n != want) {
    PyErr_SetString(PyExc_TypeError, "wrong number of arguments");
    return false;
  }
  out->mi = handleOf(args[0]);
  if (out->mi == nullptr) return false;
  out->l = dictLayout(args[1]);
  return out->l != nullptr;
}

int64_t lookup(const Args& a, PyObject* key, std::vector<char>* buf, int64_t* hash, bool* bad_key) {
  *bad_key = false;
  if (!keyOf(a.l->items[0], key, buf, hash)) {
    *bad_key = true;
    return -1;
  }
  eq_layout = &a.l->items[0];
  return kiln_dict_lookup(a.mi, buf->data(), *hash, keyEq);
}

// dict_new(spelling) -> handle
PyObject* dictNew(PyObject*, PyObject* spelling) {
  const Layout* l = dictLayout(spelling);
  if (l == nullptr) return nullptr;
  void (*dtor)(void*) = nullptr;
  if (!dtorFor(*l, &dtor)) return nullptr;
  KilnMemInfo* mi =
      kiln_dict_new(static_cast<int64_t>(l->items[0].size), static_cast<int64_t>(l->items[1].size), 0, dtor);
  if (mi == nullptr) return PyErr_NoMemory();
  PyObject* cap = PyCapsule_New(mi, kCapsule, dropHandle);
  if (cap == nullptr) kiln_mi_decref(mi);
  return cap;
}

PyObject* dictLen(PyObject*, PyObject* cap) {
  KilnMemInfo* mi = handleOf(cap);
  return mi ? PyLong_FromLongLong(kiln_dict_len(mi)) : nullptr;
}

// dict_get(handle, spelling, key) -> value; KeyError when absent
PyObject* dictGet(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 3, &a)) return nullptr;
  std::vector<char> buf;
  int64_t hash;
  bool bad;
  int64_t ix = lookup(a, args[2], &buf, &hash, &bad);
  if (bad) return nullptr;
  if (ix < 0) {
    PyErr_SetObject(PyExc_KeyError, args[2]);
    return nullptr;
  }
  return boxBorrowed(a.l->items[1], kiln_dict_value_at(a.mi, ix));  // the table keeps its references
}

// dict_contains(handle, spelling, key) -> bool (a key of another type: False)
PyObject* dictContains(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 3, &a)) return nullptr;
  std::vector<char> buf;
  int64_t hash;
  bool bad;
  int64_t ix = lookup(a, args[2], &buf, &hash, &bad);
  if (bad) {
    PyErr_Clear();
    Py_RETURN_FALSE;
  }
  return PyBool_FromLong(ix >= 0);
}

// dict_set(handle, spelling, key, value)
PyObject* dictSet(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 4, &a)) return nullptr;
  const Layout& kl = a.l->items[0];
  const Layout& vl = a.l->items[1];
  std::vector<char> key, value(vl.size + 1, 0);
  int64_t hash;
  if (!keyOf(kl, args[2], &key, &hash)) return nullptr;
  // Both converted and their strings copied before the dict changes.
  if (!unbox(args[3], vl, value.data()) || !ownBlocks(vl, args[3], value.data())) return nullptr;
  if (!ownBlocks(kl, args[2], key.data())) {
    releaseResult(vl, value.data());
    return nullptr;
  }
  eq_layout = &kl;
  int64_t found = 0;
  int64_t ix = kiln_dict_insert(a.mi, key.data(), hash, keyEq, &found);
  if (ix < 0) {
    releaseResult(kl, key.data());
    releaseResult(vl, value.data());
    return PyErr_NoMemory();
  }
  if (found) {  // the old key stays (as Python's); the old value goes
    releaseResult(kl, key.data());
    releaseResult(vl, kiln_dict_value_at(a.mi, ix));
  }
  std::memcpy(kiln_dict_value_at(a.mi, ix), value.data(), vl.size);
  Py_RETURN_NONE;
}

// dict_del(handle, spelling, key); KeyError when absent
PyObject* dictDel(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 3, &a)) return nullptr;
  std::vector<char> key;
  int64_t hash;
  if (!keyOf(a.l->items[0], args[2], &key, &hash)) return nullptr;
  eq_layout = &a.l->items[0];
  int64_t ix = kiln_dict_remove(a.mi, key.data(), hash, keyEq);
  if (ix < 0) {
    PyErr_SetObject(PyExc_KeyError, args[2]);
    return nullptr;
  }
  releaseResult(a.l->items[0], kiln_dict_key_at(a.mi, ix));  // the removed entry stays readable
  releaseResult(a.l->items[1], kiln_dict_value_at(a.mi, ix));
  Py_RETURN_NONE;
}

// dict_popitem(handle, spelling) -> (key, value), the last item (Python's
// order); KeyError when empty. The table's references pass to the result.
PyObject* dictPopitem(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 2, &a)) return nullptr;
  int64_t ix = kiln_dict_popitem(a.mi);
  if (ix < 0) {
    PyErr_SetString(PyExc_KeyError, "popitem(): dictionary is empty");
    return nullptr;
  }
  const void* kp = kiln_dict_key_at(a.mi, ix);
  const void* vp = kiln_dict_value_at(a.mi, ix);
  PyObject* k = box(a.l->items[0], kp);
  if (k == nullptr) {
    releaseResult(a.l->items[1], vp);
    return nullptr;
  }
  PyObject* v = box(a.l->items[1], vp);
  PyObject* pair = v ? PyTuple_Pack(2, k, v) : nullptr;
  Py_DECREF(k);
  Py_XDECREF(v);
  return pair;
}

// dict_clear(handle, spelling)
PyObject* dictClear(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 2, &a)) return nullptr;
  for (int64_t ix = kiln_dict_next(a.mi, 0); ix >= 0; ix = kiln_dict_next(a.mi, ix + 1)) {
    releaseResult(a.l->items[0], kiln_dict_key_at(a.mi, ix));
    releaseResult(a.l->items[1], kiln_dict_value_at(a.mi, ix));
  }
  kiln_dict_clear(a.mi);
  Py_RETURN_NONE;
}

// dict_items(handle, spelling) -> [(key, value), ...] in insertion order
PyObject* dictItems(PyObject*, PyObject* const* args, Py_ssize_t n) {
  Args a;
  if (!parseArgs(args, n, 2, &a)) return nullptr;
  PyObject* out = PyList_New(0);
  for (int64_t ix = out ? kiln_dict_next(a.mi, 0) : -1; ix >= 0; ix = kiln_dict_next(a.mi, ix + 1)) {
    PyObject* k = boxBorrowed(a.l->items[0], kiln_dict_key_at(a.mi, ix));
    PyObject* v = k ? boxBorrowed(a.l->items[1], kiln_dict_value_at(a.mi, ix)) : nullptr;
    PyObject* pair = v ? PyTuple_Pack(2, k, v) : nullptr;
    Py_XDECREF(k);
    Py_XDECREF(v);
    if (pair == nullptr || PyList_Append(out, pair) < 0) {
      Py_XDECREF(pair);
      Py_DECREF(out);
      return nullptr;
    }
    Py_DECREF(pair);
  }
  return out;
}

}  // namespace

bool adoptBorrowedArrays(const Layout& dict, KilnMemInfo* mi, PyObject* args) {
  if (dict.kind != Kind::kDict || dict.set || !holdsArrays(dict.items[1])) return true;
  for (int64_t ix = kiln_dict_next(mi, 0); ix >= 0; ix = kiln_dict_next(mi, ix + 1))
    if (!adoptPlaces(dict.items[1], static_cast<char*>(kiln_dict_value_at(mi, ix)), args)) return false;
  return true;
}

bool adoptArgumentArrays(const Layout& l, const void* src, PyObject* args) {
  if (l.kind == Kind::kDict) return adoptBorrowedArrays(l, at<KilnMemInfo*>(src), args);
  if (l.kind == Kind::kStructRef)  // structref: an array compiled code stored into a field
    return adoptPlaces(l, const_cast<char*>(static_cast<const char*>(src)), args);
  if (l.kind == Kind::kTuple)
    for (size_t i = 0; i < l.items.size(); ++i)
      if (!adoptArgumentArrays(l.items[i], static_cast<const char*>(src) + l.offsets[i], args)) return false;
  if (l.kind == Kind::kList) {
    // The dicts the list holds after the call (those it was given and those
    // compiled code put in it), before the write-back boxes them.
    const KilnMemInfo* mi = at<KilnMemInfo*>(src);
    if (mi == nullptr) return true;
    const char* data = static_cast<const char*>(mi->data);
    const int64_t n = at<int64_t>(data);
    for (int64_t i = 0; i < n; ++i)
      if (!adoptArgumentArrays(l.items[0], data + kListHeader + static_cast<size_t>(i) * l.items[0].size, args))
        return false;
  }
  return true;
}

// tdarrays: whether an argument of this layout passes borrowed arrays (an
// array, or one in a tuple, an optional or a list; a typed Dict's arrays have
// blocks), and whether it is a typed Dict of arrays (or holds one in a tuple
// or a list).
bool lendsArrays(const Layout& l) {
  if (l.kind == Kind::kArray) return true;
  if (l.kind == Kind::kTuple || l.kind == Kind::kOptional || l.kind == Kind::kList)
    for (const Layout& item : l.items)
      if (lendsArrays(item)) return true;
  return false;
}
bool keepsArrays(const Layout& l) {
  if (l.kind == Kind::kDict) return !l.set && holdsArrays(l.items[1]);
  if (l.kind == Kind::kStructRef) return true;  // structref: its fields may take an argument's array
  if (l.kind == Kind::kTuple || l.kind == Kind::kList)
    for (const Layout& item : l.items)
      if (keepsArrays(item)) return true;
  return false;
}

bool mayLeaveBorrowedArrays(const std::vector<Layout>& params) {
  bool lends = false, keeps = false;
  for (const Layout& p : params) {
    lends = lends || lendsArrays(p);
    keeps = keeps || keepsArrays(p);
  }
  return lends && keeps;
}

PyObject* wrapTypedDict(const Layout& dict, KilnMemInfo* mi, PyObject* args) {
  const char* why = nullptr;
  if (!drivable(dict, &why)) return nullptr;
  if (!adoptBorrowedArrays(dict, mi, args)) {  // tdarrays: the table outlives the call's arguments
    kiln_mi_decref(mi);
    return nullptr;
  }
  // A block compiled code made has its destructor in the compiled library,
  // which may be unloaded while Python holds the dict (a dispatcher let go);
  // the extension's releases the same references (kiln_dict.h), so the
  // block takes it over.
  void (*dtor)(void*) = nullptr;
  if (!dtorFor(dict, &dtor)) {
    PyErr_Clear();  // no shape left: the caller copies the items instead
    return nullptr;
  }
  mi->dtor = dtor;
  static PyObject* cls = nullptr;
  if (cls == nullptr) {
    PyObject* mod = PyImport_ImportModule("kiln.typed_dict");
    cls = mod ? PyObject_GetAttrString(mod, "Dict") : nullptr;
    Py_XDECREF(mod);
    if (cls == nullptr) return nullptr;
  }
  PyObject* cap = PyCapsule_New(mi, kCapsule, dropHandle);
  if (cap == nullptr) {
    kiln_mi_decref(mi);
    return nullptr;
  }
  PyObject* out = PyObject_CallMethod(cls, "_wrap", "Oss", cap, dict.items[0].spelling.c_str(),
                                      dict.items[1].spelling.c_str());
  Py_DECREF(cap);
  return out;
}

bool typedDictHandle(PyObject* v, KilnMemInfo** mi, std::string* spelling) {
  if (std::strcmp(Py_TYPE(v)->tp_name, "Dict") != 0) return false;
  PyObject* cap = PyObject_GetAttrString(v, "_kiln_handle");
  if (cap == nullptr) {
    PyErr_Clear();
    return false;
  }
  PyObject* type = PyObject_GetAttrString(v, "_kiln_type");
  bool ok = type != nullptr && cap != Py_None && PyUnicode_Check(type);
  if (ok) {
    *mi = handleOf(cap);
    const char* s = PyUnicode_AsUTF8(type);
    ok = *mi != nullptr && s != nullptr;
    if (ok) *spelling = s;
  }
  if (!ok) PyErr_Clear();
  Py_DECREF(cap);
  Py_XDECREF(type);
  return ok;
}

PyMethodDef kTypedDictFunctions[] = {
    {"dict_new", dictNew, METH_O, "a typed Dict's block for a DictType spelling"},
    {"dict_len", dictLen, METH_O, "len of a typed Dict's block"},
    {"dict_get", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictGet)), METH_FASTCALL, "d[key]"},
    {"dict_contains", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictContains)), METH_FASTCALL, "key in d"},
    {"dict_set", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictSet)), METH_FASTCALL, "d[key] = value"},
    {"dict_del", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictDel)), METH_FASTCALL, "del d[key]"},
    {"dict_items", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictItems)), METH_FASTCALL, "the items in order"},
    {"dict_popitem", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictPopitem)), METH_FASTCALL,
     "d.popitem()"},
    {"dict_clear", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(dictClear)), METH_FASTCALL, "d.clear()"},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace kiln::python
