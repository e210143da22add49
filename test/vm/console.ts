// Runs shell commands in the VM through the serial-shell job's command loop and reads their output back between markers.
import type { Vm } from './qemu.ts';

export interface Result {
  status: number;
  out: string;
}

let seq = 0;

/** Runs `cmd` in the guest (stderr folded into stdout) and returns its output and exit status. */
export async function guestRun(vm: Vm, cmd: string, timeoutMs = 20_000): Promise<Result> {
  const n = ++seq;
  const from = vm.lines.length;
  // Markers closed on both sides: a line cut short (or glued to a console message) cannot pass for one.
  vm.send(`echo "@@${n}<<"; { ${cmd}; } 2>&1; echo "@@${n}> $? <@@"`);
  // Not after a quote: the tty's echo of the command line, caught while still partial (`echo "@@N<<`),
  // ends the same way, and the output's own first line would then be read as output.
  const begin = await vm.waitFor(new RegExp(`(?<!")@@${n}<<$`), timeoutMs, from);
  const end = await vm.waitFor(new RegExp(`@@${n}> (\\d+) <@@`), timeoutMs, begin.index + 1);
  const out = vm.lines.slice(begin.index + 1, end.index).map((l) => l.text).join('\n');
  return { status: Number(end.match[1]), out };
}

/** Runs `cmd` until `ok` holds for its result, or throws with the last result after `timeoutMs`. */
export async function guestUntil(vm: Vm, cmd: string, ok: (r: Result) => boolean, timeoutMs: number): Promise<Result> {
  const deadline = performance.now() + timeoutMs;
  let last: Result;
  do {
    last = await guestRun(vm, cmd);
    if (ok(last)) return last;
    // A poll interval under the deadline, so the polling does not eat the emulated CPU.
    await new Promise((r) => setTimeout(r, 300));
  } while (performance.now() < deadline);
  throw new Error(`\`${cmd}\` did not give the expected result within ${timeoutMs} ms; last (status ${last.status}):\n${last.out}`);
}
