// Stateful re-exec, the old image's side: quiesce, gather every owner's part, check it reads back, keep exactly its fds, execve.
import { accessSync, constants as fsConstants, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { Engine } from '../job/engine.ts';
import type { LogPriority } from '../log/daemonLog.ts';
import type { JobLogger } from '../log/jobLogger.ts';
import type { Journal } from '../log/journal.ts';
import type { JournalWire } from '../log/journalState.ts';
import type { LogsWire } from '../log/loggerState.ts';
import { EngineError } from '../model/engineApi.ts';
import type { CgroupTree } from '../process/cgroupTree.ts';
import * as native from '../sys/index.ts';
import type { NativeProcessPort } from '../process/nativePort.ts';
import { decodeState, encodeState, keptFds, STATE_FORMAT, type StateEnvelope } from '../state/envelope.ts';
import { VERSION } from './version.ts';

export interface HandoverHost {
  engine: Engine;
  port: NativeProcessPort;
  jobLogger: JobLogger;
  journal: Journal;
  cgroups(): CgroupTree | undefined;
  controlFd(): number | undefined;
  /** Control connections with a request being answered or on its way in. */
  controlBusy(): number;
  notifyFd(): number | undefined;
  notifyStatus: ReadonlyMap<string, string>;
  /** The fd store's names and fds (socket activation): they cross the exec. */
  fdStore(): Array<[string, number]>;
  /** The message bus joined, if any (its address): the new image joins it again. */
  busAddress(): string | undefined;
  defaultJobEnv: ReadonlyMap<string, string>;
  /** The system init's runlevel and the one before, if it keeps them. */
  runlevel?(): [string, string] | undefined;
  logPriority(): LogPriority;
  /** A shutdown is under way (its stages are not carried: the re-exec is refused). */
  stopping(): boolean;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

/** How long the first step may wait for job output to reach the logs and for helpers to finish. */
const QUIESCE_MS = 5000;
/** How long the exec waits for control requests already on their way to be answered. */
const CONTROL_GRACE_MS = 250;

/** The command line of the new image: the node binary and bin/upstart as they are on disk now, the same options, plus the state fd. */
export function reexecArgv(stateFd: number, argv = process.argv, execArgv = process.execArgv): string[] {
  const own: string[] = [];
  const given = argv.slice(2);
  for (let i = 0; i < given.length; i++) {
    const a = given[i]!;
    if (a === '--restart' || a.startsWith('--state-fd=')) continue;
    if (a === '--state-fd') { i++; continue; }
    own.push(a);
  }
  return [process.execPath, ...execArgv, argv[1]!, ...own, '--restart', `--state-fd=${stateFd}`];
}

/**
 * One re-exec at a time: requests that arrive while one is being prepared join it (ten at once
 * make one re-exec). prepare() resolves once the state can be taken; the exec itself follows
 * on a timer, after the reply to the request has been written.
 */
export class Reexec {
  private preparing: Promise<void> | undefined;
  private withState: string | undefined;

  constructor(private readonly h: HandoverHost) {}

  request(withState?: string): Promise<void> {
    if (this.preparing !== undefined) return this.preparing;
    this.withState = withState;
    const p = this.prepare().then(() => {
      const start = performance.now();
      const attempt = (): void => {
        if (this.h.controlBusy() > 0 && performance.now() - start < CONTROL_GRACE_MS) setTimeout(attempt, 5);
        else this.commit();
      };
      setTimeout(attempt, 1);
    }, (err: unknown) => {
      this.preparing = undefined;
      throw err;
    });
    this.preparing = p;
    return p;
  }

  private async prepare(): Promise<void> {
    const h = this.h;
    if (h.stopping()) throw new EngineError('failed', 're-exec not possible: the daemon is shutting down');
    if (this.withState !== undefined) {
      try {
        readFileSync(this.withState);
      } catch (err) {
        throw new EngineError('invalid', `--with-state: cannot read ${this.withState}: ${(err as Error).message}`);
      }
    }
    // What the new image is made of must be there: a missing script would start node and lose the daemon.
    for (const [file, mode] of [[process.execPath, fsConstants.X_OK], [process.argv[1] ?? '', fsConstants.R_OK]] as const) {
      try {
        accessSync(file, mode);
      } catch (err) {
        throw new EngineError('failed', `re-exec not possible: ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (h.controlFd() === undefined) throw new EngineError('failed', 're-exec: the control socket has no fd to hand over');
    const deadline = performance.now() + QUIESCE_MS;
    while (h.port.busy() !== undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const busy = h.port.busy();
    if (busy !== undefined) throw new EngineError('failed', `re-exec not possible now: ${busy}; try again`);
    const why = await h.jobLogger.prepareHandOver(Math.max(1, deadline - performance.now()));
    if (why !== undefined) {
      h.port.replaceOutputs(h.jobLogger.adopt(h.jobLogger.finishHandOver()));
      throw new EngineError('failed', `re-exec not possible now: ${why}; try again`);
    }
  }

  /** Synchronous from the snapshot to execve: nothing can change in between. */
  private commit(): void {
    const h = this.h;
    this.preparing = undefined;
    const logs = h.jobLogger.finishHandOver();
    const journal = h.journal.handOverNow();
    let memfd: number | undefined;
    const cleared: number[] = [];
    try {
      const t0 = performance.now();
      const state = this.gather(logs, journal);
      const text = encodeState(state);
      const t1 = performance.now();
      decodeState(text); // what the new image will read must read back here first
      const t2 = performance.now();
      // UPSTART_TS_STATE_COPY=FILE: a copy of the state handed over (recovery drills, test fixtures).
      const copyTo = process.env.UPSTART_TS_STATE_COPY;
      if (copyTo) {
        writeFileSync(`${copyTo}.new`, text, { mode: 0o600 });
        renameSync(`${copyTo}.new`, copyTo);
      }
      memfd = native.memfdCreate('upstart-state');
      const body = this.withState === undefined ? Buffer.from(text) : readFileSync(this.withState);
      for (let off = 0; off < body.length;) off += writeSync(memfd, body, off, body.length - off);
      // Node marks its stdio close-on-exec too: the new image must get the same 0, 1 and 2.
      const kept = [0, 1, 2, ...keptFds(state), memfd];
      for (const fd of kept) {
        try {
          if (native.getCloexec(fd)) cleared.push(fd);
          native.setCloexec(fd, false);
        } catch (err) {
          if (fd > 2) throw err;
        }
      }
      const argv = reexecArgv(memfd);
      h.log('info', `re-executing ${argv[0]} ${argv.slice(1).join(' ')} (state format ${STATE_FORMAT}, ${body.length} bytes${this.withState !== undefined ? `, from ${this.withState}` : ''}; taken in ${(t1 - t0).toFixed(0)} ms, read back in ${(t2 - t1).toFixed(0)} ms, execve ${(performance.now() - t0).toFixed(0)} ms after the state was begun)`);
      native.execve(argv[0]!, argv, envList());
    } catch (err) {
      for (const fd of cleared) {
        try { native.setCloexec(fd, true); } catch { /* closed meanwhile */ }
      }
      if (memfd !== undefined) native.closeFd(memfd);
      h.log('error', `re-exec failed, carrying on: ${(err as Error).message}`);
      h.port.replaceOutputs(h.jobLogger.adopt(logs));
      h.journal.takeBack(journal);
    }
  }

  private gather(logs: LogsWire, journal: JournalWire): StateEnvelope {
    const h = this.h;
    const notifyStatus: Array<[string, string, string]> = [];
    for (const [k, text] of h.notifyStatus) {
      const [job, instance] = k.split('\0') as [string, string];
      notifyStatus.push([job, instance, text]);
    }
    const notifyFd = h.notifyFd();
    const fdStore = h.fdStore();
    const bus = h.busAddress();
    return {
      format: STATE_FORMAT,
      version: VERSION,
      wall: Date.now(),
      monotonicNs: process.hrtime.bigint().toString(),
      parts: {
        engine: h.engine.snapshot(false),
        process: h.port.toWire(),
        logs,
        cgroups: h.cgroups()?.toWire() ?? null,
        journal,
        daemon: {
          controlFd: h.controlFd()!, ...(notifyFd === undefined ? {} : { notifyFd }), notifyStatus, defaultJobEnv: [...h.defaultJobEnv],
          ...(h.runlevel?.() === undefined ? {} : { runlevel: h.runlevel()! }),
          logPriority: h.logPriority(),
          ...(fdStore.length === 0 ? {} : { fdStore }),
          ...(bus === undefined ? {} : { bus }),
        },
      },
    };
  }
}

function envList(): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out.push(`${k}=${v}`);
  return out;
}
