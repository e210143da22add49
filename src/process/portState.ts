// The process port's part of the re-exec state: the pids it reports on (with their pty masters) and the instances still to sweep.
import { arr, bool, fail, fd, int, obj, str } from '../state/check.ts';
import type { ExitInfo } from './port.ts';

export interface ProcessWire {
  owned: Array<{ pid: number; master?: number; awaitingStop: boolean; inst?: { job: string; instance: string }; expectExit?: boolean }>;
  /** Instances whose stop signalled their whole cgroup: survivors are killed when the instance is gone. */
  swept: Array<[string, string]>;
  /** Exits reaped but not yet reported (their output was on its way to the log). */
  exited: ExitInfo[];
}

export function checkProcessWire(v: unknown, where = 'process'): ProcessWire {
  const w = obj(v, where);
  arr(w.owned, `${where}.owned`).forEach((o, i) => {
    const at = `${where}.owned[${i}]`;
    const e = obj(o, at);
    int(e.pid, `${at}.pid`, 1);
    if (e.master !== undefined) fd(e.master, `${at}.master`);
    bool(e.awaitingStop, `${at}.awaitingStop`);
    if (e.inst !== undefined) {
      const inst = obj(e.inst, `${at}.inst`);
      str(inst.job, `${at}.inst.job`);
      str(inst.instance, `${at}.inst.instance`);
    }
    if (e.expectExit !== undefined) bool(e.expectExit, `${at}.expectExit`);
  });
  arr(w.swept, `${where}.swept`).forEach((p, i) => {
    const pair = arr(p, `${where}.swept[${i}]`);
    str(pair[0], `${where}.swept[${i}][0]`);
    str(pair[1], `${where}.swept[${i}][1]`);
  });
  arr(w.exited, `${where}.exited`).forEach((x, i) => {
    const at = `${where}.exited[${i}]`;
    const e = obj(x, at);
    int(e.pid, `${at}.pid`, 1);
    if (e.kind === 'exited') int(e.status, `${at}.status`);
    else if (e.kind === 'killed') { str(e.signal, `${at}.signal`); bool(e.core, `${at}.core`); }
    else fail(`${at}.kind`, `expected exited or killed, found ${JSON.stringify(e.kind)}`);
  });
  return w as unknown as ProcessWire;
}
