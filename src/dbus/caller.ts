// Who sent a D-Bus call and what it may do: the JSON protocol's rule (root, or the session's owner) by peer uid.
import type { Request } from '../control/protocol.ts';
import { denialFor, peerDenials } from '../control/auth.ts';
import { UPSTART_ERRORS, DbusFault } from './errors.ts';

export interface AuthContext {
  mode: 'system' | 'session';
  ownerUid: number;
}

/** A caller, identified by the uid its socket (SO_PEERCRED) or its bus (GetConnectionUnixUser) vouches for. */
export interface Caller {
  /** undefined: the uid could not be learnt (nothing but public reads). */
  uid: number | undefined;
}

/** Why this caller may not change state, or undefined if it may (the texts the JSON protocol gives). */
export function writeDenial(c: Caller, a: AuthContext): string | undefined {
  return peerDenials(c.uid, a.mode, a.ownerUid).denial;
}

/** Throws PermissionDenied when the caller may not make this request: the JSON protocol's one table (src/control/auth.ts). */
export function authorise(r: Request, c: Caller, a: AuthContext): void {
  const why = denialFor(r.type, peerDenials(c.uid, a.mode, a.ownerUid));
  if (why !== undefined) throw new DbusFault(UPSTART_ERRORS.permissionDenied, why);
}

/** True for callers that get the larger budgets (root and the owner). */
export const isPrivileged = (c: Caller, a: AuthContext): boolean => writeDenial(c, a) === undefined;
