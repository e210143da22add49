// intern: one shared copy of a short string that many job classes repeat (event names, condition arguments, env keys).

/** Past this many distinct strings nothing more is added (the table must not grow with unique values for ever). */
const MAX_ENTRIES = 20_000;
/** Longer strings are rarely repeated word for word. */
const MAX_LENGTH = 64;

const table = new Map<string, string>();

/** The first copy seen of `s` (itself if it is the first, too long, or the table is full). */
export function intern(s: string): string {
  if (s.length > MAX_LENGTH) return s;
  const got = table.get(s);
  if (got !== undefined) return got;
  if (table.size < MAX_ENTRIES) table.set(s, s);
  return s;
}
