// compactSpec: a parsed job class at its smallest without changing a fact: arrays at their exact length, repeated words shared.
import type { Condition } from '../model/condition.ts';
import { intern } from '../model/intern.ts';
import type { JobClassSpec } from '../model/jobClass.ts';

/*
 * An array grown by push() keeps room for 17 elements (152 bytes) however few it holds, and every
 * token of a job file is its own copy of the text: with 1,000 classes that was about 1 MiB of array
 * slack and 0.5 MiB of repeated words ("started", "or", "IFACE", ...). A class is compacted once,
 * after parsing; nothing changes its spec afterwards (an .override parses onto a structuredClone).
 */

/** An exact-length copy of a non-empty array (an empty literal holds no storage). */
function exact<T>(a: T[], each: (x: T) => T = (x) => x): T[] {
  return a.length === 0 ? [] : a.map(each);
}

function compactCondition(c: Condition): Condition {
  if (c.kind === 'event') {
    c.name = intern(c.name);
    c.args = exact(c.args, (a) => {
      if (a.key !== undefined) a.key = intern(a.key);
      a.value = intern(a.value);
      return a;
    });
    return c;
  }
  c.left = compactCondition(c.left);
  c.right = compactCondition(c.right);
  return c;
}

export function compactSpec(spec: JobClassSpec): JobClassSpec {
  if (spec.start !== undefined) spec.start = compactCondition(spec.start);
  if (spec.stop !== undefined) spec.stop = compactCondition(spec.stop);
  if (spec.expect.kind === 'event') spec.expect.condition = compactCondition(spec.expect.condition);
  spec.emits = exact(spec.emits, intern);
  spec.env = exact(spec.env, (e) => {
    e.key = intern(e.key);
    return e;
  });
  spec.export = exact(spec.export, intern);
  spec.imports = exact(spec.imports, intern);
  spec.tmpfiles = exact(spec.tmpfiles);
  spec.cgroups = exact(spec.cgroups);
  spec.normalExit.statuses = exact(spec.normalExit.statuses);
  spec.normalExit.signals = exact(spec.normalExit.signals, intern);
  return spec;
}
