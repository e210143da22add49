// mallocTrim and adjustExternalMemory (native/src/memory.c): what src/daemon/quietGc.ts calls after a burst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustExternalMemory, mallocTrim } from '../../../src/sys/memory.ts';

test('mallocTrim gives back the free memory of the malloc arenas (a boolean: whether any went)', () => {
  // Freed C memory: Buffers of more than Node's pool size are malloc'd and freed with their ArrayBuffer.
  const total = (): number => Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1)).reduce((n, b) => n + b.length, 0);
  assert.equal(total(), 64 * 64 * 1024);
  assert.equal(typeof mallocTrim(), 'boolean');
});

test('adjustExternalMemory counts up and back down by what it is told, and checks its argument', () => {
  const base = adjustExternalMemory(0);
  assert.equal(adjustExternalMemory(4096), base + 4096);
  assert.equal(adjustExternalMemory(-4096), base);
  assert.throws(() => adjustExternalMemory(0.5), /safe integer/);
});
