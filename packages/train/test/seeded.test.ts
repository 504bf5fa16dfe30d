// A seeded estimator owns its random stream: concurrent training changes nothing.
import { randn } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { NeuralNetwork } from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

const X = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]);
const y = X.map(([a, b]) => (a + b > 0.5 ? 2 : a > b ? 1 : 0));
// Dropout, weight noise, shuffles and a validation split: every kind of draw training makes.
const make = (seed: number) =>
  new NeuralNetwork({ layers: [2, 8, 3], seed, dropoutRate: 0.3, weightNoiseStd: 0.05 });
const train = (net: NeuralNetwork) =>
  net.train(X, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: false });

async function weights(net: NeuralNetwork): Promise<number[][]> {
  const out = await Promise.all(net.network.parameters().map(async (p) => Array.from(await p.data())));
  net.dispose();
  return out;
}

describe('seeded estimators', () => {
  it('trained concurrently give the same weights as trained one after the other', async () => {
    const a1 = make(1);
    await train(a1);
    const b1 = make(2);
    await train(b1);
    const [wa1, wb1] = [await weights(a1), await weights(b1)];

    // Built in the other order, with process-wide draws in between, trained at the same time.
    const b2 = make(2);
    randn([5]).dispose();
    const a2 = make(1);
    await Promise.all([train(a2), train(b2), Promise.resolve().then(() => randn([7]).dispose())]);
    expect(await weights(a2)).toEqual(wa1);
    expect(await weights(b2)).toEqual(wb1);
    expect(wa1).not.toEqual(wb1);
  }, 60_000);
});
