// Daemon entry point: parses init(8) options and runs the daemon (filled in by the daemon work).
export async function main(_argv: string[]): Promise<void> {
  process.stderr.write('upstart: the daemon is not assembled yet\n');
  process.exitCode = 1;
}
