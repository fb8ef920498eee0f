// The memory runtime: counts, alignment, allocator tables, thread safety.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "kiln_error.h"
#include "kiln_native.h"
#include "kiln_objmode.h"
#include "kiln_rt.h"

namespace {

KilnRtStats stats() {
  KilnRtStats s;
  kiln_rt_stats(&s);
  return s;
}

// An allocator that records what it was asked for.
struct Recorder {
  int allocs = 0, frees = 0;
  size_t last_size = 0, last_align = 0, freed_size = 0;
};

void* recordAlloc(void* ctx, size_t size, size_t align) {
  auto* r = static_cast<Recorder*>(ctx);
  ++r->allocs;
  r->last_size = size;
  r->last_align = align;
  return kiln_default_allocator()->alloc(nullptr, size, align);
}

void recordFree(void* ctx, void* block, size_t size) {
  auto* r = static_cast<Recorder*>(ctx);
  ++r->frees;
  r->freed_size = size;
  kiln_default_allocator()->free(nullptr, block, size);
}

void* failingAlloc(void*, size_t, size_t) { return nullptr; }
void neverFree(void*, void*, size_t) { ADD_FAILURE() << "free of a block never allocated"; }

int allocs_left = 0;
void* failAfterFirstTwo(void*, size_t size, size_t) { return allocs_left-- > 0 ? malloc(size) : nullptr; }
void plainFree(void*, void* block, size_t) { free(block); }

TEST(RuntimeTest, AllocStartsAtOneAndFreesAtZero) {
  KilnRtStats before = stats();
  KilnMemInfo* mi = kiln_mi_alloc(100, 16, nullptr);
  ASSERT_NE(mi, nullptr);
  EXPECT_EQ(kiln_mi_refcount(mi), 1);
  EXPECT_EQ(mi->size, 100u);
  EXPECT_EQ(mi->allocator, kiln_default_allocator());
  std::memset(mi->data, 0xab, 100);  // the data is writable (ASan checks the bounds)
  EXPECT_EQ(stats().live_count, before.live_count + 1);
  EXPECT_EQ(stats().live_bytes, before.live_bytes + 100);
  kiln_mi_incref(mi);
  kiln_mi_incref(mi);
  EXPECT_EQ(kiln_mi_refcount(mi), 3);
  kiln_mi_decref(mi);
  kiln_mi_decref(mi);
  EXPECT_EQ(stats().live_count, before.live_count + 1);
  kiln_mi_decref(mi);
  KilnRtStats after = stats();
  EXPECT_EQ(after.live_count, before.live_count);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  EXPECT_EQ(after.total_allocs, before.total_allocs + 1);
  EXPECT_EQ(after.total_frees, before.total_frees + 1);
}

TEST(RuntimeTest, NullIsBorrowedMemory) {
  KilnRtStats before = stats();
  kiln_mi_incref(nullptr);
  kiln_mi_decref(nullptr);
  kiln_mi_destroy(nullptr);
  EXPECT_EQ(kiln_mi_refcount(nullptr), 0);
  EXPECT_EQ(stats().live_count, before.live_count);
}

TEST(RuntimeTest, DataIsAlignedAndExactlySized) {
  for (size_t align : {1u, 16u, 64u, 4096u}) {
    KilnMemInfo* mi = kiln_mi_alloc(3, align, nullptr);
    ASSERT_NE(mi, nullptr) << align;
    size_t want = align < 16 ? 16 : align;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(mi->data) % want, 0u) << align;
    EXPECT_EQ(mi->alloc_size, 3u);  // the data block is what was asked for, no header in it
    kiln_mi_decref(mi);
  }
  EXPECT_EQ(kiln_mi_alloc(8, 24, nullptr), nullptr);  // not a power of two
  EXPECT_EQ(kiln_mi_alloc(SIZE_MAX - 8, 16, nullptr), nullptr);  // the allocator has no such block
}

TEST(RuntimeTest, ZeroSizeAllocationIsABlock) {
  KilnMemInfo* mi = nullptr;
  void* data = kiln_mi_alloc_data(0, 16, nullptr, &mi);
  ASSERT_NE(mi, nullptr);
  EXPECT_EQ(data, mi->data);
  EXPECT_NE(mi->data, nullptr);
  EXPECT_EQ(mi->size, 0u);
  EXPECT_EQ(mi->alloc_size, 1u);
  kiln_mi_decref(mi);
}

TEST(RuntimeTest, BlocksGoBackToTheirOwnAllocator) {
  Recorder rec;
  KilnAllocator table{recordAlloc, recordFree, &rec, "recorder"};
  KilnRtStats before = stats();
  KilnMemInfo* mine = kiln_mi_alloc(100, 64, &table);
  KilnMemInfo* plain = kiln_mi_alloc(40, 64, nullptr);
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(rec.allocs, 2);  // the header, then the data
  EXPECT_EQ(rec.last_align, 64u);
  EXPECT_EQ(rec.last_size, 100u);  // the data block, exactly
  EXPECT_EQ(mine->allocator, &table);
  kiln_mi_decref(plain);
  EXPECT_EQ(rec.frees, 0);
  kiln_mi_decref(mine);
  EXPECT_EQ(rec.frees, 2);
  EXPECT_EQ(rec.freed_size, sizeof(KilnMemInfo));  // the data first, then the header
  EXPECT_EQ(stats().live_count, before.live_count);  // user allocators are counted too
}

TEST(RuntimeTest, FailingAllocatorGivesNullAndCountsNothing) {
  KilnAllocator table{failingAlloc, neverFree, nullptr, "failing"};
  KilnRtStats before = stats();
  EXPECT_EQ(kiln_mi_alloc(16, 16, &table), nullptr);
  KilnMemInfo* mi = reinterpret_cast<KilnMemInfo*>(&table);
  EXPECT_EQ(kiln_mi_alloc_data(16, 16, &table, &mi), nullptr);
  EXPECT_EQ(mi, nullptr);
  EXPECT_EQ(stats().live_count, before.live_count);
  EXPECT_EQ(stats().total_allocs, before.total_allocs);
}

TEST(RuntimeTest, RuntimeTableIsTheLibrary) {
  const KilnRuntime* rt = kiln_runtime();
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->abi_version, static_cast<uint32_t>(KILN_RT_ABI_VERSION));
  EXPECT_EQ(rt->size, sizeof(KilnRuntime));
  KilnRtStats before = stats();
  KilnMemInfo* mi = nullptr;
  ASSERT_NE(rt->mi_alloc_data(8, 16, nullptr, &mi), nullptr);
  ASSERT_NE(mi, nullptr);
  EXPECT_EQ(stats().live_count, before.live_count + 1);
  mi->refcount = 0;  // as compiled code leaves it before calling mi_destroy
  rt->mi_destroy(mi);
  EXPECT_EQ(stats().live_count, before.live_count);
}

// objmode: without the Python client's hook a block cannot run: the call
// says so (KILN_RUNTIME_ERROR) and compiled code raises; with one, the
// runtime hands the call over as it is.
int32_t fakeBlock(const char* key, int64_t nin, void* const* inputs, const char* const*, int64_t nout,
                  void* const* outputs, const char* const*, const char**) {
  if (std::string(key) != "k" || nin != 1 || nout != 1) return KILN_TYPE_ERROR;
  *static_cast<int64_t*>(outputs[0]) = *static_cast<const int64_t*>(inputs[0]) + 1;
  return KILN_OK;
}

TEST(RuntimeTest, ObjmodeBlocksNeedAHook) {
  const KilnObjmodeApi* api = kiln_runtime()->objmode;
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->size, sizeof(KilnObjmodeApi));
  int64_t in = 41, out = 0;
  void* inputs[] = {&in};
  void* outputs[] = {&out};
  const char* types[] = {"int64"};
  const char* cls = nullptr;
  EXPECT_EQ(api->call("k", 1, inputs, types, 1, outputs, types, &cls), KILN_RUNTIME_ERROR);
  kiln_objmode_set_hook(fakeBlock);
  EXPECT_EQ(api->call("k", 1, inputs, types, 1, outputs, types, &cls), KILN_OK);
  EXPECT_EQ(out, 42);
  kiln_objmode_set_hook(nullptr);
  EXPECT_EQ(api->call("k", 1, inputs, types, 1, outputs, types, &cls), KILN_RUNTIME_ERROR);
}

TEST(RuntimeTest, CountsAreExactUnderThreads) {
  KilnRtStats before = stats();
  KilnMemInfo* shared = kiln_mi_alloc(8, 16, nullptr);
  ASSERT_NE(shared, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([shared] {
      for (int k = 0; k < 20000; ++k) {
        kiln_mi_incref(shared);
        KilnMemInfo* mine = kiln_mi_alloc(32, 16, nullptr);
        kiln_mi_decref(mine);
        kiln_mi_decref(shared);
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(kiln_mi_refcount(shared), 1);
  kiln_mi_decref(shared);
  KilnRtStats after = stats();
  EXPECT_EQ(after.live_count, before.live_count);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  EXPECT_EQ(after.total_allocs - before.total_allocs, 4 * 20000 + 1);
}

}  // namespace

namespace {
int dtor_calls = 0;
int64_t dtor_seen = 0;
void countingDtor(void* data) {
  ++dtor_calls;
  dtor_seen = *static_cast<int64_t*>(data);
}
}  // namespace

TEST(RuntimeTest, DestructorRunsOnceOnTheDataBeforeTheFree) {
  KilnRtStats before = stats();
  KilnMemInfo* mi = nullptr;
  auto* data = static_cast<int64_t*>(kiln_mi_alloc_data_dtor(sizeof(int64_t), 16, countingDtor, &mi));
  ASSERT_NE(data, nullptr);
  *data = 42;
  dtor_calls = 0;
  kiln_mi_incref(mi);
  kiln_mi_decref(mi);
  EXPECT_EQ(dtor_calls, 0);
  kiln_mi_decref(mi);
  EXPECT_EQ(dtor_calls, 1);
  EXPECT_EQ(dtor_seen, 42);
  EXPECT_EQ(stats().live_count, before.live_count);
}

TEST(RuntimeTest, ResizeKeepsThePrefixAndTheCounters) {
  KilnRtStats before = stats();
  KilnMemInfo* mi = nullptr;
  auto* data = static_cast<int64_t*>(kiln_mi_alloc_data(2 * sizeof(int64_t), 16, nullptr, &mi));
  ASSERT_NE(data, nullptr);
  data[0] = 7;
  data[1] = 9;
  auto* grown = static_cast<int64_t*>(kiln_mi_resize(mi, 1000 * sizeof(int64_t)));
  ASSERT_NE(grown, nullptr);
  EXPECT_EQ(mi->data, grown);
  EXPECT_EQ(grown[0], 7);
  EXPECT_EQ(grown[1], 9);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(grown) % 16, 0u);
  EXPECT_EQ(stats().live_bytes, before.live_bytes + static_cast<int64_t>(1000 * sizeof(int64_t)));
  auto* shrunk = static_cast<int64_t*>(kiln_mi_resize(mi, sizeof(int64_t)));
  ASSERT_NE(shrunk, nullptr);
  EXPECT_EQ(shrunk[0], 7);
  kiln_mi_decref(mi);
  EXPECT_EQ(stats().live_count, before.live_count);
  EXPECT_EQ(stats().live_bytes, before.live_bytes);
}

TEST(RuntimeTest, ResizeFailureLeavesTheBlock) {
  KilnAllocator table{failAfterFirstTwo, plainFree, nullptr, "two"};
  allocs_left = 2;
  KilnMemInfo* mi = kiln_mi_alloc(8, 16, &table);
  ASSERT_NE(mi, nullptr);
  void* old = mi->data;
  EXPECT_EQ(kiln_mi_resize(mi, 64), nullptr);
  EXPECT_EQ(mi->data, old);
  EXPECT_EQ(mi->size, 8u);
  kiln_mi_decref(mi);
}

// exceptions: heap arguments of a raise are runtime blocks, owned by the
// KilnError (and by a handler's copy, after kiln_error_retain); clearing
// every owner frees them all.
TEST(RuntimeTest, ErrorArgumentsAreOwnedAndCleared) {
  KilnRtStats before = stats();
  const char chars[] = "h\xe9llo";
  KilnStr s{nullptr, const_cast<char*>(chars), 5, 1};
  KilnError err{};
  err.has_args = 1;
  err.nargs = 2;
  ASSERT_EQ(kiln_error_str_arg(&err.args[0], &s), 0);
  EXPECT_EQ(err.args[0].tag, KILN_ARG_OWNED_STR);
  const auto* copy = static_cast<const KilnErrorStr*>(reinterpret_cast<KilnMemInfo*>(err.args[0].bits)->data);
  EXPECT_EQ(copy->length, 5);
  EXPECT_EQ(copy->kind, 1);
  EXPECT_EQ(std::memcmp(copy + 1, chars, 5), 0);
  KilnErrorArg items[2] = {};
  items[0].tag = KILN_ARG_INT;
  items[0].bits = 7;
  ASSERT_EQ(kiln_error_str_arg(&items[1], &s), 0);
  ASSERT_EQ(kiln_error_tuple_arg(&err.args[1], items, 2), 0);
  EXPECT_EQ(err.args[1].tag, KILN_ARG_TUPLE);
  EXPECT_EQ(stats().live_count, before.live_count + 3);
  KilnError handler_copy = err;
  kiln_error_retain(&handler_copy);
  kiln_error_clear(&err);
  EXPECT_EQ(err.nargs, 0);
  EXPECT_EQ(err.has_args, 0);
  EXPECT_EQ(stats().live_count, before.live_count + 3);  // the copy still holds them
  kiln_error_clear(&handler_copy);
  EXPECT_EQ(stats().live_count, before.live_count);
  const KilnRuntime* rt = kiln_runtime();
  ASSERT_NE(rt->error, nullptr);
  EXPECT_EQ(rt->error->size, sizeof(KilnErrorApi));
  EXPECT_EQ(rt->error->clear, &kiln_error_clear);
}

// codec: a bytes argument (UnicodeDecodeError's object) is a copy of its
// bytes, NULs and bytes past 0x7f included, owned and cleared as a str's.
TEST(RuntimeTest, BytesErrorArgumentIsACopyOwnedByTheError) {
  KilnRtStats before = stats();
  const uint8_t bytes[] = {0x61, 0x00, 0xff, 0x80};
  KilnError err{};
  err.has_args = 1;
  err.nargs = 1;
  ASSERT_EQ(kiln_error_bytes_arg(&err.args[0], bytes, 4), 0);
  EXPECT_EQ(err.args[0].tag, KILN_ARG_OWNED_BYTES);
  const auto* copy = static_cast<const KilnErrorStr*>(reinterpret_cast<KilnMemInfo*>(err.args[0].bits)->data);
  EXPECT_EQ(copy->length, 4);
  EXPECT_EQ(copy->kind, 1);
  EXPECT_EQ(std::memcmp(copy + 1, bytes, 4), 0);
  EXPECT_NE(static_cast<const void*>(copy + 1), static_cast<const void*>(bytes));
  EXPECT_EQ(stats().live_count, before.live_count + 1);
  kiln_error_clear(&err);
  EXPECT_EQ(stats().live_count, before.live_count);
  EXPECT_EQ(kiln_runtime()->error->bytes_arg, &kiln_error_bytes_arg);
}

// native: the table of native functions' addresses (kiln_native.h): what a
// key was registered with, replaced by a later registration, NULL for a key
// never registered; compiled code reaches it through the runtime table.
TEST(RuntimeTest, NativeKeysResolveToTheirRegisteredAddress) {
  int a = 0, b = 0;
  const KilnRuntime* rt = kiln_runtime();
  ASSERT_NE(rt->native, nullptr);
  EXPECT_EQ(rt->native->size, sizeof(KilnNativeApi));
  EXPECT_EQ(rt->native->resolve("lib:/no/such.so:1:2+0x10"), nullptr);
  ASSERT_EQ(kiln_native_register("lib:/no/such.so:1:2+0x10", &a), 0);
  ASSERT_EQ(kiln_native_register("proc:1.ab:0x20", &b), 0);
  EXPECT_EQ(rt->native->resolve("lib:/no/such.so:1:2+0x10"), &a);
  EXPECT_EQ(rt->native->resolve("proc:1.ab:0x20"), &b);
  ASSERT_EQ(kiln_native_register("lib:/no/such.so:1:2+0x10", &b), 0);
  EXPECT_EQ(rt->native->resolve("lib:/no/such.so:1:2+0x10"), &b);
  // Many keys (the table grows) from several threads at once.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t] {
      for (int k = 0; k < 100; ++k) {
        const std::string key = "proc:" + std::to_string(t) + ":" + std::to_string(k);
        ASSERT_EQ(kiln_native_register(key.c_str(), reinterpret_cast<void*>(static_cast<uintptr_t>(1 + k))), 0);
      }
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (int k = 0; k < 100; ++k)
      EXPECT_EQ(kiln_native_resolve(("proc:" + std::to_string(t) + ":" + std::to_string(k)).c_str()),
                reinterpret_cast<void*>(static_cast<uintptr_t>(1 + k)));
}
