// The event journal's part of the re-exec state: the newest entries of its ring and the lines not yet written to its file.
import type { JournalEntry } from '../model/engineApi.ts';
import { arr, base64, int, num, obj, str } from '../state/check.ts';

/** Entries carried (the rest of the ring is in upstart-events.jsonl). */
export const JOURNAL_CARRIED = 2000;

export interface JournalWire {
  entries: JournalEntry[];
  appended: number;
  pending: string;
}

export function checkJournalWire(v: unknown, where = 'journal'): JournalWire {
  const w = obj(v, where);
  arr(w.entries, `${where}.entries`).forEach((e, i) => {
    const o = obj(e, `${where}.entries[${i}]`);
    str(o.kind, `${where}.entries[${i}].kind`);
    num(o.t, `${where}.entries[${i}].t`);
  });
  int(w.appended, `${where}.appended`);
  base64(w.pending, `${where}.pending`);
  return w as unknown as JournalWire;
}
