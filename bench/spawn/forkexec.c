/* Baseline for bench/spawn: N sequential fork (or vfork) + execve("/bin/true") + waitpid; prints total microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int use_vfork = argc > 2 && strcmp(argv[2], "vfork") == 0;
  char *args[] = { "/bin/true", NULL };
  char *envp[] = { NULL };
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    pid_t pid = use_vfork ? vfork() : fork();
    if (pid == 0) { execve(args[0], args, envp); _exit(127); }
    if (pid < 0) { perror("fork"); return 1; }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "child failed\n"); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.0f\n", (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3);
  return 0;
}
