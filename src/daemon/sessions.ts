// Session files: each session init announces itself in RUNTIME/upstart/sessions/PID.session (initctl list-sessions).
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../control/protocol.ts';
import { fallbackRuntimeDir, runtimeDir, unsafeRuntimeDir } from './runtimeDir.ts';

/** The directory Upstart's session inits write their session files to. */
export function sessionDir(env: Record<string, string | undefined>, uid: number): string {
  return join(runtimeDir(env, uid), 'upstart', 'sessions');
}

/** Writes PID.session holding `UPSTART_SESSION=ADDRESS`, atomically (.new + rename). */
export function writeSessionFile(dir: string, pid: number, address: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${pid}.session`);
  writeFileSync(`${path}.new`, `UPSTART_SESSION=${address}\n`, { mode: 0o600 });
  renameSync(`${path}.new`, path);
  return path;
}

export function removeSessionFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to do.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live sessions in `dir`, by pid; files of sessions whose process is gone are skipped. */
export function listSessions(dir: string): SessionInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: SessionInfo[] = [];
  for (const name of names) {
    const m = /^(\d+)\.session$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (!alive(pid)) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const line = text.split('\n').find((l) => l.startsWith('UPSTART_SESSION='));
    if (line) out.push({ pid, session: line.slice('UPSTART_SESSION='.length) });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * What `initctl list-sessions` shows the caller: their live sessions, or none and why, when the
 * /tmp fallback (no XDG_RUNTIME_DIR) is not theirs alone (its session files could be anyone's).
 */
export function callerSessions(env: Record<string, string | undefined>, uid: number): { sessions: SessionInfo[]; warning?: string } {
  if (!env.XDG_RUNTIME_DIR) {
    const dir = fallbackRuntimeDir(uid);
    let why: string | undefined;
    try {
      why = unsafeRuntimeDir(lstatSync(dir), uid);
    } catch {
      return { sessions: [] }; // no such directory: no sessions
    }
    if (why !== undefined) return { sessions: [], warning: `${dir}: its sessions are not listed: ${why}` };
  }
  return { sessions: listSessions(sessionDir(env, uid)) };
}
