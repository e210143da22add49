/* `initctl events --follow` across a re-exec: after reconnecting, the replayed journal is skipped up to the last line shown. */
#ifndef INITCTL_REPLAY_H
#define INITCTL_REPLAY_H

#include <stddef.h>

#include "json.h"

/* Lines the daemon replays at most (the journal it keeps across a re-exec), plus slack. */
#define REPLAY_LIMIT 2100

struct replay {
  struct buf last;    /* the last complete line shown (no newline) */
  int has_last;
  struct buf partial; /* the unfinished line after the last newline */
  int partial_shown;  /* whether partial is on stdout already */
  struct buf held;    /* lines held back while skipping, each with its newline */
  size_t held_lines;
  int skipping;
};

/* Starts holding the replay back until the last line shown comes again (nothing to do if none was shown). */
void replay_resume(struct replay *r);
/* Shows what of a chunk of stdout must be shown. Returns 0, or -1 if stdout or memory fails. */
int replay_feed(struct replay *r, const char *data, size_t len);
/* Stops holding back: shows every held line. Returns 1 if there were any, 0 if not, -1 on failure. */
int replay_flush(struct replay *r);

#endif
