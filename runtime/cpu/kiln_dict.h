#ifndef KILN_RUNTIME_CPU_KILN_DICT_H
#define KILN_RUNTIME_CPU_KILN_DICT_H
/* The hash table of dicts (and sets), shared by compiled code (through
 * kiln_rt_hook's `dict` table) and the clients (typed.Dict from Python).
 *
 * A dict is one reference-counted block (kiln_rt.h) whose data is, as
 * CPython's compact dict: a header, an index table of index_size slots (a
 * power of two; EMPTY, DUMMY or an entry number) and the entries in
 * insertion order. An entry is {int64 hash, int64 live, key, value}: the key
 * at offset 16, the value at value_offset, both in their memory form (the
 * compiler's memoryType), each aligned to 8. The table knows keys only as
 * bytes: callers pass the key's hash and an equality function, so the
 * hashing and the comparison are the key type's own (CPython's numbers).
 *
 * Invariants:
 *  - used <= nentries <= entry_cap; index_size >= entry_cap * 3 / 2, so an
 *    index probe always finds an EMPTY slot;
 *  - entries [0, nentries) that are live are the dict's items, in insertion
 *    order; a deleted entry keeps its bytes until the next growth, so the
 *    caller can still read (and release) the value it removed;
 *  - only insert moves the data (it may grow the block): pointers into the
 *    entries are valid until the next insert on the same dict;
 *  - keys and values may hold references (a str key's or value's block, an
 *    array value's): the table holds one reference for each live entry's
 *    key and value. The caller stores and retains them (a borrowed string
 *    is copied first: the table outlives the call that stored it), releases
 *    what it overwrites or removes (an old key stays when a key is stored
 *    again, as Python's), and the block's destructor releases the live ones.
 *    One convention whichever side made the block: compiled code's
 *    destructor (lowering/lower_dicts.cpp) and the Python client's
 *    (client/python/src/typed_dict.cpp) release the same references, so a
 *    dict made on one side and mutated on the other is released right, and
 *    a block compiled code made takes the client's destructor when it
 *    reaches Python (the compiled library may be unloaded before the dict
 *    dies). An array value's reference is its meminfo, whatever owns the
 *    memory: an ndarray stored from Python is held by a block that owns a
 *    reference to it (client/python/src/ndarray.cpp, ownArray), so either
 *    side releases it alike. An argument's array compiled code stores has
 *    no block (borrowed memory, NULL meminfo); the Python client gives it
 *    one after the call (adoptBorrowedArrays), before the table can outlive
 *    the argument.
 */
#include <stdint.h>

#include "kiln_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KilnDictHeader {
  int64_t used;       /* live entries: len(d) (compiled code reads it inline) */
  int64_t nentries;   /* entries written, live or deleted */
  int64_t entry_cap;  /* room for entries */
  int64_t index_size; /* slots of the index table, a power of two */
  int64_t entry_size; /* bytes per entry */
  int64_t key_size;   /* bytes of the key */
  int64_t value_offset;
  int64_t value_size;
} KilnDictHeader;

/* Whether two keys (in memory form) are equal. */
typedef int (*KilnKeyEq)(const void* a, const void* b);

typedef struct KilnDictOps {
  /* An empty dict with room for `min_entries`; its block's destructor is
   * `dtor` (or NULL). NULL when memory runs out. */
  KilnMemInfo* (*dict_new)(int64_t key_size, int64_t value_size, int64_t min_entries, void (*dtor)(void*));
  /* The entry of `key`, or -1. */
  int64_t (*lookup)(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq);
  /* The entry of `key`, made (with the key copied, the value unset) when
   * absent; *found says which. -2 when memory runs out. */
  int64_t (*insert)(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq, int64_t* found);
  /* Removes `key`; its former entry (still readable), or -1. */
  int64_t (*remove)(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq);
  /* Removes the last item; its former entry, or -1 when empty. */
  int64_t (*popitem)(KilnMemInfo* mi);
  /* The first live entry at or after `pos`, or -1. */
  int64_t (*next)(KilnMemInfo* mi, int64_t pos);
  /* Where entry `ix`'s key is (its value: + value_offset - 16). */
  void* (*key_at)(KilnMemInfo* mi, int64_t ix);
  /* Forgets every entry (the caller released the values). */
  void (*clear)(KilnMemInfo* mi);
  /* A new block with the same items (values not retained) and destructor,
   * or NULL. */
  KilnMemInfo* (*copy)(KilnMemInfo* mi);
} KilnDictOps;

const KilnDictOps* kiln_dict_ops(void);
/* The table itself (kiln_runtime() points at it). */
extern const KilnDictOps kiln_dict_table;

KilnMemInfo* kiln_dict_new(int64_t key_size, int64_t value_size, int64_t min_entries, void (*dtor)(void*));
int64_t kiln_dict_lookup(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq);
int64_t kiln_dict_insert(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq, int64_t* found);
int64_t kiln_dict_remove(KilnMemInfo* mi, const void* key, int64_t hash, KilnKeyEq eq);
int64_t kiln_dict_popitem(KilnMemInfo* mi);
int64_t kiln_dict_next(KilnMemInfo* mi, int64_t pos);
void* kiln_dict_key_at(KilnMemInfo* mi, int64_t ix);
void* kiln_dict_value_at(KilnMemInfo* mi, int64_t ix);
void kiln_dict_clear(KilnMemInfo* mi);
KilnMemInfo* kiln_dict_copy(KilnMemInfo* mi);
int64_t kiln_dict_len(const KilnMemInfo* mi);
/* Calls fn(key, value, ctx) for each live entry of a dict block's data:
 * for a destructor, which gets the data rather than the meminfo. */
void kiln_dict_each_live(void* data, void (*fn)(void* key, void* value, void* ctx), void* ctx);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_DICT_H */
