import { Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from '@nn/layers';

// MaxPool2d is typed as possibly returning indices, which Sequential's layer type refuses.
const pool = (k: number): Module => new MaxPool2d(k) as unknown as Module;

/**
 * The playground's MNIST CNN, the same LeNet-sized network as `npm run demo`: two 5×5
 * convolutions with 2×2 max pooling, then 256→64→10 (20,522 parameters).
 */
export function buildMnistCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 5),
    new ReLU(),
    pool(2),
    new Conv2d(8, 16, 5),
    new ReLU(),
    pool(2),
    new Flatten(),
    new Linear(16 * 4 * 4, 64),
    new ReLU(),
    new Linear(64, 10),
  );
}
