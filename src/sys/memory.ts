// Memory the daemon gives back after a burst of work (native/src/memory.c): glibc's malloc_trim, V8's external-memory count, clean file pages.
import { addon, fail } from './addon.ts';

/** malloc_trim(0): the free memory of every malloc arena (the main heap and each thread's) back to the kernel; true if any went. */
export function mallocTrim(): boolean {
  return addon.mallocTrim();
}

/** napi_adjust_external_memory: tells V8 that `bytes` more (or, negative, fewer) bytes outside its heap are held; returns its new total. */
export function adjustExternalMemory(bytes: number): number {
  if (!Number.isSafeInteger(bytes)) fail('bytes must be a safe integer');
  return addon.adjustExternalMemory(bytes);
}

/**
 * Drops from this process the resident pages of its private, read-only file mappings that were never
 * copied on write (Node's binary and the shared libraries: code and data read once at start-up); returns
 * the bytes that were resident there. They stay in the page cache; what runs again maps them back at its
 * first touch. Throws if /proc/self/smaps cannot be read (no /proc yet).
 */
export function dropCleanFilePages(): number {
  return addon.dropCleanFilePages();
}
