/* The CUDA driver-API layer: see kiln_cuda.h. */
#include "kiln_cuda.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the entry points --------------------------------------------------- */

typedef struct KilnCudaTable {
#define KILN_CUDA_FN(name, symbol, params) int(*name) params;
#include "driver_functions.def"
} KilnCudaTable;

static KilnCudaTable table;
static void* library;
static int loaded;
static pthread_mutex_t open_mutex = PTHREAD_MUTEX_INITIALIZER;

static void say(char* why, size_t why_size, const char* fmt, const char* a, const char* b) {
  if (why != NULL && why_size > 0) snprintf(why, why_size, fmt, a, b);
}

int kiln_cuda_loaded(void) { return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE); }

int kiln_cuda_open(const char* path, char* why, size_t why_size) {
  if (kiln_cuda_loaded()) return KILN_CUDA_SUCCESS;
  pthread_mutex_lock(&open_mutex);
  int result = KILN_CUDA_SUCCESS;
  if (loaded) goto done;
  if (path == NULL || *path == '\0') path = getenv("KILN_LIBCUDA");
  if (path == NULL || *path == '\0') path = "libcuda.so.1";
  if (library == NULL) library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    const char* err = dlerror();
    say(why, why_size, "cannot load the CUDA driver (%s): %s; is the NVIDIA driver installed?", path,
        err ? err : "not found");
    result = KILN_CUDA_ERROR_NOT_LOADED;
    goto done;
  }
#define KILN_CUDA_FN(name, symbol, params)                                                      \
  table.name = (int(*) params)dlsym(library, symbol);                                           \
  if (table.name == NULL) {                                                                     \
    say(why, why_size, "the CUDA driver %s has no %s: it is older than Kiln needs (CUDA 11.2+)", \
        path, symbol);                                                                          \
    result = KILN_CUDA_ERROR_NOT_LOADED;                                                        \
    goto done;                                                                                  \
  }
#include "driver_functions.def"
  result = table.cuInit(0);
  if (result == KILN_CUDA_ERROR_STUB_LIBRARY) {
    say(why, why_size, "%s is the CUDA toolkit's stub library, not a driver (CUDA_ERROR_STUB_LIBRARY)%s", path, "");
  } else if (result == KILN_CUDA_ERROR_NO_DEVICE) {
    say(why, why_size, "%s found no CUDA-capable device (CUDA_ERROR_NO_DEVICE)%s", path, "");
  } else if (result != KILN_CUDA_SUCCESS) {
    char text[256];
    kiln_cuda_error_text(result, text, sizeof text);
    say(why, why_size, "cuInit failed: %s%s", text, "");
  } else {
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
  }
done:
  if (!loaded && library != NULL) { /* a failed open leaves nothing behind: another path may be tried */
    dlclose(library);
    library = NULL;
    memset(&table, 0, sizeof table);
  }
  pthread_mutex_unlock(&open_mutex);
  return result;
}

void* kiln_cuda_function(const char* name) {
  if (!kiln_cuda_loaded() || name == NULL) return NULL;
#define KILN_CUDA_FN(fn, symbol, params) \
  if (strcmp(name, #fn) == 0) return (void*)table.fn;
#include "driver_functions.def"
  return NULL;
}

void kiln_cuda_error_text(int code, char* out, size_t out_size) {
  if (out == NULL || out_size == 0) return;
  const char *name = NULL, *text = NULL;
  if (table.cuGetErrorName != NULL && table.cuGetErrorName(code, &name) != 0) name = NULL;
  if (table.cuGetErrorString != NULL && table.cuGetErrorString(code, &text) != 0) text = NULL;
  if (name == NULL) {
    switch (code) {
      case KILN_CUDA_ERROR_NOT_INITIALIZED: name = "CUDA_ERROR_NOT_INITIALIZED"; break;
      case KILN_CUDA_ERROR_STUB_LIBRARY: name = "CUDA_ERROR_STUB_LIBRARY"; break;
      case KILN_CUDA_ERROR_NO_DEVICE: name = "CUDA_ERROR_NO_DEVICE"; break;
      case KILN_CUDA_ERROR_ILLEGAL_ADDRESS: name = "CUDA_ERROR_ILLEGAL_ADDRESS"; break;
      case KILN_CUDA_ERROR_NOT_LOADED: name = "the CUDA driver is not loaded"; break;
      default: break;
    }
  }
  if (name == NULL) {
    snprintf(out, out_size, "CUresult %d", code);
  } else if (text != NULL) {
    snprintf(out, out_size, "%s: %s", name, text);
  } else {
    snprintf(out, out_size, "%s", name);
  }
}

/* ---- parameter layouts ---------------------------------------------------- */

enum { kMaxParams = 1024 };

static int addParam(KilnCudaParam* params, uint32_t* n, uint32_t* offset, uint32_t size) {
  if (*n >= kMaxParams) return 0;
  *offset = (*offset + size - 1) / size * size; /* natural alignment */
  params[*n].offset = *offset;
  params[*n].size = size;
  *offset += size;
  ++*n;
  return 1;
}

KilnCudaLayout* kiln_cuda_layout_new(const char* spec, char* why, size_t why_size) {
  KilnCudaParam* params = malloc(sizeof(KilnCudaParam) * kMaxParams);
  if (params == NULL) return NULL;
  uint32_t n = 0, offset = 0;
  int depth = 0;
  const char* p = spec ? spec : "";
  while (*p) {
    const char c = *p++;
    int ok = 1;
    if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      ok = depth >= 0;
    } else if (c == 'A') {
      char* end = NULL;
      long nd = strtol(p, &end, 10);
      ok = end != p && nd >= 0 && nd <= 32;
      p = end;
      ok = ok && addParam(params, &n, &offset, 8);
      for (long k = 0; ok && k < 2 * nd; ++k) ok = addParam(params, &n, &offset, 8);
    } else if (c == 'b' || c == 'i' || c == 'u' || c == 'f' || c == 'c' || c == 'M') {
      char* end = NULL;
      long bytes = strtol(p, &end, 10);
      p = end ? end : p;
      if (c == 'c') {
        ok = (bytes == 8 || bytes == 16) && addParam(params, &n, &offset, (uint32_t)bytes / 2) &&
             addParam(params, &n, &offset, (uint32_t)bytes / 2);
      } else {
        ok = (c == 'b' ? bytes == 1
              : c == 'f' ? (bytes == 2 || bytes == 4 || bytes == 8)
              : c == 'M' ? bytes == 8
                         : (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) &&
             addParam(params, &n, &offset, (uint32_t)bytes);
      }
    } else {
      ok = 0;
    }
    if (!ok) {
      char at[2] = {c, '\0'};
      say(why, why_size, "bad kernel parameter spec '%s' at '%s' (or more than 1024 parameters)", spec ? spec : "",
          at);
      free(params);
      return NULL;
    }
  }
  if (depth != 0) {
    say(why, why_size, "bad kernel parameter spec '%s': unbalanced parentheses%s", spec, "");
    free(params);
    return NULL;
  }
  KilnCudaLayout* layout = malloc(sizeof(KilnCudaLayout) + sizeof(KilnCudaParam) * n);
  if (layout != NULL) {
    layout->nparams = n;
    layout->nbytes = (offset + 7) / 8 * 8;
    memcpy(layout->params, params, sizeof(KilnCudaParam) * n);
  }
  free(params);
  return layout;
}

void kiln_cuda_layout_free(KilnCudaLayout* layout) { free(layout); }

int kiln_cuda_launch(KilnCuHandle function, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                     KilnCuHandle stream, const KilnCudaLayout* layout, const void* block_bytes) {
  if (!kiln_cuda_loaded()) return KILN_CUDA_ERROR_NOT_LOADED;
  void* pointers[kMaxParams];
  const char* base = (const char*)block_bytes;
  for (uint32_t k = 0; k < layout->nparams; ++k) pointers[k] = (void*)(base + layout->params[k].offset);
  return table.cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes,
                              stream, pointers, NULL);
}
