/* exceptions: heap arguments of a raised exception (kiln_error.h). */
#include "kiln_error.h"

#include <string.h>

#include "kiln_rt.h"

static KilnMemInfo* argBlock(const KilnErrorArg* arg) {
  if (arg->tag != KILN_ARG_OWNED_STR && arg->tag != KILN_ARG_TUPLE && arg->tag != KILN_ARG_OWNED_BYTES) return NULL;
  return (KilnMemInfo*)(uintptr_t)arg->bits;
}

void kiln_error_arg_release(KilnErrorArg* arg) {
  kiln_mi_decref(argBlock(arg));
  arg->tag = KILN_ARG_NONE;
  arg->bits = 0;
}

void kiln_error_clear(KilnError* err) {
  int32_t n = err->nargs;
  if (n > KILN_ERROR_MAX_ARGS) n = KILN_ERROR_MAX_ARGS;
  for (int32_t k = 0; k < n; ++k) kiln_error_arg_release(&err->args[k]);
  err->nargs = 0;
  err->has_args = 0;
}

void kiln_error_retain(KilnError* err) {
  int32_t n = err->nargs;
  if (n > KILN_ERROR_MAX_ARGS) n = KILN_ERROR_MAX_ARGS;
  for (int32_t k = 0; k < n; ++k) kiln_mi_incref(argBlock(&err->args[k]));
}

int32_t kiln_error_str_arg(KilnErrorArg* slot, const KilnStr* s) {
  const size_t bytes = (size_t)s->length * (size_t)s->kind;
  KilnMemInfo* mi = kiln_mi_alloc(sizeof(KilnErrorStr) + bytes, 16, NULL);
  if (mi == NULL) {
    slot->tag = KILN_ARG_NONE;
    slot->bits = 0;
    return KILN_MEMORY_ERROR;
  }
  KilnErrorStr* out = (KilnErrorStr*)mi->data;
  out->length = s->length;
  out->kind = s->kind;
  if (bytes != 0) memcpy(out + 1, s->data, bytes);
  slot->tag = KILN_ARG_OWNED_STR;
  slot->bits = (int64_t)(uintptr_t)mi;
  return 0;
}

int32_t kiln_error_bytes_arg(KilnErrorArg* slot, const uint8_t* data, int64_t length) {
  KilnStr s = {NULL, (void*)data, length, 1};
  int32_t rc = kiln_error_str_arg(slot, &s);
  if (rc == 0) slot->tag = KILN_ARG_OWNED_BYTES;
  return rc;
}

static void tupleDtor(void* data) {
  KilnErrorTuple* t = (KilnErrorTuple*)data;
  KilnErrorArg* items = (KilnErrorArg*)(t + 1);
  for (int64_t k = 0; k < t->count; ++k) kiln_error_arg_release(&items[k]);
}

int32_t kiln_error_tuple_arg(KilnErrorArg* slot, KilnErrorArg* items, int64_t count) {
  KilnMemInfo* mi = NULL;
  void* data = kiln_mi_alloc_data_dtor(sizeof(KilnErrorTuple) + (size_t)count * sizeof(KilnErrorArg), 16,
                                       tupleDtor, &mi);
  if (data == NULL) {
    for (int64_t k = 0; k < count; ++k) kiln_error_arg_release(&items[k]);
    slot->tag = KILN_ARG_NONE;
    slot->bits = 0;
    return KILN_MEMORY_ERROR;
  }
  KilnErrorTuple* t = (KilnErrorTuple*)data;
  t->count = count;
  t->reserved = 0;
  if (count != 0) memcpy(t + 1, items, (size_t)count * sizeof(KilnErrorArg));
  slot->tag = KILN_ARG_TUPLE;
  slot->bits = (int64_t)(uintptr_t)mi;
  return 0;
}

const KilnErrorApi kiln_error_table = {sizeof(KilnErrorApi), kiln_error_clear, kiln_error_str_arg,
                                       kiln_error_tuple_arg, kiln_error_retain, kiln_error_bytes_arg};
