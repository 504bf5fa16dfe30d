/**
 * `with torch.no_grad():` around an async block is a habit in JavaScript: `noGrad(async () => ...)`.
 * The scope cannot follow an `await`, so it used to close at the first one and record gradients
 * after it, silently. Now `noGrad`, `enableGrad` and `tidy` refuse async work at once, before it
 * runs, and leave no promise behind that could reject later.
 */
import * as tensorEntry from '@nn/tensor';
import { memory, type Tensor, tensor, tidy, ValueError } from '@nn/tensor';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../../vitest.backends.js';
import { enableGrad, installAutograd, noGrad } from '../src/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets pending promise jobs and timers run, so an orphaned rejection would surface. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

await describeEachBackend('async functions in scopes', (backend) => {
  it('noGrad(async () => ...) is refused before it runs (it recorded gradients after the first await)', async () => {
    installAutograd();
    const w = tensor([1, 2], { requiresGrad: true });
    let calls = 0;
    const body = async (): Promise<Tensor> => {
      calls++;
      await Promise.resolve();
      return w.mul(2);
    };
    expect(() => noGrad(body)).toThrow(ValueError);
    expect(() => noGrad(body)).toThrow(/noGrad: fn is an async function.*await y\.data\(\)/);
    expect(calls).toBe(0);
    // The synchronous form is the one that works: nothing recorded, values awaited outside.
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(Array.from(await y.data())).toEqual([2, 4]);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('enableGrad and tidy refuse async functions the same way', async () => {
    installAutograd();
    const before = memory().backends[backend]?.numTensors ?? 0;
    let calls = 0;
    const body = async (): Promise<Tensor> => {
      calls++;
      return tensor([1]);
    };
    expect(() => noGrad(() => enableGrad(body))).toThrow(/enableGrad: fn is an async function/);
    expect(() => tidy(body as never)).toThrow(/tidy: fn is an async function/);
    expect(() => tidy('named', body as never)).toThrow(/tidy: fn is an async function/);
    expect(calls).toBe(0);
    expect(memory().backends[backend]?.numTensors ?? 0).toBe(before);
  });

  it('a sync function that returns a promise is refused, and its later rejection is not left unhandled', async () => {
    installAutograd();
    let made: Tensor | null = null;
    const startsWork = (): Promise<number> => {
      made = tensor([1, 2, 3]);
      return Promise.reject(new Error('work that failed after the scope had closed'));
    };
    expect(() => tidy(startsWork as never)).toThrow(/tidy: fn returned a Promise/);
    // tidy freed what the function made before it failed.
    expect((made as Tensor | null)?.isDisposed).toBe(true);
    expect(() => noGrad(startsWork)).toThrow(/noGrad: fn returned a Promise/);
    expect(() => enableGrad(startsWork)).toThrow(/enableGrad: fn returned a Promise/);
    await settle();
    expect(unhandled).toEqual([]);
  });
});

it('noGrad and enableGrad are importable from @nn/tensor too (one function, two entry points)', () => {
  expect(tensorEntry.noGrad).toBe(noGrad);
  expect(tensorEntry.enableGrad).toBe(enableGrad);
});
