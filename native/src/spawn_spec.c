/* Builds a spawn_spec from the (already validated) JS options: path search, users, groups, fds. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++) if (*s < '0' || *s > '9') return false;
  return true;
}

/* PATH lookup as execvp does it, but the list is built now and tried in the child after chroot. */
static char **build_paths(const char *file, char **envp) {
  if (strchr(file, '/')) {
    char **p = calloc(2, sizeof *p);
    if (p) p[0] = strdup(file);
    return p;
  }
  const char *path = DEFAULT_PATH;
  for (char **e = envp; *e; e++) if (strncmp(*e, "PATH=", 5) == 0) { path = *e + 5; break; }
  size_t n = 1;
  for (const char *c = path; *c; c++) if (*c == ':') n++;
  char **p = calloc(n + 1, sizeof *p);
  if (!p) return NULL;
  size_t i = 0;
  const char *start = path;
  for (;;) {
    const char *end = strchr(start, ':');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    size_t flen = strlen(file);
    char *full = malloc(len + flen + 3);
    if (!full) { free_string_array(p); return NULL; }
    if (len == 0) snprintf(full, flen + 3, "./%s", file);
    else { memcpy(full, start, len); full[len] = '/'; memcpy(full + len + 1, file, flen + 1); }
    p[i++] = full;
    if (!end) break;
    start = end + 1;
  }
  return p;
}

static rlim_t to_rlim(double v) {
  if (isinf(v) || v >= 18446744073709551615.0 || v < 0) return RLIM_INFINITY;
  return (rlim_t)v;
}

static bool resolve_user(napi_env env, spawn_spec *s, const char *user) {
  struct passwd pw, *res = NULL;
  char buf[16384];
  int rc = getpwnam_r(user, &pw, buf, sizeof buf, &res);
  if (!res && all_digits(user)) {
    s->has_uid = true; s->uid = (uid_t)strtoul(user, NULL, 10);
    if (!s->has_gid) { s->has_gid = true; s->gid = (gid_t)s->uid; }
    return true;
  }
  if (!res) { throw_spawn(env, "user", rc ? rc : ENOENT, user); return false; }
  s->has_uid = true; s->uid = pw.pw_uid;
  if (!s->has_gid) { s->has_gid = true; s->gid = pw.pw_gid; }
  int n = 64;
  for (;;) {
    gid_t *g = malloc((size_t)n * sizeof *g);
    if (!g) { throw_syscall(env, "malloc", ENOMEM); return false; }
    int want = n;
    if (getgrouplist(pw.pw_name, s->gid, g, &want) >= 0) {
      s->groups = g; s->ngroups = want; s->set_groups = true;
      return true;
    }
    free(g);
    if (want <= n) n *= 2; else n = want;
  }
}

static bool resolve_group(napi_env env, spawn_spec *s, const char *group) {
  struct group gr, *res = NULL;
  char buf[16384];
  int rc = getgrnam_r(group, &gr, buf, sizeof buf, &res);
  if (res) { s->has_gid = true; s->gid = gr.gr_gid; return true; }
  if (all_digits(group)) { s->has_gid = true; s->gid = (gid_t)strtoul(group, NULL, 10); return true; }
  throw_spawn(env, "group", rc ? rc : ENOENT, group);
  return false;
}

static bool get_int_array(napi_env env, napi_value arr, int *out, int max, int *count, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, arr, &is_array);
  if (!is_array) { throw_type(env, what); return false; }
  napi_get_array_length(env, arr, &n);
  if ((int)n > max) { throw_type(env, what); return false; }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    if (!arg_int32(env, e, what, &out[i])) return false;
  }
  *count = (int)n;
  return true;
}

bool spawn_spec_parse(napi_env env, napi_value o, spawn_spec *s) {
  bool has;
  napi_value v;
  memset(s, 0, sizeof *s);
  s->devnull_fd = -1; s->err_fd = -1;
  for (int i = 0; i < SPAWN_MAX_CGROUPS; i++) s->cgroup_fds[i] = -1;
  for (int i = 0; i < 3; i++) s->stdio[i] = STDIO_INHERIT;

  v = get_prop(env, o, "file", &has);
  if (!has || !(s->file = arg_string(env, v, "file"))) return has ? false : (throw_type(env, "file is required"), false);
  if (!(s->argv = arg_string_array(env, get_prop(env, o, "argv", &has), "argv"))) return false;
  if (!s->argv[0]) { throw_type(env, "argv must not be empty"); return false; }
  if (!(s->envp = arg_string_array(env, get_prop(env, o, "envp", &has), "envp"))) return false;
  if (!(s->paths = build_paths(s->file, s->envp))) { throw_syscall(env, "malloc", ENOMEM); return false; }

  v = get_prop(env, o, "cwd", &has);
  if (has && !(s->cwd = arg_string(env, v, "cwd"))) return false;
  v = get_prop(env, o, "chroot", &has);
  if (has && !(s->chroot_dir = arg_string(env, v, "chroot"))) return false;

  int32_t n32;
  v = get_prop(env, o, "umask", &has);
  if (has) { if (!arg_int32(env, v, "umask", &n32)) return false; s->has_umask = true; s->umask_value = (unsigned)n32 & 07777; }
  v = get_prop(env, o, "nice", &has);
  if (has) { if (!arg_int32(env, v, "nice", &n32)) return false; s->has_nice = true; s->nice_value = n32; }
  v = get_prop(env, o, "oomScoreAdj", &has);
  if (has) {
    if (!arg_int32(env, v, "oomScoreAdj", &n32)) return false;
    s->has_oom = true;
    s->oom_len = (size_t)snprintf(s->oom_text, sizeof s->oom_text, "%d\n", n32);
  }

  v = get_prop(env, o, "rlimits", &has);
  if (has) {
    uint32_t n = 0;
    napi_get_array_length(env, v, &n);
    if (n > SPAWN_MAX_RLIMITS) { throw_type(env, "too many rlimits"); return false; }
    for (uint32_t i = 0; i < n; i++) {
      napi_value e, r, so, ha;
      double soft, hard;
      napi_get_element(env, v, i, &e);
      napi_get_element(env, e, 0, &r); napi_get_element(env, e, 1, &so); napi_get_element(env, e, 2, &ha);
      if (!arg_int32(env, r, "rlimit resource", &n32) || !arg_double(env, so, "rlimit soft", &soft) ||
          !arg_double(env, ha, "rlimit hard", &hard)) return false;
      s->rlimits[i].resource = n32;
      s->rlimits[i].lim.rlim_cur = to_rlim(soft);
      s->rlimits[i].lim.rlim_max = to_rlim(hard);
    }
    s->nrlimits = (int)n;
  }

  v = get_prop(env, o, "group", &has);
  if (has) {
    char *g = arg_string(env, v, "group");
    if (!g) return false;
    bool ok = resolve_group(env, s, g);
    free(g);
    if (!ok) return false;
  }
  v = get_prop(env, o, "user", &has);
  if (has) {
    char *u = arg_string(env, v, "user");
    if (!u) return false;
    bool ok = resolve_user(env, s, u);
    free(u);
    if (!ok) return false;
  } else if (s->has_gid) {
    s->groups = malloc(sizeof *s->groups);
    if (!s->groups) { throw_syscall(env, "malloc", ENOMEM); return false; }
    s->groups[0] = s->gid; s->ngroups = 1; s->set_groups = true;
  }

  if (!arg_bool(env, get_prop(env, o, "setsid", &has), &s->new_session)) return false;
  if (!arg_bool(env, get_prop(env, o, "controllingTty", &has), &s->controlling_tty)) return false;
  if (!arg_bool(env, get_prop(env, o, "traceMe", &has), &s->trace_me)) return false;
  if (!arg_bool(env, get_prop(env, o, "optionalCgroup", &has), &s->cgroup0_optional)) return false;
  if (!arg_bool(env, get_prop(env, o, "cgroupCreate", &has), &s->cgroup0_create)) return false;
  if (!arg_bool(env, get_prop(env, o, "cgroupInto", &has), &s->cgroup0_into)) return false;

  v = get_prop(env, o, "stdio", &has);
  if (has) {
    int n = 0;
    if (!get_int_array(env, v, s->stdio, 3, &n, "stdio must be an array of 3 numbers")) return false;
    if (n != 3) { throw_type(env, "stdio must be an array of 3 numbers"); return false; }
  }
  for (int i = 0; i < 3; i++) {
    if (s->stdio[i] == STDIO_DEVNULL) {
      if (s->devnull_fd < 0) {
        s->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (s->devnull_fd < 0) { throw_spawn(env, "stdio", errno, "/dev/null"); return false; }
      }
      s->stdio[i] = s->devnull_fd;
    } else if (s->stdio[i] < STDIO_DEVNULL) {
      throw_type(env, "stdio entries are -1 (inherit), -2 (/dev/null) or a file descriptor");
      return false;
    }
  }

  v = get_prop(env, o, "keepFds", &has);
  if (has && !get_int_array(env, v, s->keep_fds, SPAWN_MAX_KEEP, &s->nkeep, "keepFds must be an array of at most 16 fds")) return false;

  v = get_prop(env, o, "fdMap", &has);
  if (has) {
    int pairs[SPAWN_MAX_MAP * 2], n = 0;
    if (!get_int_array(env, v, pairs, SPAWN_MAX_MAP * 2, &n, "fdMap must be an array of at most 16 [src, dst] pairs, flattened")) return false;
    if (n % 2 != 0) { throw_type(env, "fdMap must hold pairs"); return false; }
    for (int i = 0; i < n / 2; i++) {
      if (pairs[2 * i] < 0 || pairs[2 * i + 1] < 3) { throw_type(env, "fdMap: sources are fds, targets are 3 or more"); return false; }
      s->map_src[i] = pairs[2 * i];
      s->map_dst[i] = pairs[2 * i + 1];
    }
    s->nmap = n / 2;
  }

  v = get_prop(env, o, "pidEnv", &has);
  if (has) {
    char **names = arg_string_array(env, v, "pidEnv");
    if (!names) return false;
    size_t count = 0, extra = 0;
    for (char **p = names; *p; p++) count++;
    for (char **p = s->envp; *p; p++) extra++;
    if (count > SPAWN_MAX_PIDENV) { free_string_array(names); throw_type(env, "pidEnv: at most 4 names"); return false; }
    char **grown = realloc(s->envp, (extra + count + 1) * sizeof *grown);
    if (!grown) { free_string_array(names); throw_syscall(env, "realloc", ENOMEM); return false; }
    s->envp = grown;
    for (size_t i = 0; i < count; i++) {
      size_t len = strlen(names[i]);
      char *e = calloc(len + 24, 1);
      if (!e) { s->envp[extra + i] = NULL; free_string_array(names); throw_syscall(env, "calloc", ENOMEM); return false; }
      memcpy(e, names[i], len);
      e[len] = '=';
      s->envp[extra + i] = e;
      s->pid_env[s->npidenv++] = e;
    }
    s->envp[extra + count] = NULL;
    free_string_array(names);
  }

  v = get_prop(env, o, "cgroups", &has);
  if (has) {
    char **cg = arg_string_array(env, v, "cgroups");
    if (!cg) return false;
    int n = 0;
    while (cg[n]) n++;
    if (n > SPAWN_MAX_CGROUPS) { free_string_array(cg); throw_type(env, "too many cgroups"); return false; }
    for (int i = 0; i < n; i++) s->cgroup_dirs[i] = cg[i];
    s->ncgroups = n;
    free(cg); /* the strings are the spec's now */
    for (int i = 0; i < n; i++) {
      size_t len = strlen(s->cgroup_dirs[i]) + sizeof "/cgroup.procs";
      if (!(s->cgroup_procs[i] = malloc(len))) { throw_syscall(env, "malloc", ENOMEM); return false; }
      snprintf(s->cgroup_procs[i], len, "%s/cgroup.procs", s->cgroup_dirs[i]);
    }
  }
  return true;
}

int spawn_spec_open_cgroups(spawn_spec *s, struct cgroup_remover *removers, int *failed, int *note) {
  for (int i = 0; i < s->ncgroups; i++) {
    const char *dir = s->cgroup_dirs[i];
    int e = 0;
    if (i == 0 && s->cgroup0_create) {
      /* The instance's directory may be going (its previous run's end): that rmdir comes first. */
      cgroup_removal_wait(removers, dir);
      if (mkdir(dir, 0755) < 0 && errno != EEXIST) e = errno;
    }
    if (!e) {
      s->cgroup_fds[i] = open(s->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
      if (s->cgroup_fds[i] < 0) e = errno;
    }
    if (!e) continue;
    if (i == 0 && s->cgroup0_optional) { *note = e; continue; }
    *failed = i;
    return e;
  }
  return 0;
}

void spawn_spec_free(spawn_spec *s) {
  free(s->file);
  free_string_array(s->paths);
  free_string_array(s->argv);
  free_string_array(s->envp);
  free(s->cwd);
  free(s->chroot_dir);
  free(s->groups);
  if (s->devnull_fd >= 0) close(s->devnull_fd);
  for (int i = 0; i < s->ncgroups; i++) {
    free(s->cgroup_dirs[i]);
    free(s->cgroup_procs[i]);
    if (s->cgroup_fds[i] >= 0) close(s->cgroup_fds[i]);
  }
}
