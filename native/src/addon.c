/* N-API module entry: creates the per-instance state (state.c) and registers every concern's functions. */
#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!state_new(env)) return throw_syscall(env, "calloc", 12);
  register_errors(env, exports);
  register_spawn(env, exports);
  register_spawn_async(env, exports);
  register_cgroup_remove(env, exports);
  register_reaper(env, exports);
  register_pty(env, exports);
  register_fds(env, exports);
  register_proc(env, exports);
  register_ptrace(env, exports);
  register_socket(env, exports);
  register_listen(env, exports);
  register_constants(env, exports);
  register_logpump(env, exports);
  register_memory(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
