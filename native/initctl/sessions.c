/*
 * initctl list-sessions in the client: the session files in the caller's
 * $XDG_RUNTIME_DIR/upstart/sessions (as src/daemon/sessions.ts writes them), so a terminal with
 * no UPSTART_SESSION finds its session inits without reaching any daemon, and never sees another
 * user's (a system init answering would list its own uid's).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "options.h"
#include "sessions.h"

struct session {
  long pid;
  char *address;
};

static int in(const char *const *list, const char *s) {
  for (int i = 0; list[i]; i++)
    if (!strcmp(list[i], s)) return 1;
  return 0;
}

/* `--NAME=V` for a global option that takes a value. */
static int valued_with_equals(const char *a) {
  for (int i = 0; GLOBAL_VALUED[i]; i++) {
    size_t n = strlen(GLOBAL_VALUED[i]);
    if (!strncmp(a, GLOBAL_VALUED[i], n) && a[n] == '=') return 1;
  }
  return 0;
}

int is_local_list_sessions(char **args, int nargs, int command_at, int *json) {
  if (command_at < 0 || strcmp(args[command_at], "list-sessions") != 0) return 0;
  *json = 0;
  for (int i = 0; i < nargs; i++) {
    const char *a = args[i];
    if (i == command_at) continue;
    if (in(GLOBAL_VALUED, a)) {
      if (++i >= nargs) return 0;
      continue;
    }
    if (valued_with_equals(a)) continue;
    if (!in(GLOBAL_FLAGS, a)) return 0;
    if (!strcmp(a, "--json")) *json = 1;
  }
  return 1;
}

static int alive(long pid) {
  return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The UPSTART_SESSION= value of a session file, or NULL. */
static char *address_in(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char *line = NULL, *found = NULL;
  size_t cap = 0;
  ssize_t n;
  while (!found && (n = getline(&line, &cap, f)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
    if (!strncmp(line, "UPSTART_SESSION=", 16)) found = strdup(line + 16);
  }
  free(line);
  fclose(f);
  return found;
}

static int by_pid(const void *a, const void *b) {
  long x = ((const struct session *)a)->pid, y = ((const struct session *)b)->pid;
  return x < y ? -1 : x > y;
}

static int print_json(const struct session *s, size_t n) {
  struct buf b = {0};
  int bad = buf_puts(&b, n ? "[\n" : "[]\n");
  for (size_t i = 0; i < n && !bad; i++) {
    char head[64];
    snprintf(head, sizeof head, "  {\n    \"pid\": %ld,\n    \"session\": ", s[i].pid);
    bad = buf_puts(&b, head) || json_put_string(&b, s[i].address) || buf_puts(&b, i + 1 < n ? "\n  },\n" : "\n  }\n]\n");
  }
  if (!bad) fputs(b.data, stdout);
  free(b.data);
  return bad;
}

/*
 * Without XDG_RUNTIME_DIR: whether /tmp/upstart-UID is the caller's alone (src/daemon/runtimeDir.ts
 * unsafeRuntimeDir). Anyone may make that name first and plant session files in it; then nothing
 * is listed, and stderr says why. No such directory: no sessions, silently.
 */
static int own_fallback(void) {
  char dir[64], why[64];
  struct stat st;
  unsigned uid = (unsigned)getuid();
  snprintf(dir, sizeof dir, "/tmp/upstart-%u", uid);
  if (lstat(dir, &st) != 0) return 0;
  if (S_ISLNK(st.st_mode)) snprintf(why, sizeof why, "it is a symbolic link");
  else if (!S_ISDIR(st.st_mode)) snprintf(why, sizeof why, "it is not a directory");
  else if (st.st_uid != uid) snprintf(why, sizeof why, "it belongs to uid %u", (unsigned)st.st_uid);
  else if (st.st_mode & 022) snprintf(why, sizeof why, "others may write to it (mode %04o)", (unsigned)(st.st_mode & 0777));
  else return 1;
  fprintf(stderr, "initctl: %s: its sessions are not listed: %s\n", dir, why);
  return 0;
}

int list_sessions(int json) {
  char dir[4096];
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime) snprintf(dir, sizeof dir, "%s/upstart/sessions", runtime);
  else snprintf(dir, sizeof dir, "/tmp/upstart-%u/upstart/sessions", (unsigned)getuid());
  struct session *list = NULL;
  size_t n = 0, cap = 0;
  DIR *d = (runtime && *runtime) || own_fallback() ? opendir(dir) : NULL;
  for (struct dirent *e; d && (e = readdir(d));) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (end == e->d_name || e->d_name[0] < '0' || e->d_name[0] > '9' || strcmp(end, ".session") != 0) continue;
    /* Past a pid_t, kill() would be given another number (-1: every process). */
    if (pid <= 0 || pid > INT_MAX || !alive(pid)) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    char *address = address_in(path);
    if (!address) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      struct session *grown = realloc(list, cap * sizeof *list);
      if (!grown) {
        free(address);
        break;
      }
      list = grown;
    }
    list[n].pid = pid;
    list[n++].address = address;
  }
  if (d) closedir(d);
  qsort(list, n, sizeof *list, by_pid);
  int bad = 0;
  if (json) bad = print_json(list, n);
  else
    for (size_t i = 0; i < n; i++) printf("%ld %s\n", list[i].pid, list[i].address);
  for (size_t i = 0; i < n; i++) free(list[i].address);
  free(list);
  return fflush(stdout) || bad ? 1 : 0;
}
