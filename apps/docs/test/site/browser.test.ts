import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, chromiumMissing, isCI } from '../../../../vitest.shared.js';
import { startServer } from '../../scripts/serve.mjs';
import { artifactsDir, distDir, listFiles } from '../paths.js';

// The built site in Debian's Chromium, served with the cross-origin isolation headers: every
// page loads without console errors, the playground trains the MNIST CNN for one epoch on wasm
// (and on webgpu where the browser has an adapter), and a runnable example is edited and run.
const launch = chromiumLaunchOptions(['--enable-unsafe-webgpu']);
// Outside CI, a machine without Chromium skips them with one line (the root config's rule); in
// CI nothing is probed and a missing browser fails.
const missing = isCI() ? null : chromiumMissing();
if (missing) console.log(`nn test: skipping the docs site in Chromium: ${missing}`);

let browser: Browser;
let server: { url: string; close(): Promise<void> };

/** A page that records console errors and uncaught exceptions. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(new URL(path, server.url).href, { waitUntil: 'load' });
  return { page, errors };
}

/** Trains in the playground and returns what the page shows; leaves a screenshot. */
async function trainInPlayground(backend: string, trainSize: number) {
  const { page, errors } = await open('playground.html');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.selectOption('[data-testid=backend-select]', backend);
  await page.selectOption('[data-testid=train-size]', String(trainSize));
  await page.fill('[data-testid=epochs-input]', '1');
  await page.click('[data-testid=train-button]');
  await page.waitForFunction(
    () =>
      ['done', 'stopped', 'error'].includes(
        document.querySelector<HTMLElement>('[data-testid=status]')?.dataset.state ?? '',
      ),
    null,
    { timeout: 280_000, polling: 500 },
  );
  const status = await page.textContent('[data-testid=status]');
  const state = await page.getAttribute('[data-testid=status]', 'data-state');
  const accuracy = Number(await page.getAttribute('[data-testid=test-accuracy]', 'data-value'));
  const live = Number(await page.getAttribute('[data-testid=tensor-count]', 'data-live'));
  const start = Number(await page.getAttribute('[data-testid=tensor-count]', 'data-start'));
  // Draw a held-out digit on the pad: the prediction panel must name a class.
  await page.click('[data-testid=test-digit-button]');
  await page.waitForFunction(
    () => document.querySelector<HTMLElement>('[data-testid=prediction]')?.dataset.class !== '',
  );
  const labelled = Number(/labelled (\d)/.exec((await page.textContent('[data-testid=status]')) ?? '')?.[1]);
  const predicted = Number(await page.getAttribute('[data-testid=prediction]', 'data-class'));
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `playground-${backend}.png`), fullPage: true });
  await page.close();
  return { status, state, accuracy, live, start, labelled, predicted, errors };
}

/** Edits the first runnable example of a guide, runs it on `backend`, returns what it printed. */
async function editAndRun(backend: string) {
  const { page, errors } = await open('guide/tensors.html');
  const block = page.locator('.runnable').first();
  await block.locator('.runnable-edit').click();
  await block
    .locator('textarea')
    .fill(
      "import { tensor } from '@nn/tensor';\nconst t = tensor([[1, 2], [3, 4]]).mul(10);\nconsole.log(await t.format());\nconsole.log(await t.sum().item());",
    );
  await block.locator('select').selectOption(backend);
  await block.locator('.runnable-run').click();
  await page.waitForFunction(
    (el) => /ran on|failed|could not/.test(el?.querySelector('.runnable-status')?.textContent ?? ''),
    await block.elementHandle(),
    { timeout: 120_000 },
  );
  const output = await block.locator('.runnable-output').textContent();
  const status = await block.locator('.runnable-status').textContent();
  await page.close();
  return { output, status, errors };
}

describe.skipIf(missing !== null)('the built site in Chromium', () => {
  beforeAll(async () => {
    server = await startServer({ root: distDir, port: 0 });
    browser = await chromium.launch(launch);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('every page loads without console errors', async () => {
    const pages = listFiles(distDir, '.html').filter((p) => p !== '404.html');
    expect(pages.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const p of pages) {
      const { page, errors } = await open(p);
      await page.waitForLoadState('networkidle');
      expect(await page.locator('h1, .VPHero').count(), `${p} has a heading`).toBeGreaterThan(0);
      problems.push(...errors.map((e) => `${p}: ${e}`));
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('the playground trains one epoch on wasm to >= 90 % and frees everything but the model', async () => {
    const r = await trainInPlayground('wasm', 8000);
    expect(r.errors).toEqual([]);
    expect(r.state, r.status ?? '').toBe('done');
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.start).toBeGreaterThan(0);
    expect(r.live).toBe(r.start);
    expect(r.predicted).toBeGreaterThanOrEqual(0);
    expect(r.labelled).toBeGreaterThanOrEqual(0);
  }, 300_000);

  it('a runnable example can be edited and run on wasm', async () => {
    const r = await editAndRun('wasm');
    expect(r.errors).toEqual([]);
    expect(r.status).toMatch(/^ran on wasm/);
    expect(r.output?.replace(/\s+/g, ' ').trim()).toBe('tensor([[10., 20.], [30., 40.]]) 100');
  }, 120_000);

  describe('on webgpu', () => {
    let adapter: string | null = null;
    beforeAll(async () => {
      const { page } = await open('index.html');
      adapter = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return gpu && (await gpu.requestAdapter()) ? 'yes' : null;
      });
      await page.close();
      if (!adapter && isCI()) throw new Error('docs: Chromium has no WebGPU adapter (SwiftShader) in CI');
      if (!adapter)
        console.log('nn test: skipping the docs site on webgpu: Chromium has no WebGPU adapter here');
    });

    it('the playground trains one epoch on webgpu to >= 90 %', async (ctx) => {
      if (!adapter) ctx.skip();
      // 4,000 digits: SwiftShader runs the shaders on the CPU, a full epoch takes a minute there.
      const r = await trainInPlayground('webgpu', 4000);
      expect(r.errors).toEqual([]);
      expect(r.state, r.status ?? '').toBe('done');
      expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(r.live).toBe(r.start);
    }, 300_000);

    it('a runnable example can be edited and run on webgpu', async (ctx) => {
      if (!adapter) ctx.skip();
      const r = await editAndRun('webgpu');
      expect(r.errors).toEqual([]);
      expect(r.status).toMatch(/^ran on webgpu/);
      expect(r.output?.replace(/\s+/g, ' ').trim()).toBe('tensor([[10., 20.], [30., 40.]]) 100');
    }, 120_000);
  });
});
