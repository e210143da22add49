/* The addon's per-instance state (napi instance data): made once at init, freed with the instance. */
#include "common.h"
#include "logpump.h"
#include "pty_stock.h"
#include <stdlib.h>
#include <sys/mman.h>

static void state_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon_state *st = data;
  if (st->reaper) reaper_free(st->reaper);
  if (st->pumps) pool_release(st->pumps);
  if (st->spawners) spawner_pool_free(st->spawners);
  if (st->removers) cgroup_remover_free(st->removers);
  if (st->ptys) pty_stock_free(st->ptys);
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

addon_state *state_new(napi_env env) {
  addon_state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  if (napi_set_instance_data(env, st, state_finalize, NULL) != napi_ok) {
    free(st);
    return NULL;
  }
  return st;
}
