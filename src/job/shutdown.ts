// The staged shutdown (R6): an optional event stage, then the live jobs stopped layer by layer in the order their conditions imply.
import { shutdownOrder } from '../events/dependencies.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { JobRecord } from './job.ts';
import type { LogFn } from './machine.ts';

/** What a shutdown is asked for: an event to emit first (`runlevel RUNLEVEL=0 …`, `session-end`), or none. */
export interface ShutdownRequest {
  event?: { name: string; env: string[] };
}

/**
 * Where a shutdown is; plain data. `event`: the event is out and the jobs whose `stop on` it
 * reaches stop as it says (a job that is held by it holds the event), starts are still allowed
 * (a `start on runlevel [06]` task runs); the stage ends when the event has finished and the
 * drain is idle. `stop`: from then on nothing starts; `layers[at]` are the classes whose instances
 * are told to stop now, the next layer once none of them is left (shutdownOrder: those with a
 * `stop on` first, in the order the events imply, those without last). `done`: no job is left.
 */
export type ShutdownStage =
  | { kind: 'event'; event: number }
  | { kind: 'stop'; layers: string[][]; at: number }
  | { kind: 'done' };

/** What the stages need from the engine core. */
export interface ShutdownHost {
  jobs(): Iterable<JobRecord>;
  specOf(job: JobRecord): JobClassSpec;
  queueEvent(name: string, env: string[]): number;
  /** Whether the event is still queued, being handled or held. */
  eventLive(id: number): boolean;
  /** From now on no condition and no command starts anything. */
  refuseStarts(): void;
  /** Sets the job's goal to stop (no stop environment), as `initctl stop` would. */
  stopJob(job: JobRecord): void;
  log: LogFn;
}

/** The first stage of a shutdown. */
export function beginShutdown(host: ShutdownHost, req: ShutdownRequest): ShutdownStage {
  if (req.event !== undefined) {
    host.log('info', `shutdown: emitting ${[req.event.name, ...req.event.env].join(' ')}`);
    return { kind: 'event', event: host.queueEvent(req.event.name, [...req.event.env]) };
  }
  return stopStage(host);
}

/** The live classes in shutdown order; every live instance is told to stop in its class's layer. */
function stopStage(host: ShutdownHost): ShutdownStage {
  host.refuseStarts();
  const specs = new Map<string, JobClassSpec>();
  for (const j of host.jobs()) if (!specs.has(j.name)) specs.set(j.name, host.specOf(j));
  const layers = shutdownOrder([...specs.values()]);
  return stopLayer(host, { kind: 'stop', layers, at: 0 });
}

/** Tells the jobs of the layer at `s.at` to stop, skipping layers with none left; `done` when no job is. */
function stopLayer(host: ShutdownHost, s: Extract<ShutdownStage, { kind: 'stop' }>): ShutdownStage {
  for (let at = s.at; at < s.layers.length; at++) {
    const names = new Set(s.layers[at]);
    const jobs = [...host.jobs()].filter((j) => names.has(j.name));
    if (jobs.length === 0) continue;
    host.log('info', `shutdown: stopping ${[...names].join(', ')}`);
    for (const j of jobs) if (j.goal !== 'stop') host.stopJob(j);
    return { ...s, at };
  }
  // Instances of classes not in the plan (none should start, but a restored engine may hold some).
  const rest = [...host.jobs()];
  if (rest.length === 0) return { kind: 'done' };
  return stopStage(host);
}

/**
 * Moves the shutdown on when its stage is over; called when a drain has nothing left to do.
 * Returns the (possibly same) stage.
 */
export function advanceShutdown(host: ShutdownHost, s: ShutdownStage): ShutdownStage {
  switch (s.kind) {
    case 'event':
      return host.eventLive(s.event) ? s : stopStage(host);
    case 'stop': {
      const names = new Set(s.layers[s.at]);
      for (const j of host.jobs()) if (names.has(j.name)) return s;
      return stopLayer(host, { ...s, at: s.at + 1 });
    }
    case 'done':
      return s;
  }
}
