// `initctl events --follow` across a re-exec: after reconnecting, the journal the daemon replays is skipped up to the last line already shown.

/** Lines the daemon replays at most (the journal it keeps across a re-exec), plus slack. */
const REPLAY_LIMIT = 2100;

/**
 * Tracks the last complete line shown; after resume(), holds the replayed lines back until that
 * line comes again (dropping it and all before it), so nothing is shown twice and nothing that
 * happened while the client was away is lost. If it does not come (the journal moved on by more
 * than it keeps, or the line was not unique), flush() gives back what was held.
 */
export class ReplaySkipper {
  private last: string | undefined;
  private partial = '';
  private held: string[] | undefined;

  /** Whether lines are being held back. */
  get skipping(): boolean {
    return this.held !== undefined;
  }

  /** How many lines are held back. */
  get holding(): number {
    return this.held?.length ?? 0;
  }

  /** Starts holding the replay back (nothing to skip if nothing was shown yet). */
  resume(): void {
    this.partial = '';
    this.held = this.last === undefined ? undefined : [];
  }

  /** What to show of `data`, a chunk of stdout. */
  feed(data: string): string {
    const text = this.partial + data;
    const nl = text.lastIndexOf('\n');
    this.partial = nl < 0 ? text : text.slice(nl + 1);
    if (nl < 0) return this.held === undefined ? data : '';
    const lines = text.slice(0, nl).split('\n');
    if (this.held === undefined) {
      this.last = lines[lines.length - 1];
      return data;
    }
    let out = '';
    for (const line of lines) {
      if (this.held === undefined) {
        out += `${line}\n`;
        this.last = line;
      } else if (line === this.last) {
        this.held = undefined;
      } else {
        this.held.push(line);
        if (this.held.length > REPLAY_LIMIT) out += this.release();
      }
    }
    return this.held === undefined ? out + this.partial : out;
  }

  /** Stops holding back: every held line, to be shown after a note that entries may repeat ('' when nothing was held). */
  flush(): string {
    const was = this.held !== undefined;
    const out = this.release();
    return was ? out + this.partial : out;
  }

  private release(): string {
    const held = this.held;
    this.held = undefined;
    if (held === undefined || held.length === 0) return '';
    this.last = held[held.length - 1];
    return `${held.join('\n')}\n`;
  }
}

/** Whether an initctl command line (from its command word on) is an endless `events --follow`. */
export function isFollow(args: readonly string[], at: number): boolean {
  if (at < 0 || args[at] !== 'events') return false;
  return args.slice(at + 1).some((a) => a === '--follow' || a === '-f' || (/^-[a-z]+$/.test(a) && a.includes('f')));
}
