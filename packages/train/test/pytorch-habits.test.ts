/**
 * Options as users of PyTorch, Keras and scikit-learn spell them, given to the training loop and
 * the estimator. Each was silently ignored before (`learningRate` trained at the default rate,
 * `activation: 'Relu'` failed deep inside, `on_epoch_end` was never called).
 */
import { installAutograd } from '@nn/autograd';
import { Linear } from '@nn/layers';
import { mseLoss } from '@nn/losses';
import { SGD } from '@nn/optim';
import { randn, tensor, UnknownOptionError, ValueError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../vitest.backends.js';
import { EarlyStopping, fit, LambdaCallback, NeuralNetwork } from '../src/index.js';

await describeEachBackend(
  'the NeuralNetwork estimator, as scikit-learn and Keras users configure it',
  (backend) => {
    it("rejects unknown options with the valid ones: learningRate means 'lr' (it was ignored)", () => {
      const call = () => new NeuralNetwork({ layers: [2, 4, 1], learningRate: 0.1 } as never);
      expect(call).toThrow(UnknownOptionError);
      expect(call).toThrow(
        /NeuralNetwork: unknown option 'learningRate' \(did you mean 'lr'\?\); valid options: layers, activation/,
      );
      expect(() => new NeuralNetwork({ layers: [2, 1], learning_rate_init: 0.1 } as never)).toThrow(
        /unknown option 'learning_rate_init' \(did you mean 'lr'\?\)/,
      );
      expect(() => new NeuralNetwork({ hidden_layer_sizes: [4], layers: [2, 1] } as never)).toThrow(
        /did you mean 'layers'/,
      );
      expect(
        () => new NeuralNetwork({ layers: [2, 1], lrScheduler: { type: 'step', step_size: 2 } } as never),
      ).toThrow(/lrScheduler 'step': unknown option 'step_size' \(did you mean 'stepSize'\?\)/);
    });

    it('rejects unknown activation names, listing the valid ones', () => {
      const call = () => new NeuralNetwork({ layers: [2, 4, 1], activation: 'Relu' as never });
      expect(call).toThrow(ValueError);
      expect(call).toThrow(
        /NeuralNetwork: unknown activation 'Relu' \(did you mean 'relu'\?\); valid activations: relu, leakyRelu, elu/,
      );
      expect(() => new NeuralNetwork({ layers: [2, 4, 1], activation: 'constructor' as never })).toThrow(
        /unknown activation 'constructor'/,
      );
    });

    it('checks labels given as a width-1 column as integers (they were truncated)', async () => {
      const net = new NeuralNetwork({ layers: [2, 4, 2], seed: 1, backend });
      const X = [
        [0, 0],
        [0, 1],
        [1, 0],
      ];
      await expect(net.train(X, [[0], [1.5], [1]], { epochs: 1, verbose: false })).rejects.toThrow(
        /train: label 1\.5 at sample 1 is not a class index \(an integer\)/,
      );
      await expect(net.train(X, [0, 0.5, 1], { epochs: 1, verbose: false })).rejects.toThrow(ValueError);
      net.dispose();
    });

    it("train(X, y, { batch_size: 8 }) names batchSize; evaluate's regression units are its documented ones", async () => {
      const net = new NeuralNetwork({ layers: [1, 8, 1], regression: true, seed: 1, backend });
      const X = Array.from({ length: 32 }, (_, i) => [i / 8]);
      const y = X.map(([v]) => [100 + 50 * v]);
      await expect(net.train(X, y, { batch_size: 8 } as never)).rejects.toThrow(
        /NeuralNetwork\.train: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/,
      );
      await net.train(X, y, { epochs: 3, verbose: false });
      const r = await net.evaluate(X, y);
      expect(Object.keys(r).sort()).toEqual(['loss', 'mae', 'mse', 'r2']);
      // loss is on standardised targets, mse in target units²: the targets' spread (~2,700) sets them apart.
      expect(r.mse / r.loss).toBeGreaterThan(100);
      net.dispose();
    });
  },
  ['cpu', 'wasm'],
);

describe('the training loop, as PyTorch and Keras users call it', () => {
  it('fit({ epoch: 3 }) and LambdaCallback({ on_epoch_end }) name the right keys', async () => {
    installAutograd();
    const model = new Linear(2, 1);
    const x = randn([8, 2]);
    const y = tensor(Array.from({ length: 8 }, () => [1]));
    const base = { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), train: [[x, y]] };
    await expect(fit(model, { ...base, epoch: 3 } as never)).rejects.toThrow(
      /fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/,
    );
    expect(() => new LambdaCallback({ on_epoch_end: () => {} } as never)).toThrow(
      /LambdaCallback: unknown option 'on_epoch_end' \(did you mean 'onEpochEnd'\?\)/,
    );
    expect(() => new EarlyStopping({ min_delta: 0.1 } as never)).toThrow(/did you mean 'minDelta'/);
  });
});
