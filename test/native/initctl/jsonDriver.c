/* Test driver for native/initctl/json.c: `parse` prints the fields of each reply line, `enc` escapes each line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../native/initctl/json.h"

static void hex(const char *s, size_t n) {
  if (!s) { fputs("-", stdout); return; }
  if (n == 0) fputs("=", stdout);
  for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)s[i]);
}

int main(int argc, char **argv) {
  int enc = argc > 1 && !strcmp(argv[1], "enc");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[--n] = '\0';
    if (enc) {
      struct buf b = {0};
      if (json_put_string(&b, line)) return 2;
      fwrite(b.data, 1, b.len, stdout);
      fputc('\n', stdout);
      free(b.data);
      continue;
    }
    struct reply r;
    if (json_parse_reply(line, (size_t)n, &r)) {
      puts("bad");
      continue;
    }
    fputs("ok ", stdout);
    hex(r.type, r.type ? strlen(r.type) : 0);
    fputc(' ', stdout);
    hex(r.data, r.data_len);
    fputc(' ', stdout);
    if (r.has_status) printf("%lld", r.status);
    else fputs("-", stdout);
    fputc('\n', stdout);
    reply_free(&r);
  }
  free(line);
  return 0;
}
