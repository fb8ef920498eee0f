/* native: the process's table of native functions' addresses (kiln_native.h). */
#include "kiln_native.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct Entry {
  char* key;
  void* address;
} Entry;

/* A few dozen keys per process at most (one per native function a bundle
 * names), and each binary resolves each of its keys once: a linear scan
 * under a lock is enough. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Entry* entries = NULL;
static size_t count = 0, capacity = 0;

int kiln_native_register(const char* key, void* address) {
  int rc = 0;
  pthread_mutex_lock(&lock);
  size_t k = 0;
  while (k < count && strcmp(entries[k].key, key) != 0) ++k;
  if (k < count) {
    entries[k].address = address;
  } else {
    if (count == capacity) {
      size_t grown = capacity ? 2 * capacity : 16;
      Entry* more = (Entry*)realloc(entries, grown * sizeof(Entry));
      if (more == NULL) {
        rc = -1;
        goto done;
      }
      entries = more;
      capacity = grown;
    }
    char* copy = strdup(key);
    if (copy == NULL) {
      rc = -1;
      goto done;
    }
    entries[count].key = copy;
    entries[count].address = address;
    ++count;
  }
done:
  pthread_mutex_unlock(&lock);
  return rc;
}

void* kiln_native_resolve(const char* key) {
  void* address = NULL;
  pthread_mutex_lock(&lock);
  for (size_t k = 0; k < count; ++k)
    if (strcmp(entries[k].key, key) == 0) {
      address = entries[k].address;
      break;
    }
  pthread_mutex_unlock(&lock);
  return address;
}

const KilnNativeApi kiln_native_table = {sizeof(KilnNativeApi), kiln_native_resolve};
