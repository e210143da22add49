/* Argument conversion and object-building helpers shared by every native concern. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

static bool type_fail(napi_env env, const char *what, const char *expected) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s must be %s", what, expected);
  throw_type(env, buf);
  return false;
}

bool arg_int32(napi_env env, napi_value v, const char *what, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return type_fail(env, what, "a number");
  napi_get_value_int32(env, v, out);
  return true;
}

bool arg_double(napi_env env, napi_value v, const char *what, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return type_fail(env, what, "a number");
  napi_get_value_double(env, v, out);
  return true;
}

bool arg_bool(napi_env env, napi_value v, bool *out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) { *out = false; return true; }
  if (t != napi_boolean) return type_fail(env, "flag", "a boolean");
  napi_get_value_bool(env, v, out);
  return true;
}

char *arg_string(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) { type_fail(env, what, "a string"); return NULL; }
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  char *s = malloc(len + 1);
  if (!s) { throw_syscall(env, "malloc", 12); return NULL; }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) { free(s); type_fail(env, what, "a string without NUL bytes"); return NULL; }
  return s;
}

char **arg_string_array(napi_env env, napi_value v, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, v, &is_array);
  if (!is_array) { type_fail(env, what, "an array of strings"); return NULL; }
  napi_get_array_length(env, v, &n);
  char **a = calloc((size_t)n + 1, sizeof *a);
  if (!a) { throw_syscall(env, "calloc", 12); return NULL; }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, v, i, &e);
    a[i] = arg_string(env, e, what);
    if (!a[i]) { free_string_array(a); return NULL; }
  }
  return a;
}

void free_string_array(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

napi_value get_prop(napi_env env, napi_value obj, const char *name, bool *present) {
  napi_value v;
  napi_valuetype t;
  *present = false;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return NULL;
  napi_typeof(env, v, &t);
  *present = t != napi_undefined;
  return v;
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

void set_int(napi_env env, napi_value obj, const char *name, int64_t v) {
  napi_set_named_property(env, obj, name, make_int(env, v));
}

void set_str(napi_env env, napi_value obj, const char *name, const char *v) {
  napi_value s;
  napi_create_string_utf8(env, v, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, name, s);
}

void set_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

void call_back(napi_env env, napi_ref fn, napi_async_context actx, napi_value arg) {
  napi_value cb, recv, result;
  if (napi_get_reference_value(env, fn, &cb) != napi_ok || cb == NULL) return;
  napi_get_global(env, &recv);
  if (napi_make_callback(env, actx, recv, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

int start_blocked_thread(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(t, &attr, fn, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  return rc;
}
