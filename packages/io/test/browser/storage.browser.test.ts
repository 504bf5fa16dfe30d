import { cpu } from '@nn/backend-cpu';
import { Flatten, Linear, ReLU, Sequential } from '@nn/layers';
import { manualSeed, memory, tensor, tidy, use } from '@nn/tensor';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  deleteModel,
  listModels,
  loadModel,
  loadSafetensors,
  loadTorch,
  SourceError,
  saveModel,
} from '../../src/index.js';

// Fixtures come over http(s) from the test server, as a deployed app would fetch them.
const fixtureUrl = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);

beforeAll(() => {
  use(cpu());
  manualSeed(3);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function build(config: { hidden: number }) {
  return new Sequential(
    new Flatten(),
    new Linear(12, config.hidden),
    new ReLU(),
    new Linear(config.hidden, 3),
  );
}

async function weights(m: {
  stateDict(): Record<string, { data(): Promise<ArrayLike<number>>; dispose(): void }>;
}) {
  const sd = m.stateDict();
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(sd)) {
    out[k] = Array.from(await v.data());
    v.dispose();
  }
  return out;
}

describe('browser storage (Chromium)', () => {
  it('saves a model (config + weights) to IndexedDB and loads it back after it is gone from memory', async () => {
    const config = { hidden: 7 };
    const model = build(config);
    const want = await weights(model);
    const bytes = await saveModel(model, 'indexeddb://tiny-mlp', { config });
    expect(bytes).toBeGreaterThan(0);
    expect(await listModels()).toContain('tiny-mlp');
    const loaded = await loadModel('indexeddb://tiny-mlp');
    expect(loaded.config).toEqual(config);
    expect(loaded.metadata.format).toBe('pt');
    const again = build(loaded.config as typeof config);
    again.loadStateDict(loaded.tensors);
    for (const t of loaded.tensors.values()) t.dispose();
    expect(await weights(again)).toEqual(want);
    await deleteModel('indexeddb://tiny-mlp');
    expect(await listModels()).not.toContain('tiny-mlp');
    await expect(loadModel('indexeddb://tiny-mlp')).rejects.toThrow(SourceError);
    await expect(loadModel('indexeddb://tiny-mlp')).rejects.toThrow(/no model named 'tiny-mlp' in IndexedDB/);
  });

  it('offers the model as a download (a .safetensors file the page can read back)', async () => {
    const clicked: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    });
    const model = build({ hidden: 5 });
    const want = await weights(model);
    await saveModel(model, 'downloads://my-model', { config: { hidden: 5 } });
    expect(clicked).toHaveLength(1);
    expect(clicked[0].download).toBe('my-model.safetensors');
    expect(clicked[0].href).toMatch(/^blob:/);
    const file = new File([await (await fetch(clicked[0].href)).blob()], 'my-model.safetensors');
    const loaded = await loadModel(file);
    expect(loaded.config).toEqual({ hidden: 5 });
    const again = build({ hidden: 5 });
    again.loadStateDict(loaded.tensors);
    expect(await weights(again)).toEqual(want);
  });

  it('loads PyTorch-made models from http(s) URLs and reproduces their outputs', async () => {
    const io = (await (await fetch(fixtureUrl('mlp_io.json'))).json()) as {
      inputs: { x: { shape: number[]; data: unknown } };
      output: { data: unknown };
    };
    const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [Number(v)]);
    for (const sd of [
      await loadSafetensors(fixtureUrl('mlp_mnistlike.safetensors')),
      await loadTorch(fixtureUrl('mlp_mnistlike.pt').href),
    ]) {
      const mlp = new Sequential(new Flatten(), new Linear(784, 64), new ReLU(), new Linear(64, 10));
      expect(mlp.loadStateDict(sd).missingKeys).toEqual([]);
      for (const t of sd.values()) t.dispose();
      mlp.eval();
      const got = tidy(() =>
        Array.from(mlp.call(tensor(flat(io.inputs.x.data), { shape: io.inputs.x.shape })).dataSync()),
      );
      const want = flat(io.output.data);
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want[i]));
    }
    const missing = await loadModel(fixtureUrl('no-such-model.safetensors')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SourceError);
    expect((missing as Error).message).toMatch(/HTTP 404/);
  });

  it('refuses what a browser cannot do, with typed errors', async () => {
    const model = build({ hidden: 2 });
    const before = memory().numTensors;
    await expect(loadSafetensors('model.safetensors')).rejects.toThrow(
      /file paths need Node.js; in a browser pass a URL/,
    );
    await expect(saveModel(model, 'https://example.invalid/m')).rejects.toThrow(/cannot save to/);
    expect(memory().numTensors).toBe(before);
  });
});
