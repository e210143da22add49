// upstart-file-bridge's rules: the watches the jobs' `file` operands make, and the events a change makes for each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { dirsOf, eventFor, watchesOf } from '../../../src/bridges/fileWatches.ts';
import type { Condition } from '../../../src/model/condition.ts';

const cond = (text: string): Condition => parseJob(`start on ${text}\n`, { file: 't.conf', name: 't' }).spec!.start!;

test('file, directory and glob operands, with and without EVENT; each once; what cannot be watched is said', () => {
  const skipped: string[] = [];
  const ws = watchesOf([
    cond('file FILE=/run/app.pid EVENT=create or file FILE=/var/log/'),
    cond('file FILE=/var/crash/*.crash EVENT=create and started x'),
    cond('file FILE=/run/app.pid EVENT=create'),
    cond('file FILE=$HOME/x or file FILE=relative/y or file FILE=/z EVENT=touch'),
  ], undefined, (f, why) => skipped.push(`${f}: ${why}`));
  assert.deepEqual(ws, [
    { file: '/run/app.pid', path: '/run/app.pid', kind: 'file', event: 'create' },
    { file: '/var/log/', path: '/var/log', kind: 'dir' },
    { file: '/var/crash/*.crash', path: '/var/crash/*.crash', kind: 'glob', event: 'create' },
  ]);
  assert.deepEqual(skipped, [
    '$HOME/x: variables are not expanded in FILE',
    'relative/y: FILE must be an absolute path (relative paths need --user)',
    '/z: EVENT=touch is not create, modify or delete',
  ]);
  assert.deepEqual(ws.map(dirsOf), [['/run'], ['/var/log', '/var'], ['/var/crash']]);
});

test('--user: ~/, ./ and plain relative paths are below the home directory; FILE keeps what the job wrote', () => {
  const ws = watchesOf([cond('file FILE=~/a or file FILE=./b/ or file FILE=c/*.txt')], '/home/u');
  assert.deepEqual(ws.map((w) => [w.file, w.path, w.kind]), [['~/a', '/home/u/a', 'file'], ['./b/', '/home/u/b', 'dir'], ['c/*.txt', '/home/u/c/*.txt', 'glob']]);
});

test('eventFor: a file only for its own name; a glob per match with MATCH; a directory for its entries and for itself', () => {
  const [file, dir, glob] = watchesOf([cond('file FILE=/run/app.pid or file FILE=/var/log/ or file FILE=/var/crash/*.crash EVENT=create')], undefined);
  assert.deepEqual(eventFor(file!, '/run', 'app.pid', 'modify'), ['FILE=/run/app.pid', 'EVENT=modify']);
  assert.equal(eventFor(file!, '/run', 'other.pid', 'modify'), undefined);
  assert.deepEqual(eventFor(glob!, '/var/crash', 'x.crash', 'create'), ['FILE=/var/crash/*.crash', 'EVENT=create', 'MATCH=/var/crash/x.crash']);
  assert.equal(eventFor(glob!, '/var/crash', 'x.crash', 'delete'), undefined, 'EVENT=create only');
  assert.equal(eventFor(glob!, '/var/crash', 'x.txt', 'create'), undefined);
  assert.deepEqual(eventFor(dir!, '/var/log', 'syslog', 'modify'), ['FILE=/var/log/', 'EVENT=modify']);
  assert.deepEqual(eventFor(dir!, '/var', 'log', 'delete'), ['FILE=/var/log/', 'EVENT=delete']);
  assert.equal(eventFor(dir!, '/var', 'lib', 'delete'), undefined);
});
