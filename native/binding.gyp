{
  "targets": [
    {
      "target_name": "upstart_native",
      "sources": [
        "src/addon.c",
        "src/state.c",
        "src/util.c",
        "src/errors.c",
        "src/spawn_spec.c",
        "src/spawn_child.c",
        "src/spawn.c",
        "src/spawn_async.c",
        "src/clone_into.c",
        "src/cgroup_remove.c",
        "src/reaper.c",
        "src/pty.c",
        "src/pty_stock.c",
        "src/fds.c",
        "src/proc.c",
        "src/ptrace.c",
        "src/socket.c",
        "src/listen.c",
        "src/constants.c",
        "src/logpump.c",
        "src/logpump_pool.c",
        "src/logpump_step.c",
        "src/memory.c"
      ],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    },
    {
      "target_name": "initctl",
      "type": "executable",
      "sources": ["initctl/initctl.c", "initctl/json.c", "initctl/replay.c", "initctl/sessions.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    }
  ]
}
