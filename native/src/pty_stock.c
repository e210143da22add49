/* A few raw pty pairs opened ahead on a thread of their own, so that openpty({raw}) on the JS thread only takes one. */
#include "common.h"
#include "pty_stock.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/*
 * Why: opening a pty is kernel work (/dev/ptmx, the tty structures, the peer) of 50 us of CPU each, and on
 * two busy cores the JS thread waited as long again inside it: a 500-task burst spent 66 ms of the event
 * loop's time in openpty, a 200-service fan-out 36 ms (docs/performance.md). Here a thread keeps up to
 * STOCK_MAX pairs ready; a take below half of it wakes the thread, which fills the stock again. The thread
 * runs SCHED_BATCH when the daemon runs SCHED_OTHER (it must not preempt the event loop, as the spawners
 * must not). Every fd is close-on-exec (a child never keeps one, a re-exec closes them). While idle the
 * thread waits on its condition variable: no timer, no wake-up. When the thread cannot open one (no
 * /dev/ptmx, the pty limit, EMFILE) it stops until an open on the JS thread succeeds again.
 */

#define STOCK_MAX 16

typedef struct pty_stock {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pty_pair pairs[STOCK_MAX];
  int count;
  bool stopping, failed, batch, running;
  pthread_t thread;
} pty_stock;

int pty_pair_open(bool raw, pty_pair *out, const char **syscall) {
  *syscall = "open";
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (master < 0) return errno;
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) { int e = errno; close(master); *syscall = "ioctl"; return e; }
  int n = -1;
  if (ioctl(master, TIOCGPTN, &n) < 0) n = -1;
  /* TIOCGPTPEER opens the slave without a path lookup (works in containers with a private devpts). */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && n >= 0) {
    char path[32];
    snprintf(path, sizeof path, "/dev/pts/%d", n);
    slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  if (slave < 0) { int e = errno; close(master); return e; }
  if (raw) {
    struct termios tio;
    if (tcgetattr(slave, &tio) == 0) { cfmakeraw(&tio); tcsetattr(slave, TCSANOW, &tio); }
  }
  out->master = master;
  out->slave = slave;
  out->ptn = n;
  return 0;
}

static void *stock_main(void *arg) {
  pty_stock *s = arg;
  struct sched_param sp = { 0 };
  if (s->batch) sched_setscheduler(0, SCHED_BATCH, &sp);
  pthread_mutex_lock(&s->mu);
  while (!s->stopping) {
    if (s->count >= STOCK_MAX || s->failed) {
      pthread_cond_wait(&s->cv, &s->mu);
      continue;
    }
    pthread_mutex_unlock(&s->mu);
    pty_pair p;
    const char *what;
    int e = pty_pair_open(true, &p, &what);
    pthread_mutex_lock(&s->mu);
    if (e) { s->failed = true; continue; }
    if (s->stopping || s->count >= STOCK_MAX) { close(p.master); close(p.slave); continue; }
    s->pairs[s->count++] = p;
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

pty_stock *pty_stock_new(void) {
  pty_stock *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  s->batch = sched_getscheduler(0) == SCHED_OTHER;
  s->running = start_blocked_thread(&s->thread, 64 * 1024, stock_main, s) == 0;
  return s;
}

bool pty_stock_take(pty_stock *s, pty_pair *out) {
  bool got = false;
  pthread_mutex_lock(&s->mu);
  if (s->count > 0) {
    *out = s->pairs[--s->count];
    got = true;
  }
  if (s->count <= STOCK_MAX / 2 && !s->failed) pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return got;
}

void pty_stock_opened(pty_stock *s) {
  pthread_mutex_lock(&s->mu);
  if (s->failed) {
    s->failed = false;
    pthread_cond_signal(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
}

void pty_stock_free(pty_stock *s) {
  pthread_mutex_lock(&s->mu);
  s->stopping = true;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  if (s->running) pthread_join(s->thread, NULL);
  for (int i = 0; i < s->count; i++) { close(s->pairs[i].master); close(s->pairs[i].slave); }
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
}
