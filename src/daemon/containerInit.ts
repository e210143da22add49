// A container's init, the parts the daemon wires in: job output to stdout, --exit-with, and a forced shutdown's kill.
import type { EngineApi } from '../model/engineApi.ts';
import type { JobLogger } from '../log/jobLogger.ts';
import { LinePrefixer, StdoutSink, type OutputTap } from '../log/linePrefix.ts';
import type { OutputSink, OutputSource } from '../log/port.ts';
import type { ProcessPort } from '../process/port.ts';
import { ExitWithWatch, type ExitWithResult } from './exitWith.ts';

/** The daemon's stdout, written synchronously (Node writes pipes, ttys and files synchronously on Linux). */
export function stdoutWriter(onError: (err: Error) => void): (bytes: Buffer) => void {
  let broken = false;
  process.stdout.on('error', (err) => {
    if (!broken) onError(err);
    broken = true;
  });
  return (bytes) => {
    if (!broken) process.stdout.write(bytes);
  };
}

/**
 * Where `console log` output goes in a container: each line to stdout, prefixed `job | ` unless
 * --no-output-prefix, and also to LOGDIR/JOB.log when --logdir was given (JobLogger with a tap);
 * without --logdir no log file is written. Undefined outside container mode (JobLogger alone).
 */
export class ContainerOutput {
  private readonly lines: LinePrefixer;

  constructor(write: (bytes: Buffer) => void, prefix: boolean) {
    this.lines = new LinePrefixer({ write, prefix });
  }

  /** The JobLogger tap: every chunk it reads also goes to stdout. */
  tap(source: OutputSource): OutputTap {
    return this.lines.tap(source);
  }

  /** The sink for the process layer: the file logger (with this tap) when --logdir was given, else stdout only. */
  sink(files: JobLogger, logdirGiven: boolean): OutputSink {
    return logdirGiven ? files : new StdoutSink(this.lines);
  }
}

/** The --exit-with jobs' watch over the journal; `onExit` runs once, for the first of them to stop for good. */
export function watchExitWith(engine: EngineApi, jobs: readonly string[], onExit: (r: ExitWithResult) => void): void {
  if (jobs.length === 0) return;
  const watch = new ExitWithWatch(jobs);
  let done = false;
  engine.subscribe((entry) => {
    if (done) return;
    const r = watch.see(entry);
    if (r === undefined) return;
    done = true;
    onExit(r);
  });
}

/**
 * A forced shutdown: SIGKILL to every process of every job instance (through the process layer:
 * the instance's cgroup when it has one, and each process's group; a spawn whose pid is not known
 * yet once it is). Returns how many instances had a process to kill (counting each such spawn).
 */
export function killEveryJob(engine: EngineApi, port: ProcessPort): number {
  let n = 0;
  for (const spec of engine.classes()) {
    let instances;
    try {
      instances = engine.status(spec.name);
    } catch {
      continue;
    }
    for (const inst of instances) {
      if (inst.processes.length > 0) n++;
      for (const p of inst.processes) {
        try {
          port.signal({ job: inst.job, instance: inst.instance }, 'cgroup', 'KILL', [p.pid]);
        } catch {
          // Gone already (its cgroup's kill may have taken it).
        }
      }
    }
  }
  // Spawns whose pid is not known yet (status does not show them): killed once it is.
  return n + (port.signalPending?.('KILL') ?? 0);
}
