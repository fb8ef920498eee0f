#ifndef KILN_RUNTIME_CPU_KILN_OBJMODE_H
#define KILN_RUNTIME_CPU_KILN_OBJMODE_H
/* objmode: a `with objmode(out="type", ...):` block in compiled code,
 * reached through KilnRuntime.objmode (kiln_rt.h).
 *
 * Compiled code never runs the block: the Python client takes it out of the
 * function before the bundle is built (kiln/_objmode.py) and keeps it as a
 * Python function of the variables it reads. Compiled code hands those
 * values over stored as results of their types (kiln_abi.h), with the types'
 * spellings, as print() does, and gets each declared output back stored as
 * a result of its declared type, in a slot it provides. The block is named
 * by a key the client chose (stable across processes, part of the bundle).
 *
 * The Python client installs the hook with kiln_objmode_set_hook; without
 * one (the C++ client) the call returns KILN_RUNTIME_ERROR and compiled code
 * raises a RuntimeError saying the block needs the Python client. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the block named `key` with inputs[0..nin) (stored as results of the
 * types spelled in_types[k], borrowed for the call) and stores its outputs
 * in outputs[0..nout) (slots of the memory form of out_types[k]; each value
 * stored owns its references, as a result does). Returns KILN_OK,
 * KILN_PYTHON_ERROR (the block raised, or an output did not convert: the
 * Python exception waits in the client for the caller to raise it), or
 * KILN_RUNTIME_ERROR (no hook installed). On KILN_PYTHON_ERROR,
 * *error_class is the exception's class path ",module:qualname,...," (its
 * class and bases, valid for the life of the process): compiled code
 * raises it as KILN_CLASS_ERROR with that class_name, so its except clauses
 * match the exception as Python would, and the caller raises the very
 * object (the client knows it by that pointer). */
typedef int32_t (*KilnObjmodeFn)(const char* key, int64_t nin, void* const* inputs, const char* const* in_types,
                                 int64_t nout, void* const* outputs, const char* const* out_types,
                                 const char** error_class);

/* The table compiled code calls (KilnRuntime.objmode). Fields are only ever
 * appended. */
typedef struct KilnObjmodeApi {
  uint32_t size; /* sizeof(KilnObjmodeApi) */
  KilnObjmodeFn call;
} KilnObjmodeApi;

extern const KilnObjmodeApi kiln_objmode_table;

/* Installs the function every block runs through (NULL: none). */
void kiln_objmode_set_hook(KilnObjmodeFn hook);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_CPU_KILN_OBJMODE_H */
