/* The log pump's shared state: one pump per pty master, all served by one pool thread (logpump_pool.c, logpump_step.c). */
#ifndef UPSTART_LOGPUMP_H
#define UPSTART_LOGPUMP_H
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH (256 * 1024)          /* most bytes read before one write or one hand-over */
#define RELAY_MAX (4 * 1024 * 1024) /* relayed bytes JS has not taken yet at which the pump stops reading */
#define ACTIVE_GAP_MS 500            /* a direct write after this long without one tells JS (its stall check re-arms) */
#define HUP_RETRIES 500             /* a hang-up with nothing to read: retry every 2 ms this often, then call it EOF */
#define HUP_RETRY_MS 2
#define ROUNDS_MAX 16               /* direct batches in a row for one pump before the others get a turn */
#define STUCK_MS 500                /* a write this long: the loop thread is left to it and a new one serves the rest */

struct pump_pool;

/*
 * Every pty master is registered (EPOLLONESHOT) with the pool's epoll set; one loop thread waits on it
 * and serves one pump at a time (reads a batch, then writes it to the log or relays it to JS). A write
 * that takes longer than STUCK_MS leaves its thread to that pump ("solo") and the pool starts a new
 * loop thread for the rest; the old one hands the pump back and exits when its write returns.
 *
 * Invariants: only the pool reads the master, and only while holding `readmu` and not `abandoned`
 * (so after pumpAbandon() returns, the pool never reads again, never touches the master's epoll
 * registration again, and JS may read or close the master itself). `mu` is never held across a read
 * or a write: a read of a pty master can wait for the tty layer's flush work, and the event loop
 * takes `mu` (on_async, pumpSetFile, ...). Bytes leave in read order: relayed bytes JS has not taken
 * when a log fd arrives are written before anything read later (from pumpSetFile until the pool
 * takes the fd, JS is handed no relayed bytes). JS closes the master; the pool closes only its own
 * dup of the log fd. Once `done` is set (under mu) the pool holds no pointer to the pump; the
 * struct is freed on the event loop once its async handle is closed and the JS handle collected.
 */
typedef struct pump {
  int master;
  struct pump_pool *pool;
  pthread_mutex_t mu;
  pthread_mutex_t readmu; /* held around each batch of reads and each epoll_ctl; pumpAbandon waits on it */
  uv_async_t async;
  napi_env env;
  napi_ref cb;
  napi_async_context actx;
  /* under mu */
  char *relay;
  size_t relay_len, relay_cap;
  int new_fd;
  char *new_path;
  bool set_file, clear_file, paused, waiting_room;
  bool direct_ended, ended, done, went_active;
  int direct_errno, end_errno;
  /* event loop only */
  bool async_closed, js_released;
  /* under readmu */
  bool registered; /* in the epoll set */
  /* the pool's (the loop thread's, or while solo the thread writing for it) */
  int fd; /* the log fd written directly, -1 when relaying */
  char *path;
  dev_t dev;
  ino_t ino;
  int hup_tries;
  bool armed, in_hup;
  int64_t hup_due_ms;
  struct pump *hup_next, *hup_prev;
  /* under the pool's mutex */
  bool queued, solo;
  struct pump *queue_next;
  /* shared, lock-free */
  _Atomic uint64_t written;
  _Atomic int64_t busy_since_ms;
  _Atomic int64_t last_write_ms; /* when the last direct write ended (0: none yet) */
  _Atomic bool direct;
  _Atomic bool abandoned;
} pump;

/* One loop thread's own state (the thread that serves pumps, or a retired one finishing a solo pump). */
typedef struct pump_loop {
  struct pump_pool *pool;
  unsigned gen;
  bool retired; /* set when a write of this thread outlasted STUCK_MS and another thread took over */
  char *buf;
} pump_loop;

int64_t pump_now_ms(void);
void pump_free(pump *p);
/* Appends to the relay buffer (caller holds mu). Returns false when out of memory. */
bool pump_relay_append(pump *p, const char *buf, size_t len);

/* logpump_pool.c */
/* The instance's pool, started on first use; NULL with *err set if it cannot be. */
struct pump_pool *pool_get(napi_env env, int *err);
/* Frees the pool once its threads have gone (instance teardown). */
void pool_release(struct pump_pool *pool);
/* Has the pool look at the pump's state again (caller holds mu); a no-op once the pump is done. */
void pump_wake(pump *p);
/* From pumpStart, before the pool knows the pump: adds the master to the epoll set (armed) from the calling
 * thread, so the loop thread need not be woken for it. False if it cannot be (the pool's own step then tries). */
bool pool_register(pump *p);
/* From pumpAbandon (caller holds readmu, `abandoned` set): removes the master from the epoll set. */
void pool_forget(pump *p);
/* The pool's side of the step (logpump_step.c). */
void pool_arm(pump_loop *L, pump *p);
void pool_hup_later(pump_loop *L, pump *p);
void pool_hup_cancel(pump_loop *L, pump *p);
/* Around each direct write: the watchdog times it; after it, L->retired says whether another thread took over meanwhile. */
void pool_write_begin(pump_loop *L, pump *p);
void pool_write_end(pump_loop *L);
/* The pump is finished: the pool forgets it and tells JS (ended: EOF or a read error; false: abandoned or never ran). */
void pool_finish(pump_loop *L, pump *p, bool ended, int end_errno);

/* logpump_step.c: serves one pump (why: its queued state changed, its master is readable, a hang-up retry is due). */
enum { STEP_CONTROL, STEP_READABLE, STEP_HUP_RETRY };
/* Returns true when the pump was finished (the caller must not touch it again). */
bool pump_step(pump_loop *L, pump *p, int why, uint32_t revents);

#endif
