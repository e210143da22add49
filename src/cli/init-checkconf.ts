// init-checkconf: checks job files offline (filled in by the parser work).
export async function main(_argv: string[]): Promise<void> {
  process.stderr.write('init-checkconf: not assembled yet\n');
  process.exitCode = 2;
}
