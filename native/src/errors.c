/* Throwing the TypeScript error classes (SyscallError, SpawnError) from C; JS registers them once. */
#include "common.h"
#include <string.h>

/* setErrorClasses(SyscallError, SpawnError): keeps references to the constructors. */
static napi_value set_error_classes(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  addon_state *st = state_of(env);
  for (int i = 0; i < 2; i++) {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    if (t != napi_function) return throw_type(env, "setErrorClasses takes two constructors");
  }
  if (st->syscall_error_ctor) napi_delete_reference(env, st->syscall_error_ctor);
  if (st->spawn_error_ctor) napi_delete_reference(env, st->spawn_error_ctor);
  napi_create_reference(env, argv[0], 1, &st->syscall_error_ctor);
  napi_create_reference(env, argv[1], 1, &st->spawn_error_ctor);
  return NULL;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* A new instance of the registered class; NULL (with an exception pending) if it is not registered. */
static napi_value instance(napi_env env, napi_ref ctor_ref, size_t argc, napi_value *argv, const char *fallback) {
  napi_value ctor, err;
  if (!ctor_ref || napi_get_reference_value(env, ctor_ref, &ctor) != napi_ok || !ctor) {
    napi_throw_error(env, "ERR_NATIVE_NOT_INITIALISED", fallback);
    return NULL;
  }
  return napi_new_instance(env, ctor, argc, argv, &err) == napi_ok ? err : NULL;
}

static napi_value construct(napi_env env, napi_ref ctor_ref, size_t argc, napi_value *argv, const char *fallback) {
  napi_value err = instance(env, ctor_ref, argc, argv, fallback);
  if (err) napi_throw(env, err);
  return NULL;
}

napi_value throw_syscall(napi_env env, const char *syscall, int err) {
  napi_value argv[3] = { str(env, syscall), make_int(env, err), str(env, strerror(err)) };
  return construct(env, state_of(env)->syscall_error_ctor, 3, argv, syscall);
}

napi_value throw_spawn(napi_env env, const char *stage, int err, const char *file) {
  napi_value argv[4] = { str(env, stage), make_int(env, err), str(env, file), str(env, strerror(err)) };
  return construct(env, state_of(env)->spawn_error_ctor, 4, argv, stage);
}

napi_value make_spawn_error(napi_env env, const char *stage, int err, const char *file) {
  napi_value argv[4] = { str(env, stage), make_int(env, err), str(env, file), str(env, strerror(err)) };
  return instance(env, state_of(env)->spawn_error_ctor, 4, argv, stage);
}

void register_errors(napi_env env, napi_value exports) {
  set_fn(env, exports, "setErrorClasses", set_error_classes);
}
