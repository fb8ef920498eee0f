/* objmode: the hook the Python client installs (kiln_objmode.h). */
#include "kiln_objmode.h"

#include <stddef.h>

#include "kiln_abi.h"

static KilnObjmodeFn objmode_hook = NULL;

void kiln_objmode_set_hook(KilnObjmodeFn hook) { __atomic_store_n(&objmode_hook, hook, __ATOMIC_RELEASE); }

static int32_t runBlock(const char* key, int64_t nin, void* const* inputs, const char* const* in_types, int64_t nout,
                        void* const* outputs, const char* const* out_types, const char** error_class) {
  KilnObjmodeFn hook = __atomic_load_n(&objmode_hook, __ATOMIC_ACQUIRE);
  if (hook == NULL) return KILN_RUNTIME_ERROR; /* no interpreter to run the block in */
  return hook(key, nin, inputs, in_types, nout, outputs, out_types, error_class);
}

const KilnObjmodeApi kiln_objmode_table = {sizeof(KilnObjmodeApi), runBlock};
