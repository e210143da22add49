// SysV init scripts as services: what upstart-rc asks the daemon to run and what list and status know of them (docs/sysv.md).
import type { InstanceStatus } from './engineApi.ts';

export interface SysvRunRequest {
  name: string;
  /** Absolute path of the script (upstart-rc's --root tree, or /etc/init.d/NAME). */
  script: string;
  action: 'start' | 'stop';
  /** KEY=VALUE for the script's environment (RUNLEVEL, PREVLEVEL) on top of the job environment. */
  env: string[];
  timeoutMs: number;
  /** Something upstart-rc wants said on each event and in the log (e.g. `no LSB header`). */
  note?: string;
}

export interface SysvRunResult {
  result: 'ok' | 'failed';
  exitStatus?: number;
  exitSignal?: string;
  /** Why it failed, in words: `exited with status 1`, `not executable`, `timed out after 300 s`. */
  reason?: string;
  /** What the script printed (the first 64 KiB). */
  output: string;
}

/** One init script as the daemon knows it; `initctl list` prints `NAME (sysv) GOAL/STATE`. */
export interface SysvStatus {
  name: string;
  script: string;
  goal: 'start' | 'stop';
  state: 'starting' | 'running' | 'stopping' | 'waiting';
  /** How its last start or stop ended. */
  result?: 'ok' | 'failed';
  reason?: string;
}

/** `initctl status NAME` of a script: the status line (instance `sysv`), and what its status action said. */
export interface SysvStatusAnswer {
  status: InstanceStatus;
  statusExit?: number;
  statusOutput?: string;
}
