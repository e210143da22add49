/* Minimal JSON for the initctl client: string escaping, and reading one flat reply object. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

int buf_put(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int buf_puts(struct buf *b, const char *s) { return buf_put(b, s, strlen(s)); }

int json_put_string(struct buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  if (buf_put(b, "\"", 1)) return -1;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[7];
    const char *out = esc;
    size_t n = 2;
    esc[0] = '\\';
    switch (*p) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      default:
        if (*p < 0x20 || *p == 0x7f) {
          esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
          esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15];
          n = 6;
        } else {
          out = (const char *)p;
          n = 1;
        }
    }
    if (buf_put(b, out, n)) return -1;
  }
  return buf_put(b, "\"", 1);
}

/* ---- reading ---- */

struct cursor {
  const char *p;
  const char *end;
};

static void skip_ws(struct cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

static int read_hex4(struct cursor *c, unsigned *out) {
  if (c->end - c->p < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(c->p[i]);
    if (h < 0) return -1;
    v = v * 16 + (unsigned)h;
  }
  c->p += 4;
  *out = v;
  return 0;
}

static int put_utf8(struct buf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
  else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
  } else {
    u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
  }
  return buf_put(b, u, n);
}

/* Reads a string literal at c->p (which is at the opening quote). out may be NULL to skip it. */
static int read_string(struct cursor *c, struct buf *out) {
  struct buf scratch = {0};
  struct buf *b = out ? out : &scratch;
  if (c->p >= c->end || *c->p != '"') return -1;
  c->p++;
  int rc = -1;
  while (c->p < c->end) {
    unsigned char ch = (unsigned char)*c->p++;
    if (ch == '"') { rc = 0; break; }
    if (ch < 0x20) break;
    if (ch != '\\') {
      if (out && buf_put(b, (const char *)&ch, 1)) break;
      continue;
    }
    if (c->p >= c->end) break;
    char e = *c->p++;
    char lit;
    switch (e) {
      case '"': lit = '"'; break;
      case '\\': lit = '\\'; break;
      case '/': lit = '/'; break;
      case 'b': lit = '\b'; break;
      case 'f': lit = '\f'; break;
      case 'n': lit = '\n'; break;
      case 'r': lit = '\r'; break;
      case 't': lit = '\t'; break;
      case 'u': {
        unsigned cp;
        if (read_hex4(c, &cp)) goto done;
        if (cp >= 0xd800 && cp < 0xdc00) {
          unsigned lo;
          /* A high surrogate must be followed by a low one; a lone one becomes U+FFFD, as JSON.parse+utf8 would. */
          if (c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
            struct cursor save = *c;
            c->p += 2;
            if (read_hex4(c, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              *c = save;
              cp = 0xfffd;
            }
          } else {
            cp = 0xfffd;
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          cp = 0xfffd;
        }
        if (out && put_utf8(b, cp)) goto done;
        continue;
      }
      default: goto done;
    }
    if (out && buf_put(b, &lit, 1)) break;
  }
done:
  free(scratch.data);
  if (rc == 0 && out && !out->data && buf_put(out, "", 0)) rc = -1;
  return rc;
}

static int read_number(struct cursor *c, long long *out, int *is_int) {
  const char *start = c->p;
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
  /* JSON allows no leading zero: 0 and 0.5, never 01. */
  if (*c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9') return -1;
  long long v = 0;
  int overflow = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if (v > (long long)1e17) overflow = 1;
    v = v * 10 + (*c->p++ - '0');
  }
  *is_int = !overflow;
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    *is_int = 0;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    *is_int = 0;
  }
  *out = start[0] == '-' ? -v : v;
  return 0;
}

static int skip_value(struct cursor *c, int depth);

static int skip_container(struct cursor *c, int depth, char close) {
  if (depth > 64) return -1;
  c->p++;
  skip_ws(c);
  if (c->p < c->end && *c->p == close) { c->p++; return 0; }
  for (;;) {
    skip_ws(c);
    if (close == '}') {
      if (read_string(c, NULL)) return -1;
      skip_ws(c);
      if (c->p >= c->end || *c->p != ':') return -1;
      c->p++;
    }
    if (skip_value(c, depth + 1)) return -1;
    skip_ws(c);
    if (c->p >= c->end) return -1;
    if (*c->p == ',') { c->p++; continue; }
    if (*c->p == close) { c->p++; return 0; }
    return -1;
  }
}

static int match_word(struct cursor *c, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return -1;
  c->p += n;
  return 0;
}

static int skip_value(struct cursor *c, int depth) {
  skip_ws(c);
  if (c->p >= c->end) return -1;
  switch (*c->p) {
    case '"': return read_string(c, NULL);
    case '{': return skip_container(c, depth, '}');
    case '[': return skip_container(c, depth, ']');
    case 't': return match_word(c, "true");
    case 'f': return match_word(c, "false");
    case 'n': return match_word(c, "null");
    default: {
      long long v;
      int is_int;
      return read_number(c, &v, &is_int);
    }
  }
}

void reply_free(struct reply *r) {
  free(r->type);
  free(r->stream);
  free(r->data);
  free(r->message);
  free(r->code);
  memset(r, 0, sizeof *r);
}

int json_parse_reply(const char *line, size_t len, struct reply *out) {
  struct cursor c = {line, line + len};
  memset(out, 0, sizeof *out);
  skip_ws(&c);
  if (c.p >= c.end || *c.p != '{') return -1;
  c.p++;
  skip_ws(&c);
  if (c.p < c.end && *c.p == '}') {
    c.p++;
    goto tail;
  }
  for (;;) {
    struct buf key = {0};
    skip_ws(&c);
    if (read_string(&c, &key)) { free(key.data); goto bad; }
    skip_ws(&c);
    if (c.p >= c.end || *c.p != ':') { free(key.data); goto bad; }
    c.p++;
    skip_ws(&c);
    char **target = NULL;
    size_t *target_len = NULL;
    long long *num = NULL;
    int *has = NULL;
    if (!strcmp(key.data, "type")) target = &out->type;
    else if (!strcmp(key.data, "stream")) target = &out->stream;
    else if (!strcmp(key.data, "data")) { target = &out->data; target_len = &out->data_len; }
    else if (!strcmp(key.data, "message")) target = &out->message;
    else if (!strcmp(key.data, "code")) target = &out->code;
    else if (!strcmp(key.data, "status")) { num = &out->status; has = &out->has_status; }
    else if (!strcmp(key.data, "version")) { num = &out->version; has = &out->has_version; }
    free(key.data);
    if (target && c.p < c.end && *c.p == '"') {
      struct buf v = {0};
      if (read_string(&c, &v)) { free(v.data); goto bad; }
      free(*target); /* a repeated member: the last one wins, as in JSON.parse */
      *target = v.data;
      if (target_len) *target_len = v.len;
    } else if (num && c.p < c.end && (*c.p == '-' || (*c.p >= '0' && *c.p <= '9'))) {
      int is_int;
      if (read_number(&c, num, &is_int)) goto bad;
      *has = is_int;
    } else if (skip_value(&c, 1)) {
      goto bad;
    }
    skip_ws(&c);
    if (c.p >= c.end) goto bad;
    if (*c.p == ',') { c.p++; continue; }
    if (*c.p == '}') { c.p++; break; }
    goto bad;
  }
tail:
  skip_ws(&c);
  if (c.p != c.end) goto bad;
  return 0;
bad:
  reply_free(out);
  return -1;
}
