// initctl plot of a 200-job boot, rendered in headless Chromium: a legend, ticks, every bar labelled and wider than 2 px, arrows from the starting events; screenshot in test-artifacts/plot/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { CHROMIUM, chromiumMissing } from './browser.ts';

const why = chromiumMissing();
let d: DaemonHandle | undefined;
after(async () => {
  await d?.stop();
});

/** 190 jobs in ten chains off startup (services and tasks mixed), and a watcher with one instance per started c0-* job. */
function jobs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let chain = 0; chain < 10; chain++) {
    for (let k = 0; k < 19; k++) {
      const name = `c${chain}-${String(k).padStart(2, '0')}`;
      const on = k === 0 ? 'startup' : `started c${chain}-${String(k - 1).padStart(2, '0')}`;
      out[name] = k % 3 === 2 ? `start on ${on}\ntask\nexec sleep 0.05\n` : `start on ${on}\nexec sleep 600\n`;
    }
  }
  out.watch = 'start on started c0-*\ninstance $JOB\ntask\nexec true\n';
  return out;
}

test('a 200-job boot plot: legend, ticks, labelled bars wider than 2 px, event arrows', { skip: why || false, timeout: 300_000 }, async () => {
  d = await startDaemon(jobs());
  const daemon = d;
  // Settled: every c* service running, every task and watcher instance back to waiting.
  await waitUntil('the 200-job boot to settle', async () => {
    const list = (await daemon.initctl(['list'])).stdout.trim().split('\n');
    return list.length >= 190 && list.every((l) => / (start\/running|stop\/waiting)/.test(l)) && list.filter((l) => l.includes('start/running')).length === 130;
  }, 120_000, 200);
  const plot = await daemon.initctl(['plot']);
  assert.equal(plot.code, 0, plot.stderr);
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.setViewport({ width: 1600, height: 1200 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${plot.stdout}</body></html>`, { waitUntil: 'load' });
    const seen = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('g.row')].map((g) => ({
        job: g.getAttribute('data-job') ?? '',
        instance: g.getAttribute('data-instance') ?? '',
        label: g.querySelector('text.label')?.textContent ?? '',
        labelWidth: (g.querySelector('text.label') as SVGGraphicsElement | null)?.getBBox().width ?? 0,
        bars: [...g.querySelectorAll('rect.bar')].map((r) => (r as SVGGraphicsElement).getBoundingClientRect().width),
      }));
      return {
        rows,
        legend: document.querySelectorAll('g.legend rect').length,
        legendText: document.querySelector('g.legend')?.textContent ?? '',
        ticks: [...document.querySelectorAll('text')].filter((t) => /^\d+(\.\d+)?s$/.test(t.textContent ?? '')).length,
        arrows: document.querySelectorAll('path.cause').length,
      };
    });
    assert.deepEqual(errors, []);
    assert.ok(seen.rows.length >= 200, `${seen.rows.length} rows`);
    assert.equal(seen.legend, 3);
    assert.match(seen.legendText, /starting.*running.*stopping.*started by this event/s);
    assert.ok(seen.ticks >= 4, `${seen.ticks} axis ticks`);
    // Every job that started by an event has its arrow (the watcher's instances and every chain).
    assert.ok(seen.arrows >= 195, `${seen.arrows} arrows`);
    for (const r of seen.rows) {
      assert.equal(r.label, r.instance === '' ? r.job : `${r.job} (${r.instance})`);
      assert.ok(r.labelWidth > 10, `${r.label} is drawn`);
      assert.ok(r.bars.length > 0 && r.bars.every((w) => w > 2), `${r.label}: bars ${r.bars.join(', ')} px`);
    }
    assert.ok(seen.rows.some((r) => r.instance === 'c0-00'), 'instances are rows of their own');
    const dir = join(ROOT, 'test-artifacts', 'plot');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'boot-200-top.png'), clip: { x: 0, y: 0, width: 1600, height: 1000 } });
    await page.screenshot({ path: join(dir, 'boot-200.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
