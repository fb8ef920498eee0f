/* The dict hash table (kiln_dict.h): open addressing with CPython's probe
 * sequence over an index table, entries in insertion order. */
#include "kiln_dict.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY (-1)
#define DUMMY (-2)
#define ENTRY_HEAD 16 /* hash, live */

static int64_t round8(int64_t n) { return (n + 7) / 8 * 8; }

static KilnDictHeader* header(KilnMemInfo* mi) { return (KilnDictHeader*)mi->data; }
static int64_t* indices(KilnDictHeader* h) { return (int64_t*)(h + 1); }
static char* entry(KilnDictHeader* h, int64_t ix) {
  return (char*)(indices(h) + h->index_size) + ix * h->entry_size;
}
static int64_t entryHash(KilnDictHeader* h, int64_t ix) { return ((int64_t*)entry(h, ix))[0]; }
static int64_t entryLive(KilnDictHeader* h, int64_t ix) { return ((int64_t*)entry(h, ix))[1]; }

static int64_t indexSizeFor(int64_t entry_cap) {
  int64_t n = 8;
  while (n < entry_cap + entry_cap / 2 + 1) n *= 2;
  return n;
}
static size_t bytesFor(int64_t entry_cap, int64_t index_size, int64_t entry_size) {
  return sizeof(KilnDictHeader) + (size_t)index_size * 8 + (size_t)(entry_cap * entry_size);
}

/* The index slot holding `ix` (hash `hash`), or the first EMPTY slot. */
static int64_t* slotOf(KilnDictHeader* h, const void* key, int64_t hash, KilnKeyEq eq, int64_t* free_slot) {
  uint64_t mask = (uint64_t)h->index_size - 1;
  uint64_t perturb = (uint64_t)hash;
  uint64_t i = (uint64_t)hash & mask;
  int64_t* idx = indices(h);
  if (free_slot) *free_slot = -1;
  for (;;) {
    int64_t e = idx[i];
    if (e == EMPTY) {
      if (free_slot && *free_slot < 0) *free_slot = (int64_t)i;
      return NULL;
    }
    if (e == DUMMY) {
      if (free_slot && *free_slot < 0) *free_slot = (int64_t)i;
    } else if (entryHash(h, e) == hash && eq(entry(h, e) + ENTRY_HEAD, key)) {
      return &idx[i];
    }
    perturb >>= 5;
    i = (i * 5 + perturb + 1) & mask;
  }
}

static void insertIndex(KilnDictHeader* h, int64_t hash, int64_t ix) {
  uint64_t mask = (uint64_t)h->index_size - 1;
  uint64_t perturb = (uint64_t)hash;
  uint64_t i = (uint64_t)hash & mask;
  int64_t* idx = indices(h);
  while (idx[i] != EMPTY) {
    perturb >>= 5;
    i = (i * 5 + perturb + 1) & mask;
  }
  idx[i] = ix;
}

static void initHeader(KilnDictHeader* h, int64_t key_size, int64_t value_size, int64_t entry_cap,
                       int64_t index_size) {
  h->used = 0;
  h->nentries = 0;
  h->entry_cap = entry_cap;
  h->index_size = index_size;
  h->key_size = key_size;
  h->value_offset = ENTRY_HEAD + round8(key_size);
  h->value_size = value_size;
  h->entry_size = h->value_offset + round8(value_size);
  memset(indices(h), 0xff, (size_t)index_size * 8); /* EMPTY */
}

KilnMemInfo* kiln_dict_new(int64_t key_size, int64_t value_size, int64_t min_entries, void (*dtor)(void*)) {
  int64_t cap = min_entries < 8 ? 8 : min_entries;
  int64_t isz = indexSizeFor(cap);
  int64_t esize = ENTRY_HEAD + round8(key_size) + round8(value_size);
  KilnMemInfo* mi = NULL;
  void* data = kiln_mi_alloc_data_dtor(bytesFor(cap, isz, esize), 16, dtor, &mi);
  if (data == NULL) return NULL;
  initHeader((KilnDictHeader*)data, key_size, value_size, cap, isz);
  return mi;
}

int64_t kiln_dict_lookup(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq) {
  int64_t* slot = slotOf(header(mi), key, hash, eq, NULL);
  return slot ? *slot : -1;
}

/* Makes room for one more entry: compacts the live entries into a table
 * sized for twice as many (at least 8). */
static int grow(KilnMemInfo* mi) {
  KilnDictHeader* h = header(mi);
  int64_t used = h->used, esize = h->entry_size;
  char* live = malloc((size_t)(used * esize) + 1);
  if (live == NULL) return 0;
  int64_t n = 0;
  for (int64_t ix = 0; ix < h->nentries; ++ix)
    if (entryLive(h, ix)) memcpy(live + (n++) * esize, entry(h, ix), (size_t)esize);
  int64_t cap = used * 2 < 8 ? 8 : used * 2;
  int64_t isz = indexSizeFor(cap);
  int64_t key_size = h->key_size, value_size = h->value_size;
  size_t want = bytesFor(cap, isz, esize);
  if (want > mi->size || want < mi->size / 4) {
    if (kiln_mi_resize(mi, want) == NULL) {
      free(live);
      return 0;
    }
    h = header(mi);
  }
  initHeader(h, key_size, value_size, cap, isz);
  memcpy(entry(h, 0), live, (size_t)(used * esize));
  free(live);
  h->used = used;
  h->nentries = used;
  for (int64_t ix = 0; ix < used; ++ix) insertIndex(h, entryHash(h, ix), ix);
  return 1;
}

int64_t kiln_dict_insert(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq, int64_t* found) {
  KilnDictHeader* h = header(mi);
  int64_t* slot = slotOf(h, key, hash, eq, NULL);
  if (slot) {
    *found = 1;
    return *slot;
  }
  *found = 0;
  if (h->nentries == h->entry_cap) {
    /* The key may live in this dict's entries (d[k] = d.pop(k)...): the
     * caller's key is a copy in its own memory, never an entry. */
    if (!grow(mi)) return -2;
    h = header(mi);
  }
  int64_t ix = h->nentries++;
  char* e = entry(h, ix);
  ((int64_t*)e)[0] = hash;
  ((int64_t*)e)[1] = 1;
  memcpy(e + ENTRY_HEAD, key, (size_t)h->key_size);
  insertIndex(h, hash, ix);
  h->used++;
  return ix;
}

int64_t kiln_dict_remove(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq) {
  KilnDictHeader* h = header(mi);
  int64_t* slot = slotOf(h, key, hash, eq, NULL);
  if (slot == NULL) return -1;
  int64_t ix = *slot;
  *slot = DUMMY;
  ((int64_t*)entry(h, ix))[1] = 0;
  h->used--;
  return ix;
}

int64_t kiln_dict_popitem(KilnMemInfo* mi) {
  KilnDictHeader* h = header(mi);
  int64_t ix = h->nentries - 1;
  while (ix >= 0 && !entryLive(h, ix)) --ix;
  if (ix < 0) return -1;
  /* Its index slot: probe by its hash for the slot holding ix. */
  uint64_t mask = (uint64_t)h->index_size - 1;
  uint64_t hash = (uint64_t)entryHash(h, ix);
  uint64_t perturb = hash, i = hash & mask;
  int64_t* idx = indices(h);
  while (idx[i] != ix) {
    perturb >>= 5;
    i = (i * 5 + perturb + 1) & mask;
  }
  idx[i] = DUMMY;
  ((int64_t*)entry(h, ix))[1] = 0;
  h->used--;
  h->nentries = ix + 1;
  return ix;
}

int64_t kiln_dict_next(KilnMemInfo* mi, int64_t pos) {
  KilnDictHeader* h = header(mi);
  for (int64_t ix = pos < 0 ? 0 : pos; ix < h->nentries; ++ix)
    if (entryLive(h, ix)) return ix;
  return -1;
}

void* kiln_dict_key_at(KilnMemInfo* mi, int64_t ix) { return entry(header(mi), ix) + ENTRY_HEAD; }

void* kiln_dict_value_at(KilnMemInfo* mi, int64_t ix) {
  KilnDictHeader* h = header(mi);
  return entry(h, ix) + h->value_offset;
}

void kiln_dict_clear(KilnMemInfo* mi) {
  KilnDictHeader* h = header(mi);
  h->used = 0;
  h->nentries = 0;
  memset(indices(h), 0xff, (size_t)h->index_size * 8);
}

KilnMemInfo* kiln_dict_copy(KilnMemInfo* mi) {
  KilnMemInfo* out = NULL;
  void* data = kiln_mi_alloc_data_dtor(mi->size, 16, mi->dtor, &out);
  if (data == NULL) return NULL;
  memcpy(data, mi->data, mi->size);
  return out;
}

int64_t kiln_dict_len(const KilnMemInfo* mi) { return ((const KilnDictHeader*)mi->data)->used; }

void kiln_dict_each_live(void* data, void (*fn)(void* key, void* value, void* ctx), void* ctx) {
  KilnDictHeader* h = (KilnDictHeader*)data;
  for (int64_t ix = 0; ix < h->nentries; ++ix)
    if (entryLive(h, ix)) fn(entry(h, ix) + ENTRY_HEAD, entry(h, ix) + h->value_offset, ctx);
}

const KilnDictOps kiln_dict_table = {kiln_dict_new,  kiln_dict_lookup, kiln_dict_insert, kiln_dict_remove, kiln_dict_popitem,
                                 kiln_dict_next, kiln_dict_key_at, kiln_dict_clear,  kiln_dict_copy};

const KilnDictOps* kiln_dict_ops(void) { return &kiln_dict_table; }
