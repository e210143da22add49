// Bundles the daemon (src/main.ts and all it imports) into dist/bundle/upstart.cjs: one CommonJS file Node loads fast.
// dist/bundle/ sits at the same depth as dist/process/, so the addon's path relative to the module stays right.
// CommonJS, not ESM: no ESM loader at start-up, about 10 ms of CPU less on the 2-core VM (docs/performance.md, "Boot").
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const outfile = 'dist/bundle/upstart.cjs';
const entry = `
import { main } from './main.ts';
main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(\`upstart: \${err instanceof Error ? err.stack : String(err)}\\n\`);
  process.exit(1);
});
`;

/**
 * CommonJS has no top-level await. A module that loads an optional part with
 * `x = await import('./y.ts')` inside try/catch gets `x = require('./y.ts')` here: the same module,
 * loaded at the same moment, its errors thrown into the same catch. Only string literals are rewritten.
 */
const topLevelAwaitImport = {
  name: 'top-level-await-import',
  setup(b) {
    b.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('await import(')) return undefined;
      return { contents: text.replace(/\bawait import\((['"][^'"]+['"])\)/g, 'require($1)'), loader: 'ts' };
    });
  },
};

await build({
  stdin: { contents: entry, resolveDir: 'src', sourcefile: 'upstart-entry.ts', loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  // CommonJS has no import.meta: give the bundle its own file URL.
  banner: { js: "#!/usr/bin/env node\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__bundleUrl' },
  plugins: [topLevelAwaitImport],
  sourcemap: 'linked',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
