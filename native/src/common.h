/* Shared declarations of the native layer: per-instance state, argument helpers, error throwing. */
#ifndef UPSTART_NATIVE_COMMON_H
#define UPSTART_NATIVE_COMMON_H

#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything the addon keeps lives here (napi instance data), never in C globals. */
typedef struct addon_state {
  napi_ref syscall_error_ctor; /* SyscallError(syscall, errno, strerror) */
  napi_ref spawn_error_ctor;   /* SpawnError(stage, errno, file, strerror) */
  struct reaper *reaper;       /* the one SIGCHLD reaper, NULL until started */
  struct spawner_pool *spawners; /* spawnStart's threads (spawn_async.c), NULL until first used */
  void *child_stack;           /* spawn's clone stack, mapped once and reused (spawn is synchronous) */
  bool reaper_cgroups;         /* reaperCgroups(true): exit records carry the child's cgroup v2 path */
  struct pump_pool *pumps;     /* the log pumps' thread pool (logpump_pool.c), NULL until the first pump */
  struct cgroup_remover *removers; /* cgroupRemove's thread (cgroup_remove.c), NULL until first used */
  struct pty_stock *ptys;      /* raw pty pairs opened ahead (pty_stock.c), NULL until the first raw openpty */
} addon_state;

#define CHILD_STACK_SIZE (256 * 1024)

/* state.c: the instance's state (made by addon.c's init, freed with the instance). */
addon_state *state_of(napi_env env);
addon_state *state_new(napi_env env);

/* Throws a pending JS exception; each returns NULL so callers can `return throw_...`. */
napi_value throw_syscall(napi_env env, const char *syscall, int err);
napi_value throw_spawn(napi_env env, const char *stage, int err, const char *file);
napi_value throw_type(napi_env env, const char *msg);
/* A SpawnError value, not thrown (for results delivered later); NULL with an exception pending. */
napi_value make_spawn_error(napi_env env, const char *stage, int err, const char *file);

/* Argument helpers: return false with a TypeError pending on bad input. */
bool arg_int32(napi_env env, napi_value v, const char *what, int32_t *out);
bool arg_double(napi_env env, napi_value v, const char *what, double *out);
bool arg_bool(napi_env env, napi_value v, bool *out);
/* malloc'd copy of a JS string (NUL-terminated); NULL with TypeError pending. */
char *arg_string(napi_env env, napi_value v, const char *what);
/* NULL-terminated malloc'd array of malloc'd strings; NULL with TypeError pending. */
char **arg_string_array(napi_env env, napi_value v, const char *what);
void free_string_array(char **a);
/* Property access: *present=false when missing or undefined. */
napi_value get_prop(napi_env env, napi_value obj, const char *name, bool *present);

napi_value make_int(napi_env env, int64_t v);
void set_int(napi_env env, napi_value obj, const char *name, int64_t v);
void set_str(napi_env env, napi_value obj, const char *name, const char *v);
void set_fn(napi_env env, napi_value exports, const char *name, napi_callback cb);
/* From a libuv callback: calls the referenced JS function with one argument in its async context; a throw is fatal (as an uncaught exception). */
void call_back(napi_env env, napi_ref fn, napi_async_context actx, napi_value arg);
/* A joinable thread with `stack` bytes of stack that starts with every signal blocked (handlers run on the JS thread only). 0 or pthread_create's error. */
int start_blocked_thread(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg);

/* Registration of each concern's functions on the exports object. */
void register_errors(napi_env env, napi_value exports);
void register_spawn(napi_env env, napi_value exports);
void register_reaper(napi_env env, napi_value exports);
void register_pty(napi_env env, napi_value exports);
void register_fds(napi_env env, napi_value exports);
void register_proc(napi_env env, napi_value exports);
void register_ptrace(napi_env env, napi_value exports);
void register_socket(napi_env env, napi_value exports);
void register_listen(napi_env env, napi_value exports);
void register_constants(napi_env env, napi_value exports);
void register_logpump(napi_env env, napi_value exports);
void register_memory(napi_env env, napi_value exports);

void reaper_free(struct reaper *r);
void register_spawn_async(napi_env env, napi_value exports);
void spawner_pool_free(struct spawner_pool *p);
void register_cgroup_remove(napi_env env, napi_value exports);
void cgroup_remover_free(struct cgroup_remover *r);
/* Blocks while a removal of PATH (or of a directory under it) is queued or running (R may be NULL: none ever was); any thread. */
void cgroup_removal_wait(struct cgroup_remover *r, const char *path);

#endif
