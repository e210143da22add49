/* The log pump's shared state and the functions its thread (logpump_thread.c) and its N-API face (logpump.c) share. */
#ifndef UPSTART_LOGPUMP_H
#define UPSTART_LOGPUMP_H
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH (256 * 1024)          /* most bytes read before one write or one hand-over */
#define RELAY_MAX (4 * 1024 * 1024) /* relayed bytes JS has not taken yet at which the thread stops reading */
#define ACTIVE_GAP_MS 500            /* a direct write after this long without one tells JS (its stall check re-arms) */
#define HUP_RETRIES 500             /* POLLHUP with nothing to read: retry every 2 ms this often, then call it EOF */

/*
 * Invariants: only the thread reads the master, and it reads only while holding `readmu` and not
 * `abandoned` (so after pumpAbandon() returns, the thread never reads again and JS may read the
 * master itself). `mu` is never held across a read or a write: a read of a pty master can wait
 * for the tty layer's flush work, and the event loop takes `mu` (on_async, pumpSetFile, ...). Bytes leave in read order: relayed bytes JS has not taken when a log fd arrives
 * are written before anything read later (from pumpSetFile until the thread takes the fd, JS is
 * handed no relayed bytes). JS closes the master; the thread closes only its own
 * dup of the log fd. The struct is freed on the loop thread once the thread has finished (async
 * handle closed) and the JS handle was collected.
 */
typedef struct pump {
  int master;
  int wakefd;
  pthread_mutex_t mu;
  pthread_mutex_t readmu; /* held by the thread around each batch of reads; pumpAbandon waits on it */
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
  bool direct_ended, ended, thread_done, went_active;
  int direct_errno, end_errno;
  /* loop thread only */
  bool async_closed, js_released;
  /* shared, lock-free */
  _Atomic uint64_t written;
  _Atomic int64_t busy_since_ms;
  _Atomic int64_t last_write_ms; /* when the last direct write ended (0: none yet) */
  _Atomic bool direct;
  _Atomic bool abandoned;
} pump;


int64_t pump_now_ms(void);
/* Wakes the thread (caller holds mu); a no-op once the thread has finished and its eventfd is closed. */
void pump_wake(pump *p);
void pump_free(pump *p);
/* Appends to the relay buffer (caller holds mu). Returns false when out of memory. */
bool pump_relay_append(pump *p, const char *buf, size_t len);
/* The thread: reads the master and writes directly or relays, until EOF or abandoned. */
void *pump_main(void *arg);

#endif
