/* Numeric constants the TypeScript side needs: rlimit resources, ptrace options and events, reboot commands. */
#include "common.h"
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <linux/reboot.h>

#define C(obj, name, value) set_int(env, obj, name, (int64_t)(value))

void register_constants(napi_env env, napi_value exports) {
  napi_value rl, po, pe, rb, all;
  napi_create_object(env, &all);
  napi_create_object(env, &rl);
  C(rl, "as", RLIMIT_AS); C(rl, "core", RLIMIT_CORE); C(rl, "cpu", RLIMIT_CPU); C(rl, "data", RLIMIT_DATA);
  C(rl, "fsize", RLIMIT_FSIZE); C(rl, "memlock", RLIMIT_MEMLOCK); C(rl, "msgqueue", RLIMIT_MSGQUEUE);
  C(rl, "nice", RLIMIT_NICE); C(rl, "nofile", RLIMIT_NOFILE); C(rl, "nproc", RLIMIT_NPROC);
  C(rl, "rss", RLIMIT_RSS); C(rl, "rtprio", RLIMIT_RTPRIO); C(rl, "rttime", RLIMIT_RTTIME);
  C(rl, "sigpending", RLIMIT_SIGPENDING); C(rl, "stack", RLIMIT_STACK);
  napi_set_named_property(env, all, "rlimit", rl);

  napi_create_object(env, &po);
  C(po, "TRACESYSGOOD", PTRACE_O_TRACESYSGOOD); C(po, "TRACEFORK", PTRACE_O_TRACEFORK);
  C(po, "TRACEVFORK", PTRACE_O_TRACEVFORK); C(po, "TRACECLONE", PTRACE_O_TRACECLONE);
  C(po, "TRACEEXEC", PTRACE_O_TRACEEXEC); C(po, "TRACEEXIT", PTRACE_O_TRACEEXIT);
  C(po, "EXITKILL", PTRACE_O_EXITKILL);
  napi_set_named_property(env, all, "ptraceOption", po);

  napi_create_object(env, &pe);
  C(pe, "FORK", PTRACE_EVENT_FORK); C(pe, "VFORK", PTRACE_EVENT_VFORK); C(pe, "CLONE", PTRACE_EVENT_CLONE);
  C(pe, "EXEC", PTRACE_EVENT_EXEC); C(pe, "EXIT", PTRACE_EVENT_EXIT); C(pe, "STOP", PTRACE_EVENT_STOP);
  napi_set_named_property(env, all, "ptraceEvent", pe);

  napi_create_object(env, &rb);
  C(rb, "RESTART", LINUX_REBOOT_CMD_RESTART); C(rb, "HALT", LINUX_REBOOT_CMD_HALT);
  C(rb, "POWER_OFF", LINUX_REBOOT_CMD_POWER_OFF); C(rb, "CAD_ON", LINUX_REBOOT_CMD_CAD_ON);
  C(rb, "CAD_OFF", LINUX_REBOOT_CMD_CAD_OFF); C(rb, "SW_SUSPEND", LINUX_REBOOT_CMD_SW_SUSPEND);
  C(rb, "KEXEC", LINUX_REBOOT_CMD_KEXEC);
  napi_set_named_property(env, all, "reboot", rb);

  napi_set_named_property(env, exports, "constants", all);
}
