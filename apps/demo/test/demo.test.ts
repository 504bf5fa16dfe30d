import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseArgs, UsageError } from '../src/args.js';
import { lossAccuracyChart } from '../src/chart.js';

describe('demo options', () => {
  it('reads flags over an options file over the defaults', () => {
    expect(parseArgs([])).toEqual(DEFAULTS);
    expect(parseArgs(['--help'])).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'nn-demo-'));
    const file = join(dir, 'opts.json');
    writeFileSync(file, JSON.stringify({ model: 'mlp', epochs: 3, lr: 0.01 }));
    const o = parseArgs(['--', '--config', file, '--epochs', '4', '--backend', 'wasm', '--no-progress']);
    expect(o).toMatchObject({
      model: 'mlp',
      epochs: 4,
      lr: 0.01,
      backend: 'wasm',
      progress: false,
      batchSize: 32,
    });
  });

  it('rejects bad options with a usage error', () => {
    for (const argv of [
      ['--model', 'rnn'],
      ['--backend', 'tpu'],
      ['--epochs', '0'],
      ['--lr', 'fast'],
      ['--train', '9000'],
      ['--bogus', '1'],
      ['--epochs'],
    ]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    }
  });

  it('reads --flag=value and -h, and its errors name the flag (node:util parseArgs)', () => {
    expect(parseArgs(['--epochs=2', '--model=mlp'])).toMatchObject({ epochs: 2, model: 'mlp' });
    expect(parseArgs(['-h'])).toBeNull();
    expect(() => parseArgs(['--bogus', '1'])).toThrow("Unknown option '--bogus'");
    expect(() => parseArgs(['--epochs'])).toThrow("Option '--epochs <value>' argument missing");
    expect(() => parseArgs(['--lr', 'fast'])).toThrow("--lr needs a number, got 'fast'");
    expect(() => parseArgs(['mnist'])).toThrow("Unexpected argument 'mnist'");
  });
});

describe('chart', () => {
  it('draws one polyline with a dot per epoch for each series', () => {
    const svg = lossAccuracyChart(
      'a <title>',
      [{ label: 'train loss', values: [1, 0.5, 0.25], color: '#111' }],
      [
        { label: 'train acc.', values: [80, 90, 95], color: '#222' },
        { label: 'test acc.', values: [85, Number.NaN, 96], color: '#333' },
      ],
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('a &lt;title&gt;');
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(3 + 3 + 2); // the NaN epoch has no dot
    expect(svg).not.toContain('NaN');
  });
});

describe('--export', () => {
  it('writes the model as safetensors and ONNX next to the JSON', async () => {
    const { cpu } = await import('@nn/backend-cpu');
    const { use } = await import('@nn/tensor');
    const { readSafetensors } = await import('@nn/io');
    const { readFileSync } = await import('node:fs');
    const { buildModel } = await import('../src/models.js');
    const { exportModel } = await import('../src/export.js');
    use(cpu());
    expect(parseArgs(['--export'])?.export).toBe(true);
    const model = buildModel('cnn');
    const dir = mkdtempSync(join(tmpdir(), 'nn-demo-export-'));
    const [weights, onnx] = await exportModel(model, 'cnn', dir);
    expect(weights).toBe(join(dir, 'mnist-cnn.safetensors'));
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(weights)));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(model.stateDict()).sort());
    // An ONNX ModelProto starts with field 1 (ir_version = 8) as a varint.
    expect([...readFileSync(onnx).subarray(0, 2)]).toEqual([0x08, 0x08]);
  });
});
