import type { TensorView } from '../backend.js';
import { recordOp } from '../engine.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { assertDTypeSupported, backendOf, fromStorage } from './util.js';

/**
 * x with dim d replaced by the listed positions (all known to be in range, so no check reads them
 * back): one gather with a broadcast index, recorded as indexSelect so the gradient scatters back.
 */
export function takeAlong(x: Tensor, d: number, positions: Int32Array): Tensor {
  const b = backendOf('take', x);
  assertDTypeSupported('take', b, 'int32');
  const outShape = [...x.shape];
  outShape[d] = positions.length;
  return tidy(() => {
    const index = tensor(positions, { dtype: 'int32', backend: x.backendName });
    const view: TensorView = {
      storage: index.storage,
      dtype: 'int32',
      shape: outShape,
      strides: outShape.map((_, i) => (i === d ? 1 : 0)),
      offset: 0,
    };
    const y = fromStorage(b, b.gather(x, d, view), x.dtype, outShape);
    recordOp('indexSelect', [x, index], [y], { dim: d });
    return y;
  });
}
