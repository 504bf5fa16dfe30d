import {
  BatchNorm2d,
  Conv2d,
  Embedding,
  Flatten,
  LayerNorm,
  Linear,
  LSTM,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '@nn/layers';
import { cat, flatten, relu, type Tensor } from '@nn/tensor';

// MaxPool2d is typed as possibly returning indices, which Sequential's layer type refuses.
const pool = (k: number): Module => new MaxPool2d(k) as unknown as Module;

/** The reference files' `Mixed` (mixed_io.json → model_code), written with nn's layers. */
export class Mixed extends Module<[Tensor, Tensor]> {
  features = new Sequential(new Conv2d(3, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), pool(2));
  fc = new Linear(8 * 4 * 4, 16);
  emb = new Embedding(20, 12);
  lstm = new LSTM(12, 16, { numLayers: 2, batchFirst: true });
  norm = new LayerNorm(16);
  head = new Linear(32, 5);

  forward(image: Tensor, tokens: Tensor): Tensor {
    const x = relu(this.fc.call(flatten(this.features.call(image), 1)));
    const [y] = this.lstm.call(this.emb.call(tokens));
    const last = this.norm.call(y.select(1, -1));
    return this.head.call(cat([x, last], 1));
  }
}

/** The reference files' MLP (mlp_io.json → model_code). */
export function mlp(): Sequential {
  return new Sequential(new Flatten(), new Linear(784, 64), new ReLU(), new Linear(64, 10));
}

/** A JSON tensor of the reference files: `{shape, dtype, data}`. */
export interface JsonTensor {
  shape: number[];
  dtype: string;
  data: unknown;
}

/** PyTorch's allclose: |got - want| <= atol + rtol · |want| everywhere; the worst ratio for messages. */
export function allclose(got: ArrayLike<number>, want: readonly number[], rtol = 1e-4, atol = 1e-5): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const ratio = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    if (!(ratio <= worst)) worst = ratio;
  }
  return worst;
}
