#ifndef KILN_RUNTIME_CPU_KILN_NATIVE_H
#define KILN_RUNTIME_CPU_KILN_NATIVE_H
/* native: C functions that compiled code calls by address (a Numba
 * WrapperAddressProtocol, a ctypes or cffi function), reached through
 * KilnRuntime.native (kiln_rt.h). docs/python-subset.md, "Native functions".
 *
 * An address belongs to a process (ASLR, another build of the library), so
 * no compiled object holds one: the object names each function by a stable
 * identity (the key: the library file and the function's offset in it, see
 * kiln/_native.py) and keeps the address in a slot of its own, empty when it
 * is loaded. The first call through an empty slot asks `resolve` for the
 * key's address in this process and fills the slot. The client registers
 * every key with its address as it builds the bundle that names it, which
 * it does before any binary of that bundle (fresh or from the cache) runs. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The table compiled code calls (KilnRuntime.native). Fields are only ever
 * appended. */
typedef struct KilnNativeApi {
  uint32_t size; /* sizeof(KilnNativeApi) */
  /* The address registered for `key`, or NULL when none was. */
  void* (*resolve)(const char* key);
} KilnNativeApi;

extern const KilnNativeApi kiln_native_table;

/* Registers (or replaces) the address of `key` in this process. Returns 0,
 * or -1 when out of memory. Thread-safe. */
int kiln_native_register(const char* key, void* address);
/* kiln_native_table.resolve. */
void* kiln_native_resolve(const char* key);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_NATIVE_H */
