/* Reference-counted blocks for compiled Kiln code (kiln_rt.h). */
#include "kiln_rt.h"
#include "kiln_unicode.h"

#include "kiln_random.h"

#include "kiln_dict.h"
#include "kiln_linalg.h" /* linalg: */
#include "kiln_cuda_sim.h" /* cuda: */
#include "kiln_objmode.h"  /* objmode: */
#include "kiln_native.h"   /* native: */
#include "kiln_parallel.h" /* prange: */
#include "kiln_print.h"    /* print: */
#include "kiln_format.h"   /* format: */
#include "kiln_error.h"    /* exceptions: */

#include <stdlib.h>
#include <string.h>

static int64_t live_count, live_bytes, total_allocs, total_frees;

static void* defaultAlloc(void* ctx, size_t size, size_t align) {
  (void)ctx;
  void* p = NULL;
  if (align <= 16) return malloc(size); /* glibc's malloc aligns to 16 */
  return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

static void defaultFree(void* ctx, void* block, size_t size) {
  (void)ctx;
  (void)size;
  free(block);
}

static const KilnAllocator kDefaultAllocator = {defaultAlloc, defaultFree, NULL, "malloc"};

const KilnAllocator* kiln_default_allocator(void) { return &kDefaultAllocator; }

KilnMemInfo* kiln_mi_alloc(size_t size, size_t align, const KilnAllocator* allocator) {
  if (allocator == NULL) allocator = &kDefaultAllocator;
  if (align < 16) align = 16;
  if ((align & (align - 1)) != 0) return NULL;
  KilnMemInfo* mi = (KilnMemInfo*)allocator->alloc(allocator->ctx, sizeof(KilnMemInfo), 16);
  if (mi == NULL) return NULL;
  size_t alloc_size = size == 0 ? 1 : size;
  void* data = allocator->alloc(allocator->ctx, alloc_size, align);
  if (data == NULL) {
    allocator->free(allocator->ctx, mi, sizeof(KilnMemInfo));
    return NULL;
  }
  mi->refcount = 1;
  mi->allocator = allocator;
  mi->data = data;
  mi->size = size;
  mi->alloc_size = alloc_size;
  mi->dtor = NULL;
  __atomic_add_fetch(&live_count, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&live_bytes, (int64_t)size, __ATOMIC_RELAXED);
  __atomic_add_fetch(&total_allocs, 1, __ATOMIC_RELAXED);
  return mi;
}

void* kiln_mi_alloc_data(size_t size, size_t align, const KilnAllocator* allocator, KilnMemInfo** mi) {
  *mi = kiln_mi_alloc(size, align, allocator);
  return *mi == NULL ? NULL : (*mi)->data;
}

void* kiln_mi_alloc_data_dtor(size_t size, size_t align, void (*dtor)(void* data), KilnMemInfo** mi) {
  *mi = kiln_mi_alloc(size, align, NULL);
  if (*mi == NULL) return NULL;
  (*mi)->dtor = dtor;
  return (*mi)->data;
}

void* kiln_mi_resize(KilnMemInfo* mi, size_t new_size) {
  const KilnAllocator* a = mi->allocator;
  size_t alloc_size = new_size == 0 ? 1 : new_size;
  /* The allocator table has no realloc: a new block, a copy, a free. The
   * alignment is the data pointer's own (at least 16). */
  size_t align = 16;
  while (align < 4096 && ((uintptr_t)mi->data & (align * 2 - 1)) == 0) align *= 2;
  void* data = a->alloc(a->ctx, alloc_size, align);
  if (data == NULL) return NULL;
  memcpy(data, mi->data, mi->size < new_size ? mi->size : new_size);
  a->free(a->ctx, mi->data, mi->alloc_size);
  __atomic_add_fetch(&live_bytes, (int64_t)new_size - (int64_t)mi->size, __ATOMIC_RELAXED);
  mi->data = data;
  mi->size = new_size;
  mi->alloc_size = alloc_size;
  return data;
}

void kiln_mi_destroy(KilnMemInfo* mi) {
  if (mi == NULL) return;
  if (mi->dtor != NULL) mi->dtor(mi->data);
  __atomic_sub_fetch(&live_count, 1, __ATOMIC_RELAXED);
  __atomic_sub_fetch(&live_bytes, (int64_t)mi->size, __ATOMIC_RELAXED);
  __atomic_add_fetch(&total_frees, 1, __ATOMIC_RELAXED);
  const KilnAllocator* a = mi->allocator;
  a->free(a->ctx, mi->data, mi->alloc_size);
  a->free(a->ctx, mi, sizeof(KilnMemInfo));
}

void kiln_mi_incref(KilnMemInfo* mi) {
  if (mi != NULL) __atomic_add_fetch(&mi->refcount, 1, __ATOMIC_RELAXED);
}

void kiln_mi_decref(KilnMemInfo* mi) {
  /* Release ordering on the decrement and acquire before the free: every
   * write through other references happens before the block is reused. */
  if (mi != NULL && __atomic_sub_fetch(&mi->refcount, 1, __ATOMIC_ACQ_REL) == 0) kiln_mi_destroy(mi);
}

int64_t kiln_mi_refcount(const KilnMemInfo* mi) {
  return mi == NULL ? 0 : __atomic_load_n(&mi->refcount, __ATOMIC_RELAXED);
}

void kiln_rt_stats(KilnRtStats* out) {
  out->live_count = __atomic_load_n(&live_count, __ATOMIC_RELAXED);
  out->live_bytes = __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
  out->total_allocs = __atomic_load_n(&total_allocs, __ATOMIC_RELAXED);
  out->total_frees = __atomic_load_n(&total_frees, __ATOMIC_RELAXED);
}

static const KilnRuntime kRuntime = {KILN_RT_ABI_VERSION, sizeof(KilnRuntime), kiln_mi_alloc, kiln_mi_destroy,
                                     kiln_mi_alloc_data, kiln_mi_alloc_data_dtor, kiln_mi_resize,
                                     /* random: */ &kiln_random_table, /* strings: */ &kiln_unicode_table,
                                     /* dicts: */ &kiln_dict_table, /* linalg: */ &kiln_linalg_table,
                                     /* cuda: */ &kiln_cuda_sim_table, /* print: */ &kiln_print_table,
                                     /* format: */ &kiln_format_table,
                                     /* exceptions: */ &kiln_error_table,
                                     /* objmode: */ &kiln_objmode_table,
                                     /* native: */ &kiln_native_table,
                                     /* prange: */ &kiln_parallel_table};

const KilnRuntime* kiln_runtime(void) { return &kRuntime; }
