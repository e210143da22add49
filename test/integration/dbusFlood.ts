// A separate process that floods the daemon with EmitEvent calls (argv: SOCKET COUNT); says `sent`, progress, then `done`.
import { encodeMessage, MessageType } from '../../src/dbus/message.ts';
import { rawConnection } from './dbusClients.ts';

async function main(): Promise<void> {
  const [path, count] = process.argv.slice(2);
  const n = Number(count);
  const c = await rawConnection(path!);
  const frames: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    frames.push(encodeMessage({ type: MessageType.MethodCall, flags: 0, serial: i, path: '/com/ubuntu/Upstart', interface: 'com.ubuntu.Upstart0_6', member: 'EmitEvent', signature: 'sasb', body: ['flood', [`N=${i}`], false] }));
  }
  c.socket.write(Buffer.concat(frames));
  process.stdout.write('sent\n');
  const answered = (): number => c.messages.filter((m) => m.type === MessageType.MethodReturn).length;
  while (answered() < n) {
    if (c.stream.isClosed) {
      process.stdout.write(`closed after ${answered()}\n`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write('done\n');
  process.exit(0);
}
void main();
