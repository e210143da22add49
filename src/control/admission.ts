// Who may hold a control connection: per-uid limits for other users, slots kept for root and the owner, eviction under pressure.

/** The budgets that keep other local users from starving root and the session's owner (DESIGN §6). */
export interface ConnectionLimits {
  /** Connections of every kind together (default 4096). */
  maxConnections: number;
  /** Of maxConnections, how many only root and the owner may take (default 256). */
  reservedConnections: number;
  /** Connections one other user (a "stranger") may hold at once (default 64). */
  perUidConnections: number;
  /** A stranger's greeted connection with nothing running (no subscription, no request) is closed after this (default 30 s). */
  idleTimeoutMs: number;
  /** Reply bytes a connection of root or the owner may leave unread before it is disconnected (default 16 MiB). */
  maxUnreadBytes: number;
  /** The same for a stranger's connection (default 1 MiB). */
  strangerUnreadBytes: number;
  /** Reply bytes all connections together may leave unread; past it the worst offender goes (default 64 MiB). */
  totalUnreadBytes: number;
  /** Requests are not read from a connection while more than this of its replies is unread (default 64 KiB). */
  readPauseBytes: number;
  /** Requests of one connection answered at once; further ones wait unread (root/owner default 256, strangers 4). */
  maxPendingRequests: number;
  strangerPendingRequests: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 4096,
  reservedConnections: 256,
  perUidConnections: 64,
  idleTimeoutMs: 30_000,
  maxUnreadBytes: 16 * 1024 * 1024,
  strangerUnreadBytes: 1024 * 1024,
  totalUnreadBytes: 64 * 1024 * 1024,
  readPauseBytes: 64 * 1024,
  maxPendingRequests: 256,
  strangerPendingRequests: 4,
};

/** A connection as admission sees it. uid -1: SO_PEERCRED failed (treated as a stranger). */
export interface Member {
  readonly uid: number;
  readonly privileged: boolean;
}

export type Admission<M extends Member> =
  | { ok: true; evict?: M }
  | { ok: false; message: string };

/**
 * The connection table's arithmetic, without sockets. Strangers are kept in arrival order so
 * that, when root or the owner finds every slot taken, the newest stranger is the one dropped.
 */
export class AdmissionTable<M extends Member> {
  private readonly strangers = new Set<M>();
  private readonly perUid = new Map<number, number>();
  private readonly privileged = new Set<M>();

  constructor(private readonly limits: ConnectionLimits) {}

  get size(): number {
    return this.privileged.size + this.strangers.size;
  }

  /** Decides on a new connection; when ok, the caller adds it (after closing `evict`, if any). */
  admit(m: Member): Admission<M> {
    const l = this.limits;
    if (m.privileged) {
      if (this.size < l.maxConnections) return { ok: true };
      const newest = [...this.strangers].at(-1);
      if (newest !== undefined) return { ok: true, evict: newest };
      return { ok: false, message: `too many connections (${this.size}, limit ${l.maxConnections})` };
    }
    const mine = this.perUid.get(m.uid) ?? 0;
    if (mine >= l.perUidConnections) {
      return { ok: false, message: `too many connections from uid ${m.uid} (limit ${l.perUidConnections} per user)` };
    }
    const strangerSlots = Math.max(0, l.maxConnections - l.reservedConnections);
    if (this.strangers.size >= strangerSlots || this.size >= l.maxConnections) {
      return { ok: false, message: `too many connections from other users (limit ${strangerSlots}); try again later` };
    }
    return { ok: true };
  }

  add(m: M): void {
    if (m.privileged) {
      this.privileged.add(m);
      return;
    }
    this.strangers.add(m);
    this.perUid.set(m.uid, (this.perUid.get(m.uid) ?? 0) + 1);
  }

  remove(m: M): void {
    if (m.privileged) {
      this.privileged.delete(m);
      return;
    }
    if (!this.strangers.delete(m)) return;
    const n = (this.perUid.get(m.uid) ?? 1) - 1;
    if (n <= 0) this.perUid.delete(m.uid);
    else this.perUid.set(m.uid, n);
  }
}
