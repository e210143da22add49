// SpawnError: a child that could not reach exec reports {stage, errno}; spawn throws this synchronously.
import { errnoCode } from './syscallError.ts';

/**
 * Stages, in the order the child runs them: 'user' and 'group' (name lookup) and 'cgroup' (opening
 * cgroup.procs) fail before fork; the rest fail in the child and come back over a close-on-exec pipe.
 */
export type SpawnStage =
  | 'user' | 'group' | 'signals' | 'setsid' | 'stdio' | 'ctty' | 'nice' | 'oom_score_adj' | 'rlimit'
  | 'cgroup' | 'chroot' | 'chdir' | 'setgroups' | 'setgid' | 'setuid' | 'keepfds' | 'ptrace'
  | 'sigmask' | 'exec' | 'unknown';

const WHAT: Readonly<Record<string, (subject: string) => string>> = {
  exec: (s) => `unable to execute "${s}"`,
  chdir: (s) => `unable to change directory to "${s}"`,
  chroot: (s) => `unable to chroot to "${s}"`,
  user: (s) => `unable to look up user "${s}"`,
  group: (s) => `unable to look up group "${s}"`,
  cgroup: (s) => `unable to join cgroup "${s}"`,
};

export class SpawnError extends Error {
  readonly stage: SpawnStage;
  readonly errno: number;
  readonly code: string;
  /** What the stage was about: the binary for 'exec', the directory for 'chdir', the user for 'user'. */
  readonly subject: string;

  constructor(stage: string, errno: number, subject: string, reason?: string) {
    const code = errnoCode(errno);
    const what = WHAT[stage]?.(subject) ?? `${subject}: ${stage} failed before exec`;
    super(`${what}: ${reason ?? code} (${code})`);
    this.name = 'SpawnError';
    this.stage = stage as SpawnStage;
    this.errno = errno;
    this.code = code;
    this.subject = subject;
  }
}
