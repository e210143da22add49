// File descriptors: close-on-exec, non-blocking, pipes, dup, close, isatty.
import { addon, fail, fd } from './addon.ts';

export const setCloexec = (f: number, on = true): void => addon.setCloexec(fd(f), on);
export const getCloexec = (f: number): boolean => addon.getCloexec(fd(f));
export const setNonblock = (f: number, on = true): void => addon.setNonblock(fd(f), on);
/** [read, write], both close-on-exec and blocking. */
export const pipe = (): [number, number] => addon.pipe();
export const closeFd = (f: number): void => addon.close(fd(f));
export const isatty = (f: number): boolean => addon.isatty(fd(f));
/** A close-on-exec duplicate numbered >= 3. */
export const dupFd = (f: number): number => addon.dup(fd(f));
/** memfd_create(name, MFD_CLOEXEC): an anonymous memory file (the re-exec state). */
export function memfdCreate(name: string): number {
  if (typeof name !== 'string' || name.includes('\0')) fail('name must be a string without NUL bytes');
  return addon.memfdCreate(name);
}
