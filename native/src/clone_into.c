/* clone3(CLONE_VM|CLONE_VFORK|CLONE_INTO_CGROUP): a child born in its job cgroup, without the cgroup.procs write that waits for an RCU grace period. */
#include "spawn.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Why: moving a process into a cgroup (the child writing cgroup.procs) takes the kernel's
 * cgroup_threadgroup_rwsem for writing, which after a quiet spell waits for an RCU grace period:
 * 4-16 ms measured on this 2-core machine, the whole cost of a respawn. A child cloned into the
 * cgroup takes only its read side (docs/performance.md, "Respawn").
 *
 * glibc has no clone3 wrapper, and with CLONE_VM the child runs on its own stack from the
 * instruction after the syscall, so that part is assembly, as glibc's clone() is. x86-64 only;
 * elsewhere clone_into_cgroup says ENOSYS and the child joins by writing cgroup.procs as before.
 */

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Cleared once the kernel says it has no clone3 or no CLONE_INTO_CGROUP (or a seccomp filter says ENOSYS). */
static _Atomic bool usable = true;

#if defined(__x86_64__) && defined(SYS_clone3)
static long clone3_vm(struct clone3_args *args, int (*fn)(void *), void *arg) {
  register long r12 __asm__("r12") = (long)fn;
  register long r13 __asm__("r13") = (long)arg;
  long ret;
  /* The child (rax 0) has the parent's registers on the new stack: fn(arg), then exit with its value. */
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r13, %%rdi\n\t"
      "call *%%r12\n\t"
      "mov %%eax, %%edi\n\t"
      "mov $60, %%eax\n\t"
      "syscall\n\t"
      "hlt\n"
      "1:\n\t"
      : "=a"(ret)
      : "0"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(r12), "r"(r13)
      : "rcx", "r11", "memory");
  return ret;
}
#endif

pid_t clone_into_cgroup(int (*fn)(void *), void *arg, void *stack, size_t stack_size, int cgroup_fd) {
  if (!atomic_load(&usable)) { errno = ENOSYS; return -1; }
#if defined(__x86_64__) && defined(SYS_clone3)
  struct clone3_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
  a.exit_signal = SIGCHLD;
  a.stack = (uint64_t)(uintptr_t)stack;
  a.stack_size = stack_size;
  a.cgroup = (uint64_t)cgroup_fd;
  long r = clone3_vm(&a, fn, arg);
  if (r >= 0) return (pid_t)r;
  /* No clone3 (before Linux 5.3, or filtered), no CLONE_INTO_CGROUP (before 5.7), a larger struct refused. */
  if (r == -ENOSYS || r == -EINVAL || r == -E2BIG) atomic_store(&usable, false);
  errno = (int)-r;
  return -1;
#else
  (void)fn; (void)arg; (void)stack; (void)stack_size; (void)cgroup_fd;
  atomic_store(&usable, false);
  errno = ENOSYS;
  return -1;
#endif
}
