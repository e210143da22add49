/* N-API module entry: creates the per-instance state and registers every concern's functions. */
#include "common.h"
#include <stdlib.h>
#include <sys/mman.h>

static void state_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_state *st = data;
  if (st->reaper) reaper_free(st->reaper);
  if (st->child_stack) munmap(st->child_stack, CHILD_STACK_SIZE);
  if (st->syscall_error_ctor) napi_delete_reference(env, st->syscall_error_ctor);
  if (st->spawn_error_ctor) napi_delete_reference(env, st->spawn_error_ctor);
  free(st);
}

addon_state *state_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static napi_value init(napi_env env, napi_value exports) {
  addon_state *st = calloc(1, sizeof *st);
  if (!st) return throw_syscall(env, "calloc", 12);
  napi_set_instance_data(env, st, state_finalize, NULL);
  register_errors(env, exports);
  register_spawn(env, exports);
  register_reaper(env, exports);
  register_pty(env, exports);
  register_fds(env, exports);
  register_proc(env, exports);
  register_ptrace(env, exports);
  register_socket(env, exports);
  register_constants(env, exports);
  register_logpump(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
