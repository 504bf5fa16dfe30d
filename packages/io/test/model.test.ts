import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear, ReLU, Sequential } from '@nn/layers';
import { memory, PlatformError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEY, loadModel, readSafetensors, saveModel, writeSafetensors } from '../src/index.js';
import { useCpu } from './helpers.js';

beforeAll(useCpu);

const build = (c: { hidden: number }) =>
  new Sequential(new Linear(4, c.hidden), new ReLU(), new Linear(c.hidden, 2));

describe('saveModel / loadModel in Node', () => {
  it('one safetensors file holds the weights and the config; a path round-trips it', async () => {
    const model = build({ hidden: 6 });
    const path = join(await mkdtemp(join(tmpdir(), 'nn-io-model-')), 'm.safetensors');
    const before = memory().numTensors;
    const size = await saveModel(model, path, { config: { hidden: 6 }, metadata: { note: 'x' } });
    expect(memory().numTensors).toBe(before);
    const { config, tensors, metadata } = await loadModel(path);
    expect(config).toEqual({ hidden: 6 });
    expect(metadata).toEqual({ format: 'pt', note: 'x', [CONFIG_KEY]: '{"hidden":6}' });
    const again = build(config as { hidden: number });
    again.loadStateDict(tensors);
    for (const t of tensors.values()) t.dispose();
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(path)).length).toBe(size);
  });

  it('a safetensors file without config loads with config null; bad config and targets are typed errors', async () => {
    const plain = await writeSafetensors({}, { [CONFIG_KEY]: '{not json' });
    await expect(loadModel(plain)).rejects.toThrow(/'nn.config' metadata is not JSON/);
    const none = await loadModel(await writeSafetensors({}));
    expect(none.config).toBe(null);
    expect(readSafetensors(await writeSafetensors({})).tensors.size).toBe(0);
    const model = build({ hidden: 2 });
    await expect(saveModel(model, 'indexeddb://x')).rejects.toThrow(PlatformError);
    await expect(saveModel(model, 'indexeddb://x')).rejects.toThrow(/IndexedDB is not available here/);
    await expect(saveModel(model, 'downloads://x')).rejects.toThrow(/needs a browser page/);
    await expect(saveModel(model, 'http://localhost/x')).rejects.toThrow(/cannot save to/);
    await expect(saveModel(model, 'indexeddb://')).rejects.toThrow(/names no model/);
  });
});
