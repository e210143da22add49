/* `initctl events --follow` across a re-exec: holds the journal the daemon replays back up to the last line already shown. */
#include "replay.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static int out(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int set_last(struct replay *r, const char *line, size_t n) {
  r->last.len = 0;
  if (buf_put(&r->last, line, n)) return -1;
  r->has_last = 1;
  return 0;
}

void replay_resume(struct replay *r) {
  r->partial.len = 0;
  r->partial_shown = 0;
  r->held.len = 0;
  r->held_lines = 0;
  r->skipping = r->has_last;
}

/* The held lines, shown; the last of them becomes the last line shown. */
static int release(struct replay *r) {
  int any = r->held.len > 0;
  r->skipping = 0;
  if (!any) return 0;
  if (out(r->held.data, r->held.len)) return -1;
  const char *end = r->held.data + r->held.len - 1; /* its final newline */
  const char *start = end;
  while (start > r->held.data && start[-1] != '\n') start--;
  if (set_last(r, start, (size_t)(end - start))) return -1;
  r->held.len = 0;
  r->held_lines = 0;
  return 1;
}

int replay_flush(struct replay *r) {
  if (!r->skipping) return 0;
  int any = release(r);
  if (any < 0) return -1;
  if (r->partial.len > 0 && !r->partial_shown) {
    if (out(r->partial.data, r->partial.len)) return -1;
    r->partial_shown = 1;
  }
  return any;
}

/* One complete line while skipping: the last line shown ends the skip; any other is held. */
static int skip_line(struct replay *r, const char *line, size_t n) {
  if (r->has_last && n == r->last.len && !memcmp(line, r->last.data, n)) {
    r->skipping = 0;
    r->held.len = 0;
    r->held_lines = 0;
    return 0;
  }
  if (buf_put(&r->held, line, n) || buf_put(&r->held, "\n", 1)) return -1;
  if (++r->held_lines > REPLAY_LIMIT) return release(r) < 0 ? -1 : 0;
  return 0;
}

int replay_feed(struct replay *r, const char *data, size_t len) {
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
    if (buf_put(&r->partial, data + i, n)) return -1;
    if (!nl) {
      if (!r->skipping) {
        if (out(data + i, n)) return -1;
        r->partial_shown = 1;
      }
      break;
    }
    /* A complete line: partial now holds it whole. */
    if (r->skipping) {
      if (skip_line(r, r->partial.data, r->partial.len)) return -1;
    } else {
      if (!r->partial_shown) {
        if (out(r->partial.data, r->partial.len)) return -1;
      } else if (out(data + i, n)) {
        return -1;
      }
      if (out("\n", 1) || set_last(r, r->partial.data, r->partial.len)) return -1;
    }
    r->partial.len = 0;
    r->partial_shown = 0;
    i += n + 1;
  }
  return 0;
}
