/* Minimal JSON for the initctl client: string escaping, and reading one flat reply object. */
#ifndef INITCTL_JSON_H
#define INITCTL_JSON_H

#include <stddef.h>

/* A growable byte buffer; data is always NUL-terminated (len excludes the NUL). */
struct buf {
  char *data;
  size_t len;
  size_t cap;
};

/* All return 0 on success, -1 when memory runs out. */
int buf_put(struct buf *b, const char *s, size_t n);
int buf_puts(struct buf *b, const char *s);
/* Appends s as a JSON string literal with quotes; bytes >= 0x80 are copied as they are. */
int json_put_string(struct buf *b, const char *s);

/*
 * The members of a reply line the client needs. Strings are NUL-terminated copies (decoded,
 * UTF-8; \u0000 is kept, so use the _len fields for data); absent members are NULL / has_* = 0.
 */
struct reply {
  char *type;
  char *stream;
  char *data;
  size_t data_len;
  char *message;
  char *code;
  long long status;
  int has_status;
  long long version;
  int has_version;
};

/* Parses one line holding one JSON object. Returns 0, or -1 if it is not valid JSON of that shape. */
int json_parse_reply(const char *line, size_t len, struct reply *out);
void reply_free(struct reply *r);

#endif
