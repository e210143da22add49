/* spawnStart(spec, handoff): queues the spawn for a spawner thread (up to 8) and returns a ticket at once; pid and exec's outcome come later. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Why a thread: clone(CLONE_VM|CLONE_VFORK) suspends the calling thread until the child has exec'd
 * (or exited). Done on the JS thread, the event loop waited for every child's setup and execve.
 * On a spawner thread only that thread waits; the child shares its TLS (errno) while it is
 * suspended, as glibc's posix_spawn relies on. spawnStart does not wait for the child: it returns a
 * ticket, and the outcome ({ticket, pid} once exec'd, or {stage, errno} from the close-on-exec pipe,
 * or a failed clone without a pid) is posted back through a uv_async. The child's first act is to
 * store its pid in the job's word, so spawnPids() can say which pending tickets have a process already
 * (a status reaped for a pid is then known to be a pending spawn's, or no spawn's). Threads are
 * made on demand while all are busy, up to MAX_SPAWNERS: a burst of spawns (a fan-out) then has that
 * many children in their setup and exec at once; measured against 2, the pid came back in half the
 * time (docs/performance.md).
 *
 * The spawner threads run SCHED_BATCH (when the daemon runs SCHED_OTHER, as it does unless someone
 * chose otherwise): on two busy cores each spawnStart's wake-up of a spawner preempted the event
 * loop (a 500-task burst: 26 ms of the JS thread's time inside pthread_cond_signal; with BATCH 1 ms,
 * docs/performance.md). A batch thread is never a wake-up preemptor; its share of the CPU is the
 * same. The policy is inherited by clone, so each child goes back to SCHED_OTHER as its first act
 * (spawn_child.c): jobs run as the daemon does.
 */

#define MAX_SPAWNERS 8
#define HANDOFF_MAX 8

typedef struct spawn_job {
  spawn_spec spec;
  _Atomic int pid_word;   /* 0 until the child stored its pid (its first act) */
  uint32_t ticket;        /* what spawnStart returned */
  int errp[2];
  int nhandoff; int handoff[HANDOFF_MAX]; /* fds closed by the spawner once the child has exec'd */
  /* The outcome, filled by the spawner. */
  pid_t pid;
  int stage, err, note_err;
  int clone_err;          /* no process: the error pipe, the child stack or the clone failed */
  const char *clone_stage; /* which: "pipe2", "mmap", "clone" */
  char *subject;
  struct cgroup_remover *removers; /* the addon's: a removal of the job cgroup in flight comes first */
  struct spawn_job *next;
  struct spawn_job *pnext, *pprev; /* JS thread only: the pending list (started, outcome not yet delivered) */
} spawn_job;

typedef struct spawner_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  spawn_job *queue, *queue_tail; /* waiting for a thread */
  spawn_job *done, *done_tail;   /* outcomes for the JS thread */
  int nthreads, idle;
  pthread_t threads[MAX_SPAWNERS];
  bool stopping;
  bool batch;     /* the JS thread ran SCHED_OTHER when the pool was made: spawners run SCHED_BATCH */
  uv_async_t async;
  napi_env env;
  napi_ref callback;
  napi_async_context actx;
  /* JS thread only: started, outcome not yet delivered (a job is freed once its outcome is). */
  int pending;
  spawn_job *plist;
  uint32_t next_ticket;
} spawner_pool;

static void job_free(spawn_job *j) {
  spawn_spec_free(&j->spec);
  free(j->subject);
  free(j);
}

/* The child: stores its pid first (a raw syscall; it runs on the spawner thread's TLS), then spawn_child_main. */
static int async_child(void *arg) {
  spawn_job *j = arg;
  atomic_store(&j->pid_word, (int)syscall(SYS_getpid));
  return spawn_child_main(&j->spec);
}

/* The spawner is done with j (caller holds no lock): it goes to the JS thread's outcomes. */
static void post_outcome(spawner_pool *p, spawn_job *j) {
  pthread_mutex_lock(&p->mu);
  j->next = NULL;
  if (p->done_tail) p->done_tail->next = j; else p->done = j;
  p->done_tail = j;
  pthread_mutex_unlock(&p->mu);
  uv_async_send(&p->async);
}

/* No process: the spec's fds the child would have closed are closed here (spawnStart returned long ago). */
static void no_process(spawner_pool *p, spawn_job *j, const char *stage, int err) {
  if (j->errp[0] >= 0) { close(j->errp[0]); close(j->errp[1]); }
  for (int i = 0; i < j->nhandoff; i++) close(j->handoff[i]);
  j->clone_err = err;
  j->clone_stage = stage;
  post_outcome(p, j);
}

/*
 * The error pipe is made here, not in spawnStart: only the spawns in flight hold one. Made by the
 * JS thread, a burst of 500 queued spawns held 1,000 more fds, and every clone copies (and every
 * exec closes) the whole fd table: the JS thread's own fd calls waited on that.
 */
static void run_job(spawner_pool *p, spawn_job *j, void *stack) {
  spawn_spec *s = &j->spec;
  /* The child makes and joins its job cgroup after saying its pid (spawn_child.c): off the JS thread. */
  if (s->ncgroups > 0 && s->cgroup0_create) cgroup_removal_wait(j->removers, s->cgroup_dirs[0]);
  s->cgroups_in_child = true;
  /* Or it is born there (clone_into.c): the directory made and opened here, the child does not join it. */
  int into = -1;
  if (s->ncgroups > 0 && s->cgroup0_into && (!s->cgroup0_create || mkdir(s->cgroup_dirs[0], 0755) == 0 || errno == EEXIST))
    into = open(s->cgroup_dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  pid_t pid;
  int msg[2];
  for (;;) {
    if (pipe2(j->errp, O_CLOEXEC) < 0) {
      int e = errno;
      j->errp[0] = j->errp[1] = -1;
      if (into >= 0) close(into);
      no_process(p, j, "pipe2", e);
      return;
    }
    s->err_fd = j->errp[1];
    s->cgroup0_joined = into >= 0;
    pid = into >= 0 ? clone_into_cgroup(async_child, j, stack, CHILD_STACK_SIZE, into) : -1;
    if (pid < 0 && into >= 0) { close(into); into = -1; s->cgroup0_joined = false; } /* refused: it joins as before */
    if (pid < 0) pid = clone(async_child, (char *)stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, j);
    if (pid < 0) { no_process(p, j, "clone", errno); return; }
    close(j->errp[1]);
    /* Resumed: the child exec'd or exited. Messages until EOF: notes, then at most one failure. */
    bool said = false;
    for (;;) {
      ssize_t n = read(j->errp[0], msg, sizeof msg);
      if (n < 0 && errno == EINTR) continue;
      if (n != (ssize_t)sizeof msg) break;
      said = true;
      if (msg[0] == ST_NOTE_CGROUP) { j->note_err = msg[1]; continue; }
      j->stage = msg[0]; j->err = msg[1];
    }
    /* Dead before its first instruction: a cgroup once cgroup.kill'ed kills what is cloned into it
     * (Linux 6.x compares kill counts of the parent's cgroup and the child's). Again, joining by write;
     * the reaper reports that first pid as no one's. */
    if (into >= 0 && !said && atomic_load(&j->pid_word) == 0) {
      close(j->errp[0]);
      close(into);
      into = -1;
      continue;
    }
    break;
  }
  if (into >= 0) close(into);
  close(j->errp[0]);
  for (int i = 0; i < j->nhandoff; i++) close(j->handoff[i]);
  j->pid = pid;
  if (j->stage) {
    const spawn_spec *s = &j->spec;
    const char *subject = j->stage == ST_CHROOT ? s->chroot_dir : j->stage == ST_CHDIR && s->cwd ? s->cwd
                        : j->stage == ST_CGROUP && s->ncgroups > 0 ? s->cgroup_dirs[0] : s->file;
    j->subject = strdup(subject ? subject : "");
  }
  post_outcome(p, j);
}

static int add_thread(spawner_pool *p);

static void *spawner_main(void *arg) {
  spawner_pool *p = arg;
  /* SCHED_BATCH when the daemon runs SCHED_OTHER: a woken spawner does not preempt the event loop (see the top).
   * Asked of the pool, not of this thread: a spawner made by a spawner inherits BATCH. */
  struct sched_param sp = { 0 };
  bool batch = p->batch && sched_setscheduler(0, SCHED_BATCH, &sp) == 0;
  void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->queue && !p->stopping) pthread_cond_wait(&p->cv, &p->mu);
    if (!p->queue) break;
    spawn_job *j = p->queue;
    p->queue = j->next;
    if (!p->queue) p->queue_tail = NULL;
    p->idle--;
    /* More queued and no one idle: another thread, made here rather than by the JS thread (a clone
     * waits while children move into cgroups: cgroup_threadgroup_rwsem). */
    if (p->queue && p->idle == 0 && p->nthreads < MAX_SPAWNERS && !p->stopping) add_thread(p);
    pthread_mutex_unlock(&p->mu);
    if (stack == MAP_FAILED) {
      no_process(p, j, "mmap", ENOMEM);
    } else {
      j->spec.unbatch = batch;
      run_job(p, j, stack);
    }
    pthread_mutex_lock(&p->mu);
    p->idle++;
  }
  pthread_mutex_unlock(&p->mu);
  if (stack != MAP_FAILED) munmap(stack, CHILD_STACK_SIZE);
  return NULL;
}

/* On the JS thread: each outcome as {ticket, pid, error?, cgroupErrno?} to the callback, in the order the children ended their setup (pid 0: no process). */
static void on_outcomes(uv_async_t *h) {
  spawner_pool *p = h->data;
  pthread_mutex_lock(&p->mu);
  spawn_job *list = p->done;
  p->done = p->done_tail = NULL;
  pthread_mutex_unlock(&p->mu);
  if (!list) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t n = 0;
  while (list) {
    spawn_job *j = list;
    list = j->next;
    napi_value o;
    napi_create_object(env, &o);
    set_int(env, o, "ticket", (int32_t)j->ticket);
    set_int(env, o, "pid", j->clone_err ? 0 : j->pid);
    if (j->clone_err) {
      napi_value e = make_spawn_error(env, j->clone_stage, j->clone_err, j->spec.file ? j->spec.file : "");
      if (e) napi_set_named_property(env, o, "error", e);
      else { napi_value ignored; napi_get_and_clear_last_exception(env, &ignored); }
    } else if (j->stage) {
      const char *stage = j->stage > 0 && j->stage < ST_COUNT ? spawn_stage_names[j->stage] : "unknown";
      napi_value e = make_spawn_error(env, stage, j->err, j->subject ? j->subject : "");
      if (e) napi_set_named_property(env, o, "error", e);
      else { napi_value ignored; napi_get_and_clear_last_exception(env, &ignored); }
    }
    if (j->note_err) set_int(env, o, "cgroupErrno", j->note_err);
    napi_set_element(env, arr, n++, o);
    if (j->pprev) j->pprev->pnext = j->pnext; else p->plist = j->pnext;
    if (j->pnext) j->pnext->pprev = j->pprev;
    job_free(j);
    p->pending--;
  }
  if (p->pending <= 0) { p->pending = 0; uv_unref((uv_handle_t *)&p->async); }
  if (p->callback) call_back(env, p->callback, p->actx, arr);
  napi_close_handle_scope(env, scope);
}

static spawner_pool *pool_of(napi_env env) {
  addon_state *st = state_of(env);
  if (st->spawners) return st->spawners;
  spawner_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_async_init(loop, &p->async, on_outcomes);
  p->async.data = p;
  uv_unref((uv_handle_t *)&p->async);
  p->env = env;
  p->batch = sched_getscheduler(0) == SCHED_OTHER;
  napi_value name;
  napi_create_string_utf8(env, "upstart:spawn", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->actx);
  st->spawners = p;
  return p;
}

static void pool_closed(uv_handle_t *h) {
  spawner_pool *p = h->data;
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}

/* With the addon instance: threads finish what they run (a clone returns once its child exec'd) and end. */
void spawner_pool_free(spawner_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->stopping = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  while (p->done) { spawn_job *j = p->done; p->done = j->next; job_free(j); }
  uv_close((uv_handle_t *)&p->async, pool_closed);
}

/* A new spawner thread (caller holds mu; the JS thread for the first, then the spawners), with every signal blocked: its children start so, and no handler runs in the vfork window. */
static int add_thread(spawner_pool *p) {
  int rc = start_blocked_thread(&p->threads[p->nthreads], 128 * 1024, spawner_main, p);
  if (rc == 0) { p->nthreads++; p->idle++; }
  return rc;
}

static napi_value js_spawn_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "spawnStart takes an options object");
  spawner_pool *p = pool_of(env);
  if (!p) return throw_syscall(env, "calloc", ENOMEM);
  if (!p->callback) {
    napi_throw_error(env, "ERR_NO_SPAWN_RESULTS", "spawnStart needs spawnResults(callback) first");
    return NULL;
  }
  spawn_job *j = calloc(1, sizeof *j);
  if (!j) return throw_syscall(env, "calloc", ENOMEM);
  if (!spawn_spec_parse(env, argv[0], &j->spec)) { spawn_spec_free(&j->spec); free(j); return NULL; }
  if (argc >= 2) {
    napi_valuetype t;
    napi_typeof(env, argv[1], &t);
    if (t != napi_undefined) {
      bool is_arr = false;
      uint32_t len = 0;
      napi_is_array(env, argv[1], &is_arr);
      if (is_arr) napi_get_array_length(env, argv[1], &len);
      if (!is_arr || len > HANDOFF_MAX) { spawn_spec_free(&j->spec); free(j); return throw_type(env, "handoff must be an array of at most 8 fds"); }
      for (uint32_t i = 0; i < len; i++) {
        napi_value v;
        int32_t fd;
        napi_get_element(env, argv[1], i, &v);
        if (!arg_int32(env, v, "handoff fd", &fd)) { spawn_spec_free(&j->spec); free(j); return NULL; }
        j->handoff[j->nhandoff++] = fd;
      }
    }
  }
  j->errp[0] = j->errp[1] = -1;
  if (++p->next_ticket > INT32_MAX) p->next_ticket = 1;
  j->ticket = p->next_ticket;
  j->removers = state_of(env)->removers;

  pthread_mutex_lock(&p->mu);
  /* The first thread only: the others are made by the spawners (spawner_main). */
  if (p->nthreads == 0) add_thread(p);
  if (p->nthreads == 0) {
    pthread_mutex_unlock(&p->mu);
    spawn_spec_free(&j->spec); free(j);
    return throw_syscall(env, "pthread_create", EAGAIN);
  }
  /* On the pending list before the spawner can see it: from here on only on_outcomes frees it. */
  j->pprev = NULL;
  j->pnext = p->plist;
  if (p->plist) p->plist->pprev = j;
  p->plist = j;
  if (p->pending++ == 0) uv_ref((uv_handle_t *)&p->async);
  j->next = NULL;
  if (p->queue_tail) p->queue_tail->next = j; else p->queue = j;
  p->queue_tail = j;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return make_int(env, (int32_t)j->ticket);
}

/* spawnPids(): [ticket, pid, ...] of the pending spawns whose child exists (it stored its pid first thing). */
static napi_value js_spawn_pids(napi_env env, napi_callback_info info) {
  (void)info;
  spawner_pool *p = pool_of(env);
  napi_value arr;
  napi_create_array(env, &arr);
  if (!p) return arr;
  uint32_t n = 0;
  for (spawn_job *j = p->plist; j; j = j->pnext) {
    int pid = atomic_load(&j->pid_word);
    if (pid <= 0) continue;
    napi_set_element(env, arr, n++, make_int(env, (int32_t)j->ticket));
    napi_set_element(env, arr, n++, make_int(env, pid));
  }
  return arr;
}

/* spawnResults(callback | null): where spawnStart's outcomes go (one callback per addon instance). */
static napi_value js_spawn_results(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value cb;
  napi_get_cb_info(env, info, &argc, &cb, NULL, NULL);
  spawner_pool *p = pool_of(env);
  if (!p) return throw_syscall(env, "calloc", ENOMEM);
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, cb, &t);
  if (t != napi_function && t != napi_null && t != napi_undefined) return throw_type(env, "spawnResults takes a callback or null");
  if (p->callback) { napi_delete_reference(env, p->callback); p->callback = NULL; }
  if (t == napi_function) napi_create_reference(env, cb, 1, &p->callback);
  return NULL;
}

void register_spawn_async(napi_env env, napi_value exports) {
  set_fn(env, exports, "spawnStart", js_spawn_start);
  set_fn(env, exports, "spawnResults", js_spawn_results);
  set_fn(env, exports, "spawnPids", js_spawn_pids);
}
