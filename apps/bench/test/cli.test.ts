import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, wanted } from '../src/cli.js';

describe('parseArgs', () => {
  it('has the documented defaults', () => {
    const { benches, options, help } = parseArgs(['matmul']);
    expect(benches).toEqual(['matmul']);
    expect(help).toBe(false);
    expect(options).toMatchObject({
      sizes: [128, 256, 512, 1024],
      samples: 7,
      warmup: 2,
      epochs: 1,
      models: ['mlp', 'cnn'],
    });
    expect(options.impls).toBeUndefined();
    expect(options.profile).toBe(false);
    expect(options.limit).toBeUndefined();
    expect(wanted(options, 'tfjs-webgpu')).toBe(true);
    // The baseline wasm kernels (the fallback of the relaxed-SIMD ones) run only when named.
    expect(wanted(options, 'nn-wasm-baseline')).toBe(false);
    expect(wanted(parseArgs(['matmul', '--impl', 'nn-wasm-baseline']).options, 'nn-wasm-baseline')).toBe(
      true,
    );
  });

  it('reads lists, numbers, --flag=value and a stray -- from pnpm', () => {
    const { benches, options } = parseArgs([
      '--',
      'train',
      '--impl',
      'nn-cpu,tfjs-cpu',
      '--sizes=64,128',
      '--epochs',
      '3',
      '--limit',
      '640',
      '--models',
      'cnn',
      '--json',
    ]);
    expect(benches).toEqual(['train']);
    expect(options).toMatchObject({
      impls: ['nn-cpu', 'tfjs-cpu'],
      sizes: [64, 128],
      epochs: 3,
      limit: 640,
      models: ['cnn'],
      json: true,
    });
    expect(wanted(options, 'nn-cpu')).toBe(true);
    expect(wanted(options, 'nn-wasm')).toBe(false);
  });

  it('rejects unknown flags, impls and models, and bad numbers', () => {
    expect(() => parseArgs(['matmul', '--fast'])).toThrow(UsageError);
    expect(() => parseArgs(['matmul', '--impl', 'nn-gpu'])).toThrow(/unknown impl nn-gpu/);
    expect(() => parseArgs(['train', '--models', 'rnn'])).toThrow(/unknown model rnn/);
    expect(() => parseArgs(['matmul', '--samples', '0'])).toThrow(/--samples needs an integer >= 1, got 0/);
    expect(() => parseArgs(['matmul', '--sizes', '12.5'])).toThrow(UsageError);
    expect(() => parseArgs(['matmul', '--sizes'])).toThrow("Option '--sizes <value>' argument missing");
    expect(() => parseArgs(['matmul', '--fast'])).toThrow("Unknown option '--fast'");
    expect(() => parseArgs(['matmul', '--sizes='])).toThrow('--sizes needs a value');
  });

  it('reads --profile and knows torch-cpu', () => {
    const { options } = parseArgs(['train', '--profile', '--impl', 'nn-wasm,torch-cpu']);
    expect(options.profile).toBe(true);
    expect(options.impls).toEqual(['nn-wasm', 'torch-cpu']);
  });
});
