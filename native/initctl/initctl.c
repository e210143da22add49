/*
 * initctl: the command-line client, a thin pipe to the daemon. It sends argv (and UPSTART_JOB /
 * UPSTART_INSTANCE) as one `command` request over the control socket, copies the daemon's
 * stdout/stderr chunks to its own, and exits with the status the daemon reports. Every command's
 * parsing and formatting lives in the daemon (src/control/commands); install-aliases, help, --version and
 * list-sessions (the caller's own session files, sessions.c) run here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "help.h"
#include "json.h"
#include "replay.h"
#include "sessions.h"

#define SYSTEM_SOCKET "/run/upstart/control.sock"
#define PROTOCOL_LINE "{\"protocol\":\"upstart-ts\",\"version\":1}\n"
/* A reply line longer than this is treated as a broken daemon. */
#define MAX_REPLY_LINE (64u * 1024u * 1024u)

static const char *const ALIASES[] = {"start", "stop", "restart", "reload", "status", NULL};
/* What install-aliases links: initctl itself too, so DIR on PATH gives the client without bin/initctl's wrapper. */
static const char *const LINKS[] = {"initctl", "start", "stop", "restart", "reload", "status", NULL};
/* The machine commands, linked to the bin/ entries beside the client where they are found. */
static const char *const MACHINE_LINKS[] = {"shutdown", "reboot", "halt", "poweroff", "telinit", "runlevel", NULL};
static const char *const FORWARDED_ENV[] = {"UPSTART_JOB", "UPSTART_INSTANCE", NULL};

static const char *program = "initctl";
/* Errors in red: only when stderr is a terminal, never with NO_COLOR set (no-color.org) or TERM=dumb. */
static int colour = 0;
#define RED "\033[31m"
#define RESET "\033[0m"

static int want_colour(void) {
  const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
  if (nc && *nc) return 0;
  if (term && !strcmp(term, "dumb")) return 0;
  return isatty(2);
}

static void die(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "%s%s: ", colour ? RED : "", program);
  fprintf(stderr, fmt, a, b);
  fprintf(stderr, "%s\n", colour ? RESET : "");
  exit(1);
}

static void oom(void) { die("%s%s", "out of memory", ""); }

static int is_alias(const char *name) {
  for (int i = 0; ALIASES[i]; i++)
    if (!strcmp(name, ALIASES[i])) return 1;
  return 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Decodes %XX escapes of a D-Bus address value in place; returns -1 on a bad escape. */
static int unescape_address(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r != '%') { *w++ = *r; continue; }
    int hi = r[1], lo = hi ? r[2] : 0;
    char h[3] = {(char)hi, (char)lo, 0};
    char *end;
    if (!hi || !lo) return -1;
    long v = strtol(h, &end, 16);
    if (*end) return -1;
    *w++ = (char)v;
    r += 2;
  }
  *w = '\0';
  return 0;
}

/*
 * Fills addr from UPSTART_SESSION (`unix:path=P` or `unix:abstract=N`, other `,k=v` ignored).
 * Returns the sockaddr length, or -1 when the address is not one of those forms.
 */
static socklen_t session_address(const char *session, struct sockaddr_un *addr) {
  if (strncmp(session, "unix:", 5) != 0) return (socklen_t)-1;
  char *copy = strdup(session + 5);
  if (!copy) oom();
  socklen_t len = (socklen_t)-1;
  char *save = NULL;
  for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(part, '=');
    if (!eq) continue;
    *eq = '\0';
    char *value = eq + 1;
    if (unescape_address(value) || !*value) continue;
    size_t n = strlen(value);
    if (!strcmp(part, "path") && n < sizeof addr->sun_path) {
      memcpy(addr->sun_path, value, n + 1);
      len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
      break;
    }
    if (!strcmp(part, "abstract") && n + 1 <= sizeof addr->sun_path) {
      addr->sun_path[0] = '\0';
      memcpy(addr->sun_path + 1, value, n);
      len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
      break;
    }
  }
  free(copy);
  return len;
}

static const char *base_name_of(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Makes DIR/NAME → target atomically (symlink NAME.new, rename); anything but a symlink at NAME is left alone. */
static int link_one(const char *dir, const char *name, const char *target) {
  char path[PATH_MAX], tmp[PATH_MAX];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
      snprintf(tmp, sizeof tmp, "%s/%s.new", dir, name) >= (int)sizeof tmp)
    die("%s: %s", dir, "path too long");
  if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
    fprintf(stderr, "%s: %s exists and is not a symbolic link; left alone\n", program, path);
    return 1;
  }
  unlink(tmp);
  if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
    fprintf(stderr, "%s: %s: %s\n", program, path, strerror(errno));
    unlink(tmp);
    return 1;
  }
  return 0;
}

/* REPO/bin/NAME for this client at REPO/native/build/Release/initctl (or NAME beside it); 0 if absent. */
static int find_sibling(const char *self, const char *name, char *out, size_t n) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", self);
  char *slash = strrchr(dir, '/');
  if (!slash) return 0;
  *slash = '\0';
  const char *tries[] = {"%s/../../../bin/%s", "%s/%s"};
  for (int i = 0; i < 2; i++) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, tries[i], dir, name) >= (int)sizeof p) continue;
    if (access(p, X_OK) == 0 && realpath(p, out) != NULL && strlen(out) < n) return 1;
  }
  return 0;
}

/*
 * DIR/service → upstart-service, never silently over the distribution's: a `service` in DIR that is
 * not ours is left alone (and said); one elsewhere on PATH is named, since DIR may come before it.
 */
static int link_service(const char *dir, const char *target) {
  char path[PATH_MAX], old[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/service", dir) >= (int)sizeof path) die("%s: %s", dir, "path too long");
  ssize_t n = readlink(path, old, sizeof old - 1);
  if (n >= 0) {
    old[n] = '\0';
    if (strcmp(base_name_of(old), "upstart-service") != 0) {
      fprintf(stderr, "%s: %s links to %s, not upstart-service; left alone\n", program, path, old);
      return 1;
    }
  }
  const char *env_path = getenv("PATH");
  char *copy = env_path ? strdup(env_path) : NULL;
  char real_dir[PATH_MAX];
  if (realpath(dir, real_dir) == NULL) snprintf(real_dir, sizeof real_dir, "%s", dir);
  for (char *save = NULL, *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
    char other[PATH_MAX], real_other_dir[PATH_MAX];
    if (realpath(d, real_other_dir) != NULL && !strcmp(real_other_dir, real_dir)) continue;
    if (snprintf(other, sizeof other, "%s/service", d) >= (int)sizeof other || access(other, X_OK) != 0) continue;
    char resolved[PATH_MAX];
    if (realpath(other, resolved) != NULL && !strcmp(resolved, target)) continue;
    fprintf(stderr, "%s: note: %s/service is upstart-service now; %s stays, and answers where it comes first on PATH\n", program, dir, other);
    break;
  }
  free(copy);
  return link_one(dir, "service", target);
}

/* install-aliases DIR: DIR/{initctl,start,stop,...} → this executable, plus service and upstart-rc → theirs. */
static int install_aliases(const char *dir) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) die("cannot find my own executable: %s%s", strerror(errno), "");
  self[n] = '\0';
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) die("%s: %s", dir, strerror(errno));
  int status = 0;
  for (int i = 0; LINKS[i]; i++) status |= link_one(dir, LINKS[i], self);
  char target[PATH_MAX];
  if (find_sibling(self, "upstart-rc", target, sizeof target)) status |= link_one(dir, "upstart-rc", target);
  /* shutdown, reboot, halt, poweroff, telinit, runlevel (docs/machine.md). */
  for (int i = 0; MACHINE_LINKS[i]; i++)
    if (find_sibling(self, MACHINE_LINKS[i], target, sizeof target)) status |= link_one(dir, MACHINE_LINKS[i], target);
  if (find_sibling(self, "upstart-service", target, sizeof target)) status |= link_service(dir, target);
  else fprintf(stderr, "%s: upstart-service not found beside %s; service not linked\n", program, self);
  return status;
}

/* What to do next when the daemon cannot be reached (src/cli/clientHelp.ts connectHint says the same). */
static const char *connect_hint(int e) {
  if (e == EACCES || e == EPERM)
    return "Only root (or the session's owner) may use that socket: run as root, or use --socket=PATH of your own session init.";
  return "Is init running? Start a session init with `upstart --user', then use --socket=PATH or $UPSTART_SESSION as it logs; "
         "--system is /run/upstart/control.sock.";
}

/* -h bundled with other short global flags (-qh), as src/cli/clientHelp.ts reads them. */
static int is_help_bundle(const char *a) {
  if (a[0] != '-' || !a[1] || a[1] == '-') return 0;
  int h = 0;
  for (const char *c = a + 1; *c; c++) {
    if (*c == 'h') h = 1;
    else if (!strchr("qvn", *c)) return 0;
  }
  return h;
}

static int print_help(const char *prog, const char *command) {
  for (int i = 0; HELP[i].program; i++) {
    if (strcmp(HELP[i].program, prog)) continue;
    if ((command == NULL) != (HELP[i].command == NULL)) continue;
    if (command && strcmp(command, HELP[i].command)) continue;
    fputs(HELP[i].text, stdout);
    return fflush(stdout) ? 1 : 0;
  }
  fprintf(stderr, "%s: invalid command: %s\nTry `%s help' to list the commands.\n", prog, command ? command : "", prog);
  return 1;
}

/*
 * Help and the version need no daemon (src/cli/clientHelp.ts is the same rule for the Node client):
 * returns the exit status, or -1 when argv is a command for the daemon.
 */
static int local_answer(char **args, int nargs, int command_at) {
  int help = 0, version = 0, alias = is_alias(program);
  for (int i = 0; i < nargs; i++) {
    if (!strcmp(args[i], "--")) break;
    if (!strcmp(args[i], "--help") || is_help_bundle(args[i])) help = 1;
    else if (!strcmp(args[i], "--version")) version = 1;
  }
  const char *word = !alias && command_at >= 0 ? args[command_at] : NULL;
  if (word && !strcmp(word, "help")) {
    for (int i = command_at + 1; i < nargs; i++)
      if (args[i][0] != '-') return print_help(program, args[i]);
    return print_help(program, NULL);
  }
  if (version) {
    puts(CLIENT_VERSION);
    return fflush(stdout) ? 1 : 0;
  }
  if (!help) return -1;
  if (alias) return print_help(program, program);
  return print_help(program, word);
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* run_command's result when init closed the connection before the command finished (events --follow only). */
#define CLOSED_EARLY (-2)
/* How long events --follow tries to reach init again (a re-exec takes well under a second). */
#define RECONNECT_MS 10000

/* Whether the command line (from its command word) is an endless `events --follow`. */
static int is_follow(char **cmd, int n) {
  if (n < 1 || strcmp(cmd[0], "events") != 0) return 0;
  for (int i = 1; i < n; i++) {
    const char *a = cmd[i];
    if (!strcmp(a, "--")) break;
    if (!strcmp(a, "--follow")) return 1;
    if (a[0] == '-' && a[1] != '-' && strchr(a + 1, 'f')) return 1;
  }
  return 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Says why init cannot be reached, and what to do next; exits 1. */
static void connect_failed(const char *shown, int e) {
  fprintf(stderr, "%s%s: Unable to connect to init at %s: %s%s\n%s\n", colour ? RED : "", program, shown, strerror(e),
          colour ? RESET : "", connect_hint(e));
  exit(1);
}

/* A connected socket to init; dies with the reason if there is none (after RECONNECT_MS of tries when retry). */
static int connect_init(const struct sockaddr_un *addr, socklen_t addr_len, const char *shown, int retry) {
  long long deadline = now_ms() + (retry ? RECONNECT_MS : 0);
  for (;;) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s%s", strerror(errno), "");
    int rc;
    do rc = connect(fd, (const struct sockaddr *)addr, addr_len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno == ECONNREFUSED && addr->sun_path[0] == '\0') {
      /* Some Node versions bind abstract names padded with NULs to the whole sun_path: try that form. */
      do rc = connect(fd, (const struct sockaddr *)addr, (socklen_t)sizeof *addr);
      while (rc < 0 && errno == EINTR);
    }
    if (rc == 0) return fd;
    int err = errno;
    close(fd);
    if (now_ms() >= deadline) {
      if (retry) die("init did not come back within 10 s: %s%s", strerror(err), "");
      connect_failed(shown, err);
    }
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
  }
}

/*
 * Sends the command and copies its replies; returns its exit status. rep (events --follow only):
 * stdout goes through it, and a connection that ends before the exit status returns CLOSED_EARLY
 * instead of dying.
 */
static int run_command(int fd, char **args, int nargs, struct replay *rep) {
  /* The handshake and the request go out in one write; the daemon answers hello, then the command. */
  struct buf req = {0};
  int bad = buf_puts(&req, PROTOCOL_LINE "{\"type\":\"command\",\"id\":1,\"argv\":[") || json_put_string(&req, program);
  for (int i = 0; i < nargs && !bad; i++) bad = buf_puts(&req, ",") || json_put_string(&req, args[i]);
  bad = bad || buf_puts(&req, "],\"env\":{");
  int first = 1;
  for (int i = 0; FORWARDED_ENV[i] && !bad; i++) {
    const char *v = getenv(FORWARDED_ENV[i]);
    if (!v) continue;
    bad = (!first && buf_puts(&req, ",")) || json_put_string(&req, FORWARDED_ENV[i]) || buf_puts(&req, ":") ||
          json_put_string(&req, v);
    first = 0;
  }
  bad = bad || buf_puts(&req, "}}\n");
  if (bad) oom();
  /*
   * SIGPIPE is ignored (see main), so a daemon that closed the connection first (it refuses a user
   * with too many connections, or is going away) shows as EPIPE / ECONNRESET here. Whatever it said
   * before closing is still readable, so the replies are read anyway and its reason is printed.
   */
  int send_errno = write_all(fd, req.data, req.len) < 0 ? errno : 0;
  free(req.data);

  /* Replies: one JSON object per line. */
  struct buf in = {0};
  size_t scanned = 0;
  for (;;) {
    char *nl = in.len > scanned ? memchr(in.data + scanned, '\n', in.len - scanned) : NULL;
    if (!nl) {
      scanned = in.len;
      if (in.len > MAX_REPLY_LINE) die("%s%s", "reply from init is too long", "");
      if (in.cap - in.len < 65536 + 1) {
        size_t cap = in.cap ? in.cap * 2 : 65536 * 2;
        char *d = realloc(in.data, cap);
        if (!d) oom();
        in.data = d;
        in.cap = cap;
      }
      if (rep && rep->skipping) {
        /* Held-back lines are shown once the replay is quiet for 1 s without the last line shown. */
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
          /* Quiet for 1 s with lines held and the last line shown not among them: show them. */
          if (rep->held_lines == 0) continue;
          fprintf(stderr, "%s: could not find where the journal left off; entries may repeat\n", program);
          if (replay_flush(rep) < 0) return 1;
          continue;
        }
      }
      ssize_t r = read(fd, in.data + in.len, in.cap - in.len - 1);
      if (r < 0 && errno == EINTR) continue;
      if (rep && !send_errno && (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE)))) {
        close(fd);
        free(in.data);
        return CLOSED_EARLY;
      }
      if (send_errno && (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE))))
        die("init closed the connection before the request was sent (%s)%s", strerror(send_errno), "");
      if (send_errno && r < 0) die("cannot send the request to init: %s%s", strerror(send_errno), "");
      if (r < 0 && errno == ECONNRESET) die("init closed the connection before the command finished (%s)%s", strerror(errno), "");
      if (r < 0) die("cannot read from init: %s%s", strerror(errno), "");
      if (r == 0) die("%s%s", "init closed the connection before the command finished", "");
      in.len += (size_t)r;
      continue;
    }
    size_t line_len = (size_t)(nl - in.data);
    struct reply msg;
    if (json_parse_reply(in.data, line_len, &msg) || !msg.type) die("%s%s", "malformed reply from init", "");
    if (!strcmp(msg.type, "output") && msg.data && msg.stream) {
      int out = !strcmp(msg.stream, "stderr") ? 2 : 1;
      if (out == 1 && rep) {
        if (replay_feed(rep, msg.data, msg.data_len) < 0) return 1;
      } else if (out == 2 && colour) {
        /* The daemon's error text in red, the line ends outside it. */
        size_t n = msg.data_len;
        while (n > 0 && msg.data[n - 1] == '\n') n--;
        if (write_all(2, RED, strlen(RED)) < 0 || write_all(2, msg.data, n) < 0 || write_all(2, RESET, strlen(RESET)) < 0 ||
            write_all(2, msg.data + n, msg.data_len - n) < 0)
          return 1;
      } else if (write_all(out, msg.data, msg.data_len) < 0) {
        return 1;
      }
    } else if (!strcmp(msg.type, "exit")) {
      int status = msg.has_status && msg.status >= 0 && msg.status <= 255 ? (int)msg.status : 1;
      return status;
    } else if (!strcmp(msg.type, "error")) {
      die("%s%s", msg.message ? msg.message : "init refused the request", "");
    }
    reply_free(&msg);
    line_len++;
    memmove(in.data, in.data + line_len, in.len - line_len);
    in.len -= line_len;
    scanned = 0;
  }
}

int main(int argc, char **argv) {
  char **args = argv + 1;
  int nargs = argc > 0 ? argc - 1 : 0;
  /* A write to a closed socket or pipe fails with EPIPE instead of killing us without a word (exit 141). */
  signal(SIGPIPE, SIG_IGN);
  colour = want_colour();
  program = argc > 0 ? base_name(argv[0]) : "initctl";
  if (!is_alias(program)) program = "initctl";
  /* bin/initctl (a shell wrapper) passes the name an alias link invoked it by. */
  if (nargs > 0 && !strncmp(args[0], "--as=", 5) && args[0][5]) {
    program = args[0] + 5;
    args++;
    nargs--;
  }

  /* Global options the client itself needs, found as the daemon will parse them (before `--`). */
  const char *socket_path = NULL;
  int system_bus = 0, command_at = -1;
  for (int i = 0; i < nargs; i++) {
    const char *a = args[i];
    if (!strcmp(a, "--")) {
      if (command_at < 0 && i + 1 < nargs) command_at = i + 1;
      break;
    }
    if (!strcmp(a, "--socket") || !strcmp(a, "--dest")) {
      if (!strcmp(a, "--socket") && i + 1 < nargs) socket_path = args[i + 1];
      i++;
      continue;
    }
    if (!strncmp(a, "--socket=", 9)) socket_path = a + 9;
    else if (!strcmp(a, "--system")) system_bus = 1;
    else if ((a[0] != '-' || !a[1]) && command_at < 0) command_at = i;
  }

  int local = local_answer(args, nargs, command_at);
  if (local >= 0) return local;

  if (!strcmp(program, "initctl") && command_at >= 0 && !strcmp(args[command_at], "install-aliases")) {
    if (command_at + 1 >= nargs || command_at + 2 < nargs) {
      fprintf(stderr, "%s: usage: %s install-aliases DIR\nTry `%s --help' for more information.\n", program, program,
              program);
      return 1;
    }
    return install_aliases(args[command_at + 1]);
  }

  int json = 0;
  if (!strcmp(program, "initctl") && is_local_list_sessions(args, nargs, command_at, &json)) return list_sessions(json);

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  socklen_t addr_len;
  const char *shown = NULL;
  const char *session = getenv("UPSTART_SESSION");
  if (!socket_path && !system_bus && session && *session) {
    addr_len = session_address(session, &addr);
    if (addr_len == (socklen_t)-1) die("UPSTART_SESSION is not a unix:path= or unix:abstract= address: %s%s", session, "");
    shown = session;
  } else {
    const char *p = socket_path && *socket_path ? socket_path : SYSTEM_SOCKET;
    if (strlen(p) >= sizeof addr.sun_path) die("socket path too long: %s%s", p, "");
    memcpy(addr.sun_path, p, strlen(p) + 1);
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1);
    shown = p;
  }

  int follow = command_at >= 0 && is_follow(args + command_at, nargs - command_at);
  if (!follow) return run_command(connect_init(&addr, addr_len, shown, 0), args, nargs, NULL);
  /* events --follow outlives a re-exec of init: it connects again and follows on (docs/reexec.md). */
  struct replay rep = {0};
  for (int attempt = 0;; attempt++) {
    int fd = connect_init(&addr, addr_len, shown, attempt > 0);
    if (attempt > 0) {
      fprintf(stderr, "%s: reconnected to init; following on\n", program);
      replay_resume(&rep);
    }
    int status = run_command(fd, args, nargs, &rep);
    if (status != CLOSED_EARLY) return status;
    fprintf(stderr, "%s: init closed the connection (re-executing?); reconnecting\n", program);
  }
}
