/* The prepared spawn specification: everything the child needs, allocated before fork. */
#ifndef UPSTART_NATIVE_SPAWN_H
#define UPSTART_NATIVE_SPAWN_H

#include "common.h"
#include <sys/resource.h>
#include <sys/types.h>

#define SPAWN_MAX_RLIMITS 16
#define SPAWN_MAX_CGROUPS 8
#define SPAWN_MAX_KEEP 16
#define SPAWN_MAX_MAP 16
#define SPAWN_MAX_PIDENV 4
#define STDIO_INHERIT (-1)
#define STDIO_DEVNULL (-2)

/* Child failure stages, sent as {stage, errno} over the close-on-exec pipe. */
enum spawn_stage {
  ST_NONE = 0, ST_SIGNALS, ST_SETSID, ST_STDIO, ST_CTTY, ST_NICE, ST_OOM, ST_RLIMIT, ST_CGROUP,
  ST_CHROOT, ST_CHDIR, ST_SETGROUPS, ST_SETGID, ST_SETUID, ST_KEEPFDS, ST_PTRACE, ST_SIGMASK, ST_EXEC, ST_FDMAP,
  ST_COUNT
};
extern const char *const spawn_stage_names[ST_COUNT];
/* Not a failure: the child could not join its optional first cgroup and went on without it (spawnStart). */
#define ST_NOTE_CGROUP 64

typedef struct spawn_spec {
  char *file;
  char **paths; /* candidate paths for execve, tried in order (PATH search done before fork) */
  char **argv;
  char **envp;
  char *cwd;
  char *chroot_dir;
  bool has_umask; unsigned umask_value;
  bool has_nice; int nice_value;
  bool has_oom; char oom_text[16]; size_t oom_len;
  int nrlimits; struct { int resource; struct rlimit lim; } rlimits[SPAWN_MAX_RLIMITS];
  bool has_uid; uid_t uid;
  bool has_gid; gid_t gid;
  bool set_groups; gid_t *groups; int ngroups;
  bool new_session;
  bool controlling_tty;
  int stdio[3];
  int devnull_fd;
  /* cgroups: their directories, and each cgroup.procs opened by spawn_spec_open_cgroups (-1 before, or skipped). */
  int ncgroups; char *cgroup_dirs[SPAWN_MAX_CGROUPS]; char *cgroup_procs[SPAWN_MAX_CGROUPS]; int cgroup_fds[SPAWN_MAX_CGROUPS];
  bool cgroups_in_child; /* spawnStart: the child makes cgroups[0] and opens each cgroup.procs itself, after saying its pid */
  bool cgroup0_optional; /* optionalCgroup: failing to join cgroups[0] is a note, not a failure */
  bool cgroup0_create;   /* cgroupCreate: cgroups[0] is made (mkdir) if missing, after any removal of it in flight */
  bool cgroup0_into;     /* cgroupInto: spawnStart may clone the child into cgroups[0] (never cgroup.kill'ed since made) */
  bool cgroup0_joined;   /* the child was cloned into cgroups[0]: it does not write its cgroup.procs */
  bool trace_me;
  bool unbatch;          /* spawnStart: the spawner thread runs SCHED_BATCH; the child goes back to SCHED_OTHER first */
  int nkeep; int keep_fds[SPAWN_MAX_KEEP];
  /* fdMap: the daemon's fd src[i] becomes the child's fd dst[i] (socket activation, notification fd). */
  int nmap; int map_src[SPAWN_MAX_MAP]; int map_dst[SPAWN_MAX_MAP];
  /* pidEnv: envp entries "NAME=" with room after '=' that the child fills with its own pid (LISTEN_PID). */
  int npidenv; char *pid_env[SPAWN_MAX_PIDENV];
  int err_fd; /* write end of the error pipe (child side) */
} spawn_spec;

/* Fills `spec` from the JS options object; false with an exception pending. */
bool spawn_spec_parse(napi_env env, napi_value opts, spawn_spec *spec);
void spawn_spec_free(spawn_spec *spec);
/*
 * Makes cgroups[0] (cgroupCreate) and opens each cgroup.procs before the clone (spawn, on the JS
 * thread). 0, or the errno of the first that failed, its index in *failed. An optional first cgroup
 * that fails is skipped (fd -1, the child does not join it) with its errno in *note.
 */
int spawn_spec_open_cgroups(spawn_spec *spec, struct cgroup_remover *removers, int *failed, int *note);
/* Runs in the child (CLONE_VM|CLONE_VFORK): async-signal-safe calls only. Never returns on success. */
int spawn_child_main(void *arg);
/*
 * clone(CLONE_VM|CLONE_VFORK) of fn(arg) on `stack`, born in the cgroup directory `cgroup_fd` refers to
 * (clone3 CLONE_INTO_CGROUP). The pid, or -1 with errno: ENOSYS where this kernel, filter or build has
 * no such clone (from then on always), or why the kernel refused this cgroup.
 */
pid_t clone_into_cgroup(int (*fn)(void *), void *arg, void *stack, size_t stack_size, int cgroup_fd);

#endif
