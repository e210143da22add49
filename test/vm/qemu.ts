// Runs qemu-system-x86_64 under TCG with the serial console on stdio, and waits on console lines with deadlines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

// eslint-disable-next-line no-control-regex -- ESC is what a terminal escape starts with.
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

export interface VmOptions {
  kernel: string;
  initrd: string;
  append: string;
  memoryMiB?: number;
  /** Virtual CPUs (TCG runs one host thread each). */
  cpus?: number;
  /** Every console byte is also written here (for a failed run's report). */
  consoleLog?: string;
  /** Raw disk images, attached as virtio disks (/dev/vda, /dev/vdb, ...). */
  drives?: string[];
}

export interface ConsoleLine {
  /** Seconds since qemu was started. */
  at: number;
  text: string;
}

/** One VM: its console as lines, input to its serial port, and its exit. */
export class Vm {
  readonly lines: ConsoleLine[] = [];
  readonly started = performance.now();
  /** qemu's exit: code, or signal name. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private readonly proc: ChildProcess;
  private partial = '';
  private waiters: Array<() => void> = [];
  private readonly log: WriteStream | undefined;

  constructor(o: VmOptions) {
    const args = [
      '-accel', 'tcg', '-m', String(o.memoryMiB ?? 768), '-smp', String(o.cpus ?? 1),
      '-nographic', '-no-reboot', '-nodefaults', '-serial', 'stdio', '-nic', 'none',
      '-kernel', o.kernel, '-initrd', o.initrd, '-append', o.append,
      ...(o.drives ?? []).flatMap((d) => ['-drive', `file=${d},format=raw,if=virtio`]),
    ];
    this.log = o.consoleLog ? createWriteStream(o.consoleLog) : undefined;
    this.proc = spawn('/usr/bin/qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const feed = (d: Buffer): void => {
      this.log?.write(d);
      this.take(d.toString('latin1'));
    };
    this.proc.stdout!.on('data', feed);
    this.proc.stderr!.on('data', feed);
    this.exited = new Promise((r) => {
      this.proc.once('exit', (code, signal) => {
        if (this.partial) this.push(this.partial);
        this.partial = '';
        this.log?.end();
        r({ code, signal, at: this.now() });
        this.wake();
      });
    });
  }

  now(): number {
    return (performance.now() - this.started) / 1000;
  }

  private take(s: string): void {
    const parts = (this.partial + s).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.push(p);
    this.wake();
  }

  private push(raw: string): void {
    // Terminal escapes and stray carriage returns from the guest's tty.
    const text = raw.replace(ESCAPES, '').replace(/\r/g, '');
    this.lines.push({ at: this.now(), text });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Types a line on the serial console. */
  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /** The first console line from index `from` on matching `re`, within `timeoutMs`; throws with the console's tail otherwise. */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<{ line: ConsoleLine; index: number; match: RegExpExecArray }> {
    const deadline = performance.now() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.lines.length; i++) {
        const line = this.lines[i]!;
        const m = re.exec(line.text);
        if (m) return { line, index: i, match: m };
      }
      // The partial last line: a prompt, or output not yet ended by a newline.
      const pm = re.exec(this.partial);
      if (pm) return { line: { at: this.now(), text: this.partial }, index: this.lines.length, match: pm };
      const left = deadline - performance.now();
      if (left <= 0 || !this.running) {
        throw new Error(`no console line matching ${re} within ${timeoutMs} ms${this.running ? '' : ' (qemu exited)'}; console tail:\n${this.tail(40)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  tail(n: number): string {
    return this.lines.slice(-n).map((l) => `[${l.at.toFixed(2)}] ${l.text}`).join('\n') + (this.partial ? `\n${this.partial}` : '');
  }

  kill(): void {
    if (this.running) this.proc.kill('SIGKILL');
  }
}
