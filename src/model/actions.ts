// Custom actions (`action NAME` in a job file, docs/actions.md): what a run of one asks for and how it ended.

/** `initctl action JOB NAME [KEY=VALUE]...`: KEY=VALUE pairs select the instance (as for stop) and reach the action's environment. */
export interface ActionRequest {
  job: string;
  action: string;
  env: string[];
  /** false (initctl -n): answered once the action's process is spawned, without waiting for it to end. */
  wait: boolean;
  /** Names the instance instead of `env` (initctl inside a job, acting on its own instance). */
  instance?: string;
}

/** How one run ended (or, without wait, that it started). */
export interface ActionResult {
  job: string;
  instance: string;
  action: string;
  pid: number;
  /** Its exit status, when it exited. */
  status?: number;
  /** The signal that killed it (canonical name, TERM), when one did. */
  signal?: string;
  /** What initctl exits with: the status, 128+N for signal N, 0 for a run not waited for. */
  exitStatus: number;
  /** false when the caller did not wait (the run goes on). */
  ended: boolean;
}

/** Every action a definition offers, in file order. */
export function actionNames(spec: { actions?: Record<string, unknown> }): string[] {
  return Object.keys(spec.actions ?? {});
}
