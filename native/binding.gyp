{
  "targets": [
    {
      "target_name": "upstart_native",
      "sources": ["src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    }
  ]
}
