// After a burst of work, one memory-reducing GC, malloc_trim and the clean file pages dropped once the daemon has been quiet; no timer while idle (docs/performance.md, #22).
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { createRequire } from 'node:module';
import { adjustExternalMemory, dropCleanFilePages, mallocTrim } from '../sys/memory.ts';

/** How long no young-generation GC (no allocation to speak of) must last before the collection runs. */
export const QUIET_MS = 150;
/** The V8 heap must have grown this much since the last collection for another to be worth it. */
export const GROWTH_BYTES = 1 << 20;

export interface QuietGcOptions {
  /**
   * Also drop the resident pages of the read-only file mappings (Node's binary, the libraries) after each
   * collection: what start-up alone read (the snapshot, the bootstrap, ICU data) leaves the RSS, and the
   * code that runs again is mapped back from the page cache at its first touch (sys/memory.ts).
   */
  dropFilePages?: boolean;
}

export interface QuietGc {
  /** Collections run so far. */
  count(): number;
  /** Bytes of file pages dropped so far (0 without dropFilePages). */
  droppedBytes(): number;
  stop(): void;
}

const v8Major = Number(process.versions.v8.split('.')[0]);

/**
 * A full, memory-reducing collection, synchronous. V8 12+ (Node 22, 24): `gc({ flavor: 'last-resort' })`
 * (--expose-gc is set at run time and the function taken from a new context). V8 11 (Node 20) reads no options
 * in gc() and its plain full GC keeps the freed pages; what does reduce there is V8's own answer to external
 * memory far over its limit: a synchronous collection with the reduce-memory flag, asked for by reporting 1 TB of
 * external memory and taking it back at once (nothing is allocated; V8 only counts).
 */
function reducingCollector(): () => void {
  if (v8Major >= 12) {
    let gc: ((o: object) => void) | undefined;
    return () => {
      if (gc === undefined) {
        setFlagsFromString('--expose-gc');
        // node:vm only here: Node 20 never needs it (0.2 MiB of RSS).
        const vm = createRequire(import.meta.url)('node:vm') as typeof import('node:vm');
        gc = vm.runInNewContext('gc') as (o: object) => void;
      }
      gc({ type: 'major', flavor: 'last-resort' });
    };
  }
  // Twice, as last-resort does: the second frees what the first left reachable only from garbage (2.4 MiB of RSS
  // with 200 services, bench/boot).
  return () => {
    const tb = 2 ** 40;
    for (let i = 0; i < 2; i++) {
      adjustExternalMemory(tb);
      adjustExternalMemory(-tb);
    }
  };
}

/**
 * Watches V8's young-generation GCs (they happen only while the daemon allocates) and, QUIET_MS after the last one,
 * runs one memory-reducing collection and malloc_trim if the heap grew by GROWTH_BYTES since the previous one.
 * The collection runs with incremental marking off, so that V8's memory reducer does not take it as the start of a
 * burst and schedule its own GCs 8 s later (in the idle time); bin/upstart keeps the reducer from arming at start-up.
 */
export function startQuietGc(opts: QuietGcOptions = {}): QuietGc {
  const collect = reducingCollector();
  const dropFilePages = opts.dropFilePages === true;
  let dropped = 0;
  const incremental = !process.execArgv.includes('--no-incremental-marking');
  const heapUsed = (): number => getHeapStatistics().used_heap_size;
  // 0: the first quiet moment after start-up collects whatever it grew (an empty daemon grows by less than GROWTH_BYTES).
  let base = 0;
  let last = 0;
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    timer = setTimeout(fire, ms);
    timer.unref();
  };
  const fire = (): void => {
    const wait = last + QUIET_MS - performance.now();
    if (wait >= 1) return arm(wait);
    timer = undefined;
    if (heapUsed() < base + GROWTH_BYTES) return;
    if (incremental) setFlagsFromString('--no-incremental-marking');
    try {
      collect();
    } finally {
      if (incremental) setFlagsFromString('--incremental-marking');
    }
    mallocTrim();
    if (dropFilePages) {
      try {
        dropped += dropCleanFilePages();
      } catch {
        // No /proc yet (PID 1 before its early mounts) or at all: the pages stay until a later collection.
      }
    }
    base = heapUsed();
    runs++;
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      last = performance.now();
      if (timer === undefined) arm(QUIET_MS);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    count: () => runs,
    droppedBytes: () => dropped,
    stop() {
      observer.disconnect();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
