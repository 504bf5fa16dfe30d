import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@nn/layers';
import type { ModelKind } from './args.js';

/**
 * cnn: LeNet-sized — two 5×5 convolutions with 2×2 max pooling, then two dense layers
 * (28→24→12→8→4 spatially; 20,522 parameters). mlp: 784-128-10.
 */
export function buildModel(kind: ModelKind): Sequential {
  if (kind === 'mlp') return new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
  return new Sequential(
    new Conv2d(1, 8, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 4 * 4, 64),
    new ReLU(),
    new Linear(64, 10),
  );
}

export function describeModel(kind: ModelKind): string {
  return kind === 'mlp' ? 'MLP 784-128-10' : 'CNN conv5x5(8)-pool-conv5x5(16)-pool-64-10';
}
