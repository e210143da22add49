{
  "targets": [
    {
      "target_name": "upstart_native",
      "sources": ["src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    },
    {
      "target_name": "initctl",
      "type": "executable",
      "sources": ["initctl/initctl.c", "initctl/json.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    }
  ]
}
