// Job output scenarios shared by the pty logger tests and (later) the through-the-daemon tests.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a finished log file must hold; checked by size and SHA-256 so 64 MiB compares cheaply. */
export interface Expected {
  size: number;
  sha256: string;
  /** A short human description of the content, for failure messages. */
  what: string;
}

export interface OutputScenario {
  name: string;
  job: string;
  instance: string;
  /** The log file name the scenario expects (LOGDIR/…). */
  file: string;
  /** Writes any input files into `dir` and returns the sh script the job runs and what its log must hold. */
  prepare(dir: string): { script: string; expected: Expected };
}

export function expectedOf(content: Buffer, what: string): Expected {
  return { size: content.length, sha256: createHash('sha256').update(content).digest('hex'), what };
}

const interleaved = Buffer.from(Array.from({ length: 3000 }, (_, i) => `out ${i}\nerr ${i}\n`).join(''));

export const OUTPUT_SCENARIOS: OutputScenario[] = [
  {
    name: 'stdout and stderr interleaved',
    job: 'interleave',
    instance: '',
    file: 'interleave.log',
    prepare: () => ({
      script: 'i=0; while [ $i -lt 3000 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done',
      expected: expectedOf(interleaved, '3000 out/err line pairs'),
    }),
  },
  {
    name: '64 MiB of output',
    job: 'big',
    instance: '',
    file: 'big.log',
    prepare: (dir) => {
      const data = randomBytes(64 * 1024 * 1024);
      const src = join(dir, 'big.bin');
      writeFileSync(src, data);
      return { script: `exec cat '${src}'`, expected: expectedOf(data, '64 MiB of random bytes') };
    },
  },
  {
    name: 'binary bytes',
    job: 'binary',
    instance: '',
    file: 'binary.log',
    prepare: (dir) => {
      const one = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const data = Buffer.concat(Array.from({ length: 512 }, () => one));
      const src = join(dir, 'binary.bin');
      writeFileSync(src, data);
      return { script: `exec cat '${src}'`, expected: expectedOf(data, 'every byte value, 512 times') };
    },
  },
  {
    name: 'a writer that writes and exits at once',
    job: 'quick',
    instance: '',
    file: 'quick.log',
    prepare: (dir) => {
      // More than the kernel's pty buffers hold, ending without a newline: the last byte must be there.
      const data = Buffer.concat([randomBytes(300 * 1024), Buffer.from('THE END')]);
      const src = join(dir, 'quick.bin');
      writeFileSync(src, data);
      return { script: `exec cat '${src}'`, expected: expectedOf(data, '300 KiB then THE END, no newline') };
    },
  },
  {
    name: 'instance file names escape /',
    job: 'net/getty',
    instance: '/dev/ttyS0',
    file: 'net_getty-_dev_ttyS0.log',
    prepare: () => ({ script: 'echo "instance says hi"', expected: expectedOf(Buffer.from('instance says hi\n'), 'one line') }),
  },
];
