// SyscallError: the one error class the native layer throws for a failed system call (thrown from C).
import { getSystemErrorName } from 'node:util';

/** Symbolic errno name (ENOENT) for a positive errno number; `E<n>` when unknown. */
export function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
}

export class SyscallError extends Error {
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;

  constructor(syscall: string, errno: number, reason?: string) {
    const code = errnoCode(errno);
    super(`${syscall} failed: ${reason ?? code} (${code})`);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}
