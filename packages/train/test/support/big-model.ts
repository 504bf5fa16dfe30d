import { Module, Parameter } from '@nn/layers';
import { full, type Tensor } from '@nn/tensor';

/** 2,505,000 float32 weights (10 MB), every one set to `value`; no random initialisation to wait for. */
export class BigModel extends Module {
  weight = Parameter(full([2500, 1000], 0));
  bias = Parameter(full([2500], 0));
  head = Parameter(full([1, 2500], 0));

  forward(x: Tensor): Tensor {
    return x;
  }

  /** Sets every weight to `value`. */
  fill(value: number): void {
    for (const p of this.parameters()) {
      const v = full(p.shape, value);
      p.assign(v);
      v.dispose();
    }
  }
}
