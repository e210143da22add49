/* Giving memory back after a burst of work (src/sys/memory.ts, used by src/daemon/quietGc.ts): malloc_trim and V8's external-memory count. */
#include "common.h"
#include <malloc.h>

/* mallocTrim(): returns the free memory of every malloc arena (the main heap and each thread's) to the kernel; true if any went. */
static napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_get_boolean(env, malloc_trim(0) == 1, &out);
  return out;
}

/* adjustExternalMemory(bytes): napi_adjust_external_memory; returns V8's new total of external memory. */
static napi_value js_adjust_external_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double bytes = 0;
  int64_t total = 0;
  napi_value out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_double(env, argv[0], "bytes", &bytes)) return NULL;
  if (napi_adjust_external_memory(env, (int64_t)bytes, &total) != napi_ok) return throw_type(env, "adjustExternalMemory failed");
  napi_create_double(env, (double)total, &out);
  return out;
}

void register_memory(napi_env env, napi_value exports) {
  set_fn(env, exports, "mallocTrim", js_malloc_trim);
  set_fn(env, exports, "adjustExternalMemory", js_adjust_external_memory);
}
