// The job loggers' part of the re-exec state: per log file, the pty masters read into it and the bytes not yet written.
import { arr, base64, fail, fd, obj, str } from '../state/check.ts';

export interface LogsWire {
  entries: Array<{ job: string; instance: string; masters: number[]; pending: string }>;
}

export function checkLogsWire(v: unknown, where = 'logs'): LogsWire {
  const w = obj(v, where);
  const seen = new Set<number>();
  arr(w.entries, `${where}.entries`).forEach((e, i) => {
    const at = `${where}.entries[${i}]`;
    const o = obj(e, at);
    str(o.job, `${at}.job`);
    str(o.instance, `${at}.instance`);
    arr(o.masters, `${at}.masters`).forEach((m, k) => {
      const n = fd(m, `${at}.masters[${k}]`);
      if (seen.has(n)) fail(`${at}.masters[${k}]`, `fd ${n} is named twice`);
      seen.add(n);
    });
    base64(o.pending, `${at}.pending`);
  });
  return w as unknown as LogsWire;
}
