// Short helper programs the daemon runs for itself (not jobs), such as systemd-tmpfiles: spawned through the addon, output collected.
import { FdReader } from '../log/fdReader.ts';
import * as native from '../sys/index.ts';
import type { ExitInfo } from './port.ts';

export interface HelperResult {
  exit: ExitInfo;
  /** The first 64 KiB of its stdout and stderr together. */
  output: string;
  /** It was still running at the time limit and was killed. */
  timedOut?: boolean;
}

/**
 * Invariants: every helper's pid is in `running` from its spawn until the reaper hands its exit
 * to ended(); the owner (NativeProcessPort, the one reaper) routes exits here before any other
 * use, and keeps the reaper referenced while `size` > 0.
 */
export class HelperRuns {
  private readonly running = new Map<number, (info: ExitInfo) => void>();

  constructor(private readonly kill: (pid: number) => void) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Runs argv with stdin /dev/null and stdout and stderr into one pipe; resolves with how it ended
   * and what it printed, rejects if it cannot be spawned. Killed (SIGKILL) after `timeoutMs`.
   */
  run(argv: string[], env: string[], timeoutMs: number): Promise<HelperResult> {
    const [r, w] = native.pipe();
    let pid: number;
    try {
      pid = native.spawn({ argv, env, setsid: true, stdio: ['null', w, w] });
    } catch (err) {
      native.closeFd(r);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      native.closeFd(w);
    }
    return new Promise((resolve) => {
      let output = '';
      let exit: ExitInfo | undefined;
      let eof = false;
      let timedOut = false;
      const killer = setTimeout(() => { timedOut = true; this.kill(pid); }, timeoutMs);
      let grace: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (exit === undefined || !eof) return;
        clearTimeout(killer);
        clearTimeout(grace);
        resolve(timedOut ? { exit, output, timedOut } : { exit, output });
        exit = undefined;
      };
      new FdReader(r, {
        data: (chunk) => { if (output.length < 65536) output += chunk.toString('utf8'); },
        end: () => { eof = true; finish(); },
      });
      this.running.set(pid, (info) => {
        exit = info;
        // A grandchild may hold the pipe: what it printed so far is enough a second later.
        grace = setTimeout(() => { eof = true; finish(); }, 1000);
        finish();
      });
    });
  }

  /** The reaper saw `pid` end: true if it was a helper (its run settles). */
  ended(pid: number, info: ExitInfo): boolean {
    const done = this.running.get(pid);
    if (done === undefined) return false;
    this.running.delete(pid);
    done(info);
    return true;
  }
}
