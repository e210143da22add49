// The documentation site in a real browser: built by VitePress, every page opened in headless Chromium with no console error, no broken internal link or anchor, search working offline; three screenshots kept in test-artifacts/site/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.ts';
import { CHROMIUM, chromiumMissing, serveDir, type Served } from './browser.ts';

const why = chromiumMissing();
const out = mkdtempSync(join(tmpdir(), 'site-'));
const artefacts = join(ROOT, 'test-artifacts', 'site');
let served: Served | undefined;

before(async () => {
  if (why) return;
  // The same build as `npm run docs`, into a directory of its own.
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'node_modules/vitepress/bin/vitepress.js'), 'build', 'docs', '--outDir', out], { cwd: ROOT, timeout: 600_000, maxBuffer: 16 << 20 }, (err, _o, stderr) => {
      if (err) reject(new Error(`vitepress build failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
  served = await serveDir(out);
});

after(async () => {
  await served?.close();
  rmSync(out, { recursive: true, force: true });
});

test('every page loads with no console error, and every internal link and anchor resolves', { skip: why || false, timeout: 600_000 }, async () => {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const base = served!.url;
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    let errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
    const queue = ['/'];
    const seen = new Set<string>();
    const anchors: Array<{ from: string; path: string; id: string }> = [];
    const ids = new Map<string, Set<string>>();
    const problems: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      errors = [];
      const res = await page.goto(base + path, { waitUntil: 'networkidle0' });
      if (res === null || res.status() !== 200) problems.push(`${path}: HTTP ${res?.status() ?? 'no response'}`);
      const found = await page.evaluate(() => ({
        links: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
        ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
        title: document.title,
      }));
      if (errors.length > 0) problems.push(`${path}: ${errors.join('; ')}`);
      if (/404/.test(found.title)) problems.push(`${path}: the not-found page`);
      ids.set(path, new Set(found.ids));
      for (const href of found.links) {
        if (!href.startsWith(base)) continue;
        const u = new URL(href);
        const p = u.pathname === '' ? '/' : u.pathname;
        if (u.hash.length > 1) anchors.push({ from: path, path: p, id: decodeURIComponent(u.hash.slice(1)) });
        if (!seen.has(p)) queue.push(p);
      }
    }
    for (const a of anchors) {
      const at = ids.get(a.path);
      if (at !== undefined && !at.has(a.id)) problems.push(`${a.from}: link to ${a.path}#${a.id}: no such anchor`);
    }
    assert.ok(seen.size >= 20, `crawled ${seen.size} pages: ${[...seen].join(' ')}`);
    for (const want of ['/guide/install.html', '/guide/getting-started.html', '/job-language.html', '/reference/initctl.html', '/reference/events.html', '/migrate/systemd.html', '/design.html', '/performance.html']) {
      assert.ok(seen.has(want), `${want} is reached by links`);
    }
    assert.deepEqual(problems, []);

    // Search is offline (the index is part of the site): typing finds the stanza.
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    await page.click('.VPNavBarSearch button');
    await page.waitForSelector('#localsearch-input');
    await page.type('#localsearch-input', 'respawn limit');
    await page.waitForSelector('.VPLocalSearchBox .result', { timeout: 20_000 });
    const hits = await page.$$eval('.VPLocalSearchBox .result', (r) => r.map((e) => e.textContent ?? ''));
    assert.ok(hits.some((h) => /respawn/i.test(h)), hits.join(' | '));

    mkdirSync(artefacts, { recursive: true });
    for (const [name, path] of [['home', '/'], ['job-language', '/job-language.html'], ['initctl', '/reference/initctl.html']]) {
      await page.goto(base + path, { waitUntil: 'networkidle0' });
      await page.screenshot({ path: join(artefacts, `${name}.png`) });
      assert.ok(existsSync(join(artefacts, `${name}.png`)));
    }
  } finally {
    await browser.close();
  }
});
