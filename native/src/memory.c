/* Giving memory back after a burst of work (src/sys/memory.ts, used by src/daemon/quietGc.ts): malloc_trim, V8's external-memory count, clean file pages. */
#include "common.h"
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* mallocTrim(): returns the free memory of every malloc arena (the main heap and each thread's) to the kernel; true if any went. */
static napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_get_boolean(env, malloc_trim(0) == 1, &out);
  return out;
}

/* adjustExternalMemory(bytes): napi_adjust_external_memory; returns V8's new total of external memory. */
static napi_value js_adjust_external_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double bytes = 0;
  int64_t total = 0;
  napi_value out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_double(env, argv[0], "bytes", &bytes)) return NULL;
  if (napi_adjust_external_memory(env, (int64_t)bytes, &total) != napi_ok) return throw_type(env, "adjustExternalMemory failed");
  napi_create_double(env, (double)total, &out);
  return out;
}

/*
 * One mapping of /proc/self/smaps while it is read: droppable if it is private, not writable and backed
 * by a file, and none of its pages was ever copied on write ("Anonymous: 0 kB"). Its pages are then the
 * file's own (in the page cache): dropping them from this process loses nothing, and the next touch
 * maps them again from the cache, as after the kernel's own reclaim. A writable mapping is never
 * dropped (a page written between this read and the madvise would be lost); a read-only one cannot be
 * written without an mprotect, and one that was (RELRO, a breakpoint) has anonymous pages.
 */
typedef struct {
  uintptr_t lo, hi;
  bool candidate;
  unsigned long rss_kb;
} smaps_area;

/* A header line "lo-hi perms offset dev inode [path]": true if it is one (and fills `a`). */
static bool smaps_header(const char *line, smaps_area *a) {
  unsigned long lo, hi;
  char perms[5];
  int path_at = 0;
  if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &lo, &hi, perms, &path_at) < 3 || path_at == 0) return false;
  a->lo = lo;
  a->hi = hi;
  a->rss_kb = 0;
  a->candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && line[path_at] == '/';
  return true;
}

/*
 * dropCleanFilePages(): MADV_DONTNEED on every droppable mapping (above); returns the bytes that were
 * resident in them. What Node read once at start-up (its snapshot, its bootstrap code, ICU data) leaves
 * the daemon's RSS; the code it goes on running is mapped again at its first touch.
 */
static napi_value js_drop_clean_file_pages(napi_env env, napi_callback_info info) {
  (void)info;
  FILE *f = fopen("/proc/self/smaps", "re");
  if (f == NULL) return throw_syscall(env, "open /proc/self/smaps", errno);
  char *line = NULL;
  size_t cap = 0;
  smaps_area a = { 0 };
  double dropped = 0;
  while (getline(&line, &cap, f) > 0) {
    if (smaps_header(line, &a)) continue;
    if (!a.candidate) continue;
    if (strncmp(line, "Rss:", 4) == 0) a.rss_kb = strtoul(line + 4, NULL, 10);
    if (strncmp(line, "Anonymous:", 10) != 0) continue;
    a.candidate = false;
    if (strtoul(line + 10, NULL, 10) != 0 || a.rss_kb == 0) continue;
    /* EINVAL for a locked mapping (mlockall): it stays, as it was asked to. */
    if (madvise((void *)a.lo, a.hi - a.lo, MADV_DONTNEED) == 0) dropped += (double)a.rss_kb * 1024;
  }
  free(line);
  fclose(f);
  napi_value out;
  napi_create_double(env, dropped, &out);
  return out;
}

void register_memory(napi_env env, napi_value exports) {
  set_fn(env, exports, "mallocTrim", js_malloc_trim);
  set_fn(env, exports, "adjustExternalMemory", js_adjust_external_memory);
  set_fn(env, exports, "dropCleanFilePages", js_drop_clean_file_pages);
}
