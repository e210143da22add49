// The event queue: event records from emission to completion, the holds that block them, and emit --wait waiters.
import { EngineError } from '../model/engineApi.ts';
import type { EventRecord } from './event.ts';
import { Fifo } from './fifo.ts';

export interface EventWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Invariants: every id in `pending` or `finishing` names a record in `events` or one already
 * finished (skipped when taken); an event is finished once, when it is `handling` and nothing
 * holds it (`blockers` <= 0). Records are plain data; waiters are not (they do not survive re-exec).
 */
export class EventQueue {
  readonly events = new Map<number, EventRecord>();
  /** Queued, not yet matched against conditions. */
  readonly pending = new Fifo<number>();
  /** Handled, possibly no longer held: to be finished in this drain. */
  readonly finishing = new Fifo<number>();
  private readonly waiters = new Map<number, EventWaiter[]>();

  get(id: number): EventRecord | undefined {
    return this.events.get(id);
  }

  add(ev: EventRecord): void {
    this.events.set(ev.id, ev);
    this.pending.push(ev.id);
  }

  /** Puts a record back as it was (restore from a snapshot); does not queue it. */
  restore(ev: EventRecord): void {
    this.events.set(ev.id, ev);
  }

  wait(id: number, w: EventWaiter): void {
    const list = this.waiters.get(id);
    if (list === undefined) this.waiters.set(id, [w]);
    else list.push(w);
  }

  /** The next pending event, skipping ids already gone. */
  takePending(): EventRecord | undefined | null {
    const id = this.pending.shift();
    if (id === undefined) return null;
    return this.events.get(id);
  }

  /** The next event to finish: null when the list is empty, undefined when the entry no longer applies. */
  takeFinishing(): EventRecord | undefined | null {
    const id = this.finishing.shift();
    if (id === undefined) return null;
    const ev = this.events.get(id);
    return ev !== undefined && ev.progress === 'handling' && ev.blockers <= 0 ? ev : undefined;
  }

  /** Marks an event handled; it finishes in this drain unless something now holds it. */
  handled(ev: EventRecord): void {
    if (ev.blockers <= 0) this.finishing.push(ev.id);
  }

  hold(id: number): void {
    const ev = this.events.get(id);
    if (ev) ev.blockers++;
  }

  release(id: number, failed: boolean): void {
    const ev = this.events.get(id);
    if (ev === undefined) return;
    if (failed) ev.failed = true;
    ev.blockers--;
    if (ev.blockers <= 0 && ev.progress === 'handling') this.finishing.push(id);
  }

  /** Removes a finished event and settles its emit --wait callers. */
  finish(ev: EventRecord): void {
    this.events.delete(ev.id);
    const ws = this.waiters.get(ev.id);
    if (ws === undefined) return;
    this.waiters.delete(ev.id);
    for (const w of ws) {
      if (ev.failed) w.reject(new EngineError('failed', `Event failed: ${ev.name}`));
      else w.resolve();
    }
  }
}
